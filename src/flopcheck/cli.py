"""The command line: parse options, load the catalog, call the planner, render. Nothing else.

``main`` is the one boundary that turns errors into exit statuses: 0 yes/success, 1 "does not fit", 2 bad
input, each bad input reported as one line on stderr (``--debug`` adds the traceback).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import Annotated

import typer

from flopcheck import __version__, catalog, options, plan, render
from flopcheck.errors import ExitStatus, FlopcheckError, InputError
from flopcheck.memory import Offload, Optimizer, Recompute
from flopcheck.memory_plan import MemoryOptions
from flopcheck.options import (
    CausalOpt,
    ChinchillaOpt,
    CountOpt,
    DaysOpt,
    FinetuneOpt,
    FlopFormula,
    FlopFormulaOpt,
    FlopOpt,
    GpuFlopsOpt,
    GpuMemoryOpt,
    HeadsOpt,
    HiddenOpt,
    HoursOpt,
    JsonOpt,
    LawChoice,
    LawOpt,
    LawRatioOpt,
    LayersOpt,
    LoraRankOpt,
    LoraTargetsOpt,
    MasterOpt,
    MaybeGpuOpt,
    MfuOpt,
    MicroBatchOpt,
    ModelArg,
    OffloadOpt,
    OptimizerOpt,
    OverheadOpt,
    PrecisionChoice,
    PrecisionOpt,
    RatioOpt,
    RecomputeOpt,
    SeqLenOpt,
    TokensOpt,
    UptimeOpt,
    VocabOpt,
    YearsOpt,
    ZeroOpt,
)
from flopcheck.units import parse_count

app = typer.Typer(
    name="flopcheck",
    help="Can I train this model on this hardware? Training FLOPs (6·N·D), GPU budgets, time and memory.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flopcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an error (anywhere on the line).")
    ] = False,
    catalog_file: Annotated[
        list[str] | None,
        typer.Option(
            "--catalog",
            metavar="FILE",
            help="A catalog file merged over the packaged catalogs by id (repeatable, anywhere on the line; "
            "also FLOPCHECK_CATALOG, a path list).",
        ),
    ] = None,
) -> None:
    """Can I train this model on this hardware?"""


@app.command()
def fits(
    model: ModelArg,
    gpu: MaybeGpuOpt = None,
    gpu_flops: GpuFlopsOpt = None,
    gpu_memory: GpuMemoryOpt = None,
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
    optimizer: OptimizerOpt = Optimizer.ADAMW,
    recompute: RecomputeOpt = Recompute.NONE,
    zero: ZeroOpt = 0,
    offload: OffloadOpt = Offload.NONE,
    finetune: FinetuneOpt = None,
    lora_rank: LoraRankOpt = None,
    lora_targets: LoraTargetsOpt = None,
    master_weights: MasterOpt = True,
    overhead: OverheadOpt = "1GB",
    layers: LayersOpt = None,
    hidden: HiddenOpt = None,
    heads: HeadsOpt = None,
    vocab: VocabOpt = None,
    law: LawOpt = LawChoice.chinchilla,
    ratio: LawRatioOpt = None,
    chinchilla: ChinchillaOpt = False,
    flop_formula: FlopFormulaOpt = FlopFormula.six_nd,
    causal: CausalOpt = False,
    json: JsonOpt = False,
) -> None:
    """Can GPU train MODEL? Compute needed vs delivered, time, memory, ways to fit, compute-optimality; exit 1
    if it does not fit."""
    memory_opts = options.memory_options(locals())
    scaling_law = options.scaling_law(law, ratio)
    settings = options.settings(
        count, years, days, hours, mfu, uptime, precision, memory_opts, scaling_law, flop_formula, causal
    )
    ref = options.model(model, layers, hidden, heads, vocab)
    spent, source = options.tokens(ref, tokens, tokens_per_param, scaling_law if chinchilla else None)
    hardware = options.gpu(gpu, gpu_flops, gpu_memory, precision, need_flops=True, need_memory=True)
    assert hardware is not None
    result = plan.fits(ref, hardware, settings, spent, source)
    render.write_json(result) if json else render.print_fits(result)
    if not result.fits:
        raise typer.Exit(ExitStatus.NO)


@app.command()
def memory(
    model: ModelArg,
    gpu: MaybeGpuOpt = None,
    gpu_memory: GpuMemoryOpt = None,
    count: CountOpt = 1,
    precision: PrecisionOpt = PrecisionChoice.auto,
    micro_batch: MicroBatchOpt = 1,
    seq_len: SeqLenOpt = None,
    optimizer: OptimizerOpt = Optimizer.ADAMW,
    recompute: RecomputeOpt = Recompute.NONE,
    zero: ZeroOpt = 0,
    offload: OffloadOpt = Offload.NONE,
    finetune: FinetuneOpt = None,
    lora_rank: LoraRankOpt = None,
    lora_targets: LoraTargetsOpt = None,
    master_weights: MasterOpt = True,
    overhead: OverheadOpt = "1GB",
    layers: LayersOpt = None,
    hidden: HiddenOpt = None,
    heads: HeadsOpt = None,
    vocab: VocabOpt = None,
    json: JsonOpt = False,
) -> None:
    """Training memory per GPU, component by component; with --gpu, whether it fits (exit 1 if not)."""
    memory_opts = options.memory_options(locals())
    settings = plan.Settings(count=count, precision=precision.value, memory=memory_opts)
    ref = options.model(model, layers, hidden, heads, vocab)
    hardware = options.gpu(gpu, None, gpu_memory, precision, need_flops=False, need_memory=False)
    result = plan.memory_report(ref, hardware, settings)
    render.write_json(result) if json else render.print_memory(result)
    if result.fits is False:
        raise typer.Exit(ExitStatus.NO)


@app.command()
def optimal(
    flop: FlopOpt = None,
    gpu: MaybeGpuOpt = None,
    gpu_flops: GpuFlopsOpt = None,
    gpu_memory: GpuMemoryOpt = None,
    count: CountOpt = 1,
    years: YearsOpt = None,
    days: DaysOpt = None,
    hours: HoursOpt = None,
    mfu: MfuOpt = "0.4",
    uptime: UptimeOpt = "1.0",
    precision: PrecisionOpt = PrecisionChoice.auto,
    law: LawOpt = LawChoice.chinchilla,
    ratio: LawRatioOpt = None,
    micro_batch: MicroBatchOpt = 1,
    seq_len: SeqLenOpt = None,
    optimizer: OptimizerOpt = Optimizer.ADAMW,
    recompute: RecomputeOpt = Recompute.NONE,
    zero: ZeroOpt = 0,
    offload: OffloadOpt = Offload.NONE,
    master_weights: MasterOpt = True,
    overhead: OverheadOpt = "1GB",
    json: JsonOpt = False,
) -> None:
    """The compute-optimal model for a budget (--flop, or what --gpu delivers), by scaling law; with --gpu, the
    best model the card's memory can train. Exit 1 if no model fits the memory."""
    memory_opts = options.memory_options(locals())
    scaling_law = options.scaling_law(law, ratio)
    settings = options.settings(count, years, days, hours, mfu, uptime, precision, memory_opts, scaling_law)
    budget_flop = None if flop is None else parse_count(flop, "--flop")
    hardware = options.gpu(gpu, gpu_flops, gpu_memory, precision, need_flops=False, need_memory=False)
    if hardware is not None and budget_flop is None and not hardware.precisions:
        raise InputError("give --flop or --gpu-flops for the budget")
    result = plan.optimal(budget_flop, hardware, settings, catalog.models())
    render.write_json(result) if json else render.print_optimal(result)
    if result.feasible is not None and result.feasible.max_params is None:
        raise typer.Exit(ExitStatus.NO)


