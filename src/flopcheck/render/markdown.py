"""Documents as Markdown, ready to paste into a pull request or an issue: the same headings, tables and
lists the terminal shows, with GitHub-flavoured pipe tables. No arithmetic."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from flopcheck.render.document import Blank, Block, Bullets, Heading, Prose, Table, text_of


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _cell(text: str) -> str:
    return _escape(text).replace("\n", "<br>") or " "


def _table(block: Table) -> list[str]:
    header = "| " + " | ".join(_cell(c.name) for c in block.columns) + " |"
    rule = "|" + "|".join(" --- " for _ in block.columns) + "|"
    rows = ["| " + " | ".join(_cell(text_of(cell)) for cell in row) + " |" for row in block.rows]
    return [header, rule, *rows]


def lines(blocks: Iterable[Block]) -> list[str]:
    """The document as Markdown lines; blocks are separated by one blank line."""
    out: list[str] = []

    def start() -> None:
        if out and out[-1] != "":
            out.append("")

    for block in blocks:
        if isinstance(block, Blank):
            continue
        start()
        if isinstance(block, Heading):
            out.append(
                ("### " if block.level == 1 else "**") + _escape(block.text) + ("" if block.level == 1 else "**")
            )
        elif isinstance(block, Prose):
            out.append((f"**{_escape(block.lead.strip())}** " if block.lead else "") + _escape(block.text))
        elif isinstance(block, Bullets):
            out += [f"- {_escape(line)}" for line in block.lines]
        elif isinstance(block, Table):
            out += _table(block)
    return out


def emit(blocks: Iterable[Block]) -> None:
    sys.stdout.write("\n".join(lines(blocks)) + "\n")
