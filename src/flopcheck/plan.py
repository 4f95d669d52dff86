"""Composing the core arithmetic into answers: resolves the run's settings against catalog entries and
returns typed results. Pure: it takes validated values and entries, reads no files, prints nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flopcheck import compute, memory
from flopcheck.errors import InputError
from flopcheck.results import (
    Assumptions,
    BudgetResult,
    ComputeResult,
    FitsResult,
    FlopsResult,
    GpuInfo,
    MemoryAssumptions,
    MemoryBreakdown,
    MemoryResult,
    ModelInfo,
)
from flopcheck.specs import AUTO_PRECISION_ORDER, GpuSpec, ModelSpec, Precision
from flopcheck.units import SECONDS_PER_YEAR, format_bytes, format_count, format_duration, format_sci

FLOP_FORMULA = "6·N·D (Kaplan et al. 2020; GPT-3 Appendix D)"


@dataclass(frozen=True)
class Settings:
    """How the GPUs are used. Defaults are flopcheck's documented defaults."""

    count: int = 1
    duration_s: float = SECONDS_PER_YEAR
    mfu: float = compute.DEFAULT_MFU
    uptime: float = compute.DEFAULT_UPTIME
    precision: str = "auto"
    micro_batch: int = 1
    seq_len: int | None = None


@dataclass(frozen=True)
class ModelRef:
    """A model to train: a catalog entry, or a bare parameter count (no shape, no published tokens)."""

    id: str
    name: str
    params: int
    shape: memory.Shape | None = None
    n_ctx: int | None = None
    training_tokens: int | None = None
    training_tokens_estimated: bool = False
    in_catalog: bool = False

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> ModelRef:
        arch = spec.architecture
        shape = None if arch is None else memory.Shape(arch.n_layer, arch.d_model, arch.n_head, arch.vocab_size)
        return cls(
            id=spec.id,
            name=spec.name,
            params=spec.params,
            shape=shape,
            n_ctx=None if arch is None else arch.n_ctx,
            training_tokens=spec.training_tokens,
            training_tokens_estimated=spec.training_tokens_estimated,
            in_catalog=True,
        )

    @classmethod
    def from_count(cls, params: float) -> ModelRef:
        count = round(params)
        return cls(id=format_count(count), name=f"a {format_count(count)}-parameter model", params=count)


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


def resolve_tokens(model: ModelRef, tokens: float | None, tokens_per_param: float | None) -> tuple[int, str]:
    """Training tokens and where they came from: a flag, the catalog, or 20 per parameter (Chinchilla)."""
    if tokens is not None and tokens_per_param is not None:
        raise InputError("give --tokens or --tokens-per-param, not both")
    if tokens is not None:
        return round(tokens), "--tokens"
    if tokens_per_param is not None:
        return round(tokens_per_param * model.params), f"--tokens-per-param {tokens_per_param:g}"
    if model.training_tokens is not None:
        if model.training_tokens_estimated:
            return model.training_tokens, "not published; the catalog's cited estimate"
        return model.training_tokens, "published"
    if not model.in_catalog:
        raise InputError("a bare parameter count needs --tokens or --tokens-per-param")
    ratio = compute.CHINCHILLA_TOKENS_PER_PARAM
    return round(ratio * model.params), f"{ratio:g} per parameter (Chinchilla rule; none published)"


def model_info(model: ModelRef, tokens: int, tokens_source: str) -> ModelInfo:
    return ModelInfo(
        id=model.id,
        name=model.name,
        params=model.params,
        tokens=tokens,
        tokens_source=tokens_source,
        tokens_per_param=tokens / model.params,
        n_ctx=model.n_ctx,
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
        memory_bytes=round(gpu.memory_bytes),
    )
    return info, peak


def _assumptions(settings: Settings) -> Assumptions:
    return Assumptions(
        precision_requested=settings.precision,
        mfu=settings.mfu,
        uptime=settings.uptime,
        duration_s=settings.duration_s,
        year_s=SECONDS_PER_YEAR,
        flop_formula=FLOP_FORMULA,
    )


def flops(model: ModelRef, tokens: int, tokens_source: str) -> FlopsResult:
    train = compute.training_flop(model.params, tokens)
    _finite(training_flop=train)
    return FlopsResult(
        train_flop=train,
        pf_days=compute.pf_days(train),
        flop_formula=FLOP_FORMULA,
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
    )


