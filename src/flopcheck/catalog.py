"""Reading the packaged catalogs and looking entries up by id or alias.

The catalogs ship inside the package (``flopcheck/data/*.yaml``, copied from the repository's ``data/``)
and are read through ``importlib.resources`` on first use, never at import time. YAML is parsed with the
safe loader, so nothing in a catalog is executed. Every problem becomes one ``CatalogError`` naming the
file, the entry and the field.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from flopcheck.errors import CatalogError, NotFoundError
from flopcheck.specs import CatalogEntry, GpuSpec, ModelSpec

MAX_CATALOG_BYTES = 5_000_000

EntryT = TypeVar("EntryT", bound=CatalogEntry)

_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def normalize(name: str) -> str:
    """Lookup key: case-insensitive, ignoring ``-``, ``_`` and spaces (``RTX-4070 Ti`` = ``rtx4070ti``).
    Dots are kept: ``1.3b`` and ``13b`` are different models."""
    return re.sub(r"[-_\s]+", "", name.strip().lower())


class Index(Generic[EntryT]):
    """Entries of one catalog, found by id or alias."""

    def __init__(self, kind: str, entries: tuple[EntryT, ...]) -> None:
        self.kind: str = kind
        self.entries: tuple[EntryT, ...] = entries
        self._by_key: dict[str, EntryT] = {}
        for entry in entries:
            for name in (entry.id, *entry.aliases):
                key = normalize(name)
                other = self._by_key.get(key)
                if other is not None and other is not entry:
                    raise CatalogError(f"{kind}s.yaml: {entry.id}: name {name!r} is already used by {other.id}")
                self._by_key[key] = entry

    def __iter__(self) -> Iterator[EntryT]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, name: str) -> EntryT | None:
        return self._by_key.get(normalize(name))

    def get(self, name: str) -> EntryT:
        """The entry called ``name``, or a NotFoundError with "did you mean" suggestions."""
        entry = self.find(name)
        if entry is None:
            raise NotFoundError(f"unknown {self.kind} {name!r}{self._suggest(name)}")
        return entry

    def _suggest(self, name: str) -> str:
        key = normalize(name)
        close = difflib.get_close_matches(key, list(self._by_key), n=6, cutoff=0.6)
        ids = list(dict.fromkeys(self._by_key[k].id for k in close))[:3]
        if not ids:
            ids = [e.id for e in self.entries if key and key in normalize(e.id)][:3]
        hint = f"; did you mean {', '.join(ids)}?" if ids else ""
        return f"{hint} (list them with: flopcheck {self.kind}s)"


def _read_packaged(filename: str) -> str:
    resource = resources.files("flopcheck") / "data" / filename
    try:
        raw = resource.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{filename}: cannot read the packaged catalog ({exc.strerror or exc})") from None
    return decode_catalog(filename, raw)


def decode_catalog(filename: str, raw: bytes) -> str:
    if len(raw) > MAX_CATALOG_BYTES:
        raise CatalogError(f"{filename}: file is larger than {MAX_CATALOG_BYTES:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{filename}: not UTF-8 text (byte {exc.start})") from None


def parse_catalog(filename: str, text: str, key: str, spec: type[EntryT]) -> tuple[EntryT, ...]:
    """Parse and validate catalog text: a mapping with one key (``gpus`` or ``models``) holding a list."""
    try:
        document = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CatalogError(f"{filename}{where}: invalid YAML: {problem}") from None
    if not isinstance(document, Mapping) or not isinstance(document.get(key), list):
        raise CatalogError(f"{filename}: expected a mapping with a list under {key!r}")
    extra = sorted(str(k) for k in document if k != key)
    if extra:
        raise CatalogError(f"{filename}: unknown top-level key {extra[0]!r}")
    return tuple(_validate_entry(filename, position, raw, spec) for position, raw in enumerate(document[key]))


def _validate_entry(filename: str, position: int, raw: Any, spec: type[EntryT]) -> EntryT:
    label = raw.get("id") if isinstance(raw, Mapping) else None
    where = f"{filename}: {label}" if isinstance(label, str) and label else f"{filename}: entry #{position + 1}"
    try:
        return spec.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(f"{where}: {_first_problem(exc)}") from None


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    field = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{field}: {message}{more}" if field else f"{message}{more}"


def _load(kind: str, spec: type[EntryT]) -> Index[EntryT]:
    filename = f"{kind}s.yaml"
    entries = parse_catalog(filename, _read_packaged(filename), f"{kind}s", spec)
    return Index(kind, entries)


@cache
def gpus() -> Index[GpuSpec]:
    """The packaged accelerator catalog, loaded and validated once per process."""
    return _load("gpu", GpuSpec)


@cache
def models() -> Index[ModelSpec]:
    """The packaged language-model catalog, loaded and validated once per process."""
    return _load("model", ModelSpec)


def as_record(entry: BaseModel) -> dict[str, Any]:
    """An entry as JSON-ready data, with absent figures left out."""
    return entry.model_dump(mode="json", exclude_none=True)
