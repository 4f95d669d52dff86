"""flopcheck against published measurements: each measured run predicted from its configuration alone, and
the errors by split (fit: what the fitted parameters saw; holdout: whole sources they never saw). Pure: it
takes measurement rows and catalog GPUs."""

from __future__ import annotations

import math
import re
from dataclasses import replace

from flopcheck.answers import memory as memory_plan
from flopcheck.answers import throughput
from flopcheck.catalog.entries import GpuSpec, Precision
from flopcheck.catalog.measurements import MemoryMeasurement, ThroughputMeasurement
from flopcheck.core import layout as parallel
from flopcheck.core import memory, quantized, sharding
from flopcheck.core.activations import Attention, Loss
from flopcheck.core.eager import foreach_adam_bytes, residual_element_bytes
from flopcheck.core.layout import Layout
from flopcheck.core.memory import Finetune, Offload, Optimizer, Recompute, TrainPrecision
from flopcheck.core.performance import Efficiency, Machine, Run, step_time
from flopcheck.core.stacks import STACKS

Measurement = MemoryMeasurement | ThroughputMeasurement


def shape(row: Measurement) -> memory.Shape:
    m = row.model
    return memory.Shape(
        n_layer=m.layers,
        d_model=m.hidden,
        n_head=m.heads,
        vocab_size=m.vocab,
        n_kv_head=m.kv_heads,
        d_ff=m.ffn,
        gated_mlp=bool(m.gated_mlp),
        d_head=m.head_dim,
        rmsnorm=m.norm == "rmsnorm",
        dropout=bool(m.dropout),
        tied_embeddings=bool(m.tied_embeddings),
        n_expert=m.n_experts or 1,
        n_expert_per_token=m.experts_per_token or 1,
        attn_softcap=bool(m.attn_logit_softcap),
    )


def layout(row: Measurement) -> Layout:
    """The row's model parallelism. Sequence parallelism not stated is taken as on with tensor parallelism in
    Megatron/NeMo (NeMo's recipes set ``sequence_parallel`` whenever tp > 1) and off elsewhere."""
    p = row.parallel
    sp = p.sequence_parallel if p.sequence_parallel is not None else row.stack == "megatron" and p.tp > 1
    overlap = p.tp_comm_overlap and p.tp > 1
    return Layout(tp=p.tp, pp=p.pp, vp=p.vp or 1, cp=p.cp, ep=p.ep, sequence_parallel=sp, tp_comm_overlap=overlap)


def expressible(row: Measurement) -> bool:
    """What the model can express: a fully published configuration. Rows with model parallelism may leave the
    micro-batch and recomputation open (large-run tables rarely print them): ``settle`` fills them in."""
    lay = layout(row)
    published: list[object] = [row.model.params, row.precision, row.seq_len]
    if lay.trivial or isinstance(row, MemoryMeasurement):
        published += [row.micro_batch, row.recompute]
    if isinstance(row, ThroughputMeasurement):
        published.append(row.compute)  # the loss path, attention kernel and ZeRO stage barely move throughput
    else:
        published += [row.attention, row.loss, row.parallel.zero]
    if any(value is None for value in published):
        return False
    if row.optimizer is not None and row.optimizer not in {o.value for o in Optimizer}:
        return False
    return layout_problem(row) is None


def layout_problem(row: Measurement) -> str | None:
    return parallel.problem(layout(row), shape(row), row.gpus, row.seq_len or 0, uneven=True)


