"""Cost, energy and emissions of GPU time. Pure arithmetic; every default names its source.

Energy assumes each GPU draws its rated power for the whole run (an upper bound: training keeps GPUs near
their limit): at home the board power, in a data centre the node's maximum power per GPU where the vendor
prints it (CPUs, memory, NICs, fans included: DGX H100 about 10.2 kW for 8 GPUs); PUE scales it to the facility.
"""

from __future__ import annotations

from collections.abc import Sequence

from flopcheck.core.frozen import frozen_dataclass

DEFAULT_PUE = 1.0
"""Power usage effectiveness at home: 1.0 counts the GPUs' own draw. Data centres: ``DATACENTER_PUE``."""

SITES = ("home", "datacenter")
DATACENTER_ABOVE_GPUS = 8
"""``--site`` by scale: a run on more than 8 GPUs (more than one 8-GPU server) is costed as a data centre."""


def default_site(gpus: int) -> str:
    """home up to 8 GPUs, datacenter above (``DATACENTER_ABOVE_GPUS``)."""
    return "datacenter" if gpus > DATACENTER_ABOVE_GPUS else "home"


def median_price(prices: Sequence[float]) -> float:
    """The default rental price: the median of the current list prices (one per provider)."""
    import statistics

    return float(statistics.median(prices))


@frozen_dataclass
class Default:
    """A default figure with what it is and where it is published."""

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

DATACENTER_PUE = Default(
    value=1.58,
    description="average PUE of data centres in 2023 (Uptime Institute Global Data Center Survey 2023)",
    source="https://intelligence.uptimeinstitute.com/resource/large-data-centers-are-mostly-more-efficient-analysis-confirms",
)
"""Power usage effectiveness of a data centre: 1.58, the 2023 survey average (Uptime Institute); hyperscalers
report about 1.1 (Google fleet 2023: 1.10). Use yours with --pue."""

INDUSTRIAL_ELECTRICITY_PRICE = Default(
    value=0.0806,
    description="US average industrial price in 2023 (EIA retail price series, as tabulated by Statista)",
    source="https://www.statista.com/statistics/190680/us-industrial-consumer-price-estimates-for-retail-electricity-since-1970/",
)
"""USD per kWh a data centre pays: 8.06 cents, the 2023 US industrial average (EIA series)."""


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
