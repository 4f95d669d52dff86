"""What every catalog module shares without parsing anything: the lookup key of a name and a placed problem."""

from __future__ import annotations

import re

from flopcheck.core.frozen import frozen_dataclass

KINDS = ("gpus", "models", "runs")
"""The kinds of entry a catalog file holds, each under its own key."""


def normalize(name: str) -> str:
    """Lookup key: case-insensitive, ignoring ``-``, ``_`` and spaces (``RTX-4070 Ti`` = ``rtx4070ti``).
    Dots are kept: ``1.3b`` and ``13b`` are different models."""
    return re.sub(r"[-_\s]+", "", name.strip().lower())


@frozen_dataclass
class Problem:
    """One problem in a catalog file, placed at ``FILE:LINE: entry: field: message``."""

    file: str
    line: int | None
    entry: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where, self.entry, self.field, self.message]
        return ": ".join(part for part in parts if part)
