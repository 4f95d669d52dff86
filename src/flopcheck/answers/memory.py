"""Resolving memory options against a model, a stack and a GPU, and composing the memory answer. Pure."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from flopcheck.answers.results import MemoryAssumptions, MemoryBreakdown, MemoryResult, StrategyResult
from flopcheck.core import fitted, memory, sharding
from flopcheck.core import fitting as strategies
from flopcheck.core.activations import Attention, Loss
from flopcheck.core.errors import InputError
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.layout import Layout, problem
from flopcheck.core.memory import Finetune, Offload, Optimizer, Recompute, TrainPrecision
from flopcheck.core.stacks import NCCL_BYTES, Stack, preset, sequence_length


@frozen_dataclass
class MemoryOptions:
    """The memory flags as given. None means "the stack's or the run's default"; ``finetune`` None means
    pre-training, not asked for (LoRA is then not suggested as a way to fit)."""

    master_weights: bool = True
    optimizer: Optimizer = Optimizer.ADAMW
    micro_batch: int | None = None
    """None: 1 for memory; for throughput, the largest that fits (``throughput_micro_batch``)."""
    seq_len: int | None = None
    recompute: Recompute | None = None
    """None: the stack's default (full recomputation for QLoRA under transformers + PEFT, else none)."""
    zero: int | None = None
    offload: Offload = Offload.NONE
    finetune: Finetune | None = None
    lora_rank: int | None = None
    lora_targets: frozenset[str] | None = None
    attention: Attention | None = None
    loss: Loss | None = None
    compiled: bool | None = None
    optimizer_in_backward: bool = False
    paged_optimizer: bool = False
    offload_activations: bool = False
    stack: str | None = None
    overhead_bytes: float | None = None
    layout: Layout | None = None
    """None: not given (plain data parallelism, or the best layout above one node)."""
    tp_comm_overlap: bool = False
    """Tensor-parallel communication overlapped with the forward GEMMs too (``Layout.tp_comm_overlap``), for the
    layout given or the ones searched."""
    global_batch: int | None = None
    """Sequences per optimizer step: the accumulation steps (``sharding.accumulation_steps``); None: none."""


@frozen_dataclass
class Resolved:
    """A memory configuration with the stack it came from."""

    config: memory.Config
    stack: Stack


def _precision(compute_precision: str, master_weights: bool) -> TrainPrecision:
    full = compute_precision in ("fp32", "tf32")
    if not master_weights:
        if full:
            raise InputError("--no-master-weights keeps 16-bit weights; it does not go with --precision fp32/tf32")
        return TrainPrecision.PURE16
    return TrainPrecision.FP32 if full else TrainPrecision.MIXED


def _zero(opts: MemoryOptions) -> int:
    """ZeRO-Offload needs the stage it builds on: optimizer offload implies stage 2 (Ren et al. 2021 build on
    ZeRO-2), parameter offload stage 3."""
    needed = {Offload.NONE: 0, Offload.OPTIMIZER: 2, Offload.ALL: 3}[opts.offload]
    if opts.zero is not None and opts.zero < needed:
        raise InputError(f"--offload {opts.offload.value} needs ZeRO stage {needed} or higher; drop --zero or raise it")
    return needed if opts.zero is None else opts.zero


