"""Documents as plain text for a pipe or a file, laid out as Rich lays them out there, without importing Rich
(which takes longer than answering a question): ``_rich`` prints to terminals and anything unusual.

Both use the widths and the wrapping defined here. Widths: a terminal's own width; anything else the width in
``COLUMNS`` if set, else each table at its full width and prose unwrapped. Columns that are not marked to wrap
are never wrapped or cut, so a number or a unit is never split: when such a table is wider than the terminal,
it is printed at its own width rather than cut to the terminal's. The layout is Rich's for these documents:
a table's header over a rule, columns two spaces apart (its ``SIMPLE_HEAD`` box, no edge, collapsed padding),
the header's cells aligned to their last line, others to their first; a bullet's lines hang under its text;
trailing spaces removed.
"""

from __future__ import annotations

import builtins
import os
import sys
from collections.abc import Iterable, Sequence

from flopcheck.render.document import Blank, Block, Bullets, Cell, Heading, Prose, Table, chunks, text_of

UNLIMITED = 100_000
"""The width of output that is not a terminal when COLUMNS is not set: nothing wraps."""
BULLET = "  •"
MIN_WIDTH = 8
"""Narrower than this, the bullets' layout is Rich's own (it narrows every column): ``_rich`` prints."""
_RICH_STRIPS = str.maketrans(dict.fromkeys((7, 8, 11, 12, 13)))
"""The control codes Rich's ``Text`` removes (``rich.control.strip_control_codes``)."""


NARROW = frozenset(map(chr, range(0x20, 0x7F))).union("×·≈•−–—─━│≤≥→…²³µ‘’“”\u00a0")
"""Characters one cell wide in Rich's tables of character widths (tests/test_render_plain.py checks): text made
of these alone is measured without loading the tables."""


