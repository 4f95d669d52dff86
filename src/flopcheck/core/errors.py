"""The errors flopcheck reports to its user, each with the exit status it means.

The CLI turns any of these into one line on stderr and the exit status; nothing else reaches the user as
a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import re
from enum import IntEnum


class ExitStatus(IntEnum):
    """Exit statuses. 0: the answer is yes / the command succeeded; 1: the plan does not fit or a gate
    failed; 2: bad input (arguments, names, numbers or catalog files)."""

    OK = 0
    NO = 1
    BAD_INPUT = 2


class FlopcheckError(Exception):
    """Base of every error shown to the user as one line."""

    exit_status = ExitStatus.BAD_INPUT


class InputError(FlopcheckError):
    """A value the user typed cannot be used: unparsable, out of range, or contradictory."""


class NotFoundError(InputError):
    """An unknown catalog id; the message carries "did you mean" suggestions."""


class CatalogError(FlopcheckError):
    """A catalog file is malformed; the message names the file, the entry and the field."""


_UNPRINTABLE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
"""Compiled on first use (``re`` keeps it): most answers print nothing that needs it."""


def printable(text: str) -> str:
    """``text`` safe to print on one line: control characters (ESC, NUL, newlines, C1 codes), line separators
    and bidirectional overrides as escapes (``\\x1b``, ``\\n``, ``\\u202e``), so that a crafted catalog, config
    or path can neither move the cursor nor split a message over lines."""
    return re.sub(_UNPRINTABLE, _escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
