"""The one rendering layer: result objects and catalog entries to Rich tables or JSON. No arithmetic.

JSON is written with the standard library straight to stdout, never through Rich. Rich is imported only
when a table is printed; it writes no colour or ANSI codes when stdout is not a terminal or NO_COLOR is set.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from flopcheck.render.catalog import print_entry, print_gpus, print_models
from flopcheck.render.memory import print_memory
from flopcheck.render.optimal import print_optimal
from flopcheck.render.run import print_budget, print_fits, print_flops


def write_json(data: BaseModel | Sequence[dict[str, Any]] | dict[str, Any]) -> None:
    """One JSON document on stdout."""
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


__all__ = [
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
