"""The command line: parse options, load the catalog, call the planner, render. Nothing else.

``main`` is the one boundary that turns errors into exit statuses: 0 yes/success, 1 "does not fit", 2 bad
input, each bad input reported as one line on stderr (``--debug`` adds the traceback).
"""

from __future__ import annotations

import math
import os
import re
import sys
import traceback
from collections.abc import Sequence
from enum import Enum
from typing import Annotated

import typer

from flopcheck import __version__, catalog, plan, render
from flopcheck.errors import ExitStatus, FlopcheckError, InputError
from flopcheck.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_YEAR, parse_count, parse_fraction

app = typer.Typer(
    name="flopcheck",
    help="Can I train this model on this hardware? Training FLOPs (6·N·D), GPU budgets, time and memory.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class PrecisionChoice(str, Enum):
    auto = "auto"
    fp32 = "fp32"
    tf32 = "tf32"
    bf16 = "bf16"
    fp16 = "fp16"
    fp8 = "fp8"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flopcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
) -> None:
    """Can I train this model on this hardware?"""


ModelArg = Annotated[str, typer.Argument(help="Catalog id or alias (gpt2-xl), or a parameter count (1.5B).")]
GpuOpt = Annotated[str, typer.Option("--gpu", "-g", help="Accelerator id or alias (rtx4070ti, h100).")]
# Upper bounds keep every product of inputs inside the float range; no real run comes near them.
CountOpt = Annotated[int, typer.Option("--count", "-n", min=1, max=10**9, help="Number of GPUs.")]
YearsOpt = Annotated[str | None, typer.Option("--years", help="Time window in years of 365.25 days [default: 1].")]
DaysOpt = Annotated[str | None, typer.Option("--days", help="Time window in days.")]
HoursOpt = Annotated[str | None, typer.Option("--hours", help="Time window in hours.")]
MfuOpt = Annotated[str, typer.Option("--mfu", help="Model FLOPs utilization, 0.4 or 40%.")]
UptimeOpt = Annotated[str, typer.Option("--uptime", help="Fraction of the window spent training, 0.9 or 90%.")]
PrecisionOpt = Annotated[PrecisionChoice, typer.Option("--precision", "-p", help="auto = bf16, else fp16, else fp32.")]
TokensOpt = Annotated[str | None, typer.Option("--tokens", "-t", help="Training tokens, e.g. 10B or 300e9.")]
RatioOpt = Annotated[str | None, typer.Option("--tokens-per-param", help="Tokens per parameter, e.g. 20.")]
MicroBatchOpt = Annotated[int, typer.Option("--micro-batch", min=1, max=10**9, help="Sequences per GPU per step.")]
SeqLenOpt = Annotated[
    int | None, typer.Option("--seq-len", min=1, max=10**9, help="Sequence length [default: the model's context].")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]


def _duration_s(years: str | None, days: str | None, hours: str | None) -> float:
    given = [
        (text, scale)
        for text, scale in ((years, SECONDS_PER_YEAR), (days, SECONDS_PER_DAY), (hours, SECONDS_PER_HOUR))
        if text is not None
    ]
    if len(given) > 1:
        raise InputError("give only one of --years, --days, --hours")
    if not given:
        return SECONDS_PER_YEAR
    text, scale = given[0]
    seconds = parse_count(text, "time window") * scale
    if not math.isfinite(seconds):
        raise InputError(f"time window {text!r} is too large")
    return seconds


def _settings(
    count: int,
    years: str | None,
    days: str | None,
    hours: str | None,
    mfu: str,
    uptime: str,
    precision: PrecisionChoice,
    micro_batch: int = 1,
    seq_len: int | None = None,
) -> plan.Settings:
    return plan.Settings(
        count=count,
        duration_s=_duration_s(years, days, hours),
        mfu=parse_fraction(mfu, "--mfu"),
        uptime=parse_fraction(uptime, "--uptime"),
        precision=precision.value,
        micro_batch=micro_batch,
        seq_len=seq_len,
    )


def _model(name: str) -> plan.ModelRef:
    """A catalog model, or a bare parameter count such as ``1.5B`` (anything that starts like a number)."""
    index = catalog.models()
    if index.find(name) is None and re.match(r"\s*[-+]?[0-9.]", name):
        return plan.ModelRef.from_count(parse_count(name, "parameter count"))
    return plan.ModelRef.from_spec(index.get(name))


