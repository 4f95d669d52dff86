"""The plain renderer prints, into a pipe or a file, exactly what Rich prints there (``render.plain``)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flopcheck.render import _rich, plain
from flopcheck.render.document import Blank, Block, Bullets, Cell, Column, Document, Heading, Prose, Table
from tests.conftest import RunCli
from tests.test_render import COMMANDS

WIDTHS = [None, "200", "100", "60", "30", "12", "8"]


def _both(doc: Document, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    assert plain.applies(doc)
    try:
        plain.emit(doc)
    except plain.RichOnly:
        assert capsys.readouterr().out == ""
        return "", ""  # Rich prints it
    ours = capsys.readouterr().out
    _rich.emit(doc)
    return ours, capsys.readouterr().out


words = st.one_of(
    st.sampled_from(["GB", "days", "tokens", "--zero", "2", "×", "yes", "1.5", "billion", "t", "CO2", "", "-"]),
    st.from_regex(r"[a-z]{1,14}", fullmatch=True),
    st.from_regex(r"\d{1,5}(\.\d{1,2})?[kMBGT%]?", fullmatch=True),
    st.sampled_from(["中文字符", "é", "—", "•", "≈", "e\u0301", "\x07", "x" * 40, "https://example.com/a/long/path"]),
)
texts = st.builds(
    lambda parts, indent: " " * indent + " ".join(parts),
    st.lists(words, max_size=14),
    st.sampled_from([0, 0, 0, 2]),
)
cells = st.one_of(
    texts,
    st.builds(lambda a, b: f"{a}\n  {b}", texts, texts),
    st.builds(Cell, texts, st.sampled_from([None, "bold", "green", "red"])),
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    columns = tuple(Column(draw(texts), draw(st.booleans())) for _ in range(draw(st.integers(1, 5))))
    table = Table(columns)
    for _ in range(draw(st.integers(0, 5))):
        table.add(*(draw(cells) for _ in columns))
    return table


blocks: st.SearchStrategy[Block] = st.one_of(
    st.builds(Heading, texts),
    st.builds(Prose, texts, st.sampled_from(["", "Verdict: "])),
    st.builds(
        Bullets, st.lists(st.one_of(texts, st.builds(lambda a, b: f"{a}\n{b}", texts, texts)), max_size=4).map(tuple)
    ),
    tables(),
    st.just(Blank()),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.lists(blocks, min_size=1, max_size=5), width=st.sampled_from(WIDTHS))
def test_any_document_at_any_width_prints_as_rich_prints_it(
    doc: Document, width: str | None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if width is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", width)
    ours, rich = _both(doc, capsys)
    assert ours == rich


@pytest.mark.parametrize("args", [*COMMANDS, ["accuracy"], ["layout", "llama-2-7b", "--gpu", "h100", "-n", "8"]])
def test_every_answer_prints_as_rich_prints_it(
    args: list[str], cli: RunCli, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import flopcheck.render

    shown: list[Document] = []
    monkeypatch.setattr(flopcheck.render, "show", lambda doc, fmt: shown.append(doc))
    cli(*args)
    if args[0] not in ("gpus", "models", "matrix", "accuracy"):
        cli(*args, "--explain")
    assert shown
    for doc, width in [(doc, width) for doc in shown for width in WIDTHS]:
        if width is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", width)
        ours, rich = _both(doc, capsys)
        assert ours == rich, (args, width)


@pytest.mark.parametrize(
    ("env", "applies"),
    [({}, True), ({"TTY_COMPATIBLE": "1"}, False), ({"TTY_COMPATIBLE": "0"}, False), ({"FORCE_COLOR": ""}, False)],
)
def test_rich_prints_whatever_it_may_treat_as_a_terminal(
    env: dict[str, str], applies: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert plain.applies([Prose("x")]) is applies


def test_rich_prints_tabs_and_streams_without_box_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not plain.applies([Prose("a\tb")])
    monkeypatch.setenv("COLUMNS", "7")
    assert not plain.applies([Prose("narrow")])


def test_the_characters_measured_without_rich_are_one_cell_wide_in_rich() -> None:
    from rich.cells import cell_len

    assert all(cell_len(char) == 1 for char in plain.NARROW)
    assert plain.wrap("10 GB × 2 … ok", 100) == ["10 GB × 2 … ok"]
