"""Command-line options: how each option of ``flopcheck.api.options.RunOptions`` is spelled and explained on
the command line (``cli.declare`` gives each command the options ``COMMANDS`` lists for it). Parsing the
values is the API's job (``flopcheck.api.inputs``).

Every run option defaults to None on the command line: an option not given is left out, so the API's
default applies (stated once, in the help text) and a user defaults file can fill it in (``cli.config``).
"""

from __future__ import annotations

import copy
import functools
import typing
from collections.abc import Sequence
from enum import Enum
from typing import Annotated, Any

import typer

from flopcheck.cli import help_texts
from flopcheck.core.activations import Attention, Loss
from flopcheck.core.errors import InputError
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.memory import Finetune, Offload, Optimizer, Recompute
from flopcheck.core.stacks import STACKS


class PrecisionChoice(str, Enum):
    auto = "auto"
    fp32 = "fp32"
    tf32 = "tf32"
    bf16 = "bf16"
    fp16 = "fp16"
    fp8 = "fp8"


StackChoice = Enum("StackChoice", {name: name for name in STACKS}, type=str)  # type: ignore[misc]


class FlopFormula(str, Enum):
    six_nd = "6nd"
    kaplan = "kaplan"
    palm = "palm"


class LawChoice(str, Enum):
    chinchilla = "chinchilla"
    hoffmann_fit = "hoffmann-fit"
    epoch = "epoch"
    tokens_per_param = "tokens-per-param"


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


BIG = 10**9
"""Upper bound of integer options: keeps every product of inputs inside the float range."""
PANELS = {
    "memory": "Memory",
    "finetune": "Memory",
    "shape": "Memory",
    "law": "Scaling law",
    "cost": "Cost and energy",
    "gates": "CI gates",
    "layout": "Model parallelism",
}

ModelArg = Annotated[str, typer.Argument(metavar="MODEL", help=help_texts.MODEL, show_default=False)]


