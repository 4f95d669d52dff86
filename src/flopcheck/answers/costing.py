"""Cost, energy and CI gates for a run or a budget: options resolved against a GPU into results. Pure."""

from __future__ import annotations

from flopcheck.answers import pricing
from flopcheck.answers.results import CostResult, GateResult
from flopcheck.catalog.entries import GpuSpec
from flopcheck.core import economics
from flopcheck.core.errors import InputError
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.units import SECONDS_PER_DAY, format_duration


@frozen_dataclass
class CostOptions:
    """--price, --provider, --site, --pue, --electricity-price, --grid-intensity, --power: None means the
    catalog or the stated default."""

    price_usd_per_gpu_hour: float | None = None
    provider: str | None = None
    site: str | None = None
    pue: float | None = None
    electricity_usd_per_kwh: float | None = None
    grid_kg_co2_per_kwh: float | None = None
    power_w: float | None = None


@frozen_dataclass
class Gates:
    """CI gates: --max-days, --max-cost (USD), --max-kwh."""

    max_days: float | None = None
    max_cost_usd: float | None = None
    max_kwh: float | None = None


def _power(gpu: GpuSpec, site: str, opts: CostOptions) -> tuple[float | None, str]:
    """Watts per GPU and what they are: --power; in a data centre the node's maximum power per GPU where the
    vendor prints it; else the board power."""
    if opts.power_w is not None:
        return opts.power_w, "--power"
    platform = gpu.platform
    if site == "datacenter" and platform is not None and platform.node_power_w is not None:
        per_gpu = platform.node_power_w / platform.gpus_per_node
        return per_gpu, f"{platform.name}: {platform.node_power_w:g} W max for {platform.gpus_per_node} GPUs"
    return gpu.board_power_w, "full board power"


def cost(gpu: GpuSpec, gpu_hours: float, opts: CostOptions, gpus: int = 1) -> CostResult:
    """Rental cost (``pricing.choose``), energy (power per GPU × PUE), electricity cost and CO₂ for
    ``gpu_hours`` of ``gpu`` on ``gpus`` GPUs; the site (home or data centre) sets the default power, PUE and
    electricity price (``economics.default_site``)."""
    notes: list[str] = []
    price = pricing.choose(gpu, opts.price_usd_per_gpu_hour, opts.provider)
    if price.usd_per_gpu_hour is None:
        notes.append(f"no public on-demand price for {gpu.id} in the catalog: give --price USD_PER_GPU_HOUR")
    site = opts.site or economics.default_site(gpus)
    if opts.site is None:
        notes.append(f"site {site}: {gpus} GPU(s); above {economics.DATACENTER_ABOVE_GPUS} is a data centre (--site)")
    power, power_basis = _power(gpu, site, opts)
    if power is None:
        notes.append(f"no board power published for {gpu.id}: give --power W")
    pue = opts.pue
    if pue is None:
        pue = economics.DATACENTER_PUE.value if site == "datacenter" else economics.DEFAULT_PUE
        if site == "datacenter":
            notes.append(f"PUE {pue:g}: {economics.DATACENTER_PUE.description} (--pue)")
    electricity = opts.electricity_usd_per_kwh
    if electricity is None:
        default = economics.INDUSTRIAL_ELECTRICITY_PRICE if site == "datacenter" else economics.ELECTRICITY_PRICE
        electricity = default.value
        notes.append(f"electricity {electricity:g} USD/kWh: {default.description} (--electricity-price)")
    grid = opts.grid_kg_co2_per_kwh
    if grid is None:
        grid = economics.GRID_INTENSITY.value
        notes.append(f"grid {grid:g} kg CO2/kWh: {economics.GRID_INTENSITY.description} (--grid-intensity)")
    energy = None if power is None else economics.energy_kwh(gpu_hours, power, pue)
    listed = price.listed
    return CostResult(
        gpu_hours=gpu_hours,
        price_usd_per_gpu_hour=price.usd_per_gpu_hour,
        price_source=price.source,
        price_basis=price.basis,
        price_provider=None if listed is None else listed.provider,
        price_offer=None if listed is None else listed.offer,
        price_date=None if listed is None else listed.date,
        price_url=None if listed is None else listed.source,
        price_low_usd=price.low_usd,
        price_high_usd=price.high_usd,
        cost_usd=None if price.usd_per_gpu_hour is None else economics.cost_usd(gpu_hours, price.usd_per_gpu_hour),
        site=site,
        board_power_w=power,
        power_basis=power_basis,
        pue=pue,
        energy_kwh=energy,
        electricity_usd_per_kwh=electricity,
        electricity_cost_usd=None if energy is None else economics.electricity_usd(energy, electricity),
        grid_kg_co2_per_kwh=grid,
        co2_kg=None if energy is None else economics.co2_kg(energy, grid),
        notes=tuple(notes),
    )


def check(gates: Gates, time_s: float, spent: CostResult, gpu_id: str) -> tuple[GateResult, ...]:
    """Each gate given, passed or not. A gate whose value cannot be computed (no price, no power figure) is
    bad input, not a failed plan: a CI job must neither pass nor fail on a number it does not have."""
    results: list[GateResult] = []
    if gates.max_days is not None:
        days = time_s / SECONDS_PER_DAY
        passed = days <= gates.max_days
        reason = f"training takes {format_duration(time_s)}" + ("" if passed else f", over {gates.max_days:g} days")
        results.append(GateResult(name="--max-days", limit=gates.max_days, value=days, passed=passed, reason=reason))
    for name, limit, value, unit, missing in (
        (
            "--max-cost",
            gates.max_cost_usd,
            spent.cost_usd,
            "USD",
            f"no price for {gpu_id}: give --price USD_PER_GPU_HOUR",
        ),
        ("--max-kwh", gates.max_kwh, spent.energy_kwh, "kWh", f"no board power for {gpu_id}: give --power W"),
    ):
        if limit is None:
            continue
        if value is None:
            raise InputError(f"{name} cannot be checked: {missing}")
        passed = value <= limit
        over = "" if passed else f", over {limit:g} {unit}"
        results.append(
            GateResult(name=name, limit=limit, value=value, passed=passed, reason=f"{value:,.4g} {unit}{over}")
        )
    return tuple(results)


def failure_line(gates: tuple[GateResult, ...]) -> str | None:
    """One line naming every failed gate, or None when all pass."""
    failed = [f"{g.name} {g.limit:g}: {g.reason}" for g in gates if not g.passed]
    return None if not failed else "gate failed: " + "; ".join(failed)
