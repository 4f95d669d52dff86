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

_COUNT_SUFFIXES = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}
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
_NUMBER = r"[+-]?(?:\d+(?:[.,_]\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)"
_COUNT_RE = re.compile(rf"^\s*({_NUMBER})\s*([kmbgtp]?)\s*$", re.IGNORECASE | re.ASCII)
_BYTES_RE = re.compile(rf"^\s*({_NUMBER})\s*([kKmMgGtT]?i?[bB])?\s*$", re.IGNORECASE | re.ASCII)
_FRACTION_RE = re.compile(rf"^\s*({_NUMBER})\s*(%?)\s*$", re.IGNORECASE | re.ASCII)


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


def parse_count(text: str, what: str = "quantity") -> float:
    """Parse a positive count such as ``10B``, ``300e9``, ``1.5T``, ``350M``, ``7,000``.

    Suffixes are SI powers of 1000, in either case: k, M, B or G (1e9), T, P. ``B`` is billion.
    """
    match = _COUNT_RE.match(text)
    if match is None:
        raise InputError(f"cannot read {what} {text!r} (examples: 10B, 300e9, 1.5T, 350M)")
    value = _to_float(match.group(1), text, what) * _COUNT_SUFFIXES[match.group(2).lower()]
    return _finite_positive(value, text, what)


def parse_bytes(text: str, what: str = "memory", allow_zero: bool = False) -> float:
    """Parse a memory size: ``12GB`` (1e9 bytes), ``24GiB`` (2**30 bytes), ``512MB``, or plain bytes."""
    match = _BYTES_RE.match(text)
    if match is None:
        raise InputError(f"cannot read {what} {text!r} (examples: 12GB, 80GiB, 512MB)")
    unit = (match.group(2) or "b").lower()
    value = _to_float(match.group(1), text, what) * _BYTE_UNITS[unit]
    return _finite_positive(value, text, what, allow_zero)


def parse_fraction(text: str, what: str = "fraction") -> float:
    """Parse a fraction in (0, 1]: ``0.4``, ``40%``."""
    match = _FRACTION_RE.match(text)
    if match is None:
        raise InputError(f"cannot read {what} {text!r} (examples: 0.4, 40%)")
    value = _to_float(match.group(1), text, what)
    if match.group(2):
        value /= 100.0
    _finite_positive(value, text, what)
    if value > 1.0:
        raise InputError(f"{what} must be at most 1 (100%), got {text!r}")
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


def format_duration(seconds: float) -> str:
    """A human duration: ``3.4 days``, ``7.2 hours``, ``1.3 years`` (years of 365.25 days)."""
    if not math.isfinite(seconds):
        return "forever"
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