def config(row: Measurement, gpu: GpuSpec | None = None, vp: int | None = None) -> memory.Config:
    """The memory configuration a measured run used; what a large-run table leaves open is settled against
    ``gpu`` (``settle``); ``vp`` sets virtual stages the row does not give."""
    lora = row.lora
    targets = frozenset(lora.targets) if lora is not None and lora.targets else memory.LORA_TARGETS["qv"]
    stack = STACKS.get(row.stack)
    lay = layout(row) if vp is None else replace(layout(row), vp=vp)
    assert row.precision and row.seq_len
    dp = max(1, row.gpus // lay.model_parallel)
    zero = row.parallel.zero
    if zero is None:
        zero = 1 if row.stack == "megatron" and not lay.trivial else 0  # NeMo: use_distributed_optimizer=True
    batches = row.grad_accum if isinstance(row, MemoryMeasurement) else None
    if isinstance(row, ThroughputMeasurement) and row.global_batch and row.micro_batch:
        batches = max(1, row.global_batch // (dp * row.micro_batch))
    base = memory.Config(
        precision=TrainPrecision(row.precision),
        optimizer=Optimizer(row.optimizer or "adamw"),
        micro_batch=row.micro_batch or 1,
        seq_len=row.seq_len,
        recompute=Recompute(row.recompute or "none"),
        zero=zero,
        gpus=dp,
        offload=Offload(row.parallel.offload),
        finetune=Finetune.FULL if row.method in ("pretrain", "full") else Finetune(row.method),
        lora_rank=(lora.rank or 8) if lora is not None else 8,
        lora_targets=targets,
        attention=Attention(row.attention) if row.attention else (stack.attention if stack else Attention.FLASH),
        loss=Loss(row.loss) if row.loss else (stack.loss if stack else Loss.STANDARD),
        optimizer_in_backward=row.in_backward,
        paged_optimizer=row.paged,
        offload_activations=bool(row.offload_activations),
        compiled=_compiled(row),
        compiled_loss=_compiled_loss(row),
        upcast_unquantized=row.stack == "hf",
        op_selective=stack is not None and stack.op_selective,
        lora_dropout=_lora_dropout(row),
        quantized_keep_inputs=stack is not None and stack.quantized_keep_inputs,
        untied_output=stack is not None and stack.untied_output,
        quantized_output=stack is not None and stack.quantized_output,
        double_quant=_double_quant(row),
        dequant_copies=stack.dequant_copies if stack is not None else 1,
        holds_last_graph=stack is not None and stack.holds_last_graph,
        expanded_kv=stack is not None and stack.expands_kv_heads,
        nf4_unchunked=_nf4_unchunked(row),
        peak_batch_repeats="forced into the first batch" not in row.notes,
        layout=lay,
        micro_batches=batches,
        unsharded_accumulation=stack is not None and stack.unsharded_accumulation,
        root_unit=stack is not None and stack.root_unit,
        frozen_unit_gradients=_block_units(row),
        fsdp1_record_stream=_fsdp1_record_stream(row),
    )
    return base if gpu is None or not isinstance(row, ThroughputMeasurement) else settle(row, base, gpu)


def settle(row: ThroughputMeasurement, base: memory.Config, gpu: GpuSpec) -> memory.Config:
    """A micro-batch and recomputation for a row that does not state them, by the rule large runs follow and
    without looking at speed: the cheapest recomputation that fits the GPU (none, selective, full), then the
    largest micro-batch that fits with it, up to the sequences each replica has per step; micro-batch 1 under
    pipeline parallelism (Megatron-LM's and NeMo's large-model recipes)."""
    if row.micro_batch is not None and row.recompute is not None:
        return base
    per_replica = max(1, (row.global_batch or base.gpus) // base.gpus)
    sizes = [row.micro_batch] if row.micro_batch else [1] if base.layout.pp > 1 else _powers(per_replica)
    kinds = [Recompute(row.recompute)] if row.recompute else list(Recompute)
    usable = memory_plan.usable_bytes(gpu.memory_bytes) if gpu.memory_known else math.inf
    for kind in kinds:
        for size in sorted(sizes, reverse=True):
            batches = max(1, per_replica // size)
            candidate = replace(base, micro_batch=size, recompute=kind, micro_batches=batches)
            assert row.model.params is not None
            if memory_plan.required_bytes(memory.estimate(row.model.params, shape(row), candidate)) <= usable:
                return candidate
    return replace(base, micro_batch=min(sizes), recompute=kinds[-1], micro_batches=per_replica // min(sizes))


def _powers(limit: int) -> list[int]:
    return [2**k for k in range(limit.bit_length()) if 2**k <= limit]


def _lora_dropout(row: Measurement) -> bool:
    """Adapter dropout as the row's notes state it (the schema has no field for it), else the stack's."""
    found = re.search(r"(?:adapter dropout|lora_dropout[:=]?)\s*([0-9.]+)", row.notes)
    if found:
        return float(found.group(1).rstrip(".")) > 0
    stack = STACKS.get(row.stack)
    return stack is not None and stack.lora_dropout


def _double_quant(row: Measurement) -> bool:
    """NF4 with or without double quantization as the row's notes state it (the schema has no field for it), else
    the stack's."""
    found = re.search(r"(with|without) double quantization", row.notes)
    if found:
        return found.group(1) == "with"
    stack = STACKS.get(row.stack)
    return stack is None or stack.double_quant


def _compiled(row: Measurement) -> bool:
    """torch.compile as the row states it, else the stack's default; a stack whose own kernels are fused
    (``Stack.fused_kernels``) stores what a compiled layer stores either way."""
    stack = STACKS.get(row.stack)
    default = stack is not None and stack.compiled
    fused = stack is not None and stack.fused_kernels
    return (bool(row.compile) if row.compile is not None else default) or fused


def _compiled_loss(row: Measurement) -> bool:
    """The stack compiles the loss with the model unless the row's notes say the code it ran did not (torchtitan
    before bbb1b616, 2025-04, kept the loss eager; the schema has no field for it)."""
    stack = STACKS.get(row.stack)
    return stack is not None and stack.compiles_loss and "loss not compiled" not in row.notes


def _block_units(row: Measurement) -> bool:
    """LoRA whose FSDP units are whole blocks, adapters with frozen weights, as the row's notes state the
    recipe's wrap policy (the schema has no field for it): LitGPT's finetune/lora.py used
    ``FSDPStrategy(auto_wrap_policy={Block})`` until Lightning-AI/litgpt#1538 (2025-03)."""
    return row.method in ("lora", "qlora") and "auto_wrap_policy=Block" in row.notes


def _fsdp1_record_stream(row: Measurement) -> bool:
    """FSDP1 with c10d's ``record_stream`` as the row's notes state the recipe (the schema has no field for it):
    torchtune's lora_finetune_distributed ran ``FullyShardedDataParallel`` without
    ``TORCH_NCCL_AVOID_RECORD_STREAMS`` until pytorch/torchtune#843 (bec7babe, 2024-04-23) set it;
    full_finetune_distributed never set it."""
    return "FSDP1 with record_stream" in row.notes


def _nf4_unchunked(row: Measurement) -> bool:
    """QLoRA through torchao 0.1, whose NF4 conversion is not chunked, as the row's notes state the release the
    stack pinned (the schema has no field for it): torchtune's pyproject.toml has ``torchao==0.1`` through
    2024-05 (fef3ed10, 0217d44c)."""
    return row.method == "qlora" and "torchao==0.1" in row.notes


def predicted_memory(row: MemoryMeasurement, reserve: float) -> float:
    """Bytes the allocator reports: the allocated peak, plus the reserve for reserved-memory metrics (FSDP1's own
    with ``record_stream``: ``sharding.reserve_fraction``). A reserved peak also keeps what loading the model cached
    (``quantized.load_bytes``) where the recipe resets the peak statistics after model init without emptying the
    cache: torchtune's single-device LoRA recipe (fef3ed10, ``memory_stats_log(reset_stats=True)``, no
    ``torch.cuda.empty_cache``), whose QLoRA tutorial (0914d5cf) reports 9.13 GB reserved after model init and
    9.29 GB in training."""
    assert row.model.params is not None
    cfg, the_shape = config(row), shape(row)
    e = memory.estimate(row.model.params, the_shape, cfg)
    allocated = e.total_bytes - e.overhead_bytes
    if row.metric == "allocated":
        return allocated
    loaded = quantized.load_bytes(e.weights_bytes, the_shape, row.model.params, cfg)
    return max(allocated, loaded) * (1.0 + sharding.reserve_fraction(cfg, reserve))


def predicted_tokens_per_s(row: ThroughputMeasurement, gpu: GpuSpec, eff: Efficiency | None = None) -> float:
    """Tokens per second per GPU the performance model predicts for a measured configuration."""
    run, machine = case(row, gpu)
    return step_time(run, machine, eff or throughput.efficiency(row.stack)).tokens_per_s


def case(row: ThroughputMeasurement, gpu: GpuSpec) -> tuple[Run, Machine]:
    """The performance model's inputs for a measured row; an interleaved schedule whose virtual stages the
    source does not give runs at the tuned count (``tuned_vp``)."""
    cfg, the_shape, params = config(row, gpu), shape(row), row.model.params
    assert params is not None and row.compute is not None
    per_node = None if gpu.id in throughput.NVLINK_DOMAIN else row.gpus_per_node
    machine = throughput.machine(gpu, Precision(row.compute), per_node)
    if row.network_busbw_gb_per_s is not None:
        machine = replace(machine, dp_network_bw=row.network_busbw_gb_per_s * 1e9)
    if row.parallel.schedule == "interleaved" and row.parallel.vp is None:
        runs = [_run(row, config(row, gpu, vp), params) for vp in tuned_vp(the_shape.n_layer, cfg.layout.pp)]
    else:
        runs = [_run(row, cfg, params)]
    eff = throughput.efficiency(row.stack)
    return min(runs, key=lambda run: step_time(run, machine, eff).step_s), machine


def _run(row: ThroughputMeasurement, cfg: memory.Config, params: int) -> Run:
    trainable = memory.estimate(params, shape(row), cfg).trainable_params
    the_run = throughput.run(shape(row), params, trainable, cfg, row.global_batch)
    residual = residual_element_bytes(_autocast_fp32_weights(row), the_run.element_bytes)
    the_run = replace(the_run, residual_bytes=residual)
    if _foreach_adam(row):
        notes = row.notes.lower()
        decay = row.optimizer == "adamw" and "no weight decay" not in notes
        optimizer = foreach_adam_bytes(decay, "gradscaler" in notes)
        the_run = replace(the_run, optimizer_bytes_per_param=optimizer)
    return the_run


def _foreach_adam(row: Measurement) -> bool:
    """The run stepped ``torch.optim.Adam``/``AdamW`` in its default foreach implementation over fp32 parameters,
    as the row's notes state it (``eager.foreach_adam_bytes``)."""
    notes = row.notes.lower()
    return "foreach" in notes and (row.precision == "fp32" or _autocast_fp32_weights(row))


def _autocast_fp32_weights(row: Measurement) -> bool:
    """The run kept fp32 weights under PyTorch autocast, as the row's notes state it (the schema has no field for
    it): its residual stream is fp32 (``eager.residual_element_bytes``)."""
    notes = row.notes.lower()
    return "autocast" in notes and "fp32 weights" in notes


def tuned_vp(n_layer: int, pp: int) -> list[int]:
    """Virtual stages an interleaved schedule can use: 2 up to one layer per model chunk (Narayanan et al. 2021,
    Sec. 2.2.2: each rank holds v chunks of L/(p·v) layers). A source that names the interleaved schedule but not
    v is taken at the fastest of these, as its authors tuned it (the row's notes quote the source)."""
    return list(range(2, max(2, n_layer // pp) + 1))


def has_peak(gpu: GpuSpec, compute: str | None) -> bool:
    return compute in {p.value for p in Precision} and gpu.peak_flop_per_s(Precision(compute)) is not None
