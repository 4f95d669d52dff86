"""Compute-optimal planning: scaling laws, the budget and the memory model composed into answers. Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flopcheck.answers.memory import Resolved, allocated_budget, memory_assumptions, required_bytes
from flopcheck.answers.results import OptimalSection
from flopcheck.core import fitting, memory, scaling
from flopcheck.core.errors import InputError
from flopcheck.core.units import format_count, format_ratio

if TYPE_CHECKING:
    from flopcheck.answers.results import Assumptions, FeasibleResult, GpuInfo, LawResult, NearestModel, OptimalResult
    from flopcheck.catalog.entries import ModelSpec

# The optimal command's result classes are imported where they are built: fits needs only OptimalSection.

REFERENCE_SEQ_LEN = 2048
"""Context length assumed for a hypothetical model: Chinchilla and Gopher train with 2048 tokens."""
ASPECT_RATIO = 128
HEAD_SIZE = 128
REFERENCE_VOCAB = 32_000
"""Gopher's and Chinchilla's SentencePiece vocabulary (Rae et al. 2021, Sec. 3)."""
SHAPE_NOTE = (
    f"N ≈ 12·L·d² (Kaplan et al. 2020) with d_model = {ASPECT_RATIO}·n_layer (GPT-3 175B, Llama 2 7B), "
    f"head size {HEAD_SIZE}, 4·d MLP, vocabulary {REFERENCE_VOCAB:,}"
)


def shape_for(params: float) -> memory.Shape:
    """A GPT-style shape for a model of ``params`` parameters (see ``SHAPE_NOTE``)."""
    layers = max(1, round((params / (12 * ASPECT_RATIO**2)) ** (1 / 3)))
    d_model = ASPECT_RATIO * layers
    return memory.Shape(n_layer=layers, d_model=d_model, n_head=d_model // HEAD_SIZE, vocab_size=REFERENCE_VOCAB)


def max_params_that_fit(config: memory.Config, available_bytes: float, ways: bool = False) -> float | None:
    """The largest N whose training fits in ``available_bytes`` per GPU with ``config`` (or, with ``ways``,
    with one of the ways to make it fit that ``fits`` lists), using ``shape_for``."""

    def fits(params: float) -> bool:
        shape = shape_for(params)
        if required_bytes(memory.estimate(params, shape, config)) <= available_bytes:
            return True
        budget = allocated_budget(config, available_bytes)
        return ways and bool(fitting.ways_to_fit(params, shape, config, budget, False))

    return scaling.largest_fitting(fits)


def _guard(*values: float) -> None:
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise InputError("the numbers are too large to plan with; check the budget and the model size")


def _law_result(law: scaling.Law, budget_flop: float) -> LawResult:
    from flopcheck.answers.results import LawResult

    try:
        params, tokens = law.optimum(budget_flop)
        loss = law.loss(params, tokens)
    except OverflowError:
        raise InputError("the budget is too large to plan with") from None
    _guard(params, tokens, loss)
    if params < 1:
        raise InputError(f"a budget of {budget_flop:g} FLOP is too small: the optimal model has under one parameter")
    return LawResult(
        law=law.name,
        description=law.description,
        params=round(params),
        tokens=round(tokens),
        tokens_per_param=tokens / params,
        loss=loss,
        loss_law=law.loss_law.name,
    )


def _feasible(
    law: scaling.Law, budget_flop: float, resolved: Resolved, available_bytes: float, best: LawResult
) -> FeasibleResult:
    """The best run within the memory, counting the ways to fit as ``fits`` does; its tokens are what the
    budget buys at that way's hardware FLOP per model FLOP (recomputation included)."""
    from flopcheck.answers.results import FeasibleResult

    config = resolved.config
    as_given = max_params_that_fit(config, available_bytes)
    limit = max_params_that_fit(config, available_bytes, ways=True)
    params = tokens = loss = way = flags = None
    slowdown = 1.0
    if limit is not None:
        params = min(float(best.params), limit)
        shape = shape_for(params)
        slowdown = memory.recompute_factor(config.recompute, params, shape, config.seq_len)
        if required_bytes(memory.estimate(params, shape, config)) > available_bytes:
            budget = allocated_budget(config, available_bytes)
            chosen = fitting.ways_to_fit(params, shape, config, budget, False)[0]
            way, flags, slowdown = chosen.name, " ".join(chosen.flags), chosen.slowdown
        tokens = budget_flop / (6.0 * params * slowdown)
        loss = law.loss(params, tokens)
    return FeasibleResult(
        max_params=None if limit is None else math.floor(limit),
        max_params_as_given=None if as_given is None else math.floor(as_given),
        params=None if params is None else round(params),
        tokens=None if tokens is None else round(tokens),
        loss=loss,
        limited_by_memory=limit is not None and limit < best.params,
        way=way,
        flags=flags,
        recompute_factor=slowdown,
        shape=SHAPE_NOTE,
        memory=memory_assumptions(resolved, memory.estimate(1e9, shape_for(1e9), config)),
    )


