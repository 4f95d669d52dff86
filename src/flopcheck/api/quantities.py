"""Quantities given as numbers or as the CLI's text, checked: counts, fractions, sizes, whole numbers and
choices. Every error names the option by its CLI spelling."""

from __future__ import annotations

import re
from enum import Enum
from typing import TypeVar

from flopcheck.api.options import Quantity
from flopcheck.api.ranges import bounded
from flopcheck.catalog.entries import Precision
from flopcheck.core.errors import InputError
from flopcheck.core.units import parse_bytes, parse_count, parse_fraction

E = TypeVar("E", bound=Enum)
PRECISIONS = ("auto", *(p.value for p in Precision))
LAWS = ("chinchilla", "hoffmann-fit", "epoch", "tokens-per-param")
BIG = 10**9
"""Upper bound of integer options: keeps every product of inputs inside the float range."""


def flag(name: str) -> str:
    """An option's CLI spelling: ``tokens_per_param`` -> ``--tokens-per-param``."""
    return "--" + name.replace("_", "-")


def text_of(value: Quantity) -> str:
    """A quantity as the text the parsers read."""
    return _text(value)


def _text(value: Quantity) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(f"expected a number or text, got {value!r}")
    return value if isinstance(value, str) else repr(value)


def count(value: Quantity, name: str, what: str | None = None) -> float:
    """A positive quantity (``10B``, ``300e9``, 1.5e12) in its range (``ranges.RANGES``); errors call it
    ``what`` (default: its flag)."""
    return bounded(parse_count(_text(value), what or flag(name)), name, value, what)


def fraction(value: Quantity, name: str) -> float:
    """A fraction in (0, 1] within its range: ``0.4``, ``40%``."""
    return bounded(parse_fraction(_text(value), flag(name)), name, value)


def size(value: Quantity, name: str, allow_zero: bool = False) -> float:
    """Bytes in their range: ``12GB``, ``24GiB``, 12e9."""
    return bounded(parse_bytes(_text(value), flag(name), allow_zero), name, value)


def integer(value: object, name: str, low: int, high: int = BIG) -> int:
    """A whole number in [low, high]; text such as "8" is accepted."""
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{flag(name)} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise InputError(f"{flag(name)} must be between {low} and {high}, got {value}")
    return value


def boolean(value: object, name: str) -> bool:
    """A yes/no option: True or False, nothing that merely looks true ("false" is not True)."""
    if not isinstance(value, bool):
        raise InputError(f"{flag(name)} must be true or false, got {value!r}")
    return value


def choice(kind: type[E], value: object, name: str) -> E:
    """An enumerated option by its value (``"adamw-8bit"``)."""
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(str(member.value) for member in kind)
        raise InputError(f"{flag(name)} must be one of {names}, got {value!r}") from None


def one_of(value: object, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise InputError(f"{flag(name)} must be one of {', '.join(allowed)}, got {value!r}")
    return str(value)
