"""The commands about a training run: fits, memory, optimal, budget, flops. Each parses, plans, renders."""

from __future__ import annotations

import sys
from typing import Any

import typer
from pydantic import BaseModel

from flopcheck import catalog, costing, plan, render
from flopcheck.cli import parse as options
from flopcheck.cli.application import app
from flopcheck.cli.options import (
    ENERGY,
    FINETUNE,
    FORMULA,
    GATES,
    LAW,
    MEMORY,
    OUTPUT,
    PRICE,
    SHAPE,
    TOKENS,
    WINDOW,
    ChinchillaOpt,
    CountOpt,
    FlopOpt,
    GpuFlopsOpt,
    GpuMemoryOpt,
    MaybeGpuOpt,
    ModelArg,
    PrecisionChoice,
    PrecisionOpt,
    SeqLenOpt,
    TokensPerSecondOpt,
    with_options,
)
from flopcheck.errors import ExitStatus, InputError
from flopcheck.results import GateResult
from flopcheck.units import parse_count


def _finish(
    kind: str, result: BaseModel, fmt: str, fits: bool | None = True, gates: tuple[GateResult, ...] = ()
) -> None:
    """Render; then the exit status: 1 when the answer is no or a gate failed (with one line on stderr)."""
    render.output(kind, result, fmt)
    failure = costing.failure_line(gates)
    if failure is not None:
        sys.stderr.write(f"flopcheck: {failure}\n")
    if fits is False or failure is not None:
        raise typer.Exit(ExitStatus.NO)


@app.command()
@with_options(WINDOW, TOKENS, MEMORY, FINETUNE, SHAPE, LAW, FORMULA, ENERGY, PRICE, GATES, OUTPUT)
def fits(
    model: ModelArg,
    gpu: MaybeGpuOpt = None,
    gpu_flops: GpuFlopsOpt = None,
    gpu_memory: GpuMemoryOpt = None,
    chinchilla: ChinchillaOpt = False,
    tokens_per_second: TokensPerSecondOpt = None,
    **flags: Any,
) -> None:
    """Can GPU train MODEL? Compute needed vs delivered, time, memory, ways to fit, compute-optimality, cost;
    exit 1 if it does not fit or a gate fails."""
    fmt = options.output_format(flags["json"], flags["format"])
    settings = options.settings(flags)
    ref = options.model(model, flags["layers"], flags["hidden"], flags["heads"], flags["vocab"])
    spent, source = options.tokens(
        ref, flags["tokens"], flags["tokens_per_param"], settings.law if chinchilla else None
    )
    hardware = options.gpu(gpu, gpu_flops, gpu_memory, flags["precision"], need_flops=True, need_memory=True)
    assert hardware is not None
    if tokens_per_second is not None:
        if flags["mfu"] is not None or flags["mfu_from"] is not None:
            raise InputError("give --mfu, --mfu-from or --tokens-per-second, only one")
        settings = options.measured(settings, ref, hardware, tokens_per_second)
    result = plan.fits(ref, hardware, settings, spent, source)
    _finish("fits", result, fmt, result.fits, result.gates)


@app.command()
@with_options(MEMORY, FINETUNE, SHAPE, OUTPUT)
def memory(
    model: ModelArg,
    gpu: MaybeGpuOpt = None,
    gpu_memory: GpuMemoryOpt = None,
    count: CountOpt = 1,
    precision: PrecisionOpt = PrecisionChoice.auto,
    **flags: Any,
) -> None:
    """Training memory per GPU, component by component; with --gpu, whether it fits (exit 1 if not)."""
    fmt = options.output_format(flags["json"], flags["format"])
    settings = options.settings({**flags, "count": count, "precision": precision})
    ref = options.model(model, flags["layers"], flags["hidden"], flags["heads"], flags["vocab"])
    hardware = options.gpu(gpu, None, gpu_memory, precision, need_flops=False, need_memory=False)
    result = plan.memory_report(ref, hardware, settings)
    _finish("memory", result, fmt, result.fits)


@app.command()
@with_options(WINDOW, LAW, MEMORY, OUTPUT)
def optimal(
    flop: FlopOpt = None,
    gpu: MaybeGpuOpt = None,
    gpu_flops: GpuFlopsOpt = None,
    gpu_memory: GpuMemoryOpt = None,
    **flags: Any,
) -> None:
    """The compute-optimal model for a budget (--flop, or what --gpu delivers), by scaling law; with --gpu, the
    best model the card's memory can train. Exit 1 if no model fits the memory."""
    fmt = options.output_format(flags["json"], flags["format"])
    settings = options.settings(flags)
    budget_flop = None if flop is None else parse_count(flop, "--flop")
    hardware = options.gpu(gpu, gpu_flops, gpu_memory, flags["precision"], need_flops=False, need_memory=False)
    if hardware is not None and budget_flop is None and not hardware.precisions:
        raise InputError("give --flop or --gpu-flops for the budget")
    result = plan.optimal(budget_flop, hardware, settings, catalog.models())
    _finish("optimal", result, fmt, result.feasible is None or result.feasible.max_params is not None)


@app.command()
@with_options(WINDOW, ENERGY, PRICE, OUTPUT)
def budget(gpu: MaybeGpuOpt = None, gpu_flops: GpuFlopsOpt = None, **flags: Any) -> None:
    """FLOP that GPU delivers in the time window, also as GPU-hours and PF-days, with cost and energy."""
    fmt = options.output_format(flags["json"], flags["format"])
    settings = options.settings(flags)
    hardware = options.gpu(gpu, gpu_flops, None, flags["precision"], need_flops=True, need_memory=False)
    assert hardware is not None
    _finish("budget", plan.budget(hardware, settings), fmt)


@app.command()
@with_options(TOKENS, FORMULA, OUTPUT)
def flops(model: ModelArg, seq_len: SeqLenOpt = None, **flags: Any) -> None:
    """Training FLOPs of MODEL: 6 × parameters × tokens, or with attention (--flop-formula kaplan|palm)."""
    fmt = options.output_format(flags["json"], flags["format"])
    settings = options.settings({**flags, "seq_len": seq_len})
    ref = options.model(model)
    _finish("flops", plan.flops(ref, *options.tokens(ref, flags["tokens"], flags["tokens_per_param"]), settings), fmt)