def _tokens(model: plan.ModelRef, tokens: str | None, ratio: str | None) -> tuple[int, str]:
    return plan.resolve_tokens(
        model,
        None if tokens is None else parse_count(tokens, "--tokens"),
        None if ratio is None else parse_count(ratio, "--tokens-per-param"),
    )


@app.command()
def fits(
    model: ModelArg,
    gpu: GpuOpt,
    count: CountOpt = 1,
    years: YearsOpt = None,
    days: DaysOpt = None,
    hours: HoursOpt = None,
    mfu: MfuOpt = "0.4",
    uptime: UptimeOpt = "1.0",
    precision: PrecisionOpt = PrecisionChoice.auto,
    tokens: TokensOpt = None,
    tokens_per_param: RatioOpt = None,
    micro_batch: MicroBatchOpt = 1,
    seq_len: SeqLenOpt = None,
    json: JsonOpt = False,
) -> None:
    """Can GPU train MODEL? Compute needed vs delivered, time, memory, verdict; exit 1 if it does not fit."""
    settings = _settings(count, years, days, hours, mfu, uptime, precision, micro_batch, seq_len)
    ref = _model(model)
    spent, source = _tokens(ref, tokens, tokens_per_param)
    result = plan.fits(ref, catalog.gpus().get(gpu), settings, spent, source)
    render.write_json(result) if json else render.print_fits(result)
    if not result.fits:
        raise typer.Exit(ExitStatus.NO)


@app.command()
def budget(
    gpu: GpuOpt,
    count: CountOpt = 1,
    years: YearsOpt = None,
    days: DaysOpt = None,
    hours: HoursOpt = None,
    mfu: MfuOpt = "0.4",
    uptime: UptimeOpt = "1.0",
    precision: PrecisionOpt = PrecisionChoice.auto,
    json: JsonOpt = False,
) -> None:
    """FLOP that GPU delivers in the time window, also as GPU-hours and PF-days."""
    result = plan.budget(catalog.gpus().get(gpu), _settings(count, years, days, hours, mfu, uptime, precision))
    render.write_json(result) if json else render.print_budget(result)


@app.command()
def flops(model: ModelArg, tokens: TokensOpt = None, tokens_per_param: RatioOpt = None, json: JsonOpt = False) -> None:
    """Training FLOPs of MODEL: 6 × parameters × tokens."""
    ref = _model(model)
    result = plan.flops(ref, *_tokens(ref, tokens, tokens_per_param))
    render.write_json(result) if json else render.print_flops(result)


@app.command()
def gpus(
    gpu_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Show one accelerator in full.")] = None,
    json: JsonOpt = False,
) -> None:
    """The accelerator catalog, or one entry with its sources."""
    index = catalog.gpus()
    entries = list(index) if gpu_id is None else [index.get(gpu_id)]
    records = [{**catalog.as_record(e), "memory_bytes": round(e.memory_bytes)} for e in entries]
    if json:
        render.write_json(records)
    elif gpu_id is None:
        render.print_gpus(entries)
    else:
        render.print_entry(records[0], entries[0].name)


@app.command()
def models(
    model_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Show one model in full.")] = None,
    json: JsonOpt = False,
) -> None:
    """The language-model catalog, or one entry with its sources."""
    index = catalog.models()
    entries = list(index) if model_id is None else [index.get(model_id)]
    records = [catalog.as_record(e) for e in entries]
    if json:
        render.write_json(records)
    elif model_id is None:
        render.print_models(entries)
    else:
        render.print_entry(records[0], entries[0].name)


def _is_usage_error(exc: BaseException) -> bool:
    """Typer's (vendored click) usage errors: they carry an exit code and a one-line message."""
    return isinstance(getattr(exc, "exit_code", None), int) and callable(getattr(exc, "format_message", None))


def _fail(message: str, status: int, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    sys.stderr.write(f"flopcheck: error: {message}\n")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status. (When stdout is closed early, as in ``| head``, Typer exits
    with status 1 by itself, quietly.)"""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("FLOPCHECK_DEBUG"))
    try:
        status = app(args=args, prog_name="flopcheck", standalone_mode=False)
    except FlopcheckError as exc:
        return _fail(str(exc), exc.exit_status, debug)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if _is_usage_error(exc):
            message = " ".join(str(exc.format_message()).split())  # type: ignore[attr-defined]
            return _fail(message, ExitStatus.BAD_INPUT, debug)
        return _fail(f"internal error: {exc!r} (please report it; --debug shows the traceback)", 70, debug)
    return status if isinstance(status, int) else ExitStatus.OK
