"""Composing the core arithmetic into answers: resolves the run's settings against catalog entries and
returns typed results. Pure: it takes validated values and entries, reads no files, prints nothing."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from flopcheck.answers import costing
from flopcheck.answers import memory as memory_plan
from flopcheck.answers import optimal as optimal_plan
from flopcheck.answers.memory import MemoryOptions
from flopcheck.answers.results import (
    Assumptions,
    BudgetResult,
    ComputeResult,
    FitsResult,
    FlopsResult,
    GpuBrief,
    GpuInfo,
    MemoryReport,
    MemoryResult,
    ModelBrief,
    ModelInfo,
    OptimalResult,
)
from flopcheck.catalog.entries import AUTO_PRECISION_ORDER, GpuSpec, ModelSpec, Precision
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import compute, memory, scaling
from flopcheck.core.architecture import FLOP_FORMULAS, train_flop_per_token
from flopcheck.core.errors import InputError
from flopcheck.core.units import SECONDS_PER_YEAR, format_bytes, format_duration, format_sci


@dataclass(frozen=True)
class Settings:
    """How the GPUs are used. Defaults are flopcheck's documented defaults."""

    count: int = 1
    duration_s: float = SECONDS_PER_YEAR
    mfu: float = compute.DEFAULT_MFU
    uptime: float = compute.DEFAULT_UPTIME
    precision: str = "auto"
    memory: MemoryOptions = field(default_factory=MemoryOptions)
    law: scaling.Law = field(default_factory=lambda: scaling.law("chinchilla"))
    flop_formula: str = "6nd"
    causal: bool = False
    cost: costing.CostOptions = field(default_factory=costing.CostOptions)
    gates: costing.Gates = field(default_factory=costing.Gates)


def _finite(**values: float) -> None:
    """Inputs can be individually valid yet multiply past the float range; say so instead of printing inf."""
    for name, value in values.items():
        if not math.isfinite(value):
            raise InputError(
                f"{name.replace('_', ' ')} is too large to compute; check the tokens, time window and count"
            )


def resolve_precision(gpu: GpuSpec, requested: str) -> Precision:
    """``auto`` picks the first of bf16, fp16, fp32 the chip has a published peak for."""
    if requested == "auto":
        for precision in AUTO_PRECISION_ORDER:
            if gpu.peak_flop_per_s(precision) is not None:
                return precision
        raise InputError(f"{gpu.id} has no published bf16, fp16 or fp32 peak; choose --precision")
    precision = Precision(requested)
    if gpu.peak_flop_per_s(precision) is None:
        have = ", ".join(p.value for p in gpu.precisions) or "none"
        raise InputError(f"{gpu.id} has no published {precision.value} peak (published: {have})")
    return precision


def resolve_tokens(
    model: ModelRef, tokens: float | None, tokens_per_param: float | None, optimal_law: scaling.Law | None = None
) -> tuple[int, str]:
    """Training tokens and where they came from: a flag, the law's compute-optimal tokens (``--chinchilla``),
    the catalog, or 20 per parameter (Chinchilla)."""
    if sum(x is not None for x in (tokens, tokens_per_param, optimal_law)) > 1:
        raise InputError("give one of --tokens, --tokens-per-param, --chinchilla")
    value, source = _tokens(model, tokens, tokens_per_param, optimal_law)
    _finite(training_tokens=value)
    if round(value) < 1:
        raise InputError(f"training on {value:g} tokens is not a run; give at least one token")
    return round(value), source


def _tokens(
    model: ModelRef, tokens: float | None, tokens_per_param: float | None, optimal_law: scaling.Law | None
) -> tuple[float, str]:
    if optimal_law is not None:
        try:
            optimal = optimal_law.optimal_tokens(model.params)
        except OverflowError:
            raise InputError("the model is too large to plan with") from None
        return optimal, f"compute-optimal ({optimal_law.name}: {optimal_law.description})"
    if tokens is not None:
        return tokens, "--tokens"
    if tokens_per_param is not None:
        return tokens_per_param * model.params, f"--tokens-per-param {tokens_per_param:g}"
    if model.training_tokens is not None:
        if model.training_tokens_estimated:
            return model.training_tokens, "not published; the catalog's cited estimate"
        return model.training_tokens, "published"
    if not model.named:
        raise InputError("a bare parameter count needs --tokens or --tokens-per-param")
    ratio = compute.CHINCHILLA_TOKENS_PER_PARAM
    return ratio * model.params, f"{ratio:g} per parameter (Chinchilla rule; none published)"


