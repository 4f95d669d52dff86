"""Side-by-side tables: compare (one model, many GPUs, with a bar chart of time) and matrix (models × GPUs)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from flopcheck.core.units import format_bytes, format_duration
from flopcheck.render._rich import bullets, emit, heading, plain, table

if TYPE_CHECKING:
    from flopcheck.answers.results import CompareResult, CompareRow, MatrixResult

BAR_WIDTH = 40


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.0f}"


def _memory(row: CompareRow) -> str:
    return f"{format_bytes(row.memory.required_bytes)} {'ok' if row.memory.fits else 'over'}"


def _basis(row: CompareRow) -> str:
    if row.price_usd_per_gpu_hour is None:
        return "no list price"
    basis = row.price_basis
    if basis.startswith("median of "):
        return f"${row.price_usd_per_gpu_hour:.3g} med/{basis.split()[2]}"
    return f"${row.price_usd_per_gpu_hour:.3g} {basis.split(',')[0]}"


def print_compare(result: CompareResult) -> None:
    rows = table("gpu", "GPUs", "prec.", "time", "headroom", "memory/GPU", "ZeRO-3", "cost", "$/GPU-hour", "energy")
    for row in result.rows:
        rows.add_row(
            row.gpu.id,
            str(row.gpu.count),
            row.gpu.precision,
            format_duration(row.compute.time_s),
            f"{row.compute.ratio:.3g}×",
            _memory(row),
            "-" if row.memory.min_gpus_zero3 is None else str(row.memory.min_gpus_zero3),
            _money(row.cost_usd),
            _basis(row),
            "-" if row.energy_kwh is None else f"{row.energy_kwh:,.4g} kWh",
        )
    count = min((row.gpu.count for row in result.rows), default=1)
    title = f"{result.rows[0].model_id if result.rows else ''} on {count} GPU{'' if count == 1 else 's'} of each kind"
    legend = (
        "ZeRO-3: the fewest GPUs of the kind that fit the run with ZeRO-3 sharding; a row that does not fit is "
        "planned on that many. $/GPU-hour: med/N = the median of N providers' latest on-demand list prices "
        "(--provider picks one)"
    )
    sections: list[object] = [
        heading(f"{title} (more where memory needs them), sorted by {result.sort}"),
        rows,
        plain(legend),
        "",
        heading("Time to train (log scale)"),
    ]
    times = [row.compute.time_s for row in result.rows]
    if times:
        low, high = math.log(min(times)), math.log(max(times))
        bars = table("gpu", "time", "")
        for row in result.rows:
            share = 1.0 if high == low else (math.log(row.compute.time_s) - low) / (high - low)
            bars.add_row(row.gpu.id, format_duration(row.compute.time_s), "█" * (1 + round(share * (BAR_WIDTH - 1))))
        sections.append(bars)
    if result.skipped:
        sections += ["", heading("Left out"), bullets(result.skipped)]
    emit(*sections)


def print_matrix(result: MatrixResult) -> None:
    cells = {(c.model_id, c.gpu_id): c for c in result.cells}
    grid = table("model", *result.gpus)
    for model in result.models:
        entries = []
        for gpu in result.gpus:
            cell = cells[(model, gpu)]
            time = "" if cell.time_s is None else f" {format_duration(cell.time_s)}"
            entries.append(plain(f"{cell.verdict}{time}"))
        grid.add_row(model, *entries)
    legend = [
        "yes: compute and memory fit; compute-only: memory does not fit; memory-only: compute does not fit in "
        "the window; no: neither; the time is the time to train at the assumed MFU",
        "tokens: each model's published training tokens, else 20 per parameter",
    ]
    emit(grid, "", bullets(legend))
