"""One function per question flopcheck answers; the command line calls these same functions.

Each takes the CLI's options as keyword arguments (``RunOptions``: snake_case names, the same defaults, the
same quantity parsing) and returns the result model the CLI prints as JSON, so
``fits("gpt2-xl", gpu="rtx4070ti").model_dump(mode="json")`` is the document
``flopcheck fits gpt2-xl --gpu rtx4070ti --json`` prints. Bad input raises ``FlopcheckError`` with the line
the CLI prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flopcheck.answers import run as plan
from flopcheck.answers.settings import SORT_KEYS as SORT_KEYS
from flopcheck.answers.settings import Settings, resolve_precision
from flopcheck.api import inputs, ranges
from flopcheck.api.options import Quantity, RunOptions, accept
from flopcheck.catalog import store as catalog
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core.errors import InputError

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from flopcheck.answers.results import (
        AccuracyResult,
        BudgetResult,
        CalibrationResult,
        CompareResult,
        FitsResult,
        FlopsResult,
        LayoutSearchResult,
        MatrixResult,
        MemoryReport,
        OptimalResult,
        RunsResult,
    )
    from flopcheck.catalog.entries import GpuSpec, ModelSpec

# Each function imports the planning modules only it uses: a command loads what its own answer needs.
DEFAULT_MATRIX_MODELS = (
    "gpt2",
    "gpt2-xl",
    "llama-3.2-1b",
    "llama-3.2-3b",
    "llama-3.1-8b",
    "qwen3-8b",
    "qwen3-14b",
    "qwen3-32b",
    "llama-3.1-70b",
)
DEFAULT_MATRIX_GPUS = ("rtx-3090", "rtx-4070-ti", "rtx-4090", "rtx-5090", "a100-sxm-80gb", "h100-sxm")

ModelInput = str | Path
"""A catalog id or alias (``gpt2-xl``), a parameter count (``"1.5B"``), or a path to a config.json."""


def fits(model: ModelInput, **options: Unpack[RunOptions]) -> FitsResult:
    """Can the GPUs train ``model``? Compute needed (6·N·D, Kaplan et al. 2020) against what the GPUs deliver
    (peak × MFU × uptime × time, PaLM Appendix B), time, memory and ways to fit, compute-optimality, cost."""
    o = accept("fits", options)
    settings = inputs.settings(o)
    ref = inputs.model(model, o)
    tokens, source = _tokens(ref, o, settings)
    hardware = inputs.gpu(o, need_flops=True, need_memory=True)
    assert hardware is not None
    measured = o.get("tokens_per_second")
    if measured is not None:
        if o.get("mfu") is not None or o.get("mfu_from") is not None:
            raise InputError("give --mfu, --mfu-from or --tokens-per-second, only one")
        settings = inputs.measured(settings, ref, hardware, measured)
    return plan.fits(ref, hardware, settings, tokens, source)


def memory(model: ModelInput, **options: Unpack[RunOptions]) -> MemoryReport:
    """Training memory per GPU by component (ZeRO Sec. 3.1 model states; Korthikanti et al. 2022
    activations); with a GPU, whether it fits and the ways to make it fit."""
    o = accept("memory", options)
    settings = inputs.settings(o)
    ref = inputs.model(model, o)
    return plan.memory_report(ref, inputs.gpu(o, need_flops=False, need_memory=False), settings)


def optimal(**options: Unpack[RunOptions]) -> OptimalResult:
    """The compute-optimal model for a budget (``flop``, or what ``gpu`` delivers) under a scaling law
    (Hoffmann et al. 2022; Besiroglu et al. 2024); with a GPU, the best model its memory can train."""
    from flopcheck.answers import optimal_budget

    o = accept("optimal", options)
    settings = inputs.settings(o)
    flop = o.get("flop")
    budget_flop = None if flop is None else inputs.count(flop, "flop")
    hardware = inputs.gpu(o, need_flops=False, need_memory=False)
    if hardware is not None and budget_flop is None and not hardware.precisions:
        raise InputError("give --flop or --gpu-flops for the budget")
    return optimal_budget.optimal(budget_flop, hardware, settings, catalog.models())


def budget(**options: Unpack[RunOptions]) -> BudgetResult:
    """FLOP the GPUs deliver in the time window: count × peak × MFU × uptime × seconds (PaLM Appendix B),
    also as GPU-hours and PF-days, with cost and energy."""
    o = accept("budget", options)
    settings = inputs.settings(o)
    hardware = inputs.gpu(o, need_flops=True, need_memory=False)
    assert hardware is not None
    return plan.budget(hardware, settings)


def flops(model: ModelInput, **options: Unpack[RunOptions]) -> FlopsResult:
    """Training FLOPs of ``model``: 6·N·D (Kaplan et al. 2020), or with attention (Kaplan Table 1; PaLM
    Appendix B)."""
    o = accept("flops", options)
    settings = inputs.settings(o)
    ref = inputs.model(model, o)
    return plan.flops(ref, *_tokens(ref, o, settings), settings)


def compare(
    model: ModelInput,
    gpus: Sequence[str] | str | None = None,
    all: bool = False,
    sort: str = "time",
    **options: Unpack[RunOptions],
) -> CompareResult:
    """``model`` on each GPU (``gpus``, or ``all`` of the catalog): each row is ``fits`` for that GPU."""
    from flopcheck.answers import compare as compare_plan

    o = accept("compare", options)
    settings = inputs.settings(o)
    ref = inputs.model(model, o)
    tokens, source = _tokens(ref, o, settings)
    chosen = _gpus(gpus, all)
    return compare_plan.compare(ref, chosen, settings, tokens, source, inputs.one_of(sort, SORT_KEYS, "sort"))


def matrix(
    models: Sequence[str] | str = DEFAULT_MATRIX_MODELS,
    gpus: Sequence[str] | str | None = None,
    all: bool = False,
    **options: Unpack[RunOptions],
) -> MatrixResult:
    """A verdict for every model × GPU: yes, compute-only, memory-only or no, with the time to train; ``gpus``
    defaults to a few common cards, ``all`` takes the whole catalog."""
    from flopcheck.answers import compare as compare_plan

    o = accept("matrix", options)
    settings = inputs.settings(o)
    refs = [inputs.model(name, o) for name in _names(models)]
    if not refs:
        raise InputError("give --models a,b,c")
    chosen = _gpus(DEFAULT_MATRIX_GPUS if gpus is None and not all else gpus, all)
    return compare_plan.matrix(refs, chosen, settings, lambda ref: _tokens(ref, o, settings))


def layout(model: ModelInput, top: int = 10, **options: Unpack[RunOptions]) -> LayoutSearchResult:
    """The fastest model-parallel layouts of ``model`` on ``count`` GPUs that fit their memory: tensor, pipeline
    (1F1B or interleaved; Narayanan et al. 2021), context, expert and data parallelism with micro-batch,
    recomputation and ZeRO stage, ranked by predicted step time; each carries the ``fits`` flags that select it."""
    from flopcheck.answers import layout_report

    o = accept("layout", options)
    settings = inputs.settings(o)
    if o.get("gpu") is None:
        raise InputError("give --gpu GPU: the layout search needs its memory and links")
    ref = inputs.model(model, o)
    return layout_report.layout(ref, catalog.gpus().get(str(o["gpu"])), settings, inputs.integer(top, "top", 1, 1000))


def runs(mfu: Quantity | None = None) -> RunsResult:
    """Published training runs: the MFU each implies (PaLM Appendix B) and the GPU-hours flopcheck predicts, at
    the MFU it predicts for each run's configuration or at ``mfu``."""
    from flopcheck.answers import runs as runs_plan

    rate = None if mfu is None else inputs.fraction(mfu, "mfu")
    from flopcheck.catalog import measurements

    rows = measurements.throughput_measurements()
    results = runs_plan.evaluate_all(catalog.runs(), catalog.models(), catalog.gpus(), rate, rows)
    return runs_plan.summarize(results, rate)