class Spec:
    """An option as declared: its kind, its flags, its help panel and Typer's other settings (``min``...)."""

    def __init__(self, name: str, kind: Any, flags: Sequence[str], panel: str | None, extra: dict[str, Any]) -> None:
        self.name, self.kind, self.flags, self.panel, self.extra = name, kind, tuple(flags), panel, extra

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling on the command line: ``--master-weights/--no-master-weights`` is two."""
        return tuple(part for flag in self.flags for part in flag.split("/"))


def _option(name: str, kind: Any, flags: Sequence[str], panel: str | None = None, **extra: Any) -> Spec:
    return Spec(name, kind, flags, panel, extra)


@functools.cache
def declared(name: str) -> Any:
    """``Annotated[kind | None, typer.Option(...)]`` of the run option ``name``, with its generic help text;
    made when a command that declares it is built (Typer reads no other)."""
    spec = DECLARED[name]
    info = typer.Option(
        *spec.flags,
        help=help_texts.GENERIC[name],
        metavar=help_texts.METAVARS.get(name),
        show_default=False,
        rich_help_panel=None if spec.panel is None else PANELS[spec.panel],
        **spec.extra,
    )
    return Annotated[spec.kind | None, info]


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


Q = str  # quantities arrive as text; the API parses them
DECLARED: dict[str, Spec] = {
    "gpu": _option("gpu", str, ("--gpu", "-g")),
    "gpu_flops": _option("gpu_flops", Q, ("--gpu-flops",)),
    "gpu_memory": _option("gpu_memory", Q, ("--gpu-memory",)),
    "count": _option("count", int, ("--count", "-n"), min=1, max=BIG),
    "precision": _option("precision", PrecisionChoice, ("--precision", "-p")),
    "years": _option("years", Q, ("--years",)),
    "days": _option("days", Q, ("--days",)),
    "hours": _option("hours", Q, ("--hours",)),
    "mfu": _option("mfu", Q, ("--mfu",)),
    "mfu_from": _option("mfu_from", str, ("--mfu-from",)),
    "uptime": _option("uptime", Q, ("--uptime",)),
    "tokens_per_second": _option("tokens_per_second", Q, ("--tokens-per-second",)),
    "tokens": _option("tokens", Q, ("--tokens", "-t")),
    "tokens_per_param": _option("tokens_per_param", Q, ("--tokens-per-param",)),
    "chinchilla": _option("chinchilla", bool, ("--chinchilla",), "law"),
    "micro_batch": _option("micro_batch", int, ("--micro-batch",), "memory", min=1, max=BIG),
    "seq_len": _option("seq_len", int, ("--seq-len",), "memory", min=1, max=BIG),
    "optimizer": _option("optimizer", Optimizer, ("--optimizer",), "memory"),
    "recompute": _option("recompute", Recompute, ("--recompute",), "memory"),
    "zero": _option("zero", int, ("--zero",), "memory", min=0, max=3),
    "offload": _option("offload", Offload, ("--offload",), "memory"),
    "master_weights": _option("master_weights", bool, ("--master-weights/--no-master-weights",), "memory"),
    "overhead": _option("overhead", Q, ("--overhead",), "memory"),
    "attention": _option("attention", Attention, ("--attention",), "memory"),
    "loss": _option("loss", Loss, ("--loss",), "memory"),
    "compile": _option("compile", bool, ("--compile/--no-compile",), "memory"),
    "optimizer_in_backward": _option("optimizer_in_backward", bool, ("--optimizer-in-backward",), "memory"),
    "paged_optimizer": _option("paged_optimizer", bool, ("--paged-optimizer",), "memory"),
    "offload_activations": _option("offload_activations", bool, ("--offload-activations",), "memory"),
    "stack": _option("stack", StackChoice, ("--stack",), "memory"),
    "samples": _option("samples", Q, ("--samples",)),
    "epochs": _option("epochs", Q, ("--epochs",)),
    "global_batch": _option("global_batch", int, ("--global-batch",), min=1, max=BIG),
    "gpus_per_node": _option("gpus_per_node", int, ("--gpus-per-node",), min=1, max=1024),
    "network_gbps": _option("network_gbps", Q, ("--network-gbps",)),
    "tp": _option("tp", int, ("--tp",), "layout", min=1, max=1_000_000),
    "pp": _option("pp", int, ("--pp",), "layout", min=1, max=1_000_000),
    "vp": _option("vp", int, ("--vp",), "layout", min=1, max=1_000_000),
    "cp": _option("cp", int, ("--cp",), "layout", min=1, max=1_000_000),
    "ep": _option("ep", int, ("--ep",), "layout", min=1, max=1_000_000),
    "sequence_parallel": _option("sequence_parallel", bool, ("--sequence-parallel/--no-sequence-parallel",), "layout"),
    "tp_comm_overlap": _option("tp_comm_overlap", bool, ("--tp-comm-overlap",), "layout"),
    "finetune": _option("finetune", Finetune, ("--finetune",), "finetune"),
    "lora_rank": _option("lora_rank", int, ("--lora-rank",), "finetune", min=1, max=65536),
    "lora_targets": _option("lora_targets", str, ("--lora-targets",), "finetune"),
    "layers": _option("layers", int, ("--layers",), "shape", min=1, max=BIG),
    "hidden": _option("hidden", int, ("--hidden",), "shape", min=1, max=BIG),
    "heads": _option("heads", int, ("--heads",), "shape", min=1, max=BIG),
    "vocab": _option("vocab", int, ("--vocab",), "shape", min=1, max=BIG),
    "law": _option("law", LawChoice, ("--law",), "law"),
    "ratio": _option("ratio", Q, ("--ratio",), "law"),
    "flop_formula": _option("flop_formula", FlopFormula, ("--flop-formula",)),
    "causal": _option("causal", bool, ("--causal",)),
    "price": _option("price", Q, ("--price",), "cost"),
    "provider": _option("provider", str, ("--provider",), "cost"),
    "site": _option("site", str, ("--site",), "cost"),
    "power": _option("power", Q, ("--power",), "cost"),
    "pue": _option("pue", Q, ("--pue",), "cost"),
    "electricity_price": _option("electricity_price", Q, ("--electricity-price",), "cost"),
    "grid_intensity": _option("grid_intensity", Q, ("--grid-intensity",), "cost"),
    "max_days": _option("max_days", Q, ("--max-days",), "gates"),
    "max_cost": _option("max_cost", Q, ("--max-cost",), "gates"),
    "max_kwh": _option("max_kwh", Q, ("--max-kwh",), "gates"),
    "flop": _option("flop", Q, ("--flop",)),
}
"""Every name of RunOptions, as the command line declares it (all default to None: the API's default)."""

OUTPUT: tuple[tuple[str, Any, Any], ...] = (
    ("json", Annotated[bool, typer.Option("--json", help=help_texts.JSON, show_default=False)], False),
    (
        "format",
        Annotated[
            OutputFormat | None,
            typer.Option("--format", "-f", help=help_texts.FORMAT, show_default=False, metavar="FORMAT"),
        ],
        None,
    ),
    ("explain", Annotated[bool, typer.Option("--explain", "-v", help=help_texts.EXPLAIN, show_default=False)], False),
)


def for_command(command: str, name: str) -> Any:
    """The option ``name`` as ``command`` declares it: the generic declaration with that command's help."""
    generic = declared(name)
    text = help_texts.PER_COMMAND.get(command, {}).get(name)
    if text is None:
        return generic
    kind, info = typing.get_args(generic)
    changed = copy.copy(info)
    changed.help = text
    return Annotated[kind, changed]


@frozen_dataclass
class Output:
    """How to print: the format, compact or --explain, and notes that close the answer (defaults used)."""

    fmt: str = "table"
    explain: bool = False
    notes: tuple[str, ...] = ()


def output_format(json: bool, fmt: OutputFormat | None) -> str:
    """--json is the shortcut for --format json; the two must agree."""
    if json and fmt not in (None, OutputFormat.json):
        raise InputError(f"--json and --format {fmt.value if fmt else ''} disagree; give one")
    return "json" if json else (fmt or OutputFormat.table).value


def flag(name: str) -> str:
    """An option's spelling: ``tokens_per_param`` -> ``--tokens-per-param``."""
    return _flag(name)
