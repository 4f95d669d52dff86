"""The commands about a training run: fits, memory, optimal, budget, flops. Each calls the API, then renders."""

from __future__ import annotations

import sys

import typer
from pydantic import BaseModel

from flopcheck import render
from flopcheck.answers.costing import failure_line
from flopcheck.answers.results import GateResult
from flopcheck.api import questions
from flopcheck.api.options import RunOptions
from flopcheck.cli.application import app
from flopcheck.cli.options import ModelArg, takes
from flopcheck.core.errors import ExitStatus


def finish(
    kind: str, result: BaseModel, fmt: str, fits: bool | None = True, gates: tuple[GateResult, ...] = ()
) -> None:
    """Render; then the exit status: 1 when the answer is no or a gate failed (with one line on stderr)."""
    render.output(kind, result, fmt)
    failure = failure_line(gates)
    if failure is not None:
        sys.stderr.write(f"flopcheck: {failure}\n")
    if fits is False or failure is not None:
        raise typer.Exit(ExitStatus.NO)


@app.command()
@takes("fits")
def fits(model: ModelArg, options: RunOptions, fmt: str) -> None:
    """Can GPU train MODEL? Compute needed vs delivered, time, memory, ways to fit, compute-optimality, cost;
    exit 1 if it does not fit or a gate fails."""
    result = questions.fits(model, **options)
    finish("fits", result, fmt, result.fits, result.gates)


@app.command()
@takes("memory")
def memory(model: ModelArg, options: RunOptions, fmt: str) -> None:
    """Training memory per GPU, component by component; with --gpu, whether it fits (exit 1 if not)."""
    result = questions.memory(model, **options)
    finish("memory", result, fmt, result.fits)


@app.command()
@takes("optimal")
def optimal(options: RunOptions, fmt: str) -> None:
    """The compute-optimal model for a budget (--flop, or what --gpu delivers), by scaling law; with --gpu, the
    best model the card's memory can train. Exit 1 if no model fits the memory."""
    result = questions.optimal(**options)
    finish("optimal", result, fmt, result.feasible is None or result.feasible.max_params is not None)


@app.command()
@takes("budget")
def budget(options: RunOptions, fmt: str) -> None:
    """FLOP that GPU delivers in the time window, also as GPU-hours and PF-days, with cost and energy."""
    finish("budget", questions.budget(**options), fmt)


@app.command()
@takes("flops")
def flops(model: ModelArg, options: RunOptions, fmt: str) -> None:
    """Training FLOPs of MODEL: 6 × parameters × tokens, or with attention (--flop-formula kaplan|palm)."""
    finish("flops", questions.flops(model, **options), fmt)
