"""Ways to make a training run fit in GPU memory, the largest micro-batch that fits, and the smallest GPU
count that fits with ZeRO-3. Pure: built on ``memory.estimate``."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

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


@dataclass(frozen=True)
class Strategy:
    """One change (or combination of changes) to the run's memory settings."""

    name: str
    changes: frozenset[str]
    config: Config
    estimate: Estimate
    fits: bool
    slowdown: float
    """Hardware FLOP per model FLOP: only recomputation adds FLOPs; communication and offload costs are not
    modelled."""


def _options(base: Config, shape: Shape | None, include_lora: bool) -> list[list[tuple[str, dict[str, object]]]]:
    """Per dimension, the alternatives to try: (label, config changes); the first keeps the base setting."""
    keep: tuple[str, dict[str, object]] = ("", {})
    recompute = [keep]
    if shape is not None and base.recompute is Recompute.NONE:
        recompute.append(("selective recomputation", {"recompute": Recompute.SELECTIVE}))
    if shape is not None and base.recompute is not Recompute.FULL:
        recompute.append(("full recomputation", {"recompute": Recompute.FULL}))
    optimizer = [keep]
    if base.optimizer is Optimizer.ADAMW:
        optimizer.append(("8-bit AdamW", {"optimizer": Optimizer.ADAMW_8BIT}))
    precision = [keep]
    if base.precision is TrainPrecision.MIXED:
        precision.append(("pure bf16 (no fp32 master copy)", {"precision": TrainPrecision.PURE16}))
    zero = [keep]
    if base.gpus > 1:
        zero += [(f"ZeRO-{k} over {base.gpus} GPUs", {"zero": k}) for k in (2, 3) if base.zero < k]
    offload = [keep]
    if base.offload is Offload.NONE:
        offload.append(("optimizer offload to CPU", {"offload": Offload.OPTIMIZER, "zero": max(base.zero, 2)}))
    finetune = [keep]
    if include_lora and shape is not None and base.finetune is Finetune.FULL:
        finetune += [
            (f"LoRA r={base.lora_rank}", {"finetune": Finetune.LORA}),
            (f"QLoRA r={base.lora_rank}", {"finetune": Finetune.QLORA}),
        ]
    return [recompute, optimizer, precision, zero, offload, finetune]


def ways_to_fit(
    params: float, shape: Shape | None, base: Config, available_bytes: float, include_lora: bool
) -> list[Strategy]:
    """Single techniques and combinations that bring per-GPU memory under ``available_bytes``, ranked by
    slowdown, then by how few changes they need, then by memory. A combination is left out when a subset of
    its changes already fits."""
    found: list[Strategy] = []
    for combo in itertools.product(*_options(base, shape, include_lora)):
        chosen = [(label, changes) for label, changes in combo if label]
        if not chosen:
            continue
        config = base
        for _, changes in chosen:
            config = replace(config, **changes)  # type: ignore[arg-type]
        result = estimate(params, shape, config)
        fits = result.total_bytes <= available_bytes
        if not fits:
            continue
        found.append(
            Strategy(
                name=" + ".join(label for label, _ in chosen),
                changes=frozenset(label for label, _ in chosen),
                config=config,
                estimate=result,
                fits=fits,
                slowdown=recompute_factor(config.recompute, params, shape, config.seq_len),
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
    activations and the allowance do not. None when no count fits (or none up to a million)."""
    base = replace(config, zero=3, offload=Offload.NONE)
    one = estimate(params, shape, replace(base, gpus=1)).total_bytes
    two = estimate(params, shape, replace(base, gpus=2)).total_bytes
    sharded = 2.0 * (one - two)
    fixed = one - sharded
    if fixed >= available_bytes:
        return None
    count = max(1, math.ceil(sharded / (available_bytes - fixed)))
    if count > MAX_GPUS:
        return None
    while count > 1 and estimate(params, shape, replace(base, gpus=count - 1)).total_bytes <= available_bytes:
        count -= 1  # guard against rounding at the boundary
    while estimate(params, shape, replace(base, gpus=count)).total_bytes > available_bytes:
        count += 1
    return count if count <= MAX_GPUS else None
