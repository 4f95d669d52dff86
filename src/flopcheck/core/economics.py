"""Cost, energy and emissions of GPU time. Pure arithmetic; every default names its source.

Energy assumes each GPU draws its rated board power for the whole run (an upper bound for the GPU itself:
training keeps GPUs near their limit) and leaves out the host CPUs, memory, networking and storage; PUE
scales it to the facility.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PUE = 1.0
"""Power usage effectiveness: 1.0 counts the GPUs' own draw, right for a card at home. Data centres run at
about 1.1 (hyperscalers) to 1.5+ (typical); pass --pue for those."""


@dataclass(frozen=True)
class Default:
    value: float
    description: str
    source: str


GRID_INTENSITY = Default(
    value=0.48,
    description="world average of electricity generation in 2023 (Ember, Global Electricity Review 2024)",
    source="https://ember-climate.org/insights/research/global-electricity-review-2024/",
)
"""kg CO₂ per kWh: 480 g/kWh, the 2023 world average (Ember, Global Electricity Review 2024). Use your grid's
figure with --grid-intensity: it ranges from under 0.05 (hydro, nuclear) to over 0.7 (coal)."""

ELECTRICITY_PRICE = Default(
    value=0.16,
    description="US average residential price in 2023 (EIA, Today in Energy, 2024-09-11)",
    source="https://www.eia.gov/todayinenergy/detail.php?id=63064",
)
"""USD per kWh: 16 cents, the 2023 US average residential price (EIA). Use yours with --electricity-price."""


def cost_usd(gpu_hours: float, usd_per_gpu_hour: float) -> float:
    """Rental cost = GPU-hours × price per GPU-hour (on-demand list prices)."""
    return gpu_hours * usd_per_gpu_hour


def energy_kwh(gpu_hours: float, board_power_w: float, pue: float) -> float:
    """Energy = GPU-hours × board power × PUE, in kWh (1 kWh = 1000 W × 1 h)."""
    return gpu_hours * board_power_w / 1000.0 * pue


def electricity_usd(kwh: float, usd_per_kwh: float) -> float:
    """Electricity cost = energy × price per kWh."""
    return kwh * usd_per_kwh


def co2_kg(kwh: float, kg_per_kwh: float) -> float:
    """Emissions = energy × grid carbon intensity (kg CO₂ per kWh)."""
    return kwh * kg_per_kwh
