"""How fast a run goes: the predicted throughput (``throughput``), or the MFU the user gave, as one rate. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from flopcheck.answers import throughput
from flopcheck.answers.memory import Resolved
from flopcheck.answers.settings import Settings, resolve_precision
from flopcheck.catalog.entries import GpuSpec, Precision
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import compute, memory
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.performance import Machine

NO_SHAPE = "default 0.4: no architecture to predict from (give a catalog model or --layers/--hidden/--heads)"


@frozen_dataclass
class Rate:
    """How fast the run trains: its MFU with the likely range, where that comes from, and the tokens, step time and
    batch it implies."""

    micro_batch: int
    mfu: float
    mfu_low: float
    mfu_high: float
    source: str
    """predicted, --mfu, --mfu-from, --tokens-per-second, or the default when nothing can be predicted."""
    tokens_per_s: float
    """All GPUs."""
    step_time_s: float
    global_batch: int
    """Sequences per optimizer step."""
    basis: str | None = None
    """Predicted: the efficiencies the prediction rests on, in words."""


def mfu_peak(gpu: GpuSpec, precision: Precision, peak: float) -> float:
    """MFU is counted against the bf16 peak under fp8 (so fp8's speed-up shows as MFU above bf16's)."""
    if precision is Precision.FP8:
        return gpu.peak_flop_per_s(Precision.BF16) or peak
    return peak


def _global_batch(settings: Settings, config: memory.Config) -> int:
    return settings.global_batch or throughput.default_global_batch(config)


def _predict(
    model: ModelRef, gpu: GpuSpec, settings: Settings, resolved: Resolved, per_token: float
) -> tuple[throughput.Prediction, Machine]:
    assert model.shape is not None
    config = resolved.config
    precision = resolve_precision(gpu, settings.precision)
    trainable = memory.estimate(model.params, model.shape, config).trainable_params
    machine = throughput.machine(gpu, precision, settings.gpus_per_node, settings.network_gbps)
    run = throughput.run(model.shape, model.params, trainable, config, settings.global_batch)
    peak = machine.peak_flop_per_s
    return throughput.predict(run, machine, resolved.stack.id, per_token, mfu_peak(gpu, precision, peak)), machine


MAX_TOKENS_PER_MICRO_BATCH = 2**20
"""The automatic micro-batch stops at about a million tokens per GPU per step."""


def throughput_resolved(settings: Settings, resolved: Resolved, max_micro_batch: int | None) -> Resolved:
    """Without --micro-batch, time is predicted at the largest micro-batch that fits (what a run would use),
    up to ``MAX_TOKENS_PER_MICRO_BATCH`` tokens; memory is reported at micro-batch 1."""
    config = resolved.config
    if settings.memory.micro_batch is not None or not max_micro_batch or max_micro_batch <= 1:
        return resolved
    cap = max(1, MAX_TOKENS_PER_MICRO_BATCH // max(config.seq_len, 1))
    return Resolved(replace(config, micro_batch=min(max_micro_batch, cap)), resolved.stack)


def rate(model: ModelRef, gpu: GpuSpec, settings: Settings, resolved: Resolved, per_token: float, peak: float) -> Rate:
    """The run's throughput: from the given MFU, or predicted from the configuration."""
    config = resolved.config
    batch = _global_batch(settings, config)
    tokens_per_step = float(batch) * max(config.seq_len, 1)
    if settings.mfu is not None or model.shape is None or config.seq_len <= 0:
        mfu = compute.DEFAULT_MFU if settings.mfu is None else settings.mfu
        source = settings.mfu_source if settings.mfu is not None else NO_SHAPE
        factor = memory.recompute_factor(config.recompute, model.params, model.shape, config.seq_len)
        tokens_per_s = settings.count * peak * mfu / (per_token * factor)
        return Rate(config.micro_batch, mfu, mfu, mfu, source, tokens_per_s, tokens_per_step / tokens_per_s, batch)
    prediction, machine = _predict(model, gpu, settings, resolved, per_token)
    return Rate(
        config.micro_batch,
        prediction.mfu,
        prediction.mfu_low,
        prediction.mfu_high,
        "predicted",
        prediction.tokens_per_s,
        prediction.step.step_s,
        batch,
        throughput.basis(gpu, machine, resolved.stack.id, resolve_precision(gpu, settings.precision)),
    )


def slowdown(model: ModelRef, gpu: GpuSpec, settings: Settings, resolved: Resolved) -> Callable[[memory.Config], float]:
    """For the ways to fit: a configuration's predicted time per token relative to the run as given."""
    per_token = 6.0 * model.active_params
    base = _predict(model, gpu, settings, resolved, per_token)[0].tokens_per_s

    def cost(config: memory.Config) -> float:
        other = _predict(model, gpu, settings, Resolved(config, resolved.stack), per_token)[0].tokens_per_s
        return base / other

    return cost
