"""The settings of a question, and the precision and training tokens they resolve to. Pure."""

from __future__ import annotations

import math
from dataclasses import field

from flopcheck.answers import costing
from flopcheck.answers.memory import MemoryOptions
from flopcheck.catalog.entries import AUTO_PRECISION_ORDER, GpuSpec, Precision
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import compute, scaling
from flopcheck.core.errors import InputError
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.units import SECONDS_PER_YEAR

SORT_KEYS = ("time", "cost", "energy")
"""The orders ``compare`` ranks its rows by."""
REFERENCE_FINETUNE_TOKENS = 100_000_000
FINETUNE_SOURCE = "no data size given: a reference 100M tokens (give --tokens, or --samples with --epochs)"


@frozen_dataclass
class Settings:
    """How the GPUs are used. Defaults are flopcheck's documented defaults."""

    count: int = 1
    duration_s: float = SECONDS_PER_YEAR
    mfu: float | None = None
    """None: predicted from the configuration."""
    mfu_source: str = "predicted"
    global_batch: int | None = None
    gpus_per_node: int | None = None
    uptime: float = compute.DEFAULT_UPTIME
    uptime_source: str = "goodput"
    """goodput (the expected effective-time fraction at this scale, ``core.goodput``) or --uptime."""
    network_gbps: float | None = None
    precision: str = "auto"
    memory: MemoryOptions = field(default_factory=MemoryOptions)
    law: scaling.Law = field(default_factory=lambda: scaling.law("chinchilla"))
    flop_formula: str = "6nd"
    causal: bool = False
    cost: costing.CostOptions = field(default_factory=costing.CostOptions)
    gates: costing.Gates = field(default_factory=costing.Gates)


def finite(**values: float) -> None:
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
    model: ModelRef,
    tokens: float | None,
    tokens_per_param: float | None,
    optimal_law: scaling.Law | None = None,
    finetune: bool = False,
    from_samples: tuple[float, str] | None = None,
) -> tuple[int, str]:
    """Training tokens and where they came from: a flag, samples × length × epochs, the law's compute-optimal
    tokens (``--chinchilla``), the catalog, or 20 per parameter (Chinchilla). A fine-tune never trains on the
    model's pre-training tokens: without a data size it is sized per ``REFERENCE_FINETUNE_TOKENS``."""
    if sum(x is not None for x in (tokens, tokens_per_param, optimal_law, from_samples)) > 1:
        raise InputError("give one of --tokens, --tokens-per-param, --samples, --chinchilla")
    if from_samples is not None:
        value, source = from_samples
    elif finetune and tokens is None and tokens_per_param is None and optimal_law is None:
        value, source = REFERENCE_FINETUNE_TOKENS, FINETUNE_SOURCE
    else:
        value, source = _tokens(model, tokens, tokens_per_param, optimal_law)
    finite(training_tokens=value)
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
            return model.training_tokens, "the catalog's cited estimate (not published)"
        return model.training_tokens, "published"
    if not model.named:
        raise InputError("a bare parameter count needs --tokens or --tokens-per-param")
    ratio = compute.CHINCHILLA_TOKENS_PER_PARAM
    rule = (
        "a dense-model rule, applied to this mixture-of-experts"
        if model.active_params < model.params
        else "none published"
    )
    return ratio * model.params, f"{ratio:g} per parameter (Chinchilla rule; {rule})"
