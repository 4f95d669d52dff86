"""The one rendering layer: result objects and catalog entries to Rich tables or JSON. No arithmetic.

JSON is written with the standard library straight to stdout, never through Rich. Rich is imported only
when a table is printed; it writes no colour or ANSI codes when stdout is not a terminal or NO_COLOR is set.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from flopcheck.render import flat
from flopcheck.render.accuracy import print_accuracy
from flopcheck.render.catalog import print_entry, print_gpus, print_models
from flopcheck.render.compare import print_compare, print_matrix
from flopcheck.render.memory import print_memory
from flopcheck.render.optimal import print_optimal
from flopcheck.render.run import print_budget, print_fits, print_flops
from flopcheck.render.runs import print_calibration, print_runs

PRINTERS: dict[str, Callable[[Any], None]] = {
    "fits": print_fits,
    "budget": print_budget,
    "flops": print_flops,
    "memory": print_memory,
    "optimal": print_optimal,
    "compare": print_compare,
    "matrix": print_matrix,
    "runs": print_runs,
    "calibrate": print_calibration,
}


def output(kind: str, result: Any, fmt: str) -> None:
    """Print ``result`` of command ``kind`` as a table, JSON, CSV or Markdown."""
    if fmt == "json" and kind == "accuracy":
        write_json({r.kind: r.model_dump(mode="json") for r in result})
    elif fmt == "json":
        # compare's JSON is its list of rows (one object per GPU), which scripts iterate over
        write_json([row.model_dump(mode="json") for row in result.rows] if kind == "compare" else result)
    elif fmt == "table":
        PRINTERS[kind](result)
    else:
        columns, body = flat.rows(kind, result)
        (flat.write_csv if fmt == "csv" else flat.write_markdown)(columns, body)


def output_records(kind: str, records: Sequence[dict[str, Any]], fmt: str) -> None:
    """Catalog entries (``gpus``, ``models``) or ``validate`` problems as JSON, CSV or Markdown."""
    if fmt == "json":
        write_json(records)
    else:
        columns, body = flat.rows(kind, records)
        (flat.write_csv if fmt == "csv" else flat.write_markdown)(columns, body)


def write_json(data: BaseModel | Sequence[dict[str, Any]] | dict[str, Any]) -> None:
    """One JSON document on stdout."""
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


__all__ = [
    "output",
    "output_records",
    "print_accuracy",
    "print_budget",
    "print_entry",
    "print_fits",
    "print_flops",
    "print_gpus",
    "print_memory",
    "print_models",
    "print_optimal",
    "write_json",
]
