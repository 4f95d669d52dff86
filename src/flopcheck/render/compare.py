"""Side-by-side tables: compare (one model, many GPUs, with a bar chart of time) and matrix (models × GPUs)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from flopcheck.core.units import format_bytes, format_duration, format_energy, format_money, format_ratio
from flopcheck.render.document import Blank, Bullets, Cell, Document, Heading, Prose, table

if TYPE_CHECKING:
    from flopcheck.answers.results import CompareResult, CompareRow, MatrixResult

BAR_WIDTH = 40


def _memory(row: CompareRow) -> str:
    return f"{format_bytes(row.memory.required_bytes)} {'ok' if row.memory.fits else 'over'}"


def _basis(row: CompareRow) -> str:
    price, basis = row.cost.price_usd_per_gpu_hour, row.cost.price_basis
    if price is None:
        return "no list price"
    if basis.startswith("median of "):
        return f"${price:.3g} med/{basis.split()[2]}"
    return f"${price:.3g} {basis.split(',')[0]}"


def compare_document(result: CompareResult, explain: bool) -> Document:
    gated = any(row.gates for row in result.rows)
    columns = ("gpu", "GPUs", "prec.", "time", "headroom", "memory/GPU", "ZeRO-3", "cost", "$/GPU-hour", "energy")
    rows = table(*columns, *(["gates"] * gated), wrap=["memory/GPU", "$/GPU-hour"])
    for row in result.rows:
        gates = [("passed" if all(g.passed for g in row.gates) else "failed")] if gated else []
        rows.add(
            row.gpu.id,
            str(row.gpu.count),
            row.gpu.precision,
            format_duration(row.compute.time_s),
            format_ratio(row.compute.ratio),
            _memory(row),
            "-" if row.memory.min_gpus_zero3 is None else str(row.memory.min_gpus_zero3),
            "-" if row.cost.cost_usd is None else format_money(row.cost.cost_usd),
            _basis(row),
            "-" if row.cost.energy_kwh is None else format_energy(row.cost.energy_kwh),
            *gates,
        )
    count = min((row.gpu.count for row in result.rows), default=1)
    title = (
        f"{result.model.id} on {count} GPU{'' if count == 1 else 's'} of each kind (more where memory needs them), "
        f"sorted by {result.sort}"
    )
    legend = (
        "ZeRO-3: the fewest GPUs of the kind that fit the run with ZeRO-3 sharding; a row that does not fit is "
        "planned on that many. $/GPU-hour: med/N = the median of N providers' latest on-demand list prices "
        "(--provider picks one)"
    )
    doc: Document = [Heading(title, 1), rows, Prose(legend), Blank(), Heading("Time to train (log scale)")]
    times = [row.compute.time_s for row in result.rows]
    if times:
        low, high = math.log(min(times)), math.log(max(times))
        bars = table("gpu", "time", "")
        for row in result.rows:
            share = 1.0 if high == low else (math.log(row.compute.time_s) - low) / (high - low)
            bars.add(row.gpu.id, format_duration(row.compute.time_s), "█" * (1 + round(share * (BAR_WIDTH - 1))))
        doc.append(bars)
    if result.skipped:
        doc += [Blank(), Heading("Left out"), Bullets(result.skipped)]
    return doc


def matrix_document(result: MatrixResult, explain: bool) -> Document:
    cells = {(c.model_id, c.gpu_id): c for c in result.cells}
    grid = table("model", *result.gpus, wrap=result.gpus)
    for model in result.models:
        entries: list[str | Cell] = []
        for gpu in result.gpus:
            cell = cells[(model, gpu)]
            time = "" if cell.time_s is None else f" {format_duration(cell.time_s)}"
            entries.append(Cell(f"{cell.verdict}{time}", "green" if cell.verdict == "yes" else None))
        grid.add(model, *entries)
    sources = {c.tokens_source for c in result.cells if c.tokens_source is not None}
    if len(sources) == 1:
        (only,) = sources
        tokens = f"tokens: {only}"
    else:
        tokens = (
            "tokens: each model's published training tokens, else 20 per parameter, unless --tokens or "
            "--tokens-per-param"
        )
    legend = [
        "yes: compute and memory fit; compute-only: memory does not fit; memory-only: compute does not fit in "
        "the window; no: neither; the time is the time to train at the predicted MFU (or --mfu): --json has each",
        tokens,
    ]
    notes = [f"{c.model_id} on {c.gpu_id}: {c.note}" for c in result.cells if c.note]
    return [grid, Blank(), Bullets((*legend, *notes))]
