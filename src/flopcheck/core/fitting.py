"""Ways to make a training run fit in GPU memory, the largest micro-batch that fits, and the smallest GPU
count that fits with ZeRO-3. Pure: built on ``memory.estimate``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import replace

from flopcheck.core.activations import Attention, Loss
from flopcheck.core.frozen import frozen_dataclass, replaced
from flopcheck.core.memory import (
    Config,
    Estimate,
    Finetune,
    Offload,
    Optimizer,
    Recompute,
    Shape,
    TrainPrecision,
    estimate,
    recompute_factor,
)

MAX_STRATEGIES = 8
MAX_GPUS = 1_000_000


@frozen_dataclass
class Change:
    """One lever: what it is called, what it changes, and the command-line flags that pull it."""

    label: str
    changes: tuple[tuple[str, object], ...]
    flags: tuple[str, ...]


@frozen_dataclass
class Strategy:
    """One change (or combination of changes) to the run's memory settings."""

    name: str
    changes: frozenset[str]
    flags: tuple[str, ...]
    config: Config
    estimate: Estimate
    fits: bool
    slowdown: float
    """Time per step relative to the run as given (hardware FLOPs only, unless a step-time model is given)."""


def _change(label: str, flags: tuple[str, ...], **changes: object) -> Change:
    return Change(label, tuple(changes.items()), flags)


def _levers(base: Config, shape: Shape | None, include_lora: bool) -> list[list[Change]]:
    """Per dimension, the alternatives to try; an empty dimension keeps the base setting."""
    recompute: list[Change] = []
    if shape is not None and base.recompute is Recompute.NONE:
        recompute.append(
            _change("selective recomputation", ("--recompute", "selective"), recompute=Recompute.SELECTIVE)
        )
    if shape is not None and base.recompute is not Recompute.FULL:
        recompute.append(_change("full recomputation", ("--recompute", "full"), recompute=Recompute.FULL))
    if shape is not None and not base.offload_activations:
        recompute.append(
            _change(
                "full recomputation + activation offload",
                ("--recompute", "full", "--offload-activations"),
                recompute=Recompute.FULL,
                offload_activations=True,
            )
        )
    optimizer: list[Change] = []
    if base.optimizer is Optimizer.ADAMW:
        optimizer.append(_change("8-bit AdamW", ("--optimizer", "adamw-8bit"), optimizer=Optimizer.ADAMW_8BIT))
        if base.offload is Offload.NONE:
            optimizer.append(
                _change(
                    "paged 8-bit AdamW",
                    ("--optimizer", "adamw-8bit", "--paged-optimizer"),
                    optimizer=Optimizer.ADAMW_8BIT,
                    paged_optimizer=True,
                )
            )
    precision: list[Change] = []
    if base.precision is TrainPrecision.MIXED:
        precision.append(
            _change("pure bf16 (no fp32 master copy)", ("--no-master-weights",), precision=TrainPrecision.PURE16)
        )
    zero: list[Change] = []
    if base.gpus > 1:
        zero = [_change(f"ZeRO-{k} over {base.gpus} GPUs", ("--zero", str(k)), zero=k) for k in (2, 3) if base.zero < k]
    offload: list[Change] = []
    if base.offload is Offload.NONE:
        offload.append(
            _change(
                "optimizer offload to CPU",
                ("--offload", "optimizer"),
                offload=Offload.OPTIMIZER,
                zero=max(base.zero, 2),
            )
        )
    in_backward: list[Change] = []
    if base.gpus == 1 and base.finetune is Finetune.FULL and not base.optimizer_in_backward:
        in_backward.append(
            _change("optimizer step in the backward pass", ("--optimizer-in-backward",), optimizer_in_backward=True)
        )
    loss: list[Change] = []
    if shape is not None and shape.vocab_size and base.loss is Loss.STANDARD:
        loss = [
            _change("chunked cross-entropy", ("--loss", "chunked"), loss=Loss.CHUNKED),
            _change("fused linear cross-entropy", ("--loss", "fused"), loss=Loss.FUSED),
        ]
    attention: list[Change] = []
    if shape is not None and base.attention is Attention.EAGER:
        attention.append(_change("FlashAttention", ("--attention", "flash"), attention=Attention.FLASH))
    finetune: list[Change] = []
    if include_lora and shape is not None and base.finetune is Finetune.FULL:
        finetune = [
            _change(f"LoRA r={base.lora_rank}", ("--finetune", "lora"), finetune=Finetune.LORA),
            _change(f"QLoRA r={base.lora_rank}", ("--finetune", "qlora"), finetune=Finetune.QLORA),
        ]
    return [attention, loss, recompute, optimizer, precision, in_backward, zero, offload, finetune]


