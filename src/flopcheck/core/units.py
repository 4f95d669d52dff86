"""Parsing and formatting of quantities. Pure functions, no I/O.

Counts and FLOPs use SI powers of 1000 (``1.5B`` = 1.5e9 parameters, ``1.14e21`` FLOP); memory is
printed in decimal gigabytes (GB = 1e9 bytes), the unit GPU vendors print, and is parsed from either GB or
GiB. The length of a year is stated once, here.
"""

from __future__ import annotations

import math
import re

from flopcheck.core.errors import InputError

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86_400.0
DAYS_PER_YEAR = 365.25
"""The Julian year (IAU): 365.25 days = 31,557,600 s. The unit flopcheck means by "a year"."""
SECONDS_PER_YEAR = DAYS_PER_YEAR * SECONDS_PER_DAY

_SI = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}
_BYTE_UNITS = {
    "b": 1.0,
    "kb": 1e3,
    "mb": 1e6,
    "gb": 1e9,
    "tb": 1e12,
    "kib": 2.0**10,
    "mib": 2.0**20,
    "gib": 2.0**30,
    "tib": 2.0**40,
}
# Thousands separators: "7,000" and "1_000" but never a decimal comma ("1,5" is refused, not read as 15).
_NUMBER = r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+(?:_\d+)*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)"
# Patterns as text: ``re`` compiles each on first use and keeps it (nothing is compiled at import time).
_COUNT_RE = rf"^\s*({_NUMBER})\s*([kmbgtp]?)\s*$"
_BYTES_RE = rf"^\s*({_NUMBER})\s*([kmgt]?i?b(?:ytes?)?)?\s*$"
_FLOPS_RE = rf"^\s*({_NUMBER})\s*([kmgtp]?)\s*(flop/s|flops|flop)?\s*$"
_FRACTION_RE = rf"^\s*({_NUMBER})\s*(%?)\s*$"
_FLAGS = re.IGNORECASE | re.ASCII
_DECIMAL_COMMA = r"\d,(?!\d{3}(?:\D|$))\d|\d,\d{3}\d"

MIN_GPU_FLOP_PER_S = 1e12
"""A GPU peak under 1 TFLOP/s given without a unit is a unit slip (``88`` meant 88 TFLOP/s): no training GPU
in the catalog is that slow."""
MIN_GPU_MEMORY_BYTES = 1e9
"""GPU memory under 1 GB given without a unit is a unit slip (``16`` meant 16 GB)."""


def _to_float(number: str, text: str, what: str) -> float:
    try:
        return float(number.replace(",", "").replace("_", ""))
    except ValueError:
        raise InputError(f"cannot read {what} {text!r}") from None


