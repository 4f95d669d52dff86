"""Tables and prose never split a number from its unit, at any width, on a terminal or through a pipe."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from rich.cells import cell_len

from flopcheck.render.document import chunks
from flopcheck.render.plain import wrap
from tests.conftest import RunCli

COMMANDS = [
    ["fits", "gpt2-xl", "--gpu", "rtx4070ti"],
    ["fits", "gpt2-xl", "--gpu", "rtx4070ti", "--explain"],
    ["fits", "7B", "--gpu", "h100", "--count", "8", "--zero", "3", "--tokens", "1T", "--price", "2.5"],
    ["memory", "gpt2-xl", "--gpu", "rtx4070ti", "-v"],
    ["optimal", "--gpu", "rtx4070ti", "--explain"],
    ["budget", "--gpu", "h100", "--count", "8", "--explain"],
    ["flops", "mixtral-8x7b", "--tokens", "1T"],
    ["compare", "gpt2-xl", "--all"],
    ["matrix"],
    ["runs"],
    ["calibrate", "gpt2", "--gpu", "a100-sxm-40gb", "-n", "8", "--tokens-per-second", "1.3M"],
    ["gpus"],
    ["gpus", "rtx4070ti"],
    ["models"],
]
UNIT = r"(?: (?:GB|MB|kB|TB|B|FLOP/s|FLOP|TFLOP/s|PF-days|days|hours|years|minutes|kWh|MWh|GPU-hours|tokens|params))"
QUANTITY = re.compile(rf"(?<![\w.])\d[\d,.]*(?:e-?\d+)?[kMBGTP%×]?{UNIT}?")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def quantities(text: str) -> Counter[str]:
    return Counter(QUANTITY.findall(ANSI.sub("", text)))


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_no_number_or_unit_is_split(cli: RunCli, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    """Every number with its unit that the widest rendering shows is whole at 60, 80 and 200 columns, on a
    terminal and through a pipe (with and without COLUMNS)."""
    monkeypatch.setenv("COLUMNS", "1000")
    reference = quantities(cli(*args).out)
    assert reference
    cases: list[tuple[str | None, str | None]] = [("60", None), ("80", None), ("200", None), (None, None)]
    cases += [("60", "1"), ("80", "1")]  # a terminal (TTY_COMPATIBLE=1: what Rich takes for one)
    for width, terminal in cases:
        if width is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", width)
        if terminal:
            monkeypatch.setenv("TTY_COMPATIBLE", terminal)
            monkeypatch.setenv("NO_COLOR", "1")
        out = cli(*args).out
        assert quantities(out) == reference, (width, terminal, out)
        monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
        monkeypatch.delenv("NO_COLOR", raising=False)


def test_prose_wraps_to_the_width_and_a_pipe_gets_full_lines(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    narrow = cli("fits", "gpt2-xl", "--gpu", "rtx4070ti").out
    prose = [line for line in narrow.splitlines() if not set(line) <= set("─ ")]
    assert max(len(line) for line in prose if not line.startswith("--")) <= 60
    monkeypatch.delenv("COLUMNS")
    piped = cli("fits", "gpt2-xl", "--gpu", "rtx4070ti").out
    verdict = next(line for line in piped.splitlines() if line.startswith("Verdict:"))
    assert verdict.endswith("ways to make it fit).")  # one line: nothing wraps in a pipe without COLUMNS


def test_pieces_keep_numbers_with_units_and_options_with_values() -> None:
    assert chunks("needs 4.67 GB per GPU, 170 t CO2 and 84.1 billion years") == [
        "needs",
        "4.67 GB",
        "per",
        "GPU,",
        "170 t CO2",
        "and",
        "84.1 billion years",
    ]
    assert chunks("--recompute full --zero 2 --no-master-weights") == [
        "--recompute full",
        "--zero 2",
        "--no-master-weights",
    ]


words = st.lists(
    st.one_of(
        st.sampled_from(["GB", "days", "tokens", "--zero", "2", "×", "yes"]),
        st.from_regex(r"[a-z]{1,12}", fullmatch=True),
        st.from_regex(r"\d{1,4}(\.\d{1,2})?", fullmatch=True),
    ),
    min_size=1,
    max_size=40,
)


@given(words, st.integers(min_value=8, max_value=120))
def test_wrapping_loses_nothing_and_keeps_pieces_whole(text_words: list[str], width: int) -> None:
    text = " ".join(text_words)
    # widths are terminal cells (a full-width digit, which \d also matches, takes two)
    assume(all(cell_len(piece) <= width for piece in chunks(text)))  # longer ones are folded: the only cut
    lines = wrap(text, width)
    assert " ".join(lines) == text
    pieces = chunks(text)
    for line in lines:
        assert cell_len(line) <= width or line in pieces
    rejoined = [piece for line in lines for piece in chunks(line)]
    assert all(piece in rejoined for piece in pieces if cell_len(piece) <= width)


def test_folding_counts_terminal_cells() -> None:
    # a piece wider than the line is cut into lines no wider than it, wide characters counted as two cells
    lines = wrap("０１２３４５", 5)
    assert "".join(lines) == "０１２３４５"
    assert all(cell_len(line) <= 5 for line in lines)
