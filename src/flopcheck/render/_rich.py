"""Rich helpers shared by the renderers. Rich itself is imported only when something is printed."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text


def console() -> Console:
    """Rich writes plain text when stdout is not a terminal; NO_COLOR (https://no-color.org) turns off every
    ANSI code too, bold included, not only colour."""
    from rich.console import Console

    plain = bool(os.environ.get("NO_COLOR"))
    return Console(highlight=False, emoji=False, color_system=None if plain else "auto")


def emit(*renderables: Any) -> None:
    """Print through Rich. On a terminal, as is; into a pipe or file, plain text without the trailing spaces
    Rich pads table lines with."""
    out = console()
    if out.is_terminal:
        for renderable in renderables:
            out.print(renderable)
        return
    with out.capture() as captured:
        for renderable in renderables:
            out.print(renderable)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def table(*columns: str) -> Table:
    from rich import box
    from rich.table import Table

    result = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    for position, name in enumerate(columns):
        result.add_column(name, overflow="fold", no_wrap=position == 0)
    return result


def heading(text: str) -> Text:
    from rich.text import Text

    return Text(text, style="bold")


def plain(text: str) -> Text:
    """Literal text: brackets in catalog notes or names are not Rich markup."""
    from rich.text import Text

    return Text(text)


def bullets(lines: Iterable[str]) -> Table:
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for line in lines:
        grid.add_row("  •", plain(line))
    return grid


def yes_no(ok: bool | None) -> str:
    return "[green]yes[/green]" if ok else "[red]no[/red]"
