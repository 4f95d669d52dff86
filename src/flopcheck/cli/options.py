"""The run options on the command line: each option of ``flopcheck.api.options.RunOptions`` with its Typer
declaration (``flags``), and the decorator that gives a command the options ``COMMANDS`` lists for it."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any

from flopcheck.api.options import COMMANDS
from flopcheck.cli import flags as f
from flopcheck.core.errors import InputError
from flopcheck.core.memory import Offload, Optimizer

ModelArg = f.ModelArg

# ----------------------------------------------------------------------------- the run options
# Every name of RunOptions, as the command line declares it, with the CLI default (None: the API's default).
DECLARED: dict[str, tuple[Any, Any]] = {
    "gpu": (f.MaybeGpuOpt, None),
    "gpu_flops": (f.GpuFlopsOpt, None),
    "gpu_memory": (f.GpuMemoryOpt, None),
    "count": (f.CountOpt, 1),
    "precision": (f.PrecisionOpt, f.PrecisionChoice.auto),
    "years": (f.YearsOpt, None),
    "days": (f.DaysOpt, None),
    "hours": (f.HoursOpt, None),
    "mfu": (f.MfuOpt, None),
    "mfu_from": (f.MfuFromOpt, None),
    "uptime": (f.UptimeOpt, "1.0"),
    "tokens_per_second": (f.TokensPerSecondOpt, None),
    "tokens": (f.TokensOpt, None),
    "tokens_per_param": (f.RatioOpt, None),
    "chinchilla": (f.ChinchillaOpt, False),
    "micro_batch": (f.MicroBatchOpt, None),
    "seq_len": (f.SeqLenOpt, None),
    "optimizer": (f.OptimizerOpt, Optimizer.ADAMW),
    "recompute": (f.RecomputeOpt, None),
    "zero": (f.ZeroOpt, None),
    "offload": (f.OffloadOpt, Offload.NONE),
    "master_weights": (f.MasterOpt, True),
    "overhead": (f.OverheadOpt, None),
    "attention": (f.AttentionOpt, None),
    "loss": (f.LossOpt, None),
    "compile": (f.CompileOpt, None),
    "optimizer_in_backward": (f.InBackwardOpt, False),
    "paged_optimizer": (f.PagedOpt, False),
    "offload_activations": (f.OffloadActivationsOpt, False),
    "stack": (f.StackOpt, None),
    "samples": (f.SamplesOpt, None),
    "epochs": (f.EpochsOpt, None),
    "global_batch": (f.GlobalBatchOpt, None),
    "gpus_per_node": (f.GpusPerNodeOpt, None),
    "finetune": (f.FinetuneOpt, None),
    "lora_rank": (f.LoraRankOpt, None),
    "lora_targets": (f.LoraTargetsOpt, None),
    "layers": (f.LayersOpt, None),
    "hidden": (f.HiddenOpt, None),
    "heads": (f.HeadsOpt, None),
    "vocab": (f.VocabOpt, None),
    "law": (f.LawOpt, f.LawChoice.chinchilla),
    "ratio": (f.LawRatioOpt, None),
    "flop_formula": (f.FlopFormulaOpt, f.FlopFormula.six_nd),
    "causal": (f.CausalOpt, False),
    "price": (f.PriceOpt, None),
    "provider": (f.ProviderOpt, None),
    "power": (f.PowerOpt, None),
    "site": (f.SiteOpt, None),
    "pue": (f.PueOpt, None),
    "electricity_price": (f.ElectricityOpt, None),
    "grid_intensity": (f.GridOpt, None),
    "max_days": (f.MaxDaysOpt, None),
    "max_cost": (f.MaxCostOpt, None),
    "max_kwh": (f.MaxKwhOpt, None),
    "flop": (f.FlopOpt, None),
}
OUTPUT = (("json", f.JsonOpt, False), ("format", f.FormatOpt, None))


def output_format(json: bool, fmt: f.OutputFormat | None) -> str:
    """--json is the shortcut for --format json; the two must agree."""
    if json and fmt not in (None, f.OutputFormat.json):
        raise InputError(f"--json and --format {fmt.value if fmt else ''} disagree; give one")
    return "json" if json else (fmt or f.OutputFormat.table).value


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
