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
from flopcheck.cli.options import ModelArg, takes
from flopcheck.core.errors import ExitStatus


class SortKey(str, Enum):
    time = "time"
    cost = "cost"
    energy = "energy"


GpusOpt = Annotated[str | None, typer.Option("--gpus", help="Comma-separated accelerator ids, e.g. rtx4090,a100,h100.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Every accelerator in the catalog.")]
SortOpt = Annotated[SortKey, typer.Option("--sort", help="Sort rows by time, cost or energy.")]
ModelsOpt = Annotated[str, typer.Option("--models", help="Comma-separated model ids.")]
MATRIX_MODELS = ",".join(questions.DEFAULT_MATRIX_MODELS)
MATRIX_GPUS = ",".join(questions.DEFAULT_MATRIX_GPUS)


@app.command()
@takes("compare")
def compare(
    model: ModelArg,
    options: RunOptions,
    fmt: str,
    gpus: GpusOpt = None,
    every: AllOpt = False,
    sort: SortOpt = SortKey.time,
) -> None:
    """MODEL on each GPU: time, headroom, memory (and the fewest GPUs that fit), cost, energy. Exit 1 when no
    GPU fits, or when gates are given and no GPU passes them."""
    result = questions.compare(model, gpus, every, sort.value, **options)
    render.output("compare", result, fmt)
    gated = any(options.get(g) is not None for g in ("max_days", "max_cost", "max_kwh"))
    if gated and not any(row.gates_passed for row in result.rows):
        sys.stderr.write("flopcheck: gate failed: no GPU meets --max-days/--max-cost/--max-kwh\n")
        raise typer.Exit(ExitStatus.NO)
    if not any(row.fits for row in result.rows):
        raise typer.Exit(ExitStatus.NO)


@app.command()
@takes("matrix")
def matrix(
    options: RunOptions,
    fmt: str,
    models: ModelsOpt = MATRIX_MODELS,
    gpus: GpusOpt = MATRIX_GPUS,
) -> None:
    """Models × GPUs: yes, compute-only, memory-only or no, with the time to train, for each pair."""
    render.output("matrix", questions.matrix(models, gpus or "", **options), fmt)