def _model_budget(law: scaling.Law, budget_flop: float, config: memory.Config | None) -> tuple[float, float]:
    """The model FLOP (6·N·D) a budget of hardware FLOP buys with the recomputation asked, and the factor:
    full recomputation costs 8·N·D for 6·N·D (Narayanan et al. 2021); selective depends on the shape, so the
    optimum is found again at the factor of the first guess (twice: it converges at once)."""
    if config is None or config.recompute is memory.Recompute.NONE:
        return budget_flop, 1.0
    factor = 1.0
    for _ in range(2):
        try:
            params, _ = law.optimum(budget_flop / factor)
        except OverflowError:
            raise InputError("the budget is too large to plan with") from None
        factor = memory.recompute_factor(config.recompute, params, shape_for(params), config.seq_len)
    return budget_flop / factor, factor


def nearest_models(models: Iterable[ModelSpec], params: float, count: int = 3) -> tuple[NearestModel, ...]:
    from flopcheck.answers.results import NearestModel

    ranked = sorted(models, key=lambda m: abs(math.log(m.params / params)))
    return tuple(NearestModel(id=m.id, name=m.name, params=m.params) for m in ranked[:count])


def optimal(
    budget_flop: float,
    budget_source: str,
    law: scaling.Law,
    models: Iterable[ModelSpec],
    memory_config: Resolved | None = None,
    available_bytes: float | None = None,
    gpu: GpuInfo | None = None,
    assumptions: Assumptions | None = None,
) -> OptimalResult:
    """The compute-optimal model for ``budget_flop`` under ``law``, the other laws alongside, the catalog
    models nearest in size and, given a GPU's memory, the best run that fits it."""
    from flopcheck.answers.results import OptimalResult

    model_flop, factor = _model_budget(law, budget_flop, None if memory_config is None else memory_config.config)
    best = _law_result(law, model_flop)
    others = [scaling.law(name) for name in scaling.LAW_NAMES if name not in (law.name, "tokens-per-param")]
    feasible = None
    if memory_config is not None and available_bytes is not None:
        feasible = _feasible(law, budget_flop, memory_config, available_bytes, best)
    loss_laws = {law.loss_law, *(other.loss_law for other in others)}
    return OptimalResult(
        budget_flop=budget_flop,
        budget_source=budget_source,
        model_flop=model_flop,
        recompute_factor=factor,
        law=law.name,
        description=law.description,
        params=best.params,
        tokens=best.tokens,
        tokens_per_param=best.tokens_per_param,
        loss=best.loss,
        loss_law=best.loss_law,
        alternatives=tuple(_law_result(other, model_flop) for other in others),
        nearest_models=nearest_models(models, best.params),
        feasible=feasible,
        gpu=gpu,
        assumptions=assumptions,
        laws={fit.name: fit.source for fit in sorted(loss_laws, key=lambda f: f.name)},
    )


def section(
    law: scaling.Law, params: float, tokens: float, recompute_factor: float, available_flop: float
) -> OptimalSection:
    """``fits``' view of compute-optimality: the optimal tokens for this model, what they cost, whether the
    budget covers them, and the predicted loss here and there."""
    try:
        optimal_tokens = law.optimal_tokens(params)
        loss_opt = law.loss(params, optimal_tokens)
        loss_here = law.loss(params, tokens)
        best_n, best_d = law.loss_law.optimum(6.0 * params * tokens)
        floor = law.loss_law.loss(best_n, best_d)
    except OverflowError:
        raise InputError("the model is too large to plan with") from None
    required = 6.0 * params * optimal_tokens * recompute_factor
    _guard(optimal_tokens, required)
    ratio = tokens / optimal_tokens
    if 0.8 <= ratio <= 1.25:
        training = "about compute-optimal (within 25 %)"
    elif ratio < 1:
        training = (
            f"{format_ratio(1 / ratio)} under-trained: {format_count(optimal_tokens)} tokens would be compute-optimal"
        )
    else:
        training = f"{format_ratio(ratio)} over-trained: past compute-optimal, trading compute for a smaller model"
    return OptimalSection(
        law=law.name,
        tokens=round(optimal_tokens),
        tokens_per_param=optimal_tokens / params,
        required_flop=required,
        fits=available_flop >= required,
        loss=loss_opt,
        loss_at_tokens=loss_here,
        loss_gap=max(0.0, loss_here - floor),
        loss_law=law.loss_law.name,
        tokens_ratio=ratio,
        training=training,
    )