def _valid(config: Config) -> bool:
    """Combinations no stack runs: the optimizer step in the backward pass with offloaded or sharded states."""
    if config.optimizer_in_backward and (config.offload is not Offload.NONE or config.zero > 0):
        return False
    return not (config.paged_optimizer and config.offload is not Offload.NONE)


def ways_to_fit(
    params: float,
    shape: Shape | None,
    base: Config,
    available_bytes: float,
    include_lora: bool,
    slowdown: Callable[[Config], float] | None = None,
) -> list[Strategy]:
    """Single levers and combinations that bring per-GPU memory under ``available_bytes``, ranked by
    slowdown, then by how few changes they need, then by memory. A combination is left out when a subset of
    its changes already fits. ``slowdown`` prices a configuration's step time against the base's; without
    it, only recomputation's extra FLOPs count."""
    cost = slowdown or (lambda c: recompute_factor(c.recompute, params, shape, c.seq_len))
    found: list[Strategy] = []
    # Each dimension tries "unchanged" first, so every subset of a combination comes before it: a combination
    # with a subset that already fits is never kept (see ``minimal``) and is not estimated at all.
    for combo in itertools.product(*([None, *dimension] for dimension in _levers(base, shape, include_lora))):
        chosen = [change for change in combo if change is not None]
        if not chosen:
            continue
        labels = frozenset(change.label for change in chosen)
        if any(other.changes < labels for other in found):
            continue
        merged = {name: value for change in chosen for name, value in change.changes}  # later changes win
        config = replaced(base, merged)
        if not _valid(config):
            continue
        result = estimate(params, shape, config)
        if result.total_bytes > available_bytes:
            continue
        found.append(
            Strategy(
                name=" + ".join(change.label for change in chosen),
                changes=labels,
                flags=tuple(flag for change in chosen for flag in change.flags),
                config=config,
                estimate=result,
                fits=True,
                slowdown=cost(config),
            )
        )
    minimal = [s for s in found if not any(o.changes < s.changes for o in found)]
    minimal.sort(key=lambda s: (round(s.slowdown, 6), len(s.changes), s.estimate.total_bytes))
    return minimal[:MAX_STRATEGIES]


def max_micro_batch(params: float, shape: Shape | None, config: Config, available_bytes: float) -> int | None:
    """The largest micro-batch whose memory fits: memory is affine in the micro-batch. None when the
    activations are unknown (no shape); 0 when even the model states do not fit."""
    one = estimate(params, shape, replace(config, micro_batch=1))
    if one.activations_bytes is None:
        return None
    two = estimate(params, shape, replace(config, micro_batch=2))
    per_sample = two.total_bytes - one.total_bytes
    fixed = one.total_bytes - per_sample
    if fixed + per_sample > available_bytes:
        return 0
    return int((available_bytes - fixed) // per_sample)


def min_gpus_zero3(params: float, shape: Shape | None, config: Config, available_bytes: float) -> int | None:
    """The smallest data-parallel GPU count at which ZeRO-3 without offload fits: model states shrink as 1/N,
    activations and the fixed terms do not. None when no count fits (or none up to a million)."""
    base = replace(config, zero=3, offload=Offload.NONE, optimizer_in_backward=False)

    def total(gpus: int) -> float:
        return estimate(params, shape, replace(base, gpus=gpus)).total_bytes

    two, three = total(2), total(3)
    sharded = 6.0 * (two - three)  # states/N: S/2 - S/3 = S/6
    fixed = two - sharded / 2.0
    if fixed >= available_bytes:
        return None
    count = max(2, math.ceil(sharded / (available_bytes - fixed)))
    if count > MAX_GPUS:
        return None
    while count > 2 and total(count - 1) <= available_bytes:
        count -= 1  # guard against rounding at the boundary
    while total(count) > available_bytes:
        count += 1
        if count > MAX_GPUS:
            return None
    if total(1) <= available_bytes:
        return 1
    return count