def _finite_positive(value: float, text: str, what: str, allow_zero: bool = False) -> float:
    if math.isnan(value) or math.isinf(value):
        raise InputError(f"{what} must be a finite number, got {text!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise InputError(f"{what} must be {'zero or more' if allow_zero else 'greater than zero'}, got {text!r}")
    return value


def _unreadable(text: str, what: str, examples: str) -> InputError:
    """The error for text that does not parse; a decimal comma gets its own explanation."""
    if re.search(_DECIMAL_COMMA, text, re.ASCII):
        dotted = re.sub(r"(\d),(\d)", r"\1.\2", text.strip())
        return InputError(
            f"cannot read {what} {text!r}: write decimals with a point ({dotted}); a comma only separates "
            "thousands (1,000)"
        )
    return InputError(f"cannot read {what} {text!r} (examples: {examples})")


def parse_count(text: str, what: str = "quantity") -> float:
    """Parse a positive count such as ``10B``, ``300e9``, ``1.5T``, ``350M``, ``7,000``.

    Suffixes are SI powers of 1000, in either case: k, M, B or G (1e9), T, P. ``B`` is billion. A comma
    separates thousands only; ``1,5B`` is refused rather than read as 15B.
    """
    match = re.match(_COUNT_RE, text, _FLAGS)
    if match is None:
        raise _unreadable(text, what, "10B, 300e9, 1.5T, 350M")
    value = _to_float(match.group(1), text, what) * _SI[match.group(2).lower()]
    return _finite_positive(value, text, what)


def parse_flop_per_s(text: str, what: str = "peak", minimum_unitless: float | None = None) -> float:
    """Parse a rate in FLOP/s: ``40T``, ``4e13``, ``88TFLOPS``, ``88 TFLOP/s``, ``312T FLOP/s``.

    A bare number under ``minimum_unitless`` is refused with the value it most likely meant (88 -> 88T)."""
    match = re.match(_FLOPS_RE, text, _FLAGS)
    if match is None:
        raise _unreadable(text, what, "40T, 4e13, 88TFLOPS, 88 TFLOP/s")
    number, prefix, unit = match.group(1), match.group(2), match.group(3)
    value = _finite_positive(_to_float(number, text, what) * _SI[prefix.lower()], text, what)
    if minimum_unitless is not None and not prefix and not unit and value < minimum_unitless:
        raise InputError(
            f"{what} {text!r} reads as {value:g} FLOP/s, far below any GPU; did you mean {text.strip()}T FLOP/s? "
            f"(write {text.strip()}T or {text.strip()}e12)"
        )
    return value


def parse_bytes(
    text: str, what: str = "memory", allow_zero: bool = False, minimum_unitless: float | None = None
) -> float:
    """Parse a memory size: ``12GB`` (1e9 bytes), ``24GiB`` (2**30 bytes), ``16 GB``, ``512MB``, or plain
    bytes. A bare number under ``minimum_unitless`` bytes is refused with the size it most likely meant."""
    match = re.match(_BYTES_RE, text, _FLAGS)
    if match is None:
        if re.fullmatch(rf"\s*({_NUMBER})\s*[kmgt]\s*", text, re.IGNORECASE | re.ASCII):
            raise InputError(
                f"cannot read {what} {text!r}: say which unit: {text.strip()}B (1e9 bytes) "
                f"or {text.strip()}iB (2**30 bytes)"
            )
        raise _unreadable(text, what, "12GB, 80GiB, 16 GB, 512MB")
    unit = (match.group(2) or "b").lower().removesuffix("ytes").removesuffix("yte")
    unit = unit if unit in _BYTE_UNITS else unit + "b"
    value = _finite_positive(_to_float(match.group(1), text, what) * _BYTE_UNITS[unit], text, what, allow_zero)
    if minimum_unitless is not None and match.group(2) is None and 0 < value < minimum_unitless:
        raise InputError(
            f"{what} {text!r} reads as {value:g} bytes, far below any GPU; did you mean {text.strip()}GB? "
            f"(write {text.strip()}GB or {text.strip()}GiB)"
        )
    return value


def parse_fraction(text: str, what: str = "fraction") -> float:
    """Parse a fraction in (0, 1]: ``0.4``, ``40%``. ``40`` is refused with "did you mean 40%?"."""
    match = re.match(_FRACTION_RE, text, _FLAGS)
    if match is None:
        raise _unreadable(text, what, "0.4, 40%")
    value = _to_float(match.group(1), text, what)
    if match.group(2):
        value /= 100.0
    _finite_positive(value, text, what)
    if value > 1.0:
        hint = f"; did you mean {text.strip()}%?" if not match.group(2) and value <= 100 else ""
        raise InputError(f"{what} must be at most 1 (100%), got {text!r}{hint}")
    return value


def format_sci(value: float, digits: int = 3) -> str:
    """``1.1376e21`` -> ``1.14e21``: scientific notation without the ``+`` and leading zeros."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_count(value: float) -> str:
    """A count with an SI suffix: ``1557611200`` -> ``1.56B``; ``124439808`` -> ``124M``."""
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            scaled = value / scale
            if scaled >= 1000 and suffix == "T":
                return format_sci(value)
            return f"{scaled:.3g}{suffix}"
    return f"{value:.3g}"


def format_bytes(value: float) -> str:
    """Decimal units, as GPU vendors print them: ``24921779200`` -> ``24.9 GB``."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value:.0f} B"


def format_number(value: float, digits: int = 3) -> str:
    """A number for prose, to ``digits`` significant figures with thousands separators: ``1350.4`` ->
    ``1,350``, ``30000`` -> ``30,000``, ``230.6`` -> ``231``, ``3.123`` -> ``3.12``; e-notation only past 1e15."""
    if not math.isfinite(value) or value == 0:
        return f"{value:g}"
    if abs(value) >= 1e15 or abs(value) < 1e-3:
        return format_sci(value, digits)
    magnitude = math.floor(math.log10(abs(value)))
    rounded = round(value, digits - 1 - magnitude)
    if abs(rounded) >= 10 ** (digits - 1):
        return f"{rounded:,.0f}"
    return f"{rounded:,.{max(0, digits - 1 - magnitude)}f}".rstrip("0").rstrip(".")


def format_ratio(value: float) -> str:
    """``3.123`` -> ``3.12×``, ``1350.4`` -> ``1,350×``."""
    return f"{format_number(value)}×"


def _scaled(value: float, units: tuple[tuple[str, float], ...]) -> str:
    for unit, scale in units:
        if abs(value) >= scale:
            return f"{format_number(value / scale)} {unit}"
    unit, scale = units[-1]
    return f"{format_number(value / scale)} {unit}"


def format_energy(kwh: float) -> str:
    """``355100`` kWh -> ``355 MWh``; ``230.6`` -> ``231 kWh``."""
    return _scaled(kwh, (("GWh", 1e6), ("MWh", 1e3), ("kWh", 1.0), ("Wh", 1e-3)))


def format_co2(kg: float) -> str:
    """``170400`` kg -> ``170 t CO2``; ``110.7`` -> ``111 kg CO2`` (t: metric tonnes)."""
    return _scaled(kg, (("kt CO2", 1e6), ("t CO2", 1e3), ("kg CO2", 1.0), ("g CO2", 1e-3)))


def format_money(usd: float) -> str:
    """``1065.3`` -> ``$1,065``; ``63705.6`` -> ``$63,706``; ``2.4e7`` -> ``$24 million``."""
    for word, scale in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6)):
        if abs(usd) >= scale:
            return f"${format_number(usd / scale)} {word}"
    return f"${usd:,.0f}"


def format_tokens_per_s(rate: float) -> str:
    """``30012.5`` -> ``30,000 tok/s``."""
    return f"{format_number(rate)} tok/s"


def format_duration(seconds: float) -> str:
    """A human duration: ``3.4 days``, ``7.2 hours``, ``1.3 years`` (years of 365.25 days), ``84.1 billion
    years``."""
    if not math.isfinite(seconds):
        return "forever"
    years = seconds / SECONDS_PER_YEAR
    for word, scale in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6)):
        if years >= scale:
            return f"{format_number(years / scale)} {word} years"
    if years >= 1000:
        return f"{format_number(years)} years"
    for unit, scale in (
        ("years", SECONDS_PER_YEAR),
        ("days", SECONDS_PER_DAY),
        ("hours", SECONDS_PER_HOUR),
        ("minutes", 60.0),
    ):
        if seconds >= scale:
            value = f"{seconds / scale:.3g}"
            return f"{value} {unit[:-1] if value == '1' else unit}"
    return f"{seconds:.3g} seconds"


def format_percent(fraction: float) -> str:
    return f"{fraction * 100:.3g}%"
