"""Which rental price a run is costed at: --price, one provider's (--provider), or the default rule. Pure.

Default rule: the median, over the providers listed for the GPU, of each provider's latest on-demand list price
(``core.economics.median_price``), with the range printed. Spot, marketplace and committed prices are kept in the
catalog and chosen only by name with --provider, never by the default, so every GPU is costed on the same kind
of price.
"""

from __future__ import annotations

from flopcheck.catalog.entries import GpuSpec, Price
from flopcheck.core import economics
from flopcheck.core.errors import InputError
from flopcheck.core.frozen import frozen_dataclass


@frozen_dataclass
class PriceChoice:
    """The rental price a run is costed at, where it comes from, and the range of the prices it was chosen from."""

    usd_per_gpu_hour: float | None
    source: str | None
    """--price, --provider, median (the default rule), or None when the catalog lists no price."""
    basis: str
    """What the price is, in a few words: "median of 5 on-demand list prices ($2.49-$11.06)"."""
    listed: Price | None = None
    """The one price used, where one list price is used."""
    low_usd: float | None = None
    high_usd: float | None = None


def current_prices(gpu: GpuSpec) -> list[Price]:
    """Each provider's latest on-demand price, cheapest first."""
    latest: dict[str, Price] = {}
    for price in gpu.prices:
        if price.kind != "on-demand":
            continue
        key = price.provider.casefold()
        if key not in latest or price.date > latest[key].date:
            latest[key] = price
    return sorted(latest.values(), key=lambda p: p.usd_per_gpu_hour)


def _by_provider(gpu: GpuSpec, provider: str) -> Price:
    offers = [p for p in gpu.prices if p.provider.casefold() == provider.casefold()]
    if not offers:
        names = sorted({p.provider for p in gpu.prices})
        listed = f"listed for {gpu.id}: {', '.join(names)}" if names else f"no prices are listed for {gpu.id}"
        raise InputError(f"--provider {provider!r}: no price from that provider ({listed})")
    on_demand = [p for p in offers if p.kind == "on-demand"]
    return max(on_demand or offers, key=lambda p: p.date)


def choose(gpu: GpuSpec, price_usd: float | None, provider: str | None) -> PriceChoice:
    """--price wins, then --provider, then the default rule."""
    if price_usd is not None:
        return PriceChoice(price_usd, "--price", "--price")
    if provider is not None:
        chosen = _by_provider(gpu, provider)
        kind = "" if chosen.kind == "on-demand" else f" {chosen.kind}"
        return PriceChoice(chosen.usd_per_gpu_hour, "--provider", f"{chosen.provider}{kind}, {chosen.date}", chosen)
    current = current_prices(gpu)
    if not current:
        return PriceChoice(None, None, "no on-demand list price in the catalog")
    if len(current) == 1:
        only = current[0]
        return PriceChoice(only.usd_per_gpu_hour, "median", f"{only.provider}, {only.date} (the only list)", only)
    low, high = current[0].usd_per_gpu_hour, current[-1].usd_per_gpu_hour
    median = economics.median_price([p.usd_per_gpu_hour for p in current])
    basis = f"median of {len(current)} providers' on-demand prices (${low:.4g}-${high:.4g})"
    return PriceChoice(median, "median", basis, None, low, high)
