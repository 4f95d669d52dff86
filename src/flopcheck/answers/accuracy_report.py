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
from flopcheck.answers.results import AccuracyResult, AccuracyRow, AccuracySummary, RankingSummary
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


RANKED_WITHIN = 0.95
"""A sweep is ranked right when its predicted-fastest configuration measured at least this share of the fastest."""


def _sweep_key(row: ThroughputMeasurement) -> tuple[object, ...]:
    """What a sweep's configurations share: source, model, GPU and count, batch, sequence, precision, method."""
    return (row.source, row.model.name, row.gpu_id, row.gpus, row.global_batch, row.seq_len, row.compute, row.method)


def ranking(measured: Iterable[tuple[ThroughputMeasurement, float]]) -> RankingSummary:
    """Over the sweeps among ``measured`` (rows with their predicted tokens/s), the measured throughput of the
    configuration predicted fastest over the fastest measured: whether the model would have told a team which of
    the layouts they tried to use."""
    sweeps: dict[tuple[object, ...], list[tuple[ThroughputMeasurement, float]]] = {}
    for row, predicted in measured:
        sweeps.setdefault(_sweep_key(row), []).append((row, predicted))
    ratios: list[tuple[float, str]] = []
    for group in sweeps.values():
        if len(group) < 2:
            continue
        picked = max(group, key=lambda pair: pair[1])[0]
        fastest = max(row.tokens_per_s_per_gpu for row, _ in group)
        ratios.append((picked.tokens_per_s_per_gpu / fastest, group[0][0].id))
    worst = min(ratios, default=None)
    return RankingSummary(
        sweeps=len(ratios),
        within_5=sum(ratio >= RANKED_WITHIN for ratio, _ in ratios),
        median_ratio=statistics.median(ratio for ratio, _ in ratios) if ratios else None,
        worst_ratio=None if worst is None else worst[0],
        worst_sweep=None if worst is None else worst[1],
    )


def _result(
    kind: str,
    unit: str,
    rows: list[AccuracyRow],
    skipped: int,
    verdicts: tuple[int, int] | None,
    ranked: RankingSummary | None = None,
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
        ranking=ranked,
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
    predicted: list[tuple[ThroughputMeasurement, float]] = []
    skipped = 0
    for row in rows:
        gpu = None if row.gpu_id is None else gpus(row.gpu_id)
        if gpu is None or not expressible(row) or not has_peak(gpu, row.compute):
            skipped += 1
            continue
        predicted.append((row, predicted_tokens_per_s(row, gpu)))
        out.append(_row(row, predicted[-1][1], row.tokens_per_s_per_gpu))
    return _result("throughput", "tokens/s per GPU", out, skipped, None, ranking(predicted))


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
