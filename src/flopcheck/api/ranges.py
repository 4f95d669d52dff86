"""The meaningful range of every quantity an option takes. A number outside its range is bad input, refused
before any arithmetic: that keeps every product of inputs finite and non-zero, so no answer holds inf or 0
where a real run has neither."""

from __future__ import annotations

from flopcheck.core.errors import InputError

RANGES: dict[str, tuple[float, float, str]] = {
    "gpu_flops": (1e9, 1e17, "FLOP/s per GPU"),
    "gpu_memory": (1e6, 1e14, "bytes per GPU"),
    "years": (1 / 365.25 / 24 / 3600, 1e4, "years"),
    "days": (1 / 24 / 3600, 1e4 * 365.25, "days"),
    "hours": (1 / 3600, 1e4 * 8766, "hours"),
    "mfu": (1e-6, 1.0, "of the peak"),
    "uptime": (1e-6, 1.0, "of the window"),
    "tokens": (1.0, 1e16, "tokens"),
    "tokens_per_param": (1e-6, 1e8, "tokens per parameter"),
    "ratio": (1e-6, 1e8, "tokens per parameter"),
    "flop": (1e3, 1e40, "FLOP"),
    "price": (1e-6, 1e5, "USD per GPU-hour"),
    "power": (0.1, 1e5, "watts per GPU"),
    "pue": (1.0, 10.0, ""),
    "electricity_price": (0.0, 1e3, "USD per kWh"),
    "grid_intensity": (0.0, 10.0, "kg CO2 per kWh"),
    "max_days": (1e-9, 1e8, "days"),
    "max_cost": (1e-9, 1e18, "USD"),
    "max_kwh": (1e-9, 1e18, "kWh"),
    "overhead": (0.0, 1e14, "bytes"),
    "tokens_per_second": (1e-6, 1e13, "tokens per second"),
    "step_time": (1e-6, 1e8, "seconds per step"),
    "batch_tokens": (1.0, 1e12, "tokens per step"),
    "parameter_count": (1.0, 1e15, "parameters"),
    "samples": (1.0, 1e15, "samples"),
    "epochs": (1e-6, 1e6, "passes over the samples"),
    "network_gbps": (0.01, 1e6, "Gb/s per GPU between nodes"),
}
"""The meaningful range of every quantity an option takes, with its unit: a number outside it is refused
before any arithmetic, which keeps every product of inputs finite and non-zero (no inf in an answer)."""


def bounded(value: float, name: str, text: object, what: str | None = None) -> float:
    """``value`` if it lies in ``RANGES[name]``; else an InputError naming the option and its range."""
    low, high, unit = RANGES[name]
    if not low <= value <= high:
        label = what or "--" + name.replace("_", "-")
        raise InputError(f"{label} must be between {low:.3g} and {high:.3g}{' ' + unit if unit else ''}, got {text!r}")
    return value


def plausible_mfu(mfu: float, rate: float) -> float:
    """The MFU a measured throughput implies, if ``--mfu`` would accept it: above the GPUs' dense peak (or
    below ``RANGES["mfu"]``) the measurement is bad input."""
    low, high, _ = RANGES["mfu"]
    if mfu > high:
        raise InputError(
            f"{rate:g} tokens/s is {mfu:.0%} of the GPUs' dense peak, more than they can do: check the measurement "
            "(tokens counted per GPU or per step? the right --count and --precision?)"
        )
    if mfu < low:
        raise InputError(f"{rate:g} tokens/s is under {low:g} of the GPUs' dense peak: check the measurement")
    return mfu