@app.command()
def budget(
    gpu: MaybeGpuOpt = None,
    gpu_flops: GpuFlopsOpt = None,
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
    settings = options.settings(count, years, days, hours, mfu, uptime, precision)
    hardware = options.gpu(gpu, gpu_flops, None, precision, need_flops=True, need_memory=False)
    assert hardware is not None
    result = plan.budget(hardware, settings)
    render.write_json(result) if json else render.print_budget(result)


@app.command()
def flops(
    model: ModelArg,
    tokens: TokensOpt = None,
    tokens_per_param: RatioOpt = None,
    flop_formula: FlopFormulaOpt = FlopFormula.six_nd,
    causal: CausalOpt = False,
    seq_len: SeqLenOpt = None,
    json: JsonOpt = False,
) -> None:
    """Training FLOPs of MODEL: 6 × parameters × tokens, or with attention (--flop-formula kaplan|palm)."""
    ref = options.model(model)
    settings = plan.Settings(memory=MemoryOptions(seq_len=seq_len), flop_formula=flop_formula.value, causal=causal)
    result = plan.flops(ref, *options.tokens(ref, tokens, tokens_per_param), settings)
    render.write_json(result) if json else render.print_flops(result)


@app.command()
def gpus(
    gpu_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Show one accelerator in full.")] = None,
    json: JsonOpt = False,
) -> None:
    """The accelerator catalog, or one entry with its sources."""
    index = catalog.gpus()
    entries = list(index) if gpu_id is None else [index.get(gpu_id)]
    origins = {e.id: _origin(index.origin(e.id)) for e in entries}
    records = [{**catalog.as_record(e, origins[e.id]), "memory_bytes": round(e.memory_bytes)} for e in entries]
    if json:
        render.write_json(records)
    elif gpu_id is None:
        render.print_gpus(entries, origins)
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
    origins = {e.id: _origin(index.origin(e.id)) for e in entries}
    records = [catalog.as_record(e, origins[e.id]) for e in entries]
    if json:
        render.write_json(records)
    elif model_id is None:
        render.print_models(entries, origins)
    else:
        render.print_entry(records[0], entries[0].name)


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Catalog files to check.")],
    json: JsonOpt = False,
) -> None:
    """Check catalog files: every problem as FILE:LINE: entry: field: message, exit 2 if any."""
    problems = catalog.validate(files)
    if json:
        render.write_json([{**vars(p), "text": str(p)} for p in problems])
    else:
        sys.stdout.write("".join(f"{p}\n" for p in problems) or f"{len(files)} file(s) valid\n")
    if problems:
        raise typer.Exit(ExitStatus.BAD_INPUT)


