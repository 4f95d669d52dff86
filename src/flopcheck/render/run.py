"""Answers about a run: fits (compact, or in full with --explain), budget, flops."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flopcheck.answers.results import FitsResult
from flopcheck.core.units import (
    format_bytes,
    format_co2,
    format_count,
    format_duration,
    format_energy,
    format_money,
    format_percent,
    format_ratio,
    format_sci,
    format_tokens_per_s,
)
from flopcheck.render.document import Blank, Bullets, Cell, Document, Heading, Prose, Table, bold, table, yes_no
from flopcheck.render.memory import (
    assumption_blocks,
    key_memory_assumptions,
    memory_assumption_lines,
    memory_sections,
    memory_table,
    where_it_goes,
)
from flopcheck.render.optimal import optimal_lines

if TYPE_CHECKING:
    from flopcheck.answers.results import BudgetResult, ComputeResult, CostResult, FlopsResult, GpuInfo, ModelInfo


def _tflop(value: float) -> str:
    return f"{value / 1e12:.4g} TFLOP/s"


def _mfu_text(c: ComputeResult) -> str:
    """``34.1% predicted (likely 27–41%)``, or the MFU given and where from."""
    if c.mfu_source != "predicted":
        return f"{format_percent(c.mfu)} ({c.mfu_source})"
    return f"{format_percent(c.mfu)} predicted (likely {format_percent(c.mfu_low)}–{format_percent(c.mfu_high)})"


def _gpus(g: GpuInfo) -> str:
    return f"{g.count} GPU{'' if g.count == 1 else 's'}"


def assumption_lines(result: FitsResult | BudgetResult) -> list[str]:
    a, g = result.assumptions, result.gpu
    return [
        f"precision {g.precision} (asked: {a.precision_requested}); dense peak {_tflop(g.peak_flop_per_s)} per GPU",
        *(f"{g.id}: {change}" for change in g.overrides),
        f"MFU {_mfu_text(result.compute) if isinstance(result, FitsResult) else format_percent(a.mfu)}, "
        f"uptime {format_percent(a.uptime)}, {_gpus(g)}",
        *_range_source(result),
        *_goodput_source(result),
        f"window {format_duration(a.duration_s)} = {a.duration_s:,.0f} s (a year: 365.25 days = {a.year_s:,.0f} s)",
        f"training FLOP = {a.flop_formula}",
    ]


def _goodput_source(result: FitsResult | BudgetResult) -> list[str]:
    """Where the uptime of a fits answer comes from, and the checkpoint interval the expected goodput assumes."""
    if not isinstance(result, FitsResult):
        return []
    c = result.compute
    line = f"uptime {format_percent(c.goodput)}: {c.goodput_source}"
    if c.checkpoint_interval_s is not None:
        line += f"; checkpointing every {format_duration(c.checkpoint_interval_s)}, the interval that loses least"
    return [line]


def _range_source(result: FitsResult | BudgetResult) -> list[str]:
    if not isinstance(result, FitsResult) or result.compute.mfu_source != "predicted":
        return []
    where = "measured over predicted throughput at the measured configurations"
    if result.layout is not None and result.layout.source == "searched":
        where += (
            " or, wider, of the measured throughput of published multi-GPU configurations over the searched "
            "layout's prediction for the same model, GPUs and batch"
        )
    basis = [f"predicted step time: {result.compute.prediction_basis}"] if result.compute.prediction_basis else []
    return [
        *basis,
        f"likely MFU range: the 10th to 90th percentile of {where} (fit split; python -m scripts.calibrate)",
    ]


def key_assumptions(result: FitsResult | BudgetResult) -> str:
    """The settings that move the answer most, in one line."""
    a, g = result.assumptions, result.gpu
    formula = a.flop_formula.split(" (")[0]
    return f"{g.precision} {_tflop(g.peak_flop_per_s)} per GPU, uptime {format_percent(a.uptime)}, {formula}"


def cost_summary(cost: CostResult) -> str:
    """Cost and energy in one line, in human units."""
    rent = "rental unknown (give --price)" if cost.cost_usd is None else f"rental {format_money(cost.cost_usd)}"
    parts = [f"{cost.gpu_hours:,.0f} GPU-hours", rent]
    if cost.energy_kwh is not None:
        parts.append(f"energy {format_energy(cost.energy_kwh)}")
        parts.append(f"electricity {format_money(cost.electricity_cost_usd or 0)}")
        parts.append(format_co2(cost.co2_kg or 0))
    else:
        parts.append("energy unknown (give --power)")
    return "; ".join(parts)


def cost_lines(cost: CostResult, gpu_id: str) -> list[str]:
    """Rental cost, energy, electricity and CO2, with what each rests on."""
    rent = "rental: unknown" if cost.cost_usd is None else f"rental {format_money(cost.cost_usd)}"
    if cost.price_usd_per_gpu_hour is not None:
        where = "--price" if cost.price_source == "--price" else f"{cost.price_basis}: flopcheck gpus {gpu_id}"
        rent += f" at ${cost.price_usd_per_gpu_hour:.4g}/GPU-hour ({where})"
    lines = [f"{cost.gpu_hours:,.0f} GPU-hours; {rent}"]
    if cost.energy_kwh is not None and cost.board_power_w is not None:
        power = f"{cost.board_power_w:.4g} W per GPU, {cost.power_basis}; {cost.site}, PUE {cost.pue:g}"
        lines.append(
            f"energy {format_energy(cost.energy_kwh)} ({power}); electricity "
            f"{format_money(cost.electricity_cost_usd or 0)} at ${cost.electricity_usd_per_kwh:g}/kWh; "
            f"{format_co2(cost.co2_kg or 0)} at {cost.grid_kg_co2_per_kwh:g} kg/kWh"
        )
    return [*lines, *cost.notes]


def _gate_lines(result: FitsResult) -> list[str]:
    return [f"{g.name} {g.limit:g}: {'passed' if g.passed else 'FAILED'} ({g.reason})" for g in result.gates]


def _summary(result: FitsResult) -> Table:
    """Needed against available: compute, time, memory; the compact answer's core."""
    c, mem, a = result.compute, result.memory, result.assumptions
    rows = table("", "needed", "available", "fits")
    headroom = Cell(f"{'yes' if c.fits else 'no'} ({format_ratio(c.ratio)})", "green" if c.fits else "red")
    rows.add("compute", f"{format_sci(c.required_flop)} FLOP", f"{format_sci(c.available_flop)} FLOP", headroom)
    rows.add("time", format_duration(c.time_s), format_duration(a.duration_s), yes_no(c.fits))
    available = "unknown" if mem.available_bytes is None else format_bytes(mem.available_bytes)
    rows.add("memory per GPU", format_bytes(mem.required_bytes), available, yes_no(mem.fits))
    return rows


