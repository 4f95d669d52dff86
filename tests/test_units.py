"""Parsing and formatting of quantities."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopcheck.core.errors import InputError
from flopcheck.core.units import (
    SECONDS_PER_YEAR,
    format_bytes,
    format_count,
    format_duration,
    format_sci,
    parse_bytes,
    parse_count,
    parse_fraction,
)


def test_year_is_the_julian_year() -> None:
    # 365.25 days × 86,400 s: the IAU Julian year, the year flopcheck prints.
    assert SECONDS_PER_YEAR == 31_557_600


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10B", 10e9),
        ("300e9", 300e9),
        ("1.5T", 1.5e12),
        ("350M", 350e6),
        ("124k", 124e3),
        ("7,000", 7000.0),
        ("1_000", 1000.0),
        (" 2.5 G ", 2.5e9),
        ("1e30", 1e30),
        (".5B", 0.5e9),
        ("10b", 10e9),
        ("350m", 350e6),
    ],
)
def test_parse_count(text: str, value: float) -> None:
    assert parse_count(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "10X", "1.5.5", "B", "10 B B", "1e", "1E", "--1", "١٢", "0x10"])
def test_parse_count_rejects_garbage(text: str) -> None:
    with pytest.raises(InputError, match="cannot read"):
        parse_count(text)


@pytest.mark.parametrize("text", ["0", "-5", "-1B", "nan", "inf", "-inf", "1e400", "0.0T"])
def test_parse_count_rejects_non_positive_and_non_finite(text: str) -> None:
    with pytest.raises(InputError, match=r"finite|greater than zero"):
        parse_count(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("12GB", 12e9), ("24GiB", 24 * 2**30), ("512MB", 512e6), ("80 gib", 80 * 2**30), ("1000", 1000.0)],
)
def test_parse_bytes(text: str, value: float) -> None:
    assert parse_bytes(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [("0.4", 0.4), ("40%", 0.4), ("100%", 1.0), ("1", 1.0)])
def test_parse_fraction(text: str, value: float) -> None:
    assert parse_fraction(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["0", "0%", "1.5", "101%", "-0.4", "nan", "inf", "x"])
def test_parse_fraction_rejects_outside_unit_interval(text: str) -> None:
    with pytest.raises(InputError):
        parse_fraction(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.1376e21, "1.14e21"), (9e19, "9.00e19"), (3.14e23, "3.14e23"), (2.5e-3, "2.50e-3"), (0.0, "0")],
)
def test_format_sci(value: float, text: str) -> None:
    assert format_sci(value) == text


def test_format_count_uses_powers_of_1000() -> None:
    # 174.6e9 parameters are "175B", not "162.6G" (powers of 1024).
    assert format_count(174.6e9) == "175B"
    assert format_count(124_439_808) == "124M"
    assert format_count(1.5e12) == "1.5T"


def test_format_bytes_is_decimal() -> None:
    assert format_bytes(12e9) == "12 GB"
    assert format_bytes(24 * 2**30) == "25.8 GB"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (SECONDS_PER_YEAR, "1 year"),
        (2 * SECONDS_PER_YEAR, "2 years"),
        (86_400 * 3.4, "3.4 days"),
        (7200, "2 hours"),
        (math.inf, "forever"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.floats(min_value=1e-3, max_value=1e30, allow_nan=False, allow_infinity=False))
def test_count_round_trips_through_sci_notation(value: float) -> None:
    assert parse_count(format_sci(value, digits=17)) == pytest.approx(value, rel=1e-15)


@given(st.floats(min_value=1e-6, max_value=1.0, allow_nan=False, exclude_min=False))
def test_fraction_round_trips_as_percent(value: float) -> None:
    assert parse_fraction(f"{value * 100!r}%") == pytest.approx(value, rel=1e-12)
