"""The commands about measured reality: runs (published runs vs predictions) and calibrate (MFU from a
measured throughput)."""

from __future__ import annotations

from typing import Annotated

import typer

from flopcheck import catalog, render, runs_plan
from flopcheck.cli import parse as options
from flopcheck.cli.application import app
from flopcheck.cli.options import CountOpt, FormatOpt, JsonOpt, MaybeGpuOpt, ModelArg, PrecisionChoice, PrecisionOpt
from flopcheck.errors import InputError
from flopcheck.plan import resolve_precision
from flopcheck.units import parse_fraction

TpsOpt = Annotated[str | None, typer.Option("--tokens-per-second", help="Measured training throughput, all GPUs.")]
StepTimeOpt = Annotated[str | None, typer.Option("--step-time", help="Measured seconds per optimizer step.")]
BatchTokensOpt = Annotated[str | None, typer.Option("--batch-tokens", help="Tokens per optimizer step.")]


@app.command()
def runs(
    mfu: Annotated[str, typer.Option("--mfu", help="MFU for the predictions (default: 0.4).")] = "0.4",
    json: JsonOpt = False,
    format: FormatOpt = None,
) -> None:
    """Published training runs: the MFU each implies, and flopcheck's prediction at --mfu with its error."""
    fmt = options.output_format(json, format)
    rate = parse_fraction(mfu, "--mfu")
    results = runs_plan.evaluate_all(catalog.runs(), catalog.models(), catalog.gpus(), rate)
    render.output("runs", runs_plan.summarize(results, rate), fmt)


@app.command()
def calibrate(
    model: ModelArg,
    gpu: MaybeGpuOpt = None,
    count: CountOpt = 1,
    precision: PrecisionOpt = PrecisionChoice.auto,
    tokens_per_second: TpsOpt = None,
    step_time: StepTimeOpt = None,
    batch_tokens: BatchTokensOpt = None,
    json: JsonOpt = False,
    format: FormatOpt = None,
) -> None:
    """The MFU a measured throughput implies: --tokens-per-second T, or --step-time S with --batch-tokens B."""
    fmt = options.output_format(json, format)
    if gpu is None:
        raise InputError("give --gpu GPU")
    tps = options.throughput(tokens_per_second, step_time, batch_tokens)
    hardware = catalog.gpus().get(gpu)
    ref = options.model(model)
    result = runs_plan.calibrate(ref, hardware, count, resolve_precision(hardware, precision.value), tps)
    render.output("calibrate", result, fmt)
