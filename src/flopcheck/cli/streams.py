"""The standard streams of one CLI run: any locale and encoding, a closed or broken stdout, a failing stderr.

- Output works whatever the stream's encoding: where it cannot encode a character, ``×``, ``·``, ``≈`` and the
  other symbols the tables use are written in ASCII spellings (``x``, ``*``, ``~``), anything else as ``?``.
- A failed write to stdout surfaces as ``StdoutFailed`` (not an ``OSError``, which Typer would swallow into an
  exit status of its own), raised where the command writes or where the run flushes its output.
- ``quiet`` points a failed stream's file descriptor at /dev/null, so the interpreter's final flush cannot print
  "Exception ignored" on its way out.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

ASCII_SPELLINGS = {
    "×": "x",
    "·": "*",
    "≈": "~",
    "•": "*",
    "−": "-",
    "–": "-",
    "—": "--",
    "─": "-",
    "━": "-",
    "│": "|",
    "≤": "<=",
    "≥": ">=",
    "→": "->",
    "…": "...",
    "²": "^2",
    "³": "^3",
    "µ": "u",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "\u00a0": " ",
}
"""ASCII spellings of the symbols flopcheck prints, for streams that cannot encode them."""
ERRORS = "flopcheck-ascii"


def _spell(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(ASCII_SPELLINGS.get(char, "?") for char in text), error.end


codecs.register_error(ERRORS, _spell)


def can_encode(stream: Any, text: str = "".join(ASCII_SPELLINGS)) -> bool:
    """Whether ``stream`` writes ``text`` as it is (False for an ASCII or Latin-1 terminal)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _fallback(stream: Any) -> None:
    if not can_encode(stream) and isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors=ERRORS)


class StdoutFailed(Exception):
    """Writing the answer failed: ``broken`` when the reader closed the pipe, else a write error (full disk,
    closed descriptor)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.broken = isinstance(error, BrokenPipeError) or error.errno in (errno.EPIPE, errno.ECONNRESET)


class _Closed(io.TextIOBase):
    """What stdout is when the process started without one (``>&-``)."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed")


class Guarded:
    """stdout for the run: the real stream, with every write error raised as ``StdoutFailed``."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream: Any = _Closed() if stream is None else stream

    def write(self, text: str) -> int:
        try:
            return int(self.stream.write(text))
        except OSError as exc:
            raise StdoutFailed(exc) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            raise StdoutFailed(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextmanager
def guarded() -> Iterator[Guarded]:
    """Run with a guarded stdout and encodable stdout/stderr; the real stdout is back in place afterwards."""
    real = sys.stdout
    for stream in (real, sys.stderr):
        if stream is not None:
            _fallback(stream)
    guard = Guarded(real)
    sys.stdout = guard
    try:
        yield guard
    finally:
        if sys.stdout is guard:
            sys.stdout = real


def quiet(stream: TextIO | None) -> None:
    """Send what is left of a failed stream to /dev/null, so that the exit flush stays silent."""
    if stream is None:
        return
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return  # not a real file (a test's capture): nothing is flushed at exit
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, descriptor)
        os.close(null)
    except OSError:
        pass


def write_error(line: str) -> None:
    """One line on stderr; a problem with stderr itself never changes the exit status."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(line)
        stream.flush()
    except (OSError, ValueError):
        quiet(stream)
