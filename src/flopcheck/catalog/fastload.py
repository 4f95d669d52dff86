"""The packaged catalogs in a fast-loading form: ``packaged.json``, generated from ``data/*.yaml``.

The YAML files stay the source. ``packaged.json`` holds each file's parsed entries with the SHA-256 of the
YAML bytes they came from; a run uses them only while the hashes match the YAML it ships with, so an edited
catalog is never answered from a stale copy (it is read from the YAML instead, only slower). The form is
built by ``python -m flopcheck.catalog.fastload`` after every catalog edit, only from files that validate in
full, and ``tests/test_catalog_fastload.py`` fails while it is stale.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from flopcheck.catalog.names import KINDS

PATH = Path(__file__).with_name("packaged.json")


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@cache
def _document() -> Any:
    try:
        return json.loads(PATH.read_bytes())
    except (OSError, ValueError):
        return None


def entries(kind: str, raw: bytes) -> list[dict[str, Any]] | None:
    """The entries of ``{kind}.yaml`` whose bytes are ``raw``, if the fast form holds these very bytes."""
    try:
        section = _document()[kind]
        if section["sha256"] == digest(raw) and isinstance(section["entries"], list):
            found: list[dict[str, Any]] = section["entries"]
            return found
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def build(read: Any) -> str:
    """The fast form of the catalogs ``read(filename)`` returns the bytes of; a ValueError listing the
    problems if any file does not validate in full."""
    import yaml

    from flopcheck.catalog import files

    document: dict[str, Any] = {}
    problems: list[str] = []
    for kind in KINDS:
        raw = read(f"{kind}.yaml")
        text, found = files.decode(f"{kind}.yaml", raw)
        parsed = files.parse(f"{kind}.yaml", text, (kind,), packaged=True) if text is not None else None
        problems += [str(p) for p in found + (parsed.problems if parsed else [])]
        data = yaml.safe_load(raw)
        document[kind] = {"sha256": digest(raw), "entries": data[kind] if isinstance(data, dict) else []}
    if problems:
        raise ValueError("\n".join(problems))
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    from flopcheck.catalog.store import packaged_bytes

    PATH.write_text(build(packaged_bytes), encoding="utf-8")
    print(f"wrote {PATH}")