def resolve(
    shape: memory.Shape | None, n_ctx: int | None, count: int, compute_precision: str, opts: MemoryOptions
) -> Resolved:
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
    zero = _zero(opts)
    if opts.optimizer_in_backward and (zero > 0 or opts.offload is not Offload.NONE):
        raise InputError(
            "--optimizer-in-backward steps each parameter on its own GPU; it does not go with ZeRO or offload"
        )
    if opts.paged_optimizer and opts.offload is not Offload.NONE:
        raise InputError("--paged-optimizer pages states to the host itself; it does not go with --offload")
    stack = preset(opts.stack, opts.finetune is not None, count)
    fixed = NCCL_BYTES if count > 1 else 0.0
    recompute = opts.recompute
    if recompute is None:
        quantized = finetune is Finetune.QLORA and stack.checkpoints_quantized
        checkpointed = opts.finetune is not None and stack.checkpoints_finetune
        recompute = Recompute.FULL if quantized or checkpointed else Recompute.NONE
    lay = opts.layout or Layout()
    if opts.tp_comm_overlap and lay.tp > 1:
        lay = replace(lay, tp_comm_overlap=True)
    seq_len = sequence_length(opts.seq_len, n_ctx, opts.finetune is not None, stack)
    wrong = problem(lay, shape, count, seq_len)
    if wrong is not None:
        raise InputError(wrong)
    dp = count // lay.model_parallel
    return Resolved(
        memory.Config(
            precision=precision,
            optimizer=opts.optimizer,
            micro_batch=opts.micro_batch or 1,
            seq_len=seq_len,
            recompute=recompute,
            zero=zero,
            gpus=dp,
            offload=opts.offload,
            finetune=finetune,
            lora_rank=opts.lora_rank or 8,
            lora_targets=opts.lora_targets or memory.LORA_TARGETS["qv"],
            attention=opts.attention or stack.attention_for(shape is not None and shape.attn_softcap),
            loss=opts.loss or stack.loss,
            optimizer_in_backward=opts.optimizer_in_backward,
            paged_optimizer=opts.paged_optimizer,
            offload_activations=opts.offload_activations,
            compiled=(stack.compiled if opts.compiled is None else opts.compiled) or stack.fused_kernels,
            upcast_unquantized=stack.upcast_unquantized,
            op_selective=stack.op_selective,
            compiled_loss=stack.compiles_loss,
            lora_dropout=stack.lora_dropout,
            quantized_keep_inputs=stack.quantized_keep_inputs,
            untied_output=stack.untied_output,
            quantized_output=stack.quantized_output,
            double_quant=stack.double_quant,
            dequant_copies=stack.dequant_copies,
            holds_last_graph=stack.holds_last_graph,
            expanded_kv=stack.expands_kv_heads,
            overhead_bytes=fixed if opts.overhead_bytes is None else opts.overhead_bytes,
            layout=lay,
            micro_batches=sharding.accumulation_steps(opts.global_batch, opts.micro_batch or 1, dp),
            unsharded_accumulation=stack.unsharded_accumulation,
            root_unit=stack.root_unit,
        ),
        stack,
    )


def required_bytes(e: memory.Estimate) -> float:
    """What must fit on the GPU: the allocated peak with the caching allocator's reserve (``fitted``)."""
    return e.total_bytes + reserve_bytes(e)


def allocated_budget(config: memory.Config, usable: float) -> float:
    """The allocated bytes that fit in ``usable``: the allocator reserve scales with the allocated peak, so
    allocated bytes are compared with a scaled capacity."""
    return config.overhead_bytes + (usable - config.overhead_bytes) / (1 + fitted.ALLOCATOR_RESERVE)


def reserve_bytes(e: memory.Estimate) -> float:
    return fitted.ALLOCATOR_RESERVE * (e.total_bytes - e.overhead_bytes)


def usable_bytes(device_bytes: float) -> float:
    """The device's memory less the CUDA context (``memory.CUDA_CONTEXT_BYTES``)."""
    return max(0.0, device_bytes - memory.CUDA_CONTEXT_BYTES)


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
        workspace_bytes=round(e.workspace_bytes),
        reserve_bytes=round(reserve_bytes(e)),
        overhead_bytes=round(e.overhead_bytes),
    )


def targets_text(targets: frozenset[str]) -> str:
    named = {value: key for key, value in memory.LORA_TARGETS.items()}
    return named.get(targets) or ",".join(m for m in memory.LORA_MATRICES if m in targets)