def model_info(model: ModelRef, tokens: int, tokens_source: str) -> ModelInfo:
    return ModelInfo(
        id=model.id,
        name=model.name,
        params=model.params,
        tokens=tokens,
        tokens_source=tokens_source,
        tokens_per_param=tokens / model.params,
        n_ctx=model.n_ctx,
        active_params=model.active_params,
        origin=model.origin,
    )


def _gpu_info(gpu: GpuSpec, settings: Settings) -> tuple[GpuInfo, float]:
    precision = resolve_precision(gpu, settings.precision)
    peak = gpu.peak_flop_per_s(precision)
    assert peak is not None  # resolve_precision guarantees it
    info = GpuInfo(
        id=gpu.id,
        name=gpu.name,
        count=settings.count,
        precision=precision.value,
        peak_flop_per_s=peak,
        memory_bytes=round(gpu.memory_bytes) if gpu.memory_known else None,
    )
    return info, peak


def _assumptions(settings: Settings) -> Assumptions:
    return Assumptions(
        precision_requested=settings.precision,
        mfu=settings.mfu,
        uptime=settings.uptime,
        duration_s=settings.duration_s,
        year_s=SECONDS_PER_YEAR,
        flop_formula=_formula_text(settings),
    )


def _formula_text(settings: Settings) -> str:
    text = FLOP_FORMULAS[settings.flop_formula]
    return text + (
        "; causal attention: the attention term halved" if settings.causal and settings.flop_formula != "6nd" else ""
    )


def model_flop(model: ModelRef, tokens: int, settings: Settings) -> float:
    """Training model FLOPs with the chosen formula; N is the active parameters (mixture-of-experts)."""
    seq_len = settings.memory.seq_len or model.n_ctx or 0
    if settings.flop_formula != "6nd" and (model.shape is None or not seq_len):
        raise InputError(f"--flop-formula {settings.flop_formula} needs the model's layers, width and sequence length")
    per_token = train_flop_per_token(
        settings.flop_formula, model.active_params, model.n_layer, model.d_attn, seq_len, settings.causal
    )
    return per_token * tokens


def flops(model: ModelRef, tokens: int, tokens_source: str, settings: Settings) -> FlopsResult:
    train = model_flop(model, tokens, settings)
    _finite(training_flop=train)
    return FlopsResult(
        train_flop=train,
        pf_days=compute.pf_days(train),
        flop_formula=_formula_text(settings),
        model=model_info(model, tokens, tokens_source),
    )


def budget(gpu: GpuSpec, settings: Settings) -> BudgetResult:
    info, peak = _gpu_info(gpu, settings)
    available = compute.delivered_flop(peak, settings.count, settings.mfu, settings.uptime, settings.duration_s)
    _finite(delivered_flop=available)
    return BudgetResult(
        available_flop=available,
        pf_days=compute.pf_days(available),
        gpu_hours=compute.gpu_hours(settings.count, settings.duration_s),
        gpu=info,
        assumptions=_assumptions(settings),
        cost=costing.cost(gpu, compute.gpu_hours(settings.count, settings.duration_s), settings.cost),
    )


def _memory(model: ModelRef, gpu: GpuSpec | None, settings: Settings) -> tuple[MemoryResult, memory.Config]:
    config = memory_plan.resolve(model.shape, model.n_ctx, settings.count, settings.precision, settings.memory)
    available = gpu.memory_bytes if gpu is not None and gpu.memory_known else None
    suggest_lora = settings.memory.finetune is not None
    return memory_plan.build(model.params, model.shape, config, available, suggest_lora), config


