"""What a printed answer is made of, before it becomes terminal text or Markdown: headings, tables, prose and
bullet lists. The renderers build these; ``_rich`` prints them on a terminal or into a pipe, ``markdown``
writes them as Markdown. No arithmetic, no printing.

Prose is wrapped at spaces only, and never between a number and its unit (``4.67 GB``, ``33.7 days``) or
between an option and its value (``--zero 2``): ``chunks`` says what may not be split.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flopcheck.core.frozen import frozen_dataclass

UNITS = frozenset(
    "B kB MB GB TB GiB MiB TiB FLOP FLOP/s TFLOP/s PF-days Wh kWh MWh GWh W kW g kg t kt CO2 s seconds second "
    "minutes minute hours hour days day years year GPU-hours GPU-hour tok/s tokens/s tokens params parameters "
    "GPUs GPU thousand million billion trillion".split()
)
"""Words that stay on the line of the number before them."""
CHAIN = frozenset("g kg t kt thousand million billion trillion".split())
"""Units that take one more unit after them: ``170 t CO2``, ``84.1 billion years``."""
_NUMBER = re.compile(r"^[(~≈<>$×]*[-+]?\d[\d,.]*(?:e-?\d+)?[kMBGTP%×]?$")
_PUNCTUATION = ",;:.)"


@frozen_dataclass
class Cell:
    """A table cell with a style (``bold``, ``green``, ``red``) that terminals show and Markdown drops."""

    text: str
    style: str | None = None


@frozen_dataclass
class Heading:
    """A heading: the question an answer is about, or a section's title."""

    text: str
    level: int = 2
    """1: the question an answer is about; 2: a section."""


@frozen_dataclass
class Prose:
    """A paragraph, wrapped to the width; ``lead`` is printed in bold before it (``Verdict: ``)."""

    text: str
    lead: str = ""


@frozen_dataclass
class Bullets:
    """A bullet list, one line of text per bullet."""

    lines: tuple[str, ...]


@frozen_dataclass
class Column:
    """A table column: its name and whether its cells may wrap."""

    name: str
    wrap: bool = False
    """Long text that may wrap onto more lines (at spaces, keeping numbers whole); every other column is
    printed on one line, so a number or a unit is never split."""


@dataclass
class Table:
    """A table: its columns and rows, filled in with ``add``."""

    columns: tuple[Column, ...]
    rows: list[tuple[str | Cell, ...]] = field(default_factory=list)

    def add(self, *cells: str | Cell) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)


@frozen_dataclass
class Blank:
    """An empty line."""

    pass


Block = Heading | Prose | Bullets | Table | Blank
Document = list[Block]


def table(*names: str, wrap: Iterable[str] = ()) -> Table:
    """A table with these column names; the ones in ``wrap`` may wrap (see ``Column.wrap``)."""
    wrapping = set(wrap)
    return Table(tuple(Column(name, name in wrapping) for name in names))


def bullets(lines: Sequence[str]) -> Bullets:
    return Bullets(tuple(lines))


def yes_no(ok: bool | None) -> Cell:
    return Cell("yes", "green") if ok else Cell("no", "red")


def bold(text: str) -> Cell:
    return Cell(text, "bold")


def text_of(cell: str | Cell) -> str:
    return cell.text if isinstance(cell, Cell) else cell


def _bare(word: str) -> str:
    return word.rstrip(_PUNCTUATION)


def chunks(text: str) -> list[str]:
    """``text`` cut into the pieces a line may break between: words, except that a number keeps its unit,
    an option keeps its value, and a unit like ``t`` or ``billion`` keeps the next unit."""
    words = text.split(" ")
    out: list[str] = []
    index = 0
    while index < len(words):
        piece = words[index]
        index += 1
        glue = _NUMBER.match(piece) is not None or (piece.startswith("--") and not piece.endswith(","))
        while glue and index < len(words):
            nxt = words[index]
            if piece.startswith("--") and " " not in piece:
                joined = not nxt.startswith("-") and nxt != ""
            else:
                joined = _bare(nxt) in UNITS
            if not joined:
                break
            piece = f"{piece} {nxt}"
            index += 1
            glue = _bare(nxt) in CHAIN
        out.append(piece)
    return out