def memory_assumptions(resolved: Resolved, e: memory.Estimate) -> MemoryAssumptions:
    config, stack = resolved.config, resolved.stack
    lora = config.finetune is not Finetune.FULL
    return MemoryAssumptions(
        training_precision=config.precision.value,
        optimizer=config.optimizer.value,
        bytes_per_param=e.bytes_per_param,
        micro_batch=config.micro_batch,
        gradient_accumulation=config.micro_batches or 1,
        seq_len=config.seq_len or None,
        recompute=config.recompute.value,
        zero_stage=config.zero,
        data_parallel_gpus=config.gpus,
        offload=config.offload.value,
        finetune=config.finetune.value,
        lora_rank=config.lora_rank if lora else None,
        lora_targets=targets_text(config.lora_targets) if lora else None,
        trainable_params=round(e.trainable_params),
        overhead_bytes=round(config.overhead_bytes),
        attention=config.attention.value,
        loss=config.loss.value,
        compiled=config.compiled,
        optimizer_in_backward=config.optimizer_in_backward,
        paged_optimizer=config.paged_optimizer,
        offload_activations=config.offload_activations,
        stack=stack.id,
        stack_source=stack.source,
    )


def _settings(config: memory.Config) -> dict[str, str | int | bool]:
    return {
        "recompute": config.recompute.value,
        "optimizer": config.optimizer.value,
        "zero_stage": config.zero,
        "offload": config.offload.value,
        "finetune": config.finetune.value,
        "attention": config.attention.value,
        "loss": config.loss.value,
        "optimizer_in_backward": config.optimizer_in_backward,
        "paged_optimizer": config.paged_optimizer,
        "offload_activations": config.offload_activations,
        "master_weights": config.precision is not TrainPrecision.PURE16,
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
    if config.paged_optimizer:
        notes.append("paged optimizer states live in unified memory: on the GPU while there is room, else in host RAM")
    return tuple(notes)


def build(
    params: float,
    shape: memory.Shape | None,
    resolved: Resolved,
    device_bytes: float | None,
    suggest_lora: bool,
    slowdown: Callable[[memory.Config], float] | None = None,
) -> MemoryResult:
    """The memory answer: breakdown, verdict against the GPU's usable memory (if a GPU was given), the largest
    micro-batch, the smallest ZeRO-3 GPU count and, when it does not fit, the ways to make it fit."""
    config = resolved.config
    e = memory.estimate(params, shape, config)
    needed = required_bytes(e)
    if not math.isfinite(needed):
        raise InputError("the memory needed is too large to compute; check the parameter count and batch")
    usable = None if device_bytes is None else usable_bytes(device_bytes)
    budget = None if usable is None else allocated_budget(config, usable)
    fits = None if usable is None else round(needed) <= usable
    ways: tuple[StrategyResult, ...] = ()
    if budget is not None and not fits:
        ways = tuple(
            StrategyResult(
                name=s.name,
                required_bytes=round(required_bytes(s.estimate)),
                host_bytes=round(s.estimate.host_bytes),
                fits=s.fits,
                slowdown=s.slowdown,
                settings=_settings(s.config),
                flags=s.flags,
            )
            for s in strategies.ways_to_fit(params, shape, config, budget, suggest_lora, slowdown)
        )
    by_recompute: dict[str, int | None] = {}
    if budget is not None:
        for setting in Recompute:
            if shape is not None or setting is Recompute.NONE:
                by_recompute[setting.value] = strategies.min_gpus_zero3(
                    params, shape, replace(config, recompute=setting), budget
                )
    return MemoryResult(
        required_bytes=round(needed),
        available_bytes=None if usable is None else round(usable),
        device_bytes=None if device_bytes is None else round(device_bytes),
        fits=fits,
        host_bytes=round(e.host_bytes),
        paged_bytes=round(e.paged_bytes),
        breakdown=_breakdown(e),
        assumptions=memory_assumptions(resolved, e),
        max_micro_batch=None if budget is None else strategies.max_micro_batch(params, shape, config, budget),
        min_gpus_zero3=None if budget is None else strategies.min_gpus_zero3(params, shape, config, budget),
        min_gpus_zero3_by_recompute=by_recompute,
        strategies=ways,
        notes=_notes(config, e, shape),
        modelled=memory.MODELLED,
        not_modelled=memory.NOT_MODELLED,
    )