def memory_report(model: ModelRef, gpu: GpuSpec | None, settings: Settings) -> MemoryReport:
    """The ``memory`` command: per-GPU bytes for ``model`` with the memory settings, against ``gpu`` if given."""
    result, _ = _memory(model, gpu, settings)
    brief = None
    if gpu is not None:
        brief = GpuBrief(id=gpu.id, name=gpu.name, count=settings.count, memory_bytes=round(gpu.memory_bytes))
    return MemoryReport(
        **result.model_dump(),
        model=ModelBrief(id=model.id, name=model.name, params=model.params),
        gpu=brief,
    )


def fits(model: ModelRef, gpu: GpuSpec, settings: Settings, tokens: int, tokens_source: str) -> FitsResult:
    """Can ``settings.count`` × ``gpu`` train ``model`` on ``tokens`` within ``settings.duration_s``?"""
    info, peak = _gpu_info(gpu, settings)
    memory_result, config = _memory(model, gpu, settings)
    model_flops = model_flop(model, tokens, settings)
    factor = memory.recompute_factor(config.recompute, model.params, model.shape, config.seq_len)
    required = model_flops * factor
    available = compute.delivered_flop(peak, settings.count, settings.mfu, settings.uptime, settings.duration_s)
    time_s = compute.time_to_train_s(required, peak, settings.count, settings.mfu, settings.uptime)
    _finite(training_flop=required, delivered_flop=available, time_to_train=time_s)
    compute_result = ComputeResult(
        model_flop=model_flops,
        recompute_factor=factor,
        required_flop=required,
        available_flop=available,
        ratio=available / required,
        time_s=time_s,
        gpu_hours=compute.gpu_hours(settings.count, time_s),
        fits=available >= required,
    )
    ok = compute_result.fits and bool(memory_result.fits)
    optimal = optimal_plan.section(settings.law, model.params, tokens, factor, available)
    spent = costing.cost(gpu, compute_result.gpu_hours, settings.cost)
    return FitsResult(
        fits=ok,
        verdict=_verdict(model, info, settings, compute_result, memory_result),
        model=model_info(model, tokens, tokens_source),
        gpu=info,
        assumptions=_assumptions(settings),
        compute=compute_result,
        memory=memory_result,
        optimal=optimal,
        cost=spent,
        gates=costing.check(settings.gates, time_s, spent),
    )


def _verdict(model: ModelRef, gpu: GpuInfo, settings: Settings, c: ComputeResult, m: MemoryResult) -> str:
    hardware = f"{gpu.count} × {gpu.name}"
    window = format_duration(settings.duration_s)
    time = format_duration(c.time_s)
    need = f"needs {format_bytes(m.required_bytes)} per GPU, the card has {format_bytes(m.available_bytes or 0)}"
    headroom = f"{c.ratio:.3g}×"
    if c.fits and m.fits:
        return f"Yes: {model.name} trains on {hardware} in {time} ({headroom} the compute in {window}); {need}."
    if c.fits:
        hint = f" ({len(m.strategies)} ways to make it fit below)" if m.strategies else ""
        return f"No: compute is enough ({headroom} in {window}, training takes {time}) but memory is not: {need}{hint}."
    share = f"{c.ratio * 100:.3g}%" if c.ratio >= 0.001 else format_sci(c.ratio)
    memory_note = "; memory fits" if m.fits else f"; memory does not fit either: {need}"
    return f"No: {hardware} delivers {share} of the compute in {window}; training takes {time}{memory_note}."


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
        info, peak = _gpu_info(gpu, settings)
        assumptions = _assumptions(settings)
        if budget_flop is None:
            budget_flop = compute.delivered_flop(
                peak, settings.count, settings.mfu, settings.uptime, settings.duration_s
            )
            _finite(delivered_flop=budget_flop)
            source = f"{settings.count} × {gpu.name} for {format_duration(settings.duration_s)} at MFU {settings.mfu:g}"
    assert budget_flop is not None
    config = available = None
    if gpu is not None and gpu.memory_known:
        seq_len = optimal_plan.REFERENCE_SEQ_LEN
        config = memory_plan.resolve(None, seq_len, settings.count, settings.precision, settings.memory)
        available = gpu.memory_bytes if gpu.memory_known else None
    return optimal_plan.optimal(budget_flop, source, settings.law, models, config, available, info, assumptions)
