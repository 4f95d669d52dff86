"""Command-line options: how each option of ``flopcheck.api.options.RunOptions`` is spelled and explained on
the command line, and the decorator that gives a command the options ``COMMANDS`` lists for it. Parsing the
values is the API's job (``flopcheck.api.inputs``)."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

import typer

from flopcheck.api.options import COMMANDS
from flopcheck.core.errors import InputError
from flopcheck.core.memory import Finetune, Offload, Optimizer, Recompute


class PrecisionChoice(str, Enum):
    auto = "auto"
    fp32 = "fp32"
    tf32 = "tf32"
    bf16 = "bf16"
    fp16 = "fp16"
    fp8 = "fp8"


class LoraTargets(str, Enum):
    qv = "qv"
    attention = "attention"
    all = "all"


class FlopFormula(str, Enum):
    six_nd = "6nd"
    kaplan = "kaplan"
    palm = "palm"


class LawChoice(str, Enum):
    chinchilla = "chinchilla"
    hoffmann_fit = "hoffmann-fit"
    epoch = "epoch"
    tokens_per_param = "tokens-per-param"


MEMORY_PANEL = "Memory"
SCALING_PANEL = "Scaling law"
# Upper bounds keep every product of inputs inside the float range; no real run comes near them.
BIG = 10**9

ModelArg = Annotated[str, typer.Argument(help="Catalog id or alias (gpt2-xl), or a parameter count (1.5B).")]
GpuOpt = Annotated[str, typer.Option("--gpu", "-g", help="Accelerator id or alias (rtx4070ti, h100).")]
MaybeGpuOpt = Annotated[str | None, typer.Option("--gpu", "-g", help="Compare with this accelerator's memory.")]
CountOpt = Annotated[int, typer.Option("--count", "-n", min=1, max=BIG, help="Number of GPUs.")]
YearsOpt = Annotated[str | None, typer.Option("--years", help="Time window in years of 365.25 days (default: 1).")]
DaysOpt = Annotated[str | None, typer.Option("--days", help="Time window in days.")]
HoursOpt = Annotated[str | None, typer.Option("--hours", help="Time window in hours.")]
MfuOpt = Annotated[str | None, typer.Option("--mfu", help="Model FLOPs utilization, 0.4 or 40% (default: 0.4).")]
MfuFromOpt = Annotated[
    str | None, typer.Option("--mfu-from", help="Use the MFU a published run implies (see flopcheck runs).")
]
TokensPerSecondOpt = Annotated[
    str | None,
    typer.Option(
        "--tokens-per-second", help="Project the run from a measured throughput (all GPUs) instead of an MFU."
    ),
]
UptimeOpt = Annotated[str, typer.Option("--uptime", help="Fraction of the window spent training, 0.9 or 90%.")]
PrecisionOpt = Annotated[PrecisionChoice, typer.Option("--precision", "-p", help="auto = bf16, else fp16, else fp32.")]
TokensOpt = Annotated[str | None, typer.Option("--tokens", "-t", help="Training tokens, e.g. 10B or 300e9.")]
RatioOpt = Annotated[str | None, typer.Option("--tokens-per-param", help="Tokens per parameter, e.g. 20.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]
FlopFormulaOpt = Annotated[
    FlopFormula,
    typer.Option("--flop-formula", help="6nd (6·N·D), kaplan or palm (with attention FLOPs)."),
]
CausalOpt = Annotated[bool, typer.Option("--causal", help="Halve the attention term: only the causal triangle.")]
GpuFlopsOpt = Annotated[
    str | None,
    typer.Option("--gpu-flops", help="Instead of --gpu: a dense peak per GPU at --precision, e.g. 40T or 4e13 FLOP/s."),
]
GpuMemoryOpt = Annotated[
    str | None, typer.Option("--gpu-memory", help="Instead of --gpu: memory per GPU, e.g. 12GB or 24GiB.")
]
FlopOpt = Annotated[
    str | None, typer.Option("--flop", help="Compute budget in FLOP, e.g. 1e21 (default: what --gpu delivers).")
]
LawOpt = Annotated[
    LawChoice,
    typer.Option(
        "--law",
        help="chinchilla (20 tokens/param), hoffmann-fit, epoch, tokens-per-param.",
        rich_help_panel=SCALING_PANEL,
    ),
]
LawRatioOpt = Annotated[
    str | None,
    typer.Option(
        "--ratio", help="Tokens per parameter for --law tokens-per-param (default: 20).", rich_help_panel=SCALING_PANEL
    ),
]
ChinchillaOpt = Annotated[
    bool,
    typer.Option(
        "--chinchilla",
        help="Train on the compute-optimal tokens for this model (by --law).",
        rich_help_panel=SCALING_PANEL,
    ),
]

MicroBatchOpt = Annotated[
    int, typer.Option("--micro-batch", min=1, max=BIG, help="Sequences per GPU per step.", rich_help_panel=MEMORY_PANEL)
]
SeqLenOpt = Annotated[
    int | None,
    typer.Option(
        "--seq-len",
        min=1,
        max=BIG,
        help="Sequence length (default: the model's context).",
        rich_help_panel=MEMORY_PANEL,
    ),
]
OptimizerOpt = Annotated[Optimizer, typer.Option("--optimizer", help="Optimizer.", rich_help_panel=MEMORY_PANEL)]
RecomputeOpt = Annotated[
    Recompute, typer.Option("--recompute", help="Activation recomputation.", rich_help_panel=MEMORY_PANEL)
]
ZeroOpt = Annotated[
    int,
    typer.Option(
        "--zero", min=0, max=3, help="ZeRO stage over the GPUs (3 = FSDP full shard).", rich_help_panel=MEMORY_PANEL
    ),
]
OffloadOpt = Annotated[Offload, typer.Option("--offload", help="Offload to host RAM.", rich_help_panel=MEMORY_PANEL)]
FinetuneOpt = Annotated[
    Finetune | None,
    typer.Option("--finetune", help="Fine-tuning method (default: full).", rich_help_panel=MEMORY_PANEL),
]
LoraRankOpt = Annotated[
    int | None,
    typer.Option("--lora-rank", min=1, max=65536, help="LoRA rank (default: 8).", rich_help_panel=MEMORY_PANEL),
]
LoraTargetsOpt = Annotated[
    LoraTargets | None,
    typer.Option(
        "--lora-targets", help="Adapted matrices: qv, attention, all (default: qv).", rich_help_panel=MEMORY_PANEL
    ),
]
MasterOpt = Annotated[
    bool,
    typer.Option(
        "--master-weights/--no-master-weights",
        help="Keep an fp32 master copy (mixed precision); --no-master-weights: pure bf16.",
        rich_help_panel=MEMORY_PANEL,
    ),
]
OverheadOpt = Annotated[
    str, typer.Option("--overhead", help="Allowance for CUDA context and workspace.", rich_help_panel=MEMORY_PANEL)
]
LayersOpt = Annotated[
    int | None,
    typer.Option("--layers", min=1, max=BIG, help="For a parameter count: layers.", rich_help_panel=MEMORY_PANEL),
]
HiddenOpt = Annotated[
    int | None,
    typer.Option("--hidden", min=1, max=BIG, help="For a parameter count: d_model.", rich_help_panel=MEMORY_PANEL),
]
HeadsOpt = Annotated[
    int | None,
    typer.Option("--heads", min=1, max=BIG, help="For a parameter count: heads.", rich_help_panel=MEMORY_PANEL),
]
VocabOpt = Annotated[
    int | None,
    typer.Option("--vocab", min=1, max=BIG, help="For a parameter count: vocabulary.", rich_help_panel=MEMORY_PANEL),
]

COST_PANEL = "Cost and energy"
GATES_PANEL = "CI gates"
PriceOpt = Annotated[
    str | None,
    typer.Option(
        "--price", help="USD per GPU-hour (default: the catalog's on-demand list price).", rich_help_panel=COST_PANEL
    ),
]
PueOpt = Annotated[
    str, typer.Option("--pue", help="Power usage effectiveness (≥ 1) (default: 1.0).", rich_help_panel=COST_PANEL)
]
ElectricityOpt = Annotated[
    str | None, typer.Option("--electricity-price", help="USD per kWh.", rich_help_panel=COST_PANEL)
]
GridOpt = Annotated[str | None, typer.Option("--grid-intensity", help="kg CO2 per kWh.", rich_help_panel=COST_PANEL)]
PowerOpt = Annotated[
    str | None,
    typer.Option("--power", help="Watts per GPU (default: the catalog's board power).", rich_help_panel=COST_PANEL),
]
MaxDaysOpt = Annotated[
    str | None, typer.Option("--max-days", help="Fail (exit 1) if training takes longer.", rich_help_panel=GATES_PANEL)
]
MaxCostOpt = Annotated[
    str | None,
    typer.Option("--max-cost", help="Fail (exit 1) if the GPU rental costs more (USD).", rich_help_panel=GATES_PANEL),
]
MaxKwhOpt = Annotated[
    str | None,
    typer.Option("--max-kwh", help="Fail (exit 1) if the GPUs use more energy (kWh).", rich_help_panel=GATES_PANEL),
]


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


FormatOpt = Annotated[
    OutputFormat | None, typer.Option("--format", "-f", help="table, json, csv or markdown (default: table).")
]


# ----------------------------------------------------------------------------- the run options
# Every name of RunOptions, as the command line declares it, with the CLI default (None: the API's default).
DECLARED: dict[str, tuple[Any, Any]] = {
    "gpu": (MaybeGpuOpt, None),
    "gpu_flops": (GpuFlopsOpt, None),
    "gpu_memory": (GpuMemoryOpt, None),
    "count": (CountOpt, 1),
    "precision": (PrecisionOpt, PrecisionChoice.auto),
    "years": (YearsOpt, None),
    "days": (DaysOpt, None),
    "hours": (HoursOpt, None),
    "mfu": (MfuOpt, None),
    "mfu_from": (MfuFromOpt, None),
    "uptime": (UptimeOpt, "1.0"),
    "tokens_per_second": (TokensPerSecondOpt, None),
    "tokens": (TokensOpt, None),
    "tokens_per_param": (RatioOpt, None),
    "chinchilla": (ChinchillaOpt, False),
    "micro_batch": (MicroBatchOpt, 1),
    "seq_len": (SeqLenOpt, None),
    "optimizer": (OptimizerOpt, Optimizer.ADAMW),
    "recompute": (RecomputeOpt, Recompute.NONE),
    "zero": (ZeroOpt, 0),
    "offload": (OffloadOpt, Offload.NONE),
    "master_weights": (MasterOpt, True),
    "overhead": (OverheadOpt, "1GB"),
    "finetune": (FinetuneOpt, None),
    "lora_rank": (LoraRankOpt, None),
    "lora_targets": (LoraTargetsOpt, None),
    "layers": (LayersOpt, None),
    "hidden": (HiddenOpt, None),
    "heads": (HeadsOpt, None),
    "vocab": (VocabOpt, None),
    "law": (LawOpt, LawChoice.chinchilla),
    "ratio": (LawRatioOpt, None),
    "flop_formula": (FlopFormulaOpt, FlopFormula.six_nd),
    "causal": (CausalOpt, False),
    "price": (PriceOpt, None),
    "power": (PowerOpt, None),
    "pue": (PueOpt, "1.0"),
    "electricity_price": (ElectricityOpt, None),
    "grid_intensity": (GridOpt, None),
    "max_days": (MaxDaysOpt, None),
    "max_cost": (MaxCostOpt, None),
    "max_kwh": (MaxKwhOpt, None),
    "flop": (FlopOpt, None),
}
OUTPUT = (("json", JsonOpt, False), ("format", FormatOpt, None))


def output_format(json: bool, fmt: OutputFormat | None) -> str:
    """--json is the shortcut for --format json; the two must agree."""
    if json and fmt not in (None, OutputFormat.json):
        raise InputError(f"--json and --format {fmt.value if fmt else ''} disagree; give one")
    return "json" if json else (fmt or OutputFormat.table).value


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def takes(command: str | None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the run options ``COMMANDS[command]`` lists (none for ``None``) and the output options.

    The command declares its own parameters plus ``options: RunOptions`` (the run options given, by name,
    ready for the API) and ``fmt: str`` (table, json, csv or markdown)."""
    names = () if command is None else COMMANDS[command]

    def decorate(function: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(function)
        hints = typing.get_type_hints(function, include_extras=True)
        own = [
            p.replace(annotation=hints[p.name])
            for p in signature.parameters.values()
            if p.name not in ("options", "fmt")
        ]
        declared = [(name, *DECLARED[name]) for name in names]
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
            for name, kind, default in (*declared, *OUTPUT)
        ]

        @functools.wraps(function)
        def wrapper(**kwargs: Any) -> None:
            fmt = output_format(kwargs.pop("json"), kwargs.pop("format"))
            given = {name: _plain(kwargs.pop(name)) for name in names}
            options = {name: value for name, value in given.items() if value is not None}
            extra = {"options": options} if "options" in signature.parameters else {}
            function(**kwargs, **extra, fmt=fmt)

        wrapper.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in (*own, *added)}
        return wrapper

    return decorate