def _speed(c: ComputeResult) -> str:
    """Throughput and its uncertainty in one line."""
    likely = (
        ""
        if c.time_low_s == c.time_high_s
        else f"; {format_duration(c.time_low_s)} to {format_duration(c.time_high_s)}"
    )
    mfu = format_percent(c.mfu) + (" predicted" if c.mfu_source == "predicted" else f" ({c.mfu_source})")
    return f"{format_tokens_per_s(c.tokens_per_s)}, MFU {mfu}{likely}"


def _compute_table(result: FitsResult) -> Table:
    m, c = result.model, result.compute
    rows = table("compute", "value", "detail", wrap=["detail"])
    detail = f"{format_count(m.params)} params × {format_count(m.tokens)} tokens ({m.tokens_source})"
    rows.add("needed", f"{format_sci(c.required_flop)} FLOP", detail)
    if c.recompute_factor != 1.0:
        rows.add("", "", f"= {format_sci(c.model_flop)} model FLOP × {c.recompute_factor:.3g} for recomputation")
    rows.add(
        "delivered", f"{format_sci(c.available_flop)} FLOP", f"in {format_duration(result.assumptions.duration_s)}"
    )
    rows.add("headroom", format_ratio(c.ratio), "delivered / needed")
    rows.add(
        "MFU",
        _mfu_text(c),
        f"{format_tokens_per_s(c.tokens_per_s)} at micro-batch {c.micro_batch}; {c.step_time_s:.3g} s per step",
    )
    likely = (
        ""
        if c.time_low_s == c.time_high_s
        else f"; likely {format_duration(c.time_low_s)} to {format_duration(c.time_high_s)}"
    )
    rows.add("time to train", format_duration(c.time_s), f"{c.gpu_hours:,.0f} GPU-hours{likely}")
    rows.add("compute fits", yes_no(c.fits), "")
    return rows