def _cell_len(text: str) -> int:
    """The terminal width of ``text`` as Rich counts it."""
    if NARROW.issuperset(text):  # one cell in every Unicode version's table
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def columns_env() -> int | None:
    value = os.environ.get("COLUMNS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def wrap(text: str, full: int) -> list[str]:
    """Greedy wrapping at the breaks ``chunks`` allows; a piece longer than the width is folded."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        indent = " " * (len(paragraph) - len(paragraph.lstrip(" ")))
        start = len(lines)
        width = max(1, full - len(indent))
        line = ""
        for piece in chunks(paragraph.lstrip(" ")):
            candidate = piece if not line else f"{line} {piece}"
            if _cell_len(candidate) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = piece
            while _cell_len(line) > width:  # fold by terminal cells: a wide character takes two
                cut = max(1, next((i for i in range(len(line), 0, -1) if _cell_len(line[:i]) <= width), 1))
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
        lines[start:] = [indent + piece for piece in lines[start:]]
    return lines


def longest_piece(text: str) -> int:
    return max((_cell_len(piece) for piece in chunks(text.replace("\n", " "))), default=0)


def widths(block: Table, available: int) -> list[int]:
    """Column widths: each column's widest cell, then the wrapping columns narrowed, widest first, until the
    table fits ``available`` or each is down to its longest unbreakable piece. Other columns never narrow."""
    found, minimums = [], []
    for position, column in enumerate(block.columns):
        texts = [column.name, *(text_of(row[position]) for row in block.rows)]
        found.append(max(_cell_len(line) for text in texts for line in text.split("\n")))
        minimums.append(max(longest_piece(t) for t in texts) if column.wrap else found[-1])
    excess = sum(found) + 2 * (len(found) - 1) - available
    while excess > 0:
        slack = [(w, i) for i, (w, m) in enumerate(zip(found, minimums, strict=True)) if w > m]
        if not slack:
            break
        _, widest = max(slack)
        found[widest] -= 1
        excess -= 1
    return [max(1, w) for w in found]


def applies(blocks: Sequence[Block]) -> bool:
    """Whether these blocks go to a pipe or a file and hold nothing whose layout only Rich knows: not a
    terminal (nor a console Rich is told to treat as one: TTY_COMPATIBLE, FORCE_COLOR, Jupyter, IDLE), a
    stream that encodes box characters (else Rich's ASCII box), no tab (Rich expands tabs), a width where
    bullets hang as described."""
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ or hasattr(builtins, "get_ipython"):
        return False
    if getattr(sys.stdin, "__module__", "").startswith("idlelib"):
        return False
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        if isatty is None or isatty():
            return False
    except ValueError:
        pass
    encoding = (getattr(sys.stdout, "encoding", "utf-8") or "utf-8").lower()
    return (
        encoding.startswith("utf")
        and (columns_env() or UNLIMITED) >= MIN_WIDTH
        and not any("\t" in text for text in _texts(blocks))
    )


def _texts(blocks: Iterable[Block]) -> Iterable[str]:
    for block in blocks:
        if isinstance(block, Table):
            yield from (column.name for column in block.columns)
            yield from (text_of(cell) for row in block.rows for cell in row)
        elif isinstance(block, Bullets):
            yield from block.lines
        elif isinstance(block, Prose):
            yield block.lead + block.text
        elif isinstance(block, Heading):
            yield block.text


class RichOnly(Exception):
    """A line wider than its room (a wide character folded): Rich crops it, by rules of its own."""


def _fitted(lines: list[str], width: int) -> list[str]:
    if any(_cell_len(line) > width for line in lines):
        raise RichOnly
    return lines


def _padded(line: str, width: int) -> str:
    return line + " " * (width - _cell_len(line))


def _table(block: Table, available: int) -> list[str]:
    sizes = widths(block, available)
    last = len(sizes) - 1
    outer = [size + (1 if i < last else 0) for i, size in enumerate(sizes)]  # a right padding but the last's

    def row(cells: Sequence[list[str]], bottom: bool) -> list[str]:
        height = max(len(lines) for lines in cells)
        shaped = [
            [""] * (height - len(lines)) + lines if bottom else lines + [""] * (height - len(lines)) for lines in cells
        ]
        return [
            " ".join(_padded(lines[i], size) for lines, size in zip(shaped, outer, strict=True)) for i in range(height)
        ]

    header = [_fitted(wrap(column.name, size), size) for column, size in zip(block.columns, sizes, strict=True)]
    out = row(header, bottom=True)
    out.append("─" * (sum(outer) + last))
    for cells in block.rows:
        rendered = []
        for column, cell, size in zip(block.columns, cells, sizes, strict=True):
            text = cell.text if isinstance(cell, Cell) else cell
            rendered.append(_fitted(wrap(text, size), size) if column.wrap else text.split("\n"))
        out += row(rendered, bottom=False)
    return out


def _bullets(block: Bullets, available: int) -> list[str]:
    width = min(max((_cell_len(line) for text in block.lines for line in text.split("\n")), default=0), available - 4)
    out: list[str] = []
    for text in block.lines:
        lines = _fitted(wrap(text, max(1, width)), max(1, width))
        out += [f"{BULLET if i == 0 else '   '} {line}" for i, line in enumerate(lines)]
    return out


def lines(blocks: Iterable[Block], width: int) -> list[str]:
    """The document's lines at ``width``, before trailing spaces are removed."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out += _fitted(wrap(block.text, width), width)
        elif isinstance(block, Prose):
            out += _fitted(wrap(block.lead + block.text, width), width)
        elif isinstance(block, Bullets):
            out += _bullets(block, width)
        elif isinstance(block, Table):
            out += _table(block, width)
        else:
            assert isinstance(block, Blank)
            out.append("")
    return out


def emit(blocks: Iterable[Block]) -> None:
    """Print a document into a pipe or a file (see ``applies``); ``RichOnly`` before anything is printed if a
    line needs Rich's cropping."""
    text = "".join(line + "\n" for line in lines(blocks, columns_env() or UNLIMITED)).translate(_RICH_STRIPS)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in text.splitlines()))
