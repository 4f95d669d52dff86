"""The ``layout`` command: the fastest model-parallel layouts that fit. It calls the API, then renders."""

from __future__ import annotations

from typing import Annotated

import typer

from flopcheck.api import questions
from flopcheck.api.options import RunOptions
from flopcheck.cli.application import app
from flopcheck.cli.declare import takes
from flopcheck.cli.options import ModelArg, Output
from flopcheck.cli.run import finish

TopOpt = Annotated[int, typer.Option("--top", min=1, max=1000, help="How many layouts to list (default: 10).")]


@app.command()
@takes("layout")
def layout(model: ModelArg, options: RunOptions, out: Output, top: TopOpt = 10) -> None:
    """The fastest ways to split MODEL over --count GPUs: tensor × pipeline (× virtual stages) × context × expert
    × data parallelism, micro-batch, recomputation and ZeRO stage, ranked by predicted step time, each with its
    MFU, memory per GPU and the flags that select it in fits. Exit 1 if no layout fits."""
    result = questions.layout(model, top=top, **options)
    finish("layout", result, out, bool(result.layouts))
