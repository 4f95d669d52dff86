"""Hostile catalog files and extreme numbers: clear errors, quickly, never a hang, a crash or a traceback."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopcheck.catalog import files as catalog_file
from tests.conftest import RunCli

BILLION_LAUGHS = (
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))
    + "gpus: [*i]\n"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BILLION_LAUGHS.encode(), "anchors and aliases are not allowed"),
        (("x: " + "[" * 50_000 + "]" * 50_000 + "\n").encode(), "invalid YAML"),
        (("x: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n").encode(), "invalid YAML"),
        (b"gpus:\n  - id: a\n    id: b\n", "duplicate key"),
        (b"gpus: [\xff\xfe\xfd]\n", "not UTF-8"),
        (b"\x00\x01\x02binary\x00", "invalid YAML"),
        (b"gpus:\n  - !!python/object/apply:os.system ['echo pwned']\n", "invalid YAML"),
        (b"gpus:\n  - !!python/name:os.system\n", "invalid YAML"),
        (b"# " + b"x" * 6_000_000 + b"\n", "larger than 5,000,000 bytes"),
    ],
    ids=[
        "billion-laughs",
        "deep-lists",
        "deep-maps",
        "duplicate-keys",
        "non-utf8",
        "binary",
        "object-tag",
        "name-tag",
        "huge",
    ],
)
def test_hostile_catalogs_fail_fast_and_clearly(cli: RunCli, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    start = time.perf_counter()
    run = cli("validate", str(path))
    assert time.perf_counter() - start < 5.0
    assert run.code == 2
    assert message in run.out
    used = cli("gpus", "--catalog", str(path))
    assert used.code == 2 and used.err.count("\n") == 1 and "Traceback" not in used.err


def test_numbers_beyond_the_float_range_in_a_catalog() -> None:
    text = "gpus:\n  - {id: x, vendor: v, name: n, year: 2024, memory_gb: 1.0e+400, peak_tflop_per_s: {}, sources: [https://a]}\n"
    problems = [str(p) for p in catalog_file.parse("gpus.yaml", text).problems]
    assert problems == ["gpus.yaml:2: x: memory_gb: must be a finite number"]


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=1e10, max_value=1e30))
def test_budgets_from_1e10_to_1e30_plan_and_format(flop: float) -> None:
    import contextlib
    import io
    import json

    from flopcheck.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["optimal", "--flop", repr(flop), "--json"])
    assert code == 0
    data = json.loads(buffer.getvalue())
    assert data["budget_flop"] == pytest.approx(flop)
    # params and tokens are whole numbers: at 1e10 FLOP the optimum has ~9,000 parameters, so rounding moves
    # 6·N·D by up to ~1e-4
    assert 6 * data["params"] * data["tokens"] == pytest.approx(flop, rel=1e-3)
    assert all(math.isfinite(alt["loss"]) for alt in data["alternatives"])


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=1_000_000))
def test_counts_up_to_a_million_gpus(count: int) -> None:
    import contextlib
    import io
    import json

    from flopcheck.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(["budget", "--gpu", "h100", "--count", str(count), "--json"])
    data = json.loads(buffer.getvalue())
    one_gpu_year = 989.4e12 * 0.4 * 31_557_600
    assert data["available_flop"] == pytest.approx(count * one_gpu_year)
    assert data["gpu_hours"] == pytest.approx(count * 8766)
