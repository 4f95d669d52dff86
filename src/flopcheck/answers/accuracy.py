"""flopcheck against published measurements: each measured run predicted from its configuration alone, and
the errors by split (fit: what the fitted parameters saw; holdout: whole sources they never saw). Pure: it
takes measurement rows and catalog GPUs."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from flopcheck.answers import memory as memory_plan
from flopcheck.answers import throughput
from flopcheck.answers.results import AccuracyResult, AccuracyRow, AccuracySummary
from flopcheck.catalog.entries import GpuSpec, Precision
from flopcheck.catalog.measurements import MemoryMeasurement, ThroughputMeasurement
from flopcheck.core import fitted, memory
from flopcheck.core.activations import Attention, Loss
from flopcheck.core.memory import Finetune, Offload, Optimizer, Recompute, TrainPrecision
from flopcheck.core.performance import Efficiency
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
    )


def _parallel(row: Measurement) -> int:
    p = row.parallel
    return (p.tp or 1) * (p.pp or 1) * (p.cp or 1)


def expressible(row: Measurement) -> bool:
    """What today's model can express: a fully published configuration with data parallelism and ZeRO/FSDP,
    no tensor, pipeline, context or expert parallelism."""
    published: list[object] = [row.model.params, row.precision, row.micro_batch, row.seq_len, row.recompute]
    if isinstance(row, ThroughputMeasurement):
        published.append(row.compute)  # the loss path, attention kernel and ZeRO stage barely move throughput
    else:
        published += [row.attention, row.loss, row.parallel.zero]
    if any(value is None for value in published):
        return False
    if row.optimizer is not None and row.optimizer not in {o.value for o in Optimizer}:
        return False
    return _parallel(row) == 1 and (row.parallel.ep or 1) == 1


def config(row: Measurement) -> memory.Config:
    """The memory configuration a measured run used."""
    lora = row.lora
    targets = frozenset(lora.targets) if lora is not None and lora.targets else memory.LORA_TARGETS["qv"]
    stack = STACKS.get(row.stack)
    assert row.precision and row.micro_batch and row.seq_len and row.recompute
    return memory.Config(
        precision=TrainPrecision(row.precision),
        optimizer=Optimizer(row.optimizer or "adamw"),
        micro_batch=row.micro_batch,
        seq_len=row.seq_len,
        recompute=Recompute(row.recompute),
        zero=row.parallel.zero or 0,
        gpus=max(1, row.gpus // _parallel(row)),
        offload=Offload(row.parallel.offload),
        finetune=Finetune.FULL if row.method in ("pretrain", "full") else Finetune(row.method),
        lora_rank=(lora.rank or 8) if lora is not None else 8,
        lora_targets=targets,
        attention=Attention(row.attention) if row.attention else (stack.attention if stack else Attention.FLASH),
        loss=Loss(row.loss) if row.loss else (stack.loss if stack else Loss.STANDARD),
        optimizer_in_backward=row.in_backward,
        paged_optimizer=row.paged,
        offload_activations=bool(row.offload_activations),
        compiled=bool(row.compile) if row.compile is not None else (stack.compiled if stack else False),
        upcast_unquantized=row.stack == "hf",
        op_selective=stack is not None and stack.op_selective,
        lora_dropout=_lora_dropout(row),
    )


def _lora_dropout(row: Measurement) -> bool:
    """Adapter dropout as the row's notes state it (the schema has no field for it), else the stack's."""
    found = re.search(r"(?:adapter dropout|lora_dropout[:=]?)\s*([0-9.]+)", row.notes)
    if found:
        return float(found.group(1).rstrip(".")) > 0
    stack = STACKS.get(row.stack)
    return stack is not None and stack.lora_dropout


def predicted_memory(row: MemoryMeasurement, reserve: float) -> float:
    """Bytes the allocator reports: the allocated peak, plus the reserve for reserved-memory metrics."""
    assert row.model.params is not None
    e = memory.estimate(row.model.params, shape(row), config(row))
    allocated = e.total_bytes - e.overhead_bytes
    return allocated if row.metric == "allocated" else allocated * (1.0 + reserve)


def predicted_tokens_per_s(row: ThroughputMeasurement, gpu: GpuSpec, eff: Efficiency | None = None) -> float:
    """Tokens per second per GPU the performance model predicts for a measured configuration."""
    cfg, the_shape, params = config(row), shape(row), row.model.params
    assert params is not None and row.compute is not None
    trainable = memory.estimate(params, the_shape, cfg).trainable_params
    precision = Precision(row.compute)
    machine = throughput.machine(gpu, precision, row.gpus_per_node)
    run = throughput.run(the_shape, params, trainable, cfg, row.global_batch)
    efficiency = eff or throughput.efficiency(row.stack)
    from flopcheck.core.performance import step_time

    return step_time(run, machine, efficiency).tokens_per_s


def _summary(rows: Sequence[AccuracyRow], split: str) -> AccuracySummary:
    chosen = [r for r in rows if r.split == split and r.consistent]
    errors = [abs(r.error) for r in chosen]
    worst = max(chosen, key=lambda r: abs(r.error), default=None)
    return AccuracySummary(
        split=split,
        rows=len(chosen),
        sources=len({r.source for r in chosen}),
        median_abs_error=statistics.median(errors) if errors else None,
        worst_error=None if worst is None else worst.error,
        worst_id=None if worst is None else worst.id,
        within_10=sum(e <= 0.10 for e in errors),
        within_30=sum(e <= 0.30 for e in errors),
    )


def _result(
    kind: str, unit: str, rows: list[AccuracyRow], skipped: int, verdicts: tuple[int, int] | None
) -> AccuracyResult:
    return AccuracyResult(
        kind=kind,
        unit=unit,
        rows=tuple(rows),
        fit=_summary(rows, "fit"),
        holdout=_summary(rows, "holdout"),
        skipped=skipped,
        inconsistent=sum(not r.consistent for r in rows),
        verdicts_right=None if verdicts is None else verdicts[0],
        verdicts=None if verdicts is None else verdicts[1],
    )


def memory_accuracy(rows: Iterable[MemoryMeasurement], gpus: Callable[[str], GpuSpec | None]) -> AccuracyResult:
    """Predicted vs measured peak memory per row; a measured run fit its GPU, so the verdict must say so."""
    out: list[AccuracyRow] = []
    skipped, right, total = 0, 0, 0
    for row in rows:
        if not expressible(row):
            skipped += 1
            continue
        predicted = predicted_memory(row, fitted.ALLOCATOR_RESERVE)
        assert row.model.params is not None
        e = memory.estimate(row.model.params, shape(row), config(row))
        states = e.weights_bytes + e.gradients_bytes + e.master_weights_bytes + e.optimizer_bytes
        consistent = row.measured_bytes >= 0.95 * states
        out.append(_row(row, predicted, float(row.measured_bytes), consistent))
        gpu = None if row.gpu_id is None else gpus(row.gpu_id)
        if gpu is not None and gpu.memory_known and row.model.params is not None:
            e = memory.estimate(row.model.params, shape(row), config(row))
            total += 1
            right += memory_plan.required_bytes(e) <= memory_plan.usable_bytes(gpu.memory_bytes)
    return _result("memory", "bytes", out, skipped, (right, total))


def throughput_accuracy(rows: Iterable[ThroughputMeasurement], gpus: Callable[[str], GpuSpec | None]) -> AccuracyResult:
    """Predicted vs measured training throughput (tokens/s per GPU) per row."""
    out: list[AccuracyRow] = []
    skipped = 0
    for row in rows:
        gpu = None if row.gpu_id is None else gpus(row.gpu_id)
        if gpu is None or not expressible(row) or not has_peak(gpu, row.compute):
            skipped += 1
            continue
        out.append(_row(row, predicted_tokens_per_s(row, gpu), row.tokens_per_s_per_gpu))
    return _result("throughput", "tokens/s per GPU", out, skipped, None)


def has_peak(gpu: GpuSpec, compute: str | None) -> bool:
    return compute in {p.value for p in Precision} and gpu.peak_flop_per_s(Precision(compute)) is not None


def _row(row: Measurement, predicted: float, measured: float, consistent: bool = True) -> AccuracyRow:
    return AccuracyRow(
        id=row.id,
        source=row.source,
        split=row.split,
        url=row.url,
        predicted=predicted,
        measured=measured,
        error=predicted / measured - 1.0,
        consistent=consistent,
    )


@dataclass(frozen=True)
class LogErrors:
    """Measured / predicted ratios of a set of rows, for fitting and for the printed range."""

    ratios: tuple[float, ...]

    def quantile(self, q: float) -> float:
        ordered = sorted(self.ratios)
        return ordered[min(len(ordered) - 1, max(0, math.floor(q * len(ordered))))]
