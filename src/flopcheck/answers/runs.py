"""Published runs as ground truth: the MFU each implies, and how far flopcheck's prediction at the default MFU
lands from what was reported. Calibration from a measured throughput. Pure."""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Iterable

from flopcheck.answers import accuracy
from flopcheck.answers.results import CalibrationResult, RunResult, RunsResult
from flopcheck.catalog.entries import AUTO_PRECISION_ORDER, GpuSpec, ModelSpec, Precision, RunSpec
from flopcheck.catalog.measurements import ThroughputMeasurement
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.catalog.store import Index
from flopcheck.core import compute, fitted
from flopcheck.core.activations import Loss
from flopcheck.core.errors import InputError
from flopcheck.core.flops import train_flop_per_token
from flopcheck.core.goodput import goodput
from flopcheck.core.memory import Offload, Optimizer, Recompute
from flopcheck.core.units import SECONDS_PER_DAY, SECONDS_PER_HOUR


def implied_mfu(model_flop: float, gpu_hours: float, peak_flop_per_s: float) -> float:
    """MFU = model FLOPs / (accelerator-hours × 3600 × peak FLOP/s): the observed throughput over the peak
    (Chowdhery et al. 2022, PaLM, Appendix B)."""
    return model_flop / (gpu_hours * SECONDS_PER_HOUR * peak_flop_per_s)


def _peak(run: RunSpec, gpu: GpuSpec) -> tuple[Precision, float]:
    order = (run.precision,) if run.precision is not None else AUTO_PRECISION_ORDER
    for precision in order:
        peak = gpu.peak_flop_per_s(precision)
        if peak is not None:
            return precision, peak
    raise InputError(f"runs: {run.id}: {gpu.id} has no published {run.precision or 'bf16/fp16/fp32'} peak")


def evaluate(
    run: RunSpec, model: ModelRef, gpu: GpuSpec, mfu: float | None, configured: ThroughputMeasurement | None = None
) -> RunResult:
    """A run's implied MFU (6·N·D, and with attention where the shape is known) and the GPU-hours flopcheck
    predicts at ``mfu``, else at the run's published configuration (``configured``), else at the layout
    ``fits`` would choose, against the reported ones."""
    precision, peak = _peak(run, gpu)
    if run.gpu_hours is not None:
        hours, basis = run.gpu_hours, "reported accelerator-hours"
    else:
        assert run.gpu_count is not None and run.wall_time_days is not None  # RunSpec guarantees it
        hours = run.gpu_count * run.wall_time_days * SECONDS_PER_DAY / SECONDS_PER_HOUR
        basis = "accelerators × reported wall-clock time"
    flop = compute.training_flop(model.active_params, run.tokens)
    mfu_6nd = implied_mfu(flop, hours, peak)
    seq_len = run.seq_len or model.n_ctx
    with_attention = None
    if model.shape is not None and seq_len:
        per_token = train_flop_per_token("palm", model.active_params, model.attention, seq_len, False)
        with_attention = implied_mfu(per_token * run.tokens, hours, peak)
    if mfu is not None:
        rate, basis_of_rate = mfu, "--mfu"
    elif configured is not None:
        rate, basis_of_rate = configured_mfu(configured, model, gpu, peak), "configuration"
    else:
        rate, basis_of_rate = predicted_mfu(run, model, gpu)
    # calendar hours include interruptions; hours computed from throughput do not
    effective = 1.0 if run.hours_from_throughput else goodput(run.gpu_count or ASSUMED_COUNT).fraction
    predicted = flop / (peak * rate) / SECONDS_PER_HOUR / effective
    note = None
    best = with_attention if with_attention is not None else mfu_6nd
    if mfu_6nd > 1:
        note = "implies more than 100 % of peak: the reported hours cannot be reconciled with 6·N·D at this peak"
    elif mfu_6nd < 0.1:
        note = "implies under 10 % of peak: the hours likely include more than this run (other sizes, restarts)"
    elif run.reported_mfu is not None and abs(best - run.reported_mfu) > 0.05:
        note = (
            f"the source states {run.reported_mfu:.1%} MFU but its reported hours imply {best:.1%}: the hours "
            "cover more than the measured steady state (restarts, stragglers, other stages)"
        )
    return RunResult(
        id=run.id,
        name=run.name,
        model_id=model.id,
        params=model.active_params,
        tokens=run.tokens,
        gpu_id=gpu.id,
        gpu_count=run.gpu_count,
        precision=precision.value,
        peak_flop_per_s=peak,
        gpu_hours=hours,
        gpu_hours_basis=basis,
        train_flop=flop,
        implied_mfu=mfu_6nd,
        implied_mfu_attention=with_attention,
        reported_mfu=run.reported_mfu,
        predicted_gpu_hours=predicted,
        predicted_mfu=rate,
        predicted_from=basis_of_rate,
        predicted_goodput=effective,
        error=predicted / hours - 1.0,
        note=note,
        source_notes=run.notes,
        source=run.source,
        where=run.where,
    )


ASSUMED_COUNT = 512
"""GPUs assumed for a run whose source gives hours but no GPU count (data parallelism over them)."""