def _memory(model: ModelRef, gpu: GpuSpec, settings: Settings) -> MemoryResult:
    seq_len = settings.seq_len or model.n_ctx
    shape = model.shape if seq_len is not None else None
    estimate = memory.training_memory(model.params, shape, settings.micro_batch, seq_len or 0)
    available = round(gpu.memory_bytes)
    required = round(estimate.total_bytes)
    not_modelled: tuple[str, ...] = memory.NOT_MODELLED
    if shape is None:
        not_modelled = ("activations: the model's shape is unknown (a bare parameter count)", *not_modelled)
    elif estimate.output_bytes is None:
        not_modelled = ("embedding and output layer: the vocabulary size is not published", *not_modelled)
    return MemoryResult(
        required_bytes=required,
        available_bytes=available,
        fits=required <= available,
        breakdown=MemoryBreakdown(
            weights_bytes=round(estimate.weights_bytes),
            gradients_bytes=round(estimate.gradients_bytes),
            master_weights_bytes=round(estimate.master_weights_bytes),
            optimizer_bytes=round(estimate.optimizer_bytes),
            activations_bytes=None if estimate.activations_bytes is None else round(estimate.activations_bytes),
            output_bytes=None if estimate.output_bytes is None else round(estimate.output_bytes),
        ),
        assumptions=MemoryAssumptions(
            training="mixed precision: 16-bit weights and gradients, fp32 master weights",
            optimizer="AdamW (fp32 momentum and variance)",
            bytes_per_param=memory.STATE_BYTES_PER_PARAM,
            micro_batch=settings.micro_batch,
            seq_len=seq_len,
            recompute="none",
            parallelism="data parallel, a full replica on every GPU (no ZeRO/FSDP sharding)",
        ),
        modelled=memory.MODELLED,
        not_modelled=not_modelled,
    )


def fits(model: ModelRef, gpu: GpuSpec, settings: Settings, tokens: int, tokens_source: str) -> FitsResult:
    """Can ``settings.count`` × ``gpu`` train ``model`` on ``tokens`` within ``settings.duration_s``?"""
    info, peak = _gpu_info(gpu, settings)
    required = compute.training_flop(model.params, tokens)
    available = compute.delivered_flop(peak, settings.count, settings.mfu, settings.uptime, settings.duration_s)
    time_s = compute.time_to_train_s(required, peak, settings.count, settings.mfu, settings.uptime)
    _finite(training_flop=required, delivered_flop=available, time_to_train=time_s)
    compute_result = ComputeResult(
        required_flop=required,
        available_flop=available,
        ratio=available / required,
        time_s=time_s,
        gpu_hours=compute.gpu_hours(settings.count, time_s),
        fits=available >= required,
    )
    memory_result = _memory(model, gpu, settings)
    ok = compute_result.fits and memory_result.fits
    return FitsResult(
        fits=ok,
        verdict=_verdict(model, info, settings, compute_result, memory_result),
        model=model_info(model, tokens, tokens_source),
        gpu=info,
        assumptions=_assumptions(settings),
        compute=compute_result,
        memory=memory_result,
    )


def _verdict(model: ModelRef, gpu: GpuInfo, settings: Settings, c: ComputeResult, m: MemoryResult) -> str:
    hardware = f"{gpu.count} × {gpu.name}"
    window = format_duration(settings.duration_s)
    time = format_duration(c.time_s)
    need = f"needs {format_bytes(m.required_bytes)} per GPU, the card has {format_bytes(m.available_bytes)}"
    headroom = f"{c.ratio:.3g}×"
    if c.fits and m.fits:
        return f"Yes: {model.name} trains on {hardware} in {time} ({headroom} the compute in {window}); {need}."
    if c.fits:
        return f"No: compute is enough ({headroom} in {window}, training takes {time}) but memory is not: {need}."
    share = f"{c.ratio * 100:.3g}%" if c.ratio >= 0.001 else format_sci(c.ratio)
    memory_note = "; memory fits" if m.fits else f"; memory does not fit either: {need}"
    return f"No: {hardware} delivers {share} of the compute in {window}; training takes {time}{memory_note}."
