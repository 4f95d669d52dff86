"""The one rendering layer: result objects and catalog entries to Rich tables or JSON. No arithmetic.

JSON is written with the standard library straight to stdout, never through Rich. Rich is imported only
when a table is printed; it writes no colour or ANSI codes when stdout is not a terminal or NO_COLOR is
set.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from flopcheck.specs import GpuSpec, ModelSpec, Precision
from flopcheck.units import (
    format_bytes,
    format_count,
    format_duration,
    format_percent,
    format_sci,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from flopcheck.results import BudgetResult, FitsResult, FlopsResult


def write_json(data: BaseModel | Sequence[dict[str, Any]]) -> None:
    """One JSON document on stdout."""
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else list(data)
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _console() -> Console:
    """Rich writes plain text when stdout is not a terminal; NO_COLOR (https://no-color.org) turns off
    every ANSI code too, bold included, not only colour."""
    import os

    from rich.console import Console

    plain = bool(os.environ.get("NO_COLOR"))
    return Console(highlight=False, emoji=False, color_system=None if plain else "auto")


def _emit(*renderables: Any) -> None:
    """Print through Rich. On a terminal, as is; into a pipe or file, plain text without the trailing
    spaces Rich pads table lines with."""
    console = _console()
    if console.is_terminal:
        for renderable in renderables:
            console.print(renderable)
        return
    with console.capture() as captured:
        for renderable in renderables:
            console.print(renderable)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def _table(*columns: str) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for position, name in enumerate(columns):
        table.add_column(name, overflow="fold", no_wrap=position == 0)
    return table


def _heading(text: str) -> Any:
    from rich.text import Text

    return Text(text, style="bold")


def _tflop(value: float) -> str:
    return f"{value / 1e12:.4g} TFLOP/s"


def _assumption_lines(result: FitsResult | BudgetResult) -> list[str]:
    a, g = result.assumptions, result.gpu
    gpus = f"{g.count} GPU{'' if g.count == 1 else 's'}"
    return [
        f"precision {g.precision} (asked: {a.precision_requested}); dense peak {_tflop(g.peak_flop_per_s)} per GPU",
        f"MFU {format_percent(a.mfu)}, uptime {format_percent(a.uptime)}, {gpus}",
        f"window {format_duration(a.duration_s)} = {a.duration_s:,.0f} s (a year: 365.25 days = {a.year_s:,.0f} s)",
        f"training FLOP = {a.flop_formula}",
    ]


def _bullets(lines: Iterable[str]) -> Any:
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for line in lines:
        grid.add_row("  •", _plain(line))
    return grid


def print_fits(result: FitsResult) -> None:
    m, g, c, mem = result.model, result.gpu, result.compute, result.memory
    table = _table("compute", "value", "detail")
    table.add_row(
        "needed",
        f"{format_sci(c.required_flop)} FLOP",
        f"{format_count(m.params)} params × {format_count(m.tokens)} tokens ({m.tokens_source})",
    )
    table.add_row(
        "delivered",
        f"{format_sci(c.available_flop)} FLOP",
        f"in {format_duration(result.assumptions.duration_s)}",
    )
    table.add_row("headroom", f"{c.ratio:.3g}×", "delivered / needed")
    table.add_row("time to train", format_duration(c.time_s), f"{c.gpu_hours:,.0f} GPU-hours")
    table.add_row("compute fits", _yes_no(c.fits), "")
    verdict = _heading("Verdict: ")
    verdict.append(result.verdict, style="not bold")
    _emit(
        _heading(f"Can {g.count} × {g.name} train {m.name}?"),
        table,
        "",
        _memory_table(result),
        "",
        verdict,
        _heading("Assumptions"),
        _bullets([*_assumption_lines(result), *_memory_assumption_lines(result)]),
        _heading("Not modelled"),
        _bullets(mem.not_modelled),
    )


def _memory_table(result: FitsResult) -> Table:
    mem = result.memory
    b = mem.breakdown
    table = _table("memory per GPU", "bytes (1 GB = 1e9)", "share")
    rows: list[tuple[str, int | None]] = [
        ("weights", b.weights_bytes),
        ("gradients", b.gradients_bytes),
        ("fp32 master weights", b.master_weights_bytes),
        ("optimizer states", b.optimizer_bytes),
        ("activations", b.activations_bytes),
        ("embedding + output/logits", b.output_bytes),
    ]
    for name, value in rows:
        share = "" if value is None else format_percent(value / mem.required_bytes)
        table.add_row(name, "not modelled" if value is None else format_bytes(value), share)
    table.add_row("total needed", format_bytes(mem.required_bytes), "", style="bold")
    table.add_row(f"available ({result.gpu.id})", format_bytes(mem.available_bytes), "")
    table.add_row("memory fits", _yes_no(mem.fits), "")
    return table


def _memory_assumption_lines(result: FitsResult) -> list[str]:
    a = result.memory.assumptions
    seq = "unknown" if a.seq_len is None else f"{a.seq_len:,}"
    return [
        f"{a.training}; optimizer {a.optimizer}: {a.bytes_per_param:g} bytes/parameter",
        f"micro-batch {a.micro_batch}, sequence length {seq}, recomputation {a.recompute}",
        a.parallelism,
        *result.memory.modelled,
    ]


def _yes_no(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]no[/red]"


def print_budget(result: BudgetResult) -> None:
    g = result.gpu
    table = _table("budget", "value")
    table.add_row("delivered", f"{format_sci(result.available_flop)} FLOP")
    table.add_row("", f"{result.pf_days:,.4g} PF-days")
    table.add_row("GPU-hours", f"{result.gpu_hours:,.0f}")
    _emit(
        _heading(f"Compute budget of {g.count} × {g.name}"),
        table,
        "",
        _heading("Assumptions"),
        _bullets(_assumption_lines(result)),
    )


def print_flops(result: FlopsResult) -> None:
    m = result.model
    table = _table("training", "value")
    table.add_row("parameters", f"{m.params:,} ({format_count(m.params)})")
    table.add_row("tokens", f"{m.tokens:,} ({format_count(m.tokens)}; {m.tokens_source})")
    table.add_row("training FLOP", f"{format_sci(result.train_flop)} FLOP = {result.pf_days:,.4g} PF-days")
    _emit(
        _heading(f"Training compute of {m.name}"),
        table,
        "",
        _heading("Assumptions"),
        _bullets([f"training FLOP = {result.flop_formula}", "attention FLOPs ignored"]),
    )


def _peak(gpu: GpuSpec, precision: Precision) -> str:
    value = gpu.peak_flop_per_s(precision)
    return "-" if value is None else f"{value / 1e12:.4g}"


def print_gpus(gpus: Iterable[GpuSpec]) -> None:
    table = _table(
        "id",
        "name",
        "memory",
        "fp32",
        "tf32",
        "bf16",
        "fp16",
        "fp8",
    )
    for gpu in gpus:
        table.add_row(gpu.id, _plain(gpu.name), format_bytes(gpu.memory_bytes), *(_peak(gpu, p) for p in Precision))
    _emit(
        _heading("Accelerators: dense peak TFLOP/s (bf16/fp16: tensor, FP32 accumulate; '-': not published)"),
        table,
    )


def print_models(models: Iterable[ModelSpec]) -> None:
    table = _table("id", "name", "params", "layers", "d_model", "context", "tokens")
    for model in models:
        arch = model.architecture
        table.add_row(
            model.id,
            _plain(model.name),
            format_count(model.params),
            "-" if arch is None else str(arch.n_layer),
            "-" if arch is None else str(arch.d_model),
            "-" if arch is None else f"{arch.n_ctx:,}",
            "-" if model.training_tokens is None else format_count(model.training_tokens),
        )
    _emit(_heading("Language models (tokens: published training tokens; '-': not published)"), table)


def print_entry(record: dict[str, Any], title: str) -> None:
    """One catalog entry, every field, sources and notes included."""
    table = _table("field", "value")
    for key, value in record.items():
        if isinstance(value, dict):
            text = ", ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            text = "\n".join(str(v) for v in value)
        else:
            text = str(value)
        table.add_row(key, _plain(text))
    _emit(_heading(title), table)


def _plain(text: str) -> Any:
    """Catalog text as literal text: brackets in notes or names are not Rich markup."""
    from rich.text import Text

    return Text(text)
