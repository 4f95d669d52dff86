"""The commands about a training run: fits, memory, optimal, budget, flops. Each calls the API, then renders."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from flopcheck import render
from flopcheck.answers.costing import failure_line
from flopcheck.api import questions
from flopcheck.api.options import RunOptions
from flopcheck.cli.application import app
from flopcheck.cli.declare import takes
from flopcheck.cli.options import ModelArg, Output
from flopcheck.core.errors import ExitStatus

if TYPE_CHECKING:
    from pydantic import BaseModel

    from flopcheck.answers.results import GateResult


def finish(
    kind: str,
    result: BaseModel,
    out: Output,
    ok: bool = True,
    gates: tuple[GateResult, ...] = (),
    warnings: tuple[str, ...] = (),
) -> None:
    """Render; warnings and a failed gate as one line each on stderr; exit 1 unless ``ok``."""
    render.output(kind, result, out.fmt, out.explain, out.notes)
    for warning in warnings:
        sys.stderr.write(f"flopcheck: warning: {warning}\n")
    failure = failure_line(gates)
    if failure is not None:
        sys.stderr.write(f"flopcheck: {failure}\n")
    if not ok:
        raise typer.Exit(ExitStatus.NO)


@app.command()
@takes("fits")
def fits(model: ModelArg, options: RunOptions, out: Output) -> None:
    """Can the GPUs train MODEL? Compute needed vs delivered, time, memory and the ways to make it fit,
    compute-optimality, cost. Exit 0 if it fits and every gate passes (JSON: ok), 1 if not."""
    result = questions.fits(model, **options)
    finish("fits", result, out, result.ok, result.gates, result.warnings)


@app.command()
@takes("memory")
def memory(model: ModelArg, options: RunOptions, out: Output) -> None:
    """Training memory per GPU, component by component; with --gpu, whether it fits (exit 1 if not) and the
    ways to make it fit."""
    result = questions.memory(model, **options)
    finish("memory", result, out, result.fits is not False, warnings=result.warnings)


@app.command()
@takes("optimal")
def optimal(options: RunOptions, out: Output) -> None:
    """The compute-optimal model for a budget (--flop, or what --gpu delivers), by scaling law; with --gpu, the
    largest model its memory can train (counting the ways to fit) and the best run. Exit 1 if none fits."""
    result = questions.optimal(**options)
    finish("optimal", result, out, result.feasible is None or result.feasible.max_params is not None)


@app.command()
@takes("budget")
def budget(options: RunOptions, out: Output) -> None:
    """FLOP the GPUs deliver in the time window, also as GPU-hours and PF-days, with cost and energy."""
    finish("budget", questions.budget(**options), out)


@app.command()
@takes("flops")
def flops(model: ModelArg, options: RunOptions, out: Output) -> None:
    """Training FLOPs of MODEL: 6 × parameters × tokens, or with attention (--flop-formula kaplan|palm)."""
    finish("flops", questions.flops(model, **options), out)