def calibrate(
    model: ModelInput,
    gpu: str | None = None,
    count: int = 1,
    precision: str = "auto",
    tokens_per_second: Quantity | None = None,
    step_time: Quantity | None = None,
    batch_tokens: Quantity | None = None,
) -> CalibrationResult:
    """The MFU a measured throughput implies: 6·N × tokens/s over the GPUs' peak (PaLM Appendix B)."""
    from flopcheck.answers import runs as runs_plan

    if gpu is None:
        raise InputError("give --gpu GPU")
    rate = inputs.throughput(tokens_per_second, step_time, batch_tokens)
    hardware = catalog.gpus().get(gpu)
    ref = inputs.model(model)
    chosen = resolve_precision(hardware, inputs.one_of(precision, inputs.PRECISIONS, "precision"))
    result = runs_plan.calibrate(ref, hardware, inputs.integer(count, "count", 1), chosen, rate)
    ranges.plausible_mfu(result.mfu, rate)
    return result


def accuracy(kind: str = "all") -> tuple[AccuracyResult, ...]:
    """flopcheck against published measurements (data/memory-measured.yaml, data/throughput-measured.yaml):
    each row predicted from its configuration alone, with errors on the fit and holdout splits."""
    from flopcheck.answers import accuracy_report as checks
    from flopcheck.catalog import measurements

    chosen = inputs.one_of(kind, ("all", "memory", "throughput"), "kind")
    found = catalog.gpus().find
    out = []
    if chosen in ("all", "memory"):
        out.append(checks.memory_accuracy(measurements.memory_measurements(), found))
    if chosen in ("all", "throughput"):
        out.append(checks.throughput_accuracy(measurements.throughput_measurements(), found))
    return tuple(out)


def gpus() -> tuple[GpuSpec, ...]:
    """Every accelerator in the catalog (packaged, with user catalog files merged over it)."""
    return catalog.gpus().entries


def models() -> tuple[ModelSpec, ...]:
    """Every language model in the catalog."""
    return catalog.models().entries


def gpu(name: str) -> GpuSpec:
    """One accelerator by id or alias (``rtx4070ti``); an unknown name raises with "did you mean"."""
    return catalog.gpus().get(name)


def model(name: str) -> ModelSpec:
    """One catalog model by id or alias (``gpt2-xl``)."""
    return catalog.models().get(name)


def _tokens(ref: ModelRef, o: RunOptions, settings: Settings) -> tuple[int, str]:
    """Training tokens: --tokens, --tokens-per-param, --chinchilla (by the law), or the model's own."""
    chinchilla = inputs.boolean(o.get("chinchilla", False), "chinchilla")
    return inputs.tokens(ref, o, settings.law if chinchilla else None)


def _names(names: Sequence[str] | str) -> list[str]:
    items = names.split(",") if isinstance(names, str) else list(names)
    return [name.strip() for name in items if name.strip()]


def _gpus(names: Sequence[str] | str | None, every: bool) -> list[GpuSpec]:
    if every and names:
        raise InputError("give --gpus or --all, not both")
    if every:
        return list(catalog.gpus())
    chosen = _names(names or ())
    if not chosen:
        raise InputError("give --gpus a,b,c or --all")
    return [catalog.gpus().get(name) for name in chosen]
