"""Cost, energy and CI gates for a run or a budget: options resolved against a GPU into results. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from flopcheck.answers.results import CostResult, GateResult
from flopcheck.catalog.entries import GpuSpec
from flopcheck.core import economics
from flopcheck.core.units import SECONDS_PER_DAY, format_duration


@dataclass(frozen=True)
class CostOptions:
    """--price, --pue, --electricity-price, --grid-intensity, --power: None means the catalog or the default."""

    price_usd_per_gpu_hour: float | None = None
    pue: float = economics.DEFAULT_PUE
    electricity_usd_per_kwh: float | None = None
    grid_kg_co2_per_kwh: float | None = None
    power_w: float | None = None


@dataclass(frozen=True)
class Gates:
    """CI gates: --max-days, --max-cost (USD), --max-kwh."""

    max_days: float | None = None
    max_cost_usd: float | None = None
    max_kwh: float | None = None


def cost(gpu: GpuSpec, gpu_hours: float, opts: CostOptions) -> CostResult:
    """Rental cost (catalog on-demand price or --price), energy (board power or --power, × PUE), electricity
    cost and CO₂ for ``gpu_hours`` of ``gpu``."""
    notes: list[str] = []
    price = opts.price_usd_per_gpu_hour
    source: str | None = "--price" if price is not None else None
    listed = gpu.price if price is None else None
    if listed is not None:
        price = listed.usd_per_gpu_hour
        source = "catalog"
    if price is None:
        notes.append(f"no public on-demand price for {gpu.id} in the catalog: give --price USD_PER_GPU_HOUR")
    power = opts.power_w if opts.power_w is not None else gpu.board_power_w
    if power is None:
        notes.append(f"no board power published for {gpu.id}: give --power W")
    electricity = opts.electricity_usd_per_kwh
    if electricity is None:
        electricity = economics.ELECTRICITY_PRICE.value
        described = economics.ELECTRICITY_PRICE.description
        notes.append(f"electricity {electricity:g} USD/kWh: {described} (--electricity-price)")
    grid = opts.grid_kg_co2_per_kwh
    if grid is None:
        grid = economics.GRID_INTENSITY.value
        notes.append(f"grid {grid:g} kg CO2/kWh: {economics.GRID_INTENSITY.description} (--grid-intensity)")
    energy = None if power is None else economics.energy_kwh(gpu_hours, power, opts.pue)
    return CostResult(
        gpu_hours=gpu_hours,
        price_usd_per_gpu_hour=price,
        price_source=source,
        price_offer=None if listed is None else listed.offer,
        price_date=None if listed is None else listed.date,
        price_url=None if listed is None else listed.source,
        cost_usd=None if price is None else economics.cost_usd(gpu_hours, price),
        board_power_w=power,
        pue=opts.pue,
        energy_kwh=energy,
        electricity_usd_per_kwh=electricity,
        electricity_cost_usd=None if energy is None else economics.electricity_usd(energy, electricity),
        grid_kg_co2_per_kwh=grid,
        co2_kg=None if energy is None else economics.co2_kg(energy, grid),
        notes=tuple(notes),
    )


def check(gates: Gates, time_s: float, spent: CostResult) -> tuple[GateResult, ...]:
    """Each gate given, passed or not. A gate whose value cannot be computed fails: a CI job must not pass on
    a number it does not have."""
    results: list[GateResult] = []
    if gates.max_days is not None:
        days = time_s / SECONDS_PER_DAY
        passed = days <= gates.max_days
        reason = f"training takes {format_duration(time_s)}" + ("" if passed else f", over {gates.max_days:g} days")
        results.append(GateResult(name="--max-days", limit=gates.max_days, value=days, passed=passed, reason=reason))
    for name, limit, value, unit, missing in (
        ("--max-cost", gates.max_cost_usd, spent.cost_usd, "USD", "no price: give --price"),
        ("--max-kwh", gates.max_kwh, spent.energy_kwh, "kWh", "no board power: give --power"),
    ):
        if limit is None:
            continue
        passed = value is not None and value <= limit
        over = "" if passed else f", over {limit:g} {unit}"
        reason = missing if value is None else f"{value:,.4g} {unit}{over}"
        results.append(GateResult(name=name, limit=limit, value=value, passed=passed, reason=reason))
    return tuple(results)


def failure_line(gates: tuple[GateResult, ...]) -> str | None:
    """One line naming every failed gate, or None when all pass."""
    failed = [f"{g.name} {g.limit:g}: {g.reason}" for g in gates if not g.passed]
    return None if not failed else "gate failed: " + "; ".join(failed)
