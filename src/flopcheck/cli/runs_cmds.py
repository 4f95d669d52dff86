"""The commands about measured reality: runs (published runs vs predictions) and calibrate (MFU from a
measured throughput)."""

from __future__ import annotations

from typing import Annotated

import typer

from flopcheck import render
from flopcheck.api import questions
from flopcheck.cli.application import app
from flopcheck.cli.flags import CountOpt, MaybeGpuOpt, ModelArg, PrecisionChoice, PrecisionOpt
from flopcheck.cli.options import takes

TpsOpt = Annotated[str | None, typer.Option("--tokens-per-second", help="Measured training throughput, all GPUs.")]
StepTimeOpt = Annotated[str | None, typer.Option("--step-time", help="Measured seconds per optimizer step.")]
BatchTokensOpt = Annotated[str | None, typer.Option("--batch-tokens", help="Tokens per optimizer step.")]
RunsMfuOpt = Annotated[
    str | None, typer.Option("--mfu", help="MFU for the predictions (default: predicted for each run).")
]


@app.command()
@takes(None)
def runs(fmt: str, mfu: RunsMfuOpt = None) -> None:
    """Published training runs: the MFU each implies, and flopcheck's prediction at --mfu with its error."""
    render.output("runs", questions.runs(mfu), fmt)


KindArg = Annotated[str, typer.Argument(metavar="[KIND]", help="memory, throughput or all (default: all).")]
RowsOpt = Annotated[bool, typer.Option("--rows", help="Every measured row instead of a summary per source.")]


@app.command()
@takes(None)
def accuracy(fmt: str, kind: KindArg = "all", rows: RowsOpt = False) -> None:
    """flopcheck against published measurements: each measured run predicted from its configuration alone, with
    the errors on the fit split (what the fitted parameters saw) and the holdout split (sources they never saw)."""
    results = questions.accuracy(kind)
    if fmt == "table":
        render.print_accuracy(results, rows)
    else:
        render.output("accuracy", results, fmt)


@app.command()
@takes(None)
def calibrate(
    model: ModelArg,
    fmt: str,
    gpu: MaybeGpuOpt = None,
    count: CountOpt = 1,
    precision: PrecisionOpt = PrecisionChoice.auto,
    tokens_per_second: TpsOpt = None,
    step_time: StepTimeOpt = None,
    batch_tokens: BatchTokensOpt = None,
) -> None:
    """The MFU a measured throughput implies: --tokens-per-second T, or --step-time S with --batch-tokens B."""
    result = questions.calibrate(model, gpu, count, precision.value, tokens_per_second, step_time, batch_tokens)
    render.output("calibrate", result, fmt)
