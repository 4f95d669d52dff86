"""The ``optimal`` command's answer: the budget of a FLOP count or of what the GPUs deliver (at the MFU ``fits``
predicts for the compute-optimal model), planned by ``optimal``. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from flopcheck.answers import memory as memory_plan
from flopcheck.answers import optimal as optimal_plan
from flopcheck.answers.results import OptimalResult
from flopcheck.answers.run import fits, gpu_info, run_assumptions
from flopcheck.answers.settings import Settings, finite
from flopcheck.catalog.entries import GpuSpec, ModelSpec
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import compute
from flopcheck.core.errors import InputError
from flopcheck.core.units import format_duration, format_percent


def _optimal_mfu(gpu: GpuSpec, settings: Settings, peak: float) -> float:
    """The MFU fits would predict for the compute-optimal model of what the GPUs deliver: the model's size
    depends on the budget, the budget on the MFU, so three rounds from 0.4 (they settle within a percent)."""
    rate = compute.DEFAULT_MFU
    for _ in range(3):
        budget_flop = compute.delivered_flop(peak, settings.count, rate, settings.uptime, settings.duration_s)
        params, _tokens = settings.law.optimum(budget_flop)
        shape = optimal_plan.shape_for(params)
        ref = ModelRef.from_count(params, shape)
        ref = replace(ref, n_ctx=optimal_plan.REFERENCE_SEQ_LEN)
        tokens = max(1, round(budget_flop / (6.0 * ref.params)))
        rate = fits(ref, gpu, settings, tokens, "compute-optimal").compute.mfu
    return rate


def optimal(
    budget_flop: float | None, gpu: GpuSpec | None, settings: Settings, models: Iterable[ModelSpec]
) -> OptimalResult:
    """The ``optimal`` command: the compute-optimal model for a FLOP budget, or for what ``gpu`` delivers, and
    with a GPU the best model its memory can train."""
    if budget_flop is None and gpu is None:
        raise InputError("give a budget: --flop C, or --gpu GPU (with --count, --years/--days/--hours, --mfu)")
    info = assumptions = None
    source = "--flop"
    if gpu is not None:
        info, peak = gpu_info(gpu, settings)
        rate = settings.mfu or compute.DEFAULT_MFU
        how = "" if settings.mfu is not None else " predicted for the compute-optimal model"
        if budget_flop is None:
            if settings.mfu is None and gpu.memory_known:
                rate = _optimal_mfu(gpu, settings, peak)
            budget_flop = compute.delivered_flop(peak, settings.count, rate, settings.uptime, settings.duration_s)
            finite(delivered_flop=budget_flop)
            window = format_duration(settings.duration_s)
            source = f"{settings.count} × {gpu.name} for {window} at MFU {format_percent(rate)}{how}"
        assumptions = run_assumptions(settings, rate)
    assert budget_flop is not None
    seq_len = optimal_plan.REFERENCE_SEQ_LEN  # the context fits assumes for a bare parameter count, too
    config = memory_plan.resolve(None, seq_len, settings.count, settings.precision, settings.memory)
    available = memory_plan.usable_bytes(gpu.memory_bytes) if gpu is not None and gpu.memory_known else None
    return optimal_plan.optimal(budget_flop, source, settings.law, models, config, available, info, assumptions)
