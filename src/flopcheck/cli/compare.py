"""The side-by-side commands: compare (one model on many GPUs) and matrix (models × GPUs)."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, Any

import typer

from flopcheck import catalog, compare_plan, render
from flopcheck.cli import parse as options
from flopcheck.cli.application import app
from flopcheck.cli.options import ENERGY, GATES, MEMORY, OUTPUT, TOKENS, WINDOW, ModelArg, with_options
from flopcheck.errors import ExitStatus, InputError
from flopcheck.specs import GpuSpec

DEFAULT_MATRIX_MODELS = "gpt2,gpt2-xl,pythia-1.4b,llama-2-7b,llama-3-8b,llama-2-13b,llama-2-70b"
DEFAULT_MATRIX_GPUS = "rtx-3090,rtx-4070-ti,rtx-4090,rtx-5090,a100-sxm-80gb,h100-sxm"


class SortKey(str, Enum):
    time = "time"
    cost = "cost"
    energy = "energy"


GpusOpt = Annotated[str | None, typer.Option("--gpus", help="Comma-separated accelerator ids, e.g. rtx4090,a100,h100.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Every accelerator in the catalog.")]
SortOpt = Annotated[SortKey, typer.Option("--sort", help="Sort rows by time, cost or energy.")]


def _gpus(names: str | None, every: bool) -> list[GpuSpec]:
    if every and names:
        raise InputError("give --gpus or --all, not both")
    if every:
        return list(catalog.gpus())
    if not names:
        raise InputError("give --gpus a,b,c or --all")
    return [catalog.gpus().get(name.strip()) for name in names.split(",") if name.strip()]


@app.command()
@with_options(WINDOW, TOKENS, MEMORY, ENERGY, GATES, OUTPUT)
def compare(
    model: ModelArg, gpus: GpusOpt = None, every: AllOpt = False, sort: SortOpt = SortKey.time, **flags: Any
) -> None:
    """MODEL on each GPU: time, headroom, memory (and the fewest GPUs that fit), cost, energy. Exit 1 when no
    GPU fits, or when gates are given and no GPU passes them."""
    fmt = options.output_format(flags["json"], flags["format"])
    settings = options.settings(flags)
    ref = options.model(model)
    spent, source = options.tokens(ref, flags["tokens"], flags["tokens_per_param"])
    result = compare_plan.compare(ref, _gpus(gpus, every), settings, spent, source, sort.value)
    render.output("compare", result, fmt)
    gated = any(flags[g] is not None for g in ("max_days", "max_cost", "max_kwh"))
    if gated and not any(row.gates_passed for row in result.rows):
        sys.stderr.write("flopcheck: gate failed: no GPU meets --max-days/--max-cost/--max-kwh\n")
        raise typer.Exit(ExitStatus.NO)
    if not any(row.fits for row in result.rows):
        raise typer.Exit(ExitStatus.NO)


@app.command()
@with_options(WINDOW, MEMORY, OUTPUT)
def matrix(
    models: Annotated[str, typer.Option("--models", help="Comma-separated model ids.")] = DEFAULT_MATRIX_MODELS,
    gpus: GpusOpt = DEFAULT_MATRIX_GPUS,
    **flags: Any,
) -> None:
    """Models × GPUs: yes, compute-only, memory-only or no, with the time to train, for each pair."""
    fmt = options.output_format(flags["json"], flags["format"])
    settings = options.settings(flags)
    refs = [options.model(name.strip()) for name in models.split(",") if name.strip()]
    if not refs:
        raise InputError("give --models a,b,c")
    result = compare_plan.matrix(refs, _gpus(gpus, False), settings)
    render.output("matrix", result, fmt)