SCHEMAS = ("fits", "budget", "flops", "memory", "optimal", "catalog")


@app.command()
def schema(
    name: Annotated[
        str | None, typer.Argument(metavar="[NAME]", help=f"One of {', '.join(SCHEMAS)} [default: all].")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """The JSON Schema of a command's --json output, or of a catalog file (always printed as JSON)."""
    from pydantic import BaseModel

    from flopcheck import results, specs

    models: dict[str, type[BaseModel]] = {
        "fits": results.FitsResult,
        "budget": results.BudgetResult,
        "flops": results.FlopsResult,
        "memory": results.MemoryReport,
        "optimal": results.OptimalResult,
        "catalog": specs.CatalogFile,
    }
    if name is not None and name not in models:
        raise InputError(f"unknown schema {name!r}; one of {', '.join(SCHEMAS)}")
    chosen = models if name is None else {name: models[name]}
    documents = {key: model.model_json_schema(mode="serialization") for key, model in chosen.items()}
    render.write_json(documents[name] if name is not None else documents)


def _origin(origin: str) -> str | None:
    return None if origin == catalog.PACKAGED else origin


def _take_catalog_files(args: list[str]) -> tuple[list[str], list[str]]:
    rest: list[str] = []
    files: list[str] = []
    taking = False
    for arg in args:
        if taking:
            files.append(arg)
            taking = False
        elif arg == "--catalog":
            taking = True
        elif arg.startswith("--catalog="):
            files.append(arg.removeprefix("--catalog="))
        else:
            rest.append(arg)
    if taking:
        rest.append("--catalog")  # let the parser report the missing value
    return rest, files


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
    # --debug and --catalog work anywhere on the line, before or after the command.
    args = [arg for arg in args if arg != "--debug"]
    args, files = _take_catalog_files(args)
    env_files = [p for p in os.environ.get("FLOPCHECK_CATALOG", "").split(os.pathsep) if p]
    catalog.use_files([*env_files, *files])
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
