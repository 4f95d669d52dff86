"""The user's defaults file: option names mapped to values, filled in where the command line leaves an
option out.

Where: ``$FLOPCHECK_CONFIG`` if set, else ``$XDG_CONFIG_HOME/flopcheck/config.yaml``, else
``~/.config/flopcheck/config.yaml``. ``--no-config`` (anywhere on the line) ignores it. It is read with the
safe YAML loader and never written. Keys are option names (``gpu``, ``price``, ``electricity_price`` or
``electricity-price``); a command uses the keys it takes and ignores the rest. A flag on the command line
wins over the file, and over the file's other options of the same group (``--days`` drops the file's
``years``; ``--gpu-flops`` drops its ``gpu``). A bad file is one line naming the file and the key.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

from flopcheck.api.options import COMMANDS, RunOptions
from flopcheck.core.errors import InputError

MAX_BYTES = 100_000
GROUPS = (
    ("gpu", "gpu_flops", "gpu_memory"),
    ("years", "days", "hours"),
    ("mfu", "mfu_from", "tokens_per_second"),
    ("tokens", "tokens_per_param", "chinchilla"),
    ("law", "ratio"),
    ("finetune", "lora_rank", "lora_targets"),
    ("layers", "hidden", "heads", "vocab"),
)
"""Options that go together: given on the command line, one of them drops all of its group from the file."""

_disabled = False
_cache: dict[str, tuple[str, dict[str, Any]]] = {}


def disable(off: bool) -> None:
    """``--no-config``: ignore the file for this process."""
    global _disabled
    _disabled = off


def path() -> Path:
    explicit = os.environ.get("FLOPCHECK_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "flopcheck" / "config.yaml"


def _shown(where: Path) -> str:
    home = str(Path.home())
    text = str(where)
    return "~" + text[len(home) :] if home not in ("", "/") and text.startswith(home + os.sep) else text


def load() -> tuple[str, dict[str, Any]]:
    """The file's name as printed and its options by snake_case name ({} when there is no file)."""
    where = path()
    key = str(where)
    if key in _cache:
        return _cache[key]
    shown = _shown(where)
    try:
        with where.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return _cache.setdefault(key, (shown, {}))
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({exc.strerror or exc})") from None
    _cache[key] = (shown, _parse(shown, raw))
    return _cache[key]


def _parse(shown: str, raw: bytes) -> dict[str, Any]:
    import yaml

    if len(raw) > MAX_BYTES:
        raise InputError(f"{shown}: larger than {MAX_BYTES:,} bytes; a defaults file is a few lines")
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except UnicodeDecodeError:
        raise InputError(f"{shown}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = "" if mark is None else f":{mark.line + 1}"
        raise InputError(f"{shown}{line}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{shown}: expected a mapping of option names to values (gpu: rtx4090)")
    known = {name for names in COMMANDS.values() for name in names}
    options: dict[str, Any] = {}
    for name, value in data.items():
        key = str(name).removeprefix("--").replace("-", "_")
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise InputError(f"{shown}: {name}: not an option of flopcheck{hint}")
        if value is None or isinstance(value, (list, dict)):
            raise InputError(f"{shown}: {name}: expected one value (a name, a number or true/false)")
        options[key] = value
    return options


def fill(command: str, given: RunOptions) -> tuple[RunOptions, tuple[str, ...]]:
    """``given`` with the file's options that ``command`` takes filled in, each checked by the API's own
    parsing; and the note saying which were used (empty when none)."""
    if _disabled:
        return given, ()
    shown, options = load()
    taken = COMMANDS[command]
    blocked = {name for group in GROUPS if any(g in given for g in group) for name in group}
    used = {k: v for k, v in options.items() if k in taken and k not in given and k not in blocked}
    if not used:
        return given, ()
    from flopcheck.api import inputs

    for name, value in used.items():
        try:
            inputs.check_option(name, value)
        except InputError as exc:
            raise InputError(f"{shown}: {name}: {exc}") from None
    listed = ", ".join(f"{k} {v}" for k, v in used.items())
    note = f"Defaults from {shown} (--no-config ignores them): {listed}"
    return {**used, **given}, (note,)  # type: ignore[typeddict-item]
