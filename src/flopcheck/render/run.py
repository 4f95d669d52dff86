"""Answers about a run: fits, budget, flops."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flopcheck.answers.results import FitsResult
from flopcheck.core.units import format_count, format_duration, format_percent, format_sci
from flopcheck.render._rich import bullets, emit, heading, table, yes_no
from flopcheck.render.memory import memory_assumption_lines, memory_sections, memory_table
from flopcheck.render.optimal import optimal_lines

if TYPE_CHECKING:
    from flopcheck.answers.results import BudgetResult, ComputeResult, CostResult, FlopsResult


def _tflop(value: float) -> str:
    return f"{value / 1e12:.4g} TFLOP/s"


def _mfu_text(c: ComputeResult) -> str:
    """``MFU 34.1% predicted (likely 27–41%)``, or the MFU given and where from."""
    if c.mfu_source != "predicted":
        return f"{format_percent(c.mfu)} ({c.mfu_source})"
    return f"{format_percent(c.mfu)} predicted (likely {format_percent(c.mfu_low)}–{format_percent(c.mfu_high)})"


def _assumption_lines(result: FitsResult | BudgetResult) -> list[str]:
    a, g = result.assumptions, result.gpu
    gpus = f"{g.count} GPU{'' if g.count == 1 else 's'}"
    return [
        f"precision {g.precision} (asked: {a.precision_requested}); dense peak {_tflop(g.peak_flop_per_s)} per GPU",
        f"MFU {_mfu_text(result.compute) if isinstance(result, FitsResult) else format_percent(a.mfu)}, "
        f"uptime {format_percent(a.uptime)}, {gpus}",
        f"window {format_duration(a.duration_s)} = {a.duration_s:,.0f} s (a year: 365.25 days = {a.year_s:,.0f} s)",
        f"training FLOP = {a.flop_formula}",
    ]


def cost_lines(cost: CostResult, gpu_id: str) -> list[str]:
    """Rental cost, energy, electricity and CO2, with what each rests on."""
    rent = "rental: unknown" if cost.cost_usd is None else f"rental ${cost.cost_usd:,.0f}"
    if cost.price_usd_per_gpu_hour is not None:
        where = "--price" if cost.price_source == "--price" else f"{cost.price_basis}: flopcheck gpus {gpu_id}"
        rent += f" at ${cost.price_usd_per_gpu_hour:.4g}/GPU-hour ({where})"
    lines = [f"{cost.gpu_hours:,.0f} GPU-hours; {rent}"]
    if cost.energy_kwh is not None and cost.board_power_w is not None:
        power = f"{cost.board_power_w:.4g} W per GPU, {cost.power_basis}; {cost.site}, PUE {cost.pue:g}"
        lines.append(
            f"energy {cost.energy_kwh:,.4g} kWh ({power}); "
            f"electricity ${cost.electricity_cost_usd or 0:,.0f} at ${cost.electricity_usd_per_kwh:g}/kWh; "
            f"{cost.co2_kg or 0:,.4g} kg CO2 at {cost.grid_kg_co2_per_kwh:g} kg/kWh"
        )
    return [*lines, *cost.notes]


def print_fits(result: FitsResult) -> None:
    m, g, c, mem = result.model, result.gpu, result.compute, result.memory
    rows = table("compute", "value", "detail")
    rows.add_row(
        "needed",
        f"{format_sci(c.required_flop)} FLOP",
        f"{format_count(m.params)} params × {format_count(m.tokens)} tokens ({m.tokens_source})",
    )
    if c.recompute_factor != 1.0:
        rows.add_row("", "", f"= {format_sci(c.model_flop)} model FLOP × {c.recompute_factor:.3g} for recomputation")
    rows.add_row(
        "delivered", f"{format_sci(c.available_flop)} FLOP", f"in {format_duration(result.assumptions.duration_s)}"
    )
    rows.add_row("headroom", f"{c.ratio:.3g}×", "delivered / needed")
    rows.add_row(
        "MFU",
        _mfu_text(c),
        f"{c.tokens_per_s:,.0f} tokens/s at micro-batch {c.micro_batch}; {c.step_time_s:.3g} s per step",
    )
    rows.add_row(
        "time to train",
        format_duration(c.time_s),
        f"{c.gpu_hours:,.0f} GPU-hours"
        + (
            ""
            if c.time_low_s == c.time_high_s
            else f"; likely {format_duration(c.time_low_s)} to {format_duration(c.time_high_s)}"
        ),
    )
    rows.add_row("compute fits", yes_no(c.fits), "")
    verdict = heading("Verdict: ")
    verdict.append(result.verdict, style="not bold")
    emit(
        heading(f"Can {g.count} × {g.name} train {m.name}?"),
        verdict,
        "",
        rows,
        "",
        memory_table(mem, g.id),
        *memory_sections(mem),
        "",
        *(() if result.optimal is None else (heading("Compute-optimal?"), bullets(optimal_lines(result.optimal)), "")),
        heading("Cost and energy of the run"),
        bullets(cost_lines(result.cost, result.gpu.id)),
        *_gate_section(result),
        "",
        heading("Assumptions"),
        bullets([*_assumption_lines(result), *memory_assumption_lines(mem)]),
        heading("Not modelled"),
        bullets(mem.not_modelled),
    )


def _gate_section(result: FitsResult) -> list[object]:
    if not result.gates:
        return []
    lines = [f"{g.name} {g.limit:g}: {'passed' if g.passed else 'FAILED'} ({g.reason})" for g in result.gates]
    return ["", heading("Gates"), bullets(lines)]


def print_budget(result: BudgetResult) -> None:
    g = result.gpu
    rows = table("budget", "value")
    rows.add_row("delivered", f"{format_sci(result.available_flop)} FLOP")
    rows.add_row("", f"{result.pf_days:,.4g} PF-days")
    rows.add_row("GPU-hours", f"{result.gpu_hours:,.0f}")
    emit(
        heading(f"Compute budget of {g.count} × {g.name}"),
        rows,
        "",
        heading("Cost and energy of the window"),
        bullets(cost_lines(result.cost, result.gpu.id)),
        "",
        heading("Assumptions"),
        bullets(_assumption_lines(result)),
    )


def print_flops(result: FlopsResult) -> None:
    m = result.model
    rows = table("training", "value")
    rows.add_row("parameters", f"{m.params:,} ({format_count(m.params)})")
    if m.active_params != m.params:
        rows.add_row("active per token", f"{m.active_params:,} ({format_count(m.active_params)}): the N of the formula")
    rows.add_row("tokens", f"{m.tokens:,} ({format_count(m.tokens)}; {m.tokens_source})")
    rows.add_row("training FLOP", f"{format_sci(result.train_flop)} FLOP = {result.pf_days:,.4g} PF-days")
    emit(
        heading(f"Training compute of {m.name}"),
        rows,
        "",
        heading("Assumptions"),
        bullets([f"training FLOP = {result.flop_formula}"]),
    )
