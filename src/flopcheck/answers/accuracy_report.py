"""flopcheck against published measurements, summarised: each row's prediction from its configuration alone
(``answers.accuracy``) against its measurement, and the errors by split (fit: what the fitted parameters saw;
holdout: whole sources they never saw). Pure: it takes measurement rows and catalog GPUs."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence

from flopcheck.answers import memory as memory_plan
from flopcheck.answers.accuracy import (
    Measurement,
    config,
    expressible,
    has_peak,
    predicted_memory,
    predicted_tokens_per_s,
    shape,
)
from flopcheck.answers.results import AccuracyResult, AccuracyRow, AccuracySummary
from flopcheck.catalog.entries import GpuSpec
from flopcheck.catalog.measurements import MemoryMeasurement, ThroughputMeasurement
from flopcheck.core import fitted, memory


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
    split_models = [r for r in rows if r.model_parallel]
    by_layout = () if kind == "memory" else (_summary(split_models, "fit"), _summary(split_models, "holdout"))
    return AccuracyResult(
        model_parallel=by_layout,
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
        model_parallel=row.parallel.tp > 1 or row.parallel.pp > 1,
    )
