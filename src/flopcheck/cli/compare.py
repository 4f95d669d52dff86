"""The side-by-side commands: compare (one model on many GPUs) and matrix (models × GPUs)."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from flopcheck import render
from flopcheck.api import questions
from flopcheck.api.options import RunOptions
from flopcheck.cli.application import app
from flopcheck.cli.declare import takes
from flopcheck.cli.options import ModelArg, Output
from flopcheck.core.errors import ExitStatus


class SortKey(str, Enum):
    time = "time"
    cost = "cost"
    energy = "energy"


GpusOpt = Annotated[
    str | None,
    typer.Option("--gpus", metavar="IDS", help="Comma-separated accelerator ids, e.g. rtx4090,a100,h100."),
]
AllOpt = Annotated[bool, typer.Option("--all", help="Every accelerator in the catalog.", show_default=False)]
SortOpt = Annotated[
    SortKey, typer.Option("--sort", help="Sort rows by time, cost or energy (default: time).", show_default=False)
]
MATRIX_MODELS = ",".join(questions.DEFAULT_MATRIX_MODELS)
MATRIX_GPUS = ",".join(questions.DEFAULT_MATRIX_GPUS)
ModelsOpt = Annotated[
    str, typer.Option("--models", metavar="IDS", help=f"Comma-separated model ids (default: {MATRIX_MODELS}).")
]
MatrixGpusOpt = Annotated[
    str | None,
    typer.Option("--gpus", metavar="IDS", help=f"Comma-separated accelerator ids (default: {MATRIX_GPUS})."),
]


@app.command()
@takes("compare")
def compare(
    model: ModelArg,
    options: RunOptions,
    out: Output,
    gpus: GpusOpt = None,
    every: AllOpt = False,
    sort: SortOpt = SortKey.time,
) -> None:
    """MODEL on each GPU: time, headroom, memory (and the fewest GPUs that fit), cost, energy. Exit 0 if at
    least one GPU fits and passes the gates (JSON: ok), 1 if none does."""
    result = questions.compare(model, gpus, every, sort.value, **options)
    render.output("compare", result, out.fmt, out.explain, out.notes)
    if not result.ok:
        if any(row.gates for row in result.rows) and any(row.fits for row in result.rows):
            sys.stderr.write("flopcheck: gate failed: no GPU that fits meets --max-days/--max-cost/--max-kwh\n")
        raise typer.Exit(ExitStatus.NO)


@app.command()
@takes("matrix")
def matrix(
    options: RunOptions,
    out: Output,
    models: ModelsOpt = MATRIX_MODELS,
    gpus: MatrixGpusOpt = None,
    every: AllOpt = False,
) -> None:
    """Models × GPUs: yes, compute-only, memory-only or no, with the time to train, for each pair. Exit 0
    (a survey, not a question)."""
    render.output("matrix", questions.matrix(models, gpus, every, **options), out.fmt, out.explain, out.notes)
