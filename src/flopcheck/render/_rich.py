"""Documents printed through Rich: on a terminal, and wherever ``plain`` does not apply. Rich itself is
imported only when something is printed. Widths and wrapping are ``plain``'s, so both print the same layout.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flopcheck.render import plain
from flopcheck.render.document import Blank, Block, Bullets, Cell, Heading, Prose, Table, chunks

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.measure import Measurement


def console() -> Console:
    """Rich writes plain text when stdout is not a terminal; NO_COLOR (https://no-color.org) turns off every
    ANSI code too, bold included, not only colour."""
    from rich.console import Console

    plain_text = bool(os.environ.get("NO_COLOR"))
    out = Console(highlight=False, emoji=False, color_system=None if plain_text else "auto")
    if not out.is_terminal:
        width = plain.columns_env() or plain.UNLIMITED
        out = Console(highlight=False, emoji=False, color_system=None, width=width, force_terminal=False)
    return out


class _Prose:
    """A Rich renderable: text wrapped with ``wrap``, measured by its longest unbreakable piece."""

    def __init__(self, text: str, style: str = "", lead: str = "") -> None:
        self.text, self.style, self.lead = text, style, lead

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.cells import cell_len
        from rich.measure import Measurement

        full = self.lead + self.text
        pieces = [cell_len(p) for p in chunks(full.replace("\n", " "))] or [0]
        longest = max(cell_len(line) for line in full.split("\n"))
        return Measurement(min(max(pieces), options.max_width), min(longest, options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        lines = plain.wrap(self.lead + self.text, max(1, options.max_width))
        text = Text("\n".join(lines), style=self.style, no_wrap=True, overflow="ignore")
        if self.lead:
            text.stylize("bold", 0, len(self.lead))
        yield text


def _table(block: Table, available: int) -> tuple[Any, int]:
    """The Rich table laid out for ``available`` columns, and its width (wider only where a cell cannot be
    narrowed without cutting a number)."""
    from rich import box
    from rich.table import Table as RichTable

    result = RichTable(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    widths = plain.widths(block, available)
    for column, width in zip(block.columns, widths, strict=True):
        result.add_column(_Prose(column.name), width=width, no_wrap=not column.wrap, overflow="ignore")
    for row in block.rows:
        cells = []
        for column, cell in zip(block.columns, row, strict=True):
            text, style = (cell.text, cell.style or "") if isinstance(cell, Cell) else (cell, "")
            cells.append(_Prose(text, style) if column.wrap else _line(text, style))
        result.add_row(*cells)
    return result, sum(widths) + 2 * (len(widths) - 1)


def _line(text: str, style: str) -> Any:
    from rich.text import Text

    return Text(text, style=style, no_wrap=True, overflow="ignore")


def _bullets(block: Bullets) -> Any:
    from rich.table import Table as RichTable

    grid = RichTable.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for line in block.lines:
        grid.add_row("  •", _Prose(line))
    return grid


def _renderable(block: Block, available: int) -> tuple[Any, int]:
    """The Rich renderable of a block, and the width it needs (0: it wraps to any width)."""
    if isinstance(block, Heading):
        return _Prose(block.text, style="bold"), 0
    if isinstance(block, Prose):
        return _Prose(block.text, lead=block.lead), 0
    if isinstance(block, Bullets):
        return _bullets(block), 0
    if isinstance(block, Table):
        return _table(block, available)
    assert isinstance(block, Blank)
    return "", 0


def _print(out: Console, renderables: list[tuple[Any, int]]) -> None:
    width = out.width
    for renderable, needed in renderables:
        out.width = max(width, needed)
        out.print(renderable)
    out.width = width


def emit(blocks: Iterable[Block]) -> None:
    """Print a document. On a terminal, as is; into a pipe or file, plain text without the trailing spaces
    Rich pads table lines with."""
    out = console()
    renderables = [_renderable(block, out.width) for block in blocks]
    if out.is_terminal:
        _print(out, renderables)
        return
    with out.capture() as captured:
        _print(out, renderables)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
