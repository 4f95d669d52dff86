"""The one rendering layer: result objects and catalog entries to text tables, Markdown, CSV or JSON. No
arithmetic.

Tables and Markdown are made from the same document (``document``): a compact answer by default, every
assumption with its source with ``explain``. CSV is flat (``flat``). JSON is written with the standard
library straight to stdout, never through Rich, and imports none of the table modules. Rich is imported only
when a table is printed; it writes no colour or ANSI codes when stdout is not a terminal or NO_COLOR is set.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from flopcheck.render.document import Document

DOCUMENTS: dict[str, tuple[str, str]] = {
    "fits": ("run", "fits_document"),
    "budget": ("run", "budget_document"),
    "flops": ("run", "flops_document"),
    "memory": ("memory", "memory_document"),
    "optimal": ("optimal", "optimal_document"),
    "compare": ("compare", "compare_document"),
    "matrix": ("compare", "matrix_document"),
    "runs": ("runs", "runs_document"),
    "calibrate": ("runs", "calibration_document"),
    "layout": ("layout", "layout_document"),
}
"""Each command's document builder, imported only when a table or Markdown is printed (JSON needs none)."""


def builder(kind: str) -> Callable[[Any, bool], Document]:
    import importlib

    module, name = DOCUMENTS[kind]
    found: Callable[[Any, bool], Document] = getattr(importlib.import_module(f"flopcheck.render.{module}"), name)
    return found


def show(doc: Document, fmt: str) -> None:
    """Print a document as terminal text (``table``) or Markdown."""
    if fmt == "markdown":
        from flopcheck.render import markdown

        markdown.emit(doc)
    else:
        from flopcheck.render import plain

        if plain.applies(doc):
            try:
                plain.emit(doc)
                return
            except plain.RichOnly:
                pass
        from flopcheck.render import _rich

        _rich.emit(doc)


def output(kind: str, result: Any, fmt: str, explain: bool = False, notes: Sequence[str] = ()) -> None:
    """Print ``result`` of command ``kind`` as a table, JSON, CSV or Markdown; ``notes`` (where the defaults
    came from) close the table and Markdown forms."""
    if fmt == "json" and kind == "accuracy":
        write_json({r.kind: r.model_dump(mode="json") for r in result})
    elif fmt == "json":
        write_json(result)
    elif fmt == "csv":
        from flopcheck.render import flat

        if kind == "layout":
            from flopcheck.render.layout import flat_rows as layout_rows

            flat.write_csv(*layout_rows(result))
        else:
            flat.write_csv(*flat.rows(kind, result))
    else:
        from flopcheck.render.document import Blank, Prose

        doc = builder(kind)(result, explain)
        if notes:
            doc += [Blank(), *(Prose(note) for note in notes)]
        show(doc, fmt)


def output_records(kind: str, records: Sequence[dict[str, Any]], fmt: str) -> None:
    """Catalog entries (``gpus``, ``models``) or ``validate`` problems as JSON, CSV or Markdown."""
    from flopcheck.render import flat

    if fmt == "json":
        write_json(records)
    elif fmt == "csv":
        flat.write_csv(*flat.rows(kind, records))
    else:
        from flopcheck.render.document import table

        columns, body = flat.rows(kind, records)
        rows = table(*columns, wrap=columns)
        for row in body:
            rows.add(*("" if v is None else str(v) for v in row))
        show([rows], fmt)


def write_json(data: BaseModel | Sequence[dict[str, Any]] | dict[str, Any]) -> None:
    """One JSON document on stdout; with ``\\u`` escapes where the stream cannot encode a character (an ASCII
    locale), so the document stays exact."""
    payload = data.model_dump(mode="json") if hasattr(data, "model_dump") else data
    text = json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False)
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(payload, indent=2, ensure_ascii=True, allow_nan=False)
    sys.stdout.write(text + "\n")


__all__ = [
    "output",
    "output_records",
    "show",
    "write_json",
]