def fits_document(result: FitsResult, explain: bool) -> Document:
    m, g, mem = result.model, result.gpu, result.memory
    doc: Document = [Heading(f"Can {g.count} × {g.name} train {m.name}?", 1), Prose(result.verdict, lead="Verdict: ")]
    doc += [Blank(), *(Prose(w, lead="Warning: ") for w in result.warnings)]
    if explain:
        doc += [_compute_table(result), Blank(), memory_table(mem, g.id), *memory_sections(mem, True)]
        if result.layout is not None:
            doc += [Blank(), Prose(layout_line(result), lead="Layout: ")]
        if result.optimal is not None:
            doc += [Blank(), Heading("Compute-optimal?"), Bullets(tuple(optimal_lines(result.optimal)))]
        doc += [Blank(), Heading("Cost and energy of the run"), Bullets(tuple(cost_lines(result.cost, g.id)))]
        if result.gates:
            doc += [Blank(), Heading("Gates"), Bullets(tuple(_gate_lines(result)))]
        shape = [] if m.shape_note is None else [m.shape_note]
        lines = [*assumption_lines(result), *shape, *memory_assumption_lines(mem)]
        return doc + assumption_blocks(lines, mem.not_modelled)
    doc += [_summary(result), Prose(_speed(result.compute), lead="Speed: ")]
    if result.layout is not None:
        doc.append(Prose(layout_line(result), lead="Layout: "))
    doc += [Prose(where_it_goes(mem, 3), lead="Memory: "), *memory_sections(mem, False), Blank()]
    doc.append(Prose(cost_summary(result.cost), lead="Cost: "))
    if result.optimal is not None:
        doc.append(Prose(result.optimal.training, lead="Compute-optimal: "))
    if result.gates:
        doc.append(Prose("; ".join(_gate_lines(result)), lead="Gates: "))
    keys = f"{key_assumptions(result)}, {data_size(m)}, {key_memory_assumptions(mem)}"
    if g.overrides:
        keys += "; " + "; ".join(g.overrides)
    if m.shape_note is not None:
        keys += f"; {m.shape_note}"
    doc.append(Prose(f"{keys}; sources: --explain", lead="Assumes: "))
    return doc


def data_size(model: ModelInfo) -> str:
    """The training tokens an answer used and, briefly, where they came from."""
    source = model.tokens_source.split(":")[0].split(" (")[0]
    return f"{format_count(model.tokens)} tokens ({source})"


def layout_line(result: FitsResult) -> str:
    """The model-parallel layout a fits answer used, with the flags that select it."""
    lay = result.layout
    assert lay is not None
    how = "the fastest that fits (flopcheck layout)" if lay.source == "searched" else "as given"
    split = f"tp {lay.tp} × pp {lay.pp}" + (f" (vp {lay.vp})" if lay.vp > 1 else "") + f" × cp {lay.cp} × dp {lay.dp}"
    split += f", ep {lay.ep}" if lay.ep > 1 else ""
    return (
        f"{split}, micro-batch {lay.micro_batch}, recomputation {lay.recompute}, ZeRO {lay.zero}, global batch "
        f"{lay.global_batch:,}; {how}; goodput {format_percent(result.compute.goodput)}; flags: {' '.join(lay.flags)}"
    )


def budget_document(result: BudgetResult, explain: bool) -> Document:
    g = result.gpu
    rows = table("budget", "value")
    rows.add("delivered", bold(f"{format_sci(result.available_flop)} FLOP"))
    rows.add("", f"{result.pf_days:,.4g} PF-days")
    rows.add("GPU-hours", f"{result.gpu_hours:,.0f}")
    doc: Document = [Heading(f"Compute budget of {g.count} × {g.name}", 1), rows, Blank()]
    if not explain:
        a = result.assumptions
        keys = f"{key_assumptions(result)}, MFU {format_percent(a.mfu)}, {format_duration(a.duration_s)}"
        return [
            *doc,
            Prose(cost_summary(result.cost), lead="Cost: "),
            Prose(f"{keys}; sources: --explain", lead="Assumes: "),
        ]
    doc += [Heading("Cost and energy of the window"), Bullets(tuple(cost_lines(result.cost, g.id)))]
    return doc + assumption_blocks(assumption_lines(result))


def flops_document(result: FlopsResult, explain: bool) -> Document:
    m = result.model
    rows = table("training", "value", wrap=["value"])
    rows.add("parameters", f"{m.params:,} ({format_count(m.params)})")
    if m.active_params != m.params:
        rows.add("active per token", f"{m.active_params:,} ({format_count(m.active_params)}): the N of the formula")
    rows.add("tokens", f"{m.tokens:,} ({format_count(m.tokens)}; {m.tokens_source})")
    rows.add("training FLOP", bold(f"{format_sci(result.train_flop)} FLOP = {result.pf_days:,.4g} PF-days"))
    lines = [f"training FLOP = {result.flop_formula}", *([] if m.shape_note is None else [m.shape_note])]
    return [Heading(f"Training compute of {m.name}", 1), rows, *assumption_blocks(lines)]
