"""Composing the core arithmetic into answers: resolves the run's settings against catalog entries and
returns typed results. Pure: it takes validated values and entries, reads no files, prints nothing."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from flopcheck.answers import costing, speed
from flopcheck.answers import layout as layout_plan
from flopcheck.answers import memory as memory_plan
from flopcheck.answers import optimal as optimal_plan
from flopcheck.answers.results import (
    Assumptions,
    ComputeResult,
    FitsResult,
    GpuInfo,
    MemoryResult,
    ModelInfo,
)
from flopcheck.answers.settings import Settings, finite, resolve_precision
from flopcheck.catalog.entries import GpuSpec
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import compute, goodput, memory
from flopcheck.core.errors import InputError
from flopcheck.core.flops import FLOP_FORMULAS, train_flop_per_token
from flopcheck.core.stacks import preset, sequence_length
from flopcheck.core.units import SECONDS_PER_YEAR, format_bytes, format_duration, format_sci

if TYPE_CHECKING:  # the answers of other commands, imported where made: a fits answer builds none of them
    from flopcheck.answers.results import BudgetResult, FlopsResult, MemoryReport


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
        shape_note=model.shape_note,
    )


def gpu_info(gpu: GpuSpec, settings: Settings) -> tuple[GpuInfo, float]:
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
        overrides=overrides_of(gpu),
    )
    return info, peak


def overrides_of(gpu: GpuSpec) -> tuple[str, ...]:
    """The catalog figures a command line replaced, as recorded on the entry it built (see ``override``)."""
    return tuple(source.removeprefix(OVERRIDE) for source in gpu.sources if source.startswith(OVERRIDE))


OVERRIDE = "command line: "


def run_assumptions(settings: Settings, mfu: float | None = None) -> Assumptions:
    return Assumptions(
        precision_requested=settings.precision,
        mfu=settings.mfu if mfu is None else mfu,
        uptime=settings.uptime,
        duration_s=settings.duration_s,
        year_s=SECONDS_PER_YEAR,
        flop_formula=_formula_text(settings),
    )


def _formula_text(settings: Settings) -> str:
    text = FLOP_FORMULAS[settings.flop_formula]
    if settings.causal and settings.flop_formula != "6nd":
        text += "; causal attention: the attention term halved"
    if settings.memory.finetune is not None and settings.memory.finetune.value in ("lora", "qlora"):
        text = (
            "4·N·D + 6·D per adapter parameter (frozen base: no weight-gradient GEMMs, Hu et al. 2021, Sec. 4.2), "
            f"in place of {text}"
        )
    return text


def flop_per_token(model: ModelRef, settings: Settings, trainable: float | None = None) -> float:
    """Training model FLOPs per token with the chosen formula; N is the active parameters (mixture-of-experts).
    A LoRA/QLoRA fine-tune computes no weight gradients for its frozen base: the backward pass costs 2N instead
    of 4N (Hu et al. 2021, Sec. 4.2: no gradients or optimizer states for the frozen weights), so 4·N plus
    6 per trained adapter parameter."""
    finetune = settings.memory.finetune is not None
    stack = preset(settings.memory.stack, finetune, settings.count)
    seq_len = sequence_length(settings.memory.seq_len, model.n_ctx, finetune, stack)
    if settings.flop_formula != "6nd" and (model.shape is None or not seq_len):
        raise InputError(f"--flop-formula {settings.flop_formula} needs the model's layers, width and sequence length")
    per_token = train_flop_per_token(
        settings.flop_formula, model.active_params, model.attention, seq_len, settings.causal
    )
    if trainable is not None:
        per_token += -2.0 * model.active_params + 6.0 * trainable
    return per_token


def model_flop(model: ModelRef, tokens: int, settings: Settings) -> float:
    """Training model FLOPs of ``tokens`` with the chosen formula."""
    return flop_per_token(model, settings) * tokens


def flops(model: ModelRef, tokens: int, tokens_source: str, settings: Settings) -> FlopsResult:
    from flopcheck.answers.results import FlopsResult

    train = model_flop(model, tokens, settings)
    finite(training_flop=train)
    return FlopsResult(
        train_flop=train,
        pf_days=compute.pf_days(train),
        flop_formula=_formula_text(settings),
        model=model_info(model, tokens, tokens_source),
    )


def budget(gpu: GpuSpec, settings: Settings) -> BudgetResult:
    from flopcheck.answers.results import BudgetResult

    info, peak = gpu_info(gpu, settings)
    mfu = settings.mfu or compute.DEFAULT_MFU
    available = compute.delivered_flop(peak, settings.count, mfu, settings.uptime, settings.duration_s)
    finite(delivered_flop=available)
    return BudgetResult(
        available_flop=available,
        pf_days=compute.pf_days(available),
        gpu_hours=compute.gpu_hours(settings.count, settings.duration_s),
        gpu=info,
        assumptions=run_assumptions(settings, mfu),
        cost=costing.cost(gpu, compute.gpu_hours(settings.count, settings.duration_s), settings.cost, settings.count),
    )


def _memory(
    model: ModelRef, gpu: GpuSpec | None, settings: Settings, timing: bool = False
) -> tuple[MemoryResult, memory_plan.Resolved]:
    resolved = memory_plan.resolve(model.shape, model.n_ctx, settings.count, settings.precision, settings.memory)
    device = gpu.memory_bytes if gpu is not None and gpu.memory_known else None
    suggest_lora = settings.memory.finetune is not None
    slowdown = None
    if timing and gpu is not None and model.shape is not None and gpu.precisions:
        slowdown = speed.slowdown(model, gpu, settings, resolved)
    result = memory_plan.build(model.params, model.shape, resolved, device, suggest_lora, slowdown)
    return result, resolved


def warnings(model: ModelRef, settings: Settings) -> tuple[str, ...]:
    """Inputs that are valid but probably not meant."""
    seq_len = settings.memory.seq_len
    if seq_len is not None and model.named and model.n_ctx is not None and seq_len > model.n_ctx:
        return (
            f"--seq-len {seq_len:,} is longer than {model.name}'s context of {model.n_ctx:,} tokens: it was not "
            "trained on sequences that long",
        )
    return ()


def memory_report(model: ModelRef, gpu: GpuSpec | None, settings: Settings) -> MemoryReport:
    """The ``memory`` command: per-GPU bytes for ``model`` with the memory settings, against ``gpu`` if given."""
    from flopcheck.answers.results import GpuBrief, MemoryReport, ModelBrief

    result, _ = _memory(model, gpu, settings, timing=True)
    brief = None
    if gpu is not None:
        brief = GpuBrief(id=gpu.id, name=gpu.name, count=settings.count, memory_bytes=round(gpu.memory_bytes))
    return MemoryReport(
        **result.model_dump(),
        model=ModelBrief(id=model.id, name=model.name, params=model.params, shape_note=model.shape_note),
        gpu=brief,
        warnings=warnings(model, settings),
    )


def fits(model: ModelRef, gpu: GpuSpec, settings: Settings, tokens: int, tokens_source: str) -> FitsResult:
    """Can ``settings.count`` × ``gpu`` train ``model`` on ``tokens`` within ``settings.duration_s``?"""
    info, peak = gpu_info(gpu, settings)
    settings, searched = layout_plan.best_layout(model, gpu, settings)
    memory_result, resolved = _memory(model, gpu, settings, timing=True)
    config = resolved.config
    lora = config.finetune is not memory.Finetune.FULL
    per_token = flop_per_token(model, settings, memory_result.assumptions.trainable_params if lora else None)
    model_flops = per_token * tokens
    # Recomputation repeats forward FLOPs (2N per token for full): relative to the run's own FLOPs per token, which
    # are 4N (not 6N) for a LoRA fine-tune.
    extra = memory.recompute_factor(config.recompute, model.params, model.shape, config.seq_len) - 1.0
    factor = 1.0 + extra * 6.0 * model.active_params / per_token
    required = model_flops * factor
    timed = speed.throughput_resolved(settings, resolved, memory_result.max_micro_batch)
    rate = speed.rate(model, gpu, settings, timed, per_token, peak)
    if searched and rate.source == "predicted":
        rate = layout_plan.searched_range(rate)
    effective, effective_source, interval = _goodput(settings)
    settings = dataclasses.replace(settings, uptime=effective)
    time_s = tokens / (rate.tokens_per_s * settings.uptime)
    finite(training_flop=required, time_to_train=time_s)
    ratio = settings.duration_s / time_s
    compute_result = ComputeResult(
        model_flop=model_flops,
        recompute_factor=factor,
        required_flop=required,
        available_flop=required * ratio,
        ratio=ratio,
        time_s=time_s,
        time_low_s=time_s * rate.mfu / rate.mfu_high,
        time_high_s=time_s * rate.mfu / rate.mfu_low,
        gpu_hours=compute.gpu_hours(settings.count, time_s),
        fits=ratio >= 1.0,
        mfu=rate.mfu,
        mfu_source=rate.source,
        prediction_basis=rate.basis,
        mfu_low=rate.mfu_low,
        mfu_high=rate.mfu_high,
        tokens_per_s=rate.tokens_per_s,
        step_time_s=rate.step_time_s,
        global_batch=rate.global_batch,
        micro_batch=rate.micro_batch,
        goodput=effective,
        goodput_source=effective_source,
        checkpoint_interval_s=interval,
    )
    fits = compute_result.fits and bool(memory_result.fits)
    optimal = (
        None
        if lora or settings.memory.finetune is not None
        else optimal_plan.section(settings.law, model.params, tokens, factor, required * ratio)
    )
    spent = costing.cost(gpu, compute_result.gpu_hours, settings.cost, settings.count)
    gates = costing.check(settings.gates, time_s, spent, gpu.id)
    return FitsResult(
        fits=fits,
        ok=fits and all(gate.passed for gate in gates),
        verdict=_verdict(model, info, settings, compute_result, memory_result),
        model=model_info(model, tokens, tokens_source),
        gpu=info,
        assumptions=run_assumptions(settings, rate.mfu),
        compute=compute_result,
        memory=memory_result,
        optimal=optimal,
        cost=spent,
        gates=gates,
        warnings=warnings(model, settings),
        layout=layout_plan.used(timed.config, rate.global_batch, rate, memory_result.required_bytes, searched),
    )


def _goodput(settings: Settings) -> tuple[float, str, float | None]:
    """The effective-time fraction, what it rests on and the checkpoint interval it assumes: --uptime when given,
    1 with --mfu-from, else the goodput expected at this many GPUs."""
    if settings.uptime_source == "--uptime":
        return settings.uptime, "--uptime", None
    if settings.mfu_source == "--mfu-from":
        return settings.uptime, "--mfu-from: the run's reported hours already include its interruptions", None
    expected = goodput.goodput(settings.count)
    return expected.fraction, expected.source, expected.checkpoint_interval_s


def _verdict(model: ModelRef, gpu: GpuInfo, settings: Settings, c: ComputeResult, m: MemoryResult) -> str:
    hardware = f"{gpu.count} × {gpu.name}"
    window = format_duration(settings.duration_s)
    time = format_duration(c.time_s)
    need = f"needs {format_bytes(m.required_bytes)} per GPU, the card has {format_bytes(m.available_bytes or 0)}"
    headroom = f"{c.ratio:.3g}×"
    if c.fits and m.fits:
        return f"Yes: {model.name} trains on {hardware} in {time} ({headroom} the compute in {window}); {need}."
    if c.fits:
        n = len(m.strategies)
        hint = f" ({n} {'way' if n == 1 else 'ways'} to make it fit)" if n else ""
        return f"No: compute is enough ({headroom} in {window}, training takes {time}) but memory is not: {need}{hint}."
    share = f"{c.ratio * 100:.3g}%" if c.ratio >= 0.001 else format_sci(c.ratio)
    memory_note = "; memory fits" if m.fits else f"; memory does not fit either: {need}"
    return f"No: {hardware} delivers {share} of the compute in {window}; training takes {time}{memory_note}."
