"""Resolving memory options against a model and GPU, and composing the memory answer. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flopcheck.answers.results import MemoryAssumptions, MemoryBreakdown, MemoryResult, StrategyResult
from flopcheck.core import fitting as strategies
from flopcheck.core import memory
from flopcheck.core.errors import InputError
from flopcheck.core.memory import Finetune, Offload, Optimizer, Recompute, TrainPrecision


@dataclass(frozen=True)
class MemoryOptions:
    """The memory flags as given. ``finetune`` None means full training, not asked for explicitly (LoRA is
    then not suggested as a way to fit)."""

    master_weights: bool = True
    optimizer: Optimizer = Optimizer.ADAMW
    micro_batch: int = 1
    seq_len: int | None = None
    recompute: Recompute = Recompute.NONE
    zero: int = 0
    offload: Offload = Offload.NONE
    finetune: Finetune | None = None
    lora_rank: int | None = None
    lora_targets: str | None = None
    overhead_bytes: float = memory.DEFAULT_OVERHEAD_BYTES


def _precision(compute_precision: str, master_weights: bool) -> TrainPrecision:
    full = compute_precision in ("fp32", "tf32")
    if not master_weights:
        if full:
            raise InputError("--no-master-weights keeps 16-bit weights; it does not go with --precision fp32/tf32")
        return TrainPrecision.PURE16
    return TrainPrecision.FP32 if full else TrainPrecision.MIXED


def resolve(
    shape: memory.Shape | None, n_ctx: int | None, count: int, compute_precision: str, opts: MemoryOptions
) -> memory.Config:
    """Check the combination of options and turn it into a memory configuration."""
    precision = _precision(compute_precision, opts.master_weights)
    finetune = opts.finetune or Finetune.FULL
    lora = finetune is not Finetune.FULL
    if not lora and (opts.lora_rank is not None or opts.lora_targets is not None):
        raise InputError("--lora-rank and --lora-targets go with --finetune lora or qlora")
    if lora and shape is None:
        raise InputError("LoRA needs the model's architecture: give --layers, --hidden and --heads")
    if finetune is Finetune.QLORA and precision is TrainPrecision.FP32:
        raise InputError("QLoRA computes in 16-bit over a 4-bit base; it does not go with --precision fp32/tf32")
    if opts.offload is Offload.OPTIMIZER and opts.zero < 1:
        raise InputError("optimizer offload (ZeRO-Offload) needs --zero 1, 2 or 3")
    if opts.offload is Offload.ALL and opts.zero < 3:
        raise InputError("parameter offload needs --zero 3")
    return memory.Config(
        precision=precision,
        optimizer=opts.optimizer,
        micro_batch=opts.micro_batch,
        seq_len=opts.seq_len or n_ctx or 0,
        recompute=opts.recompute,
        zero=opts.zero,
        gpus=count,
        offload=opts.offload,
        finetune=finetune,
        lora_rank=opts.lora_rank or 8,
        lora_targets=opts.lora_targets or "qv",
        overhead_bytes=opts.overhead_bytes,
    )


def _breakdown(e: memory.Estimate) -> MemoryBreakdown:
    def whole(value: float | None) -> int | None:
        return None if value is None else round(value)

    return MemoryBreakdown(
        weights_bytes=round(e.weights_bytes),
        gradients_bytes=round(e.gradients_bytes),
        master_weights_bytes=round(e.master_weights_bytes),
        optimizer_bytes=round(e.optimizer_bytes),
        optimizer_states_bytes={k: round(v) for k, v in e.optimizer_state_bytes.items()},
        activations_bytes=whole(e.activations_bytes),
        recompute_buffer_bytes=whole(e.recompute_buffer_bytes),
        output_bytes=whole(e.output_bytes),
        overhead_bytes=round(e.overhead_bytes),
    )


def memory_assumptions(config: memory.Config, e: memory.Estimate) -> MemoryAssumptions:
    lora = config.finetune is not Finetune.FULL
    return MemoryAssumptions(
        training_precision=config.precision.value,
        optimizer=config.optimizer.value,
        bytes_per_param=e.bytes_per_param,
        micro_batch=config.micro_batch,
        seq_len=config.seq_len or None,
        recompute=config.recompute.value,
        zero_stage=config.zero,
        data_parallel_gpus=config.gpus,
        offload=config.offload.value,
        finetune=config.finetune.value,
        lora_rank=config.lora_rank if lora else None,
        lora_targets=config.lora_targets if lora else None,
        trainable_params=round(e.trainable_params),
        overhead_bytes=round(config.overhead_bytes),
    )


def _settings(config: memory.Config) -> dict[str, str | int]:
    return {
        "recompute": config.recompute.value,
        "optimizer": config.optimizer.value,
        "zero_stage": config.zero,
        "offload": config.offload.value,
        "finetune": config.finetune.value,
    }


def _notes(config: memory.Config, e: memory.Estimate, shape: memory.Shape | None) -> tuple[str, ...]:
    notes = []
    if config.zero > 0 and config.gpus == 1:
        notes.append(f"ZeRO stage {config.zero} over 1 GPU shards nothing")
    if shape is None:
        notes.append("activations left out: the model's shape is unknown (give --layers, --hidden, --heads)")
    elif e.activations_bytes is None:
        notes.append("activations left out: no sequence length (give --seq-len)")
    elif e.output_bytes is None:
        notes.append("embedding and output layer left out: the vocabulary size is not published (give --vocab)")
    if config.offload is not Offload.NONE:
        notes.append("host RAM is per GPU: a node needs it once for each of its GPUs")
    return tuple(notes)


def build(
    params: float,
    shape: memory.Shape | None,
    config: memory.Config,
    available_bytes: float | None,
    suggest_lora: bool,
) -> MemoryResult:
    """The memory answer: breakdown, verdict against ``available_bytes`` (if a GPU was given), the largest
    micro-batch, the smallest ZeRO-3 GPU count and, when it does not fit, the ways to make it fit."""
    e = memory.estimate(params, shape, config)
    if not math.isfinite(e.total_bytes):
        raise InputError("the memory needed is too large to compute; check the parameter count and batch")
    required = round(e.total_bytes)
    fits = None if available_bytes is None else required <= available_bytes
    ways: tuple[StrategyResult, ...] = ()
    if available_bytes is not None and not fits:
        ways = tuple(
            StrategyResult(
                name=s.name,
                required_bytes=round(s.estimate.total_bytes),
                host_bytes=round(s.estimate.host_bytes),
                fits=s.fits,
                slowdown=s.slowdown,
                settings=_settings(s.config),
            )
            for s in strategies.ways_to_fit(params, shape, config, available_bytes, suggest_lora)
        )
    return MemoryResult(
        required_bytes=required,
        available_bytes=None if available_bytes is None else round(available_bytes),
        fits=fits,
        host_bytes=round(e.host_bytes),
        breakdown=_breakdown(e),
        assumptions=memory_assumptions(config, e),
        max_micro_batch=None
        if available_bytes is None
        else strategies.max_micro_batch(params, shape, config, available_bytes),
        min_gpus_zero3=None
        if available_bytes is None
        else strategies.min_gpus_zero3(params, shape, config, available_bytes),
        strategies=ways,
        notes=_notes(config, e, shape),
        modelled=memory.MODELLED,
        not_modelled=memory.NOT_MODELLED,
    )
