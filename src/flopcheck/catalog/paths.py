"""Reading a user's file (a catalog or a config.json): bounded, regular files only, errors naming the path.

The file is opened without blocking and checked with ``fstat`` before a byte is read, so a FIFO, a device or a
directory is refused instead of hanging, and at most ``limit + 1`` bytes are read whatever the file's size.
"""

from __future__ import annotations

import os
import stat

from flopcheck.core.errors import InputError, printable


class FileRefused(InputError):
    """A file that cannot be used, with its path and the reason apart (``PATH: reason``)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{printable(path)}: {reason}")
        self.path = path
        self.reason = reason


def read_bounded(path: str, limit: int) -> bytes:
    """The bytes of the regular file at ``path``; an InputError ``PATH: why`` when it cannot be read, is not a
    regular file or is larger than ``limit`` bytes."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise FileRefused(path, f"cannot read ({_reason(exc)})") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(path, "not a regular file")
        if info.st_size > limit:
            raise FileRefused(path, f"larger than {limit:,} bytes")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise FileRefused(path, f"cannot read ({_reason(exc)})") from None
    finally:
        os.close(descriptor)
    if len(raw) > limit:
        raise FileRefused(path, f"larger than {limit:,} bytes")
    return raw


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
