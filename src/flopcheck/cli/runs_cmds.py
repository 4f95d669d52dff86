"""The commands about measured reality: runs (published runs vs predictions) and calibrate (MFU from a
measured throughput)."""

from __future__ import annotations

from typing import Annotated

import typer

from flopcheck import render
from flopcheck.api import questions
from flopcheck.cli.application import app
from flopcheck.cli.declare import takes
from flopcheck.cli.options import ModelArg, Output, PrecisionChoice
from flopcheck.render.accuracy import accuracy_document

GpuOpt = Annotated[
    str | None, typer.Option("--gpu", "-g", metavar="GPU", help="The accelerator the throughput was measured on.")
]
CountOpt = Annotated[
    int,
    typer.Option(
        "--count", "-n", metavar="N", min=1, max=10**9, help="GPUs in the measurement (default: 1).", show_default=False
    ),
]
PrecisionOpt = Annotated[
    PrecisionChoice | None,
    typer.Option("--precision", "-p", help="The precision the run computed in (default: auto).", show_default=False),
]
TpsOpt = Annotated[
    str | None, typer.Option("--tokens-per-second", metavar="T", help="Measured training throughput, all GPUs.")
]
StepTimeOpt = Annotated[
    str | None, typer.Option("--step-time", metavar="S", help="Measured seconds per optimizer step.")
]
BatchTokensOpt = Annotated[str | None, typer.Option("--batch-tokens", metavar="B", help="Tokens per optimizer step.")]
RunsMfuOpt = Annotated[
    str | None,
    typer.Option(
        "--mfu", metavar="F", help="MFU for the predictions (default: predicted for each run).", show_default=False
    ),
]


@app.command()
@takes(None)
def runs(out: Output, mfu: RunsMfuOpt = None) -> None:
    """Published training runs: the MFU each implies, and flopcheck's prediction at --mfu with its error."""
    render.output("runs", questions.runs(mfu), out.fmt, out.explain)


KindArg = Annotated[str, typer.Argument(metavar="[KIND]", help="memory, throughput or all (default: all).")]
RowsOpt = Annotated[bool, typer.Option("--rows", help="Every measured row instead of a summary per source.")]


@app.command()
@takes(None)
def accuracy(out: Output, kind: KindArg = "all", rows: RowsOpt = False) -> None:
    """flopcheck against published measurements: each measured run predicted from its configuration alone, with
    the errors on the fit split (what the fitted parameters saw) and the holdout split (sources they never saw)."""
    results = questions.accuracy(kind)
    if out.fmt in ("table", "markdown"):
        render.show(accuracy_document(results, rows), out.fmt)
    else:
        render.output("accuracy", results, out.fmt)


@app.command()
@takes(None)
def calibrate(
    model: ModelArg,
    out: Output,
    gpu: GpuOpt = None,
    count: CountOpt = 1,
    precision: PrecisionOpt = None,
    tokens_per_second: TpsOpt = None,
    step_time: StepTimeOpt = None,
    batch_tokens: BatchTokensOpt = None,
) -> None:
    """The MFU a measured throughput implies: --tokens-per-second T, or --step-time S with --batch-tokens B."""
    chosen = (precision or PrecisionChoice.auto).value
    result = questions.calibrate(model, gpu, count, chosen, tokens_per_second, step_time, batch_tokens)
    render.output("calibrate", result, out.fmt, out.explain)