def predicted_mfu(run: RunSpec, model: ModelRef, gpu: GpuSpec) -> tuple[float, str]:
    """The MFU flopcheck predicts for the run's model, GPU, count, precision and sequence length, as ``fits``
    does (ZeRO-3 over several GPUs or, above one node, the fastest layout; the micro-batch that fits, and the
    first of the ways to fit when the defaults do not); 0.4 where the model's shape is not known. A searched layout
    is the fastest one, and the run did not publish its own: the layouts teams published ran at a median
    ``fitted.SEARCH_RATIO`` of the searched best's predicted throughput (measured rows of the fit split,
    ``scripts.calibrate``), so the run is predicted at that fraction of it. Returns the MFU and what it rests on:
    "searched", "data-parallel" (ZeRO-3 data parallelism: one node, or a chip without measured links to search
    layouts on) or "default" (no architecture to predict from)."""
    from flopcheck.answers import run as plan
    from flopcheck.answers.memory import MemoryOptions
    from flopcheck.answers.settings import Settings

    count = run.gpu_count or ASSUMED_COUNT
    options = MemoryOptions(seq_len=run.seq_len, zero=3 if count > 1 else 0)
    precision = run.precision.value if run.precision is not None else "auto"
    settings = Settings(count=count, precision=precision, memory=options)
    result = plan.fits(model, gpu, settings, run.tokens, "the run's")
    if result.memory.fits is False and result.memory.strategies:
        way = result.memory.strategies[0].settings
        options = dataclasses.replace(
            options,
            recompute=Recompute(str(way["recompute"])),
            optimizer=Optimizer(str(way["optimizer"])),
            zero=int(way["zero_stage"]),
            offload=Offload(str(way["offload"])),
            loss=Loss(str(way["loss"])),
            offload_activations=bool(way["offload_activations"]),
            master_weights=bool(way["master_weights"]),
        )
        result = plan.fits(model, gpu, dataclasses.replace(settings, memory=options), run.tokens, "the run's")
    if result.compute.mfu_source != "predicted":  # no architecture: the default MFU
        return result.compute.mfu, "default"
    if result.layout is not None and result.layout.source == "searched":
        return result.compute.mfu * fitted.SEARCH_RATIO, "searched"  # a layout a team chose, not the fastest one
    return result.compute.mfu, "data-parallel"  # one node, or no measured links to search layouts on


def configured_mfu(row: ThroughputMeasurement, model: ModelRef, gpu: GpuSpec, peak: float) -> float:
    """The MFU the performance model predicts for the configuration a run published (its row of the measured
    data, predicted from the configuration alone: the measured figure is not used), against the run's peak."""
    tokens_per_s = accuracy.predicted_tokens_per_s(row, gpu)
    return compute.FLOP_PER_PARAM_PER_TOKEN * model.active_params * tokens_per_s / peak


def model_of(run: RunSpec, models: Index[ModelSpec]) -> ModelRef:
    if run.model is not None:
        return ModelRef.from_spec(models.get(run.model))
    assert run.params is not None  # RunSpec guarantees it
    return ModelRef.from_count(run.params)


def evaluate_all(
    runs: Iterable[RunSpec],
    models: Index[ModelSpec],
    gpus: Index[GpuSpec],
    mfu: float | None,
    measured: Iterable[ThroughputMeasurement] = (),
) -> list[RunResult]:
    rows = {row.id: row for row in measured}
    out = []
    for run in runs:
        gpu = gpus.get(run.gpu)
        configured = None
        if run.configuration is not None:
            configured = rows.get(run.configuration)
            if configured is None:
                raise InputError(f"runs: {run.id}: configuration {run.configuration!r} is not a measured row")
            if configured.gpu_id not in (None, gpu.id):  # a row that leaves the variant open runs on the run's
                raise InputError(
                    f"runs: {run.id}: configuration {run.configuration!r} was measured on {configured.gpu_id}, "
                    f"not on the run's {gpu.id}"
                )
        out.append(evaluate(run, model_of(run, models), gpu, mfu, configured))
    return out


def summarize(results: Iterable[RunResult], mfu: float | None) -> RunsResult:
    rows = tuple(results)
    errors = [abs(r.error) for r in rows]
    worst = max(rows, key=lambda r: abs(r.error)) if rows else None
    configured = [abs(r.error) for r in rows if r.predicted_from == "configuration"]
    searched = [abs(r.error) for r in rows if r.predicted_from == "searched"]
    return RunsResult(
        mfu=mfu,
        runs=rows,
        median_abs_error=statistics.median(errors) if errors else None,
        worst_error=None if worst is None else worst.error,
        worst_run=None if worst is None else worst.id,
        median_implied_mfu=statistics.median(r.implied_mfu for r in rows) if rows else None,
        configured_runs=len(configured),
        configured_median_abs_error=statistics.median(configured) if configured else None,
        searched_runs=len(searched),
        searched_median_abs_error=statistics.median(searched) if searched else None,
    )


def calibrate(
    model: ModelRef, gpu: GpuSpec, count: int, precision: Precision, tokens_per_second: float
) -> CalibrationResult:
    """The MFU a measured throughput implies: 6·N × tokens/s over count × peak (PaLM Appendix B)."""
    peak = gpu.peak_flop_per_s(precision)
    if peak is None:
        raise InputError(f"{gpu.id} has no published {precision.value} peak")
    achieved = compute.FLOP_PER_PARAM_PER_TOKEN * model.active_params * tokens_per_second
    mfu = achieved / (count * peak)
    if not math.isfinite(mfu):
        raise InputError("the throughput is too large to compute with")
    return CalibrationResult(
        model_id=model.id,
        gpu_id=gpu.id,
        count=count,
        precision=precision.value,
        tokens_per_second=tokens_per_second,
        achieved_flop_per_s=achieved,
        peak_flop_per_s=peak * count,
        mfu=mfu,
        plausible=mfu <= 1.0,
    )
