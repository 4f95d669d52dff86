"""The catalogs in use: the packaged ones, with the user's catalog files merged over them by id.

The packaged catalogs ship inside the package (``flopcheck/data/*.yaml``, copied from the repository's
``data/``) and are read through ``importlib.resources`` on first use, never at import time. User files come
from ``--catalog FILE`` and ``FLOPCHECK_CATALOG`` (later files win). Every entry remembers where it came from.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from flopcheck.catalog import files as catalog_file
from flopcheck.catalog.entries import CatalogEntry, GpuSpec, ModelSpec, RunSpec
from flopcheck.catalog.files import Problem, normalize
from flopcheck.core.errors import CatalogError, NotFoundError

PACKAGED = "packaged"
EntryT = TypeVar("EntryT", bound=CatalogEntry)

_user_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unchecked:
    """A packaged entry not validated yet: the package's tests validate every one, so a run validates only
    the entries it looks up."""

    id: str
    aliases: tuple[str, ...]
    data: dict[str, Any]


class Index(Generic[EntryT]):
    """Entries of one kind, found by id or alias, each with its origin."""

    def __init__(self, kind: str, spec: type[EntryT], items: Sequence[tuple[EntryT | Unchecked, str]]) -> None:
        self.kind: str = kind
        self._spec = spec
        merged: dict[str, tuple[EntryT | Unchecked, str]] = {}
        for item, origin in items:
            merged[item.id] = (item, origin)  # a later file replaces an entry with the same id
        self._items = {key: item for key, (item, _) in merged.items()}
        self._origin = {key: origin for key, (_, origin) in merged.items()}
        self._by_key: dict[str, str] = {}
        for item in self._items.values():
            for name in (item.id, *item.aliases):
                other = self._by_key.setdefault(normalize(name), item.id)
                if other != item.id:
                    where = self._origin[item.id]
                    raise CatalogError(f"{where}: {item.id}: name {name!r} is already used by {other}")

    def _entry(self, entry_id: str) -> EntryT:
        item = self._items[entry_id]
        if isinstance(item, Unchecked):
            try:
                entry = self._spec.model_validate(item.data, context={"packaged": True})
            except ValidationError as exc:
                field, message = catalog_file.describe(exc.errors(include_url=False)[0], self._spec)
                where = ": ".join(part for part in (self.origin(entry_id), entry_id, field, message) if part)
                raise CatalogError(where) from None
            self._items[entry_id] = entry
            return entry
        return item

    @property
    def entries(self) -> tuple[EntryT, ...]:
        return tuple(self._entry(entry_id) for entry_id in self._items)

    def __iter__(self) -> Iterator[EntryT]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self._items)

    def origin(self, entry_id: str) -> str:
        return self._origin[entry_id]

    def find(self, name: str) -> EntryT | None:
        entry_id = self._by_key.get(normalize(name))
        return None if entry_id is None else self._entry(entry_id)

    def get(self, name: str) -> EntryT:
        """The entry called ``name``, or a NotFoundError with "did you mean" suggestions."""
        entry = self.find(name)
        if entry is None:
            raise NotFoundError(f"unknown {self.kind} {name!r}{self._suggest(name)}")
        return entry

    def _suggest(self, name: str) -> str:
        key = normalize(name)
        close = difflib.get_close_matches(key, list(self._by_key), n=6, cutoff=0.6)
        ids = list(dict.fromkeys(self._by_key[k] for k in close))[:3]
        if not ids:
            ids = [entry_id for entry_id in self._items if key and key in normalize(entry_id)][:3]
        hint = f"; did you mean {', '.join(ids)}?" if ids else ""
        return f"{hint} (list them with: flopcheck {self.kind}s)"


def read(path: str) -> catalog_file.Parsed:
    """Read and parse one user catalog file."""
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(catalog_file.MAX_CATALOG_BYTES + 1)
    except OSError as exc:
        parsed = catalog_file.Parsed()
        parsed.problems.append(Problem(path, None, None, None, f"cannot read ({exc.strerror or exc})"))
        return parsed
    return _parse(path, raw)


def _parse(
    filename: str, raw: bytes, allowed: tuple[str, ...] = tuple(catalog_file.KINDS), packaged: bool = False
) -> catalog_file.Parsed:
    text, problems = catalog_file.decode(filename, raw)
    if text is None:
        parsed = catalog_file.Parsed()
        parsed.problems += problems
        return parsed
    return catalog_file.parse(filename, text, allowed, packaged)


def _raise_first(parsed: catalog_file.Parsed) -> None:
    if parsed.problems:
        first, more = parsed.problems[0], len(parsed.problems) - 1
        tail = f" (and {more} more; see flopcheck validate)" if more else ""
        raise CatalogError(f"{first}{tail}")


def packaged_bytes(filename: str) -> bytes:
    try:
        return (resources.files("flopcheck") / "data" / filename).read_bytes()
    except OSError as exc:
        raise CatalogError(f"{filename}: cannot read the packaged catalog ({exc.strerror or exc})") from None


@cache
def _packaged(kind: str) -> tuple[Unchecked, ...]:
    """The packaged entries, parsed but not validated (see ``Unchecked``). Anything unexpected falls back to
    the full, line-numbered parse, so a broken packaged file still names its problem."""
    filename = f"{kind}.yaml"
    raw = packaged_bytes(filename)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(raw, Loader=loader)
        items = document[kind]
        return tuple(Unchecked(str(item["id"]), tuple(item.get("aliases") or ()), item) for item in items)
    except (yaml.YAMLError, TypeError, KeyError, AttributeError):
        _raise_first(_parse(filename, raw, (kind,), packaged=True))
        raise CatalogError(f"{filename}: not a catalog of {kind}") from None


SPECS: dict[str, type[Any]] = {"gpus": GpuSpec, "models": ModelSpec, "runs": RunSpec}


@cache
def _index(kind: str, files: tuple[str, ...]) -> Index[Any]:
    items: list[tuple[Any, str]] = [(item, PACKAGED) for item in _packaged(kind)]
    for path in files:
        parsed = read(path)
        _raise_first(parsed)
        items += [(entry, path) for entry in parsed.entries[kind]]
    return Index(kind[:-1], SPECS[kind], items)


def use_files(paths: Sequence[str]) -> None:
    """Merge these user catalog files over the packaged catalogs (later wins), for this process."""
    global _user_files
    _user_files = tuple(paths)


def gpus() -> Index[GpuSpec]:
    """The accelerators in use, loaded and validated once per process."""
    return _index("gpus", _user_files)


def models() -> Index[ModelSpec]:
    """The language models in use, loaded and validated once per process."""
    return _index("models", _user_files)


def runs() -> Index[RunSpec]:
    """The published training runs in use."""
    return _index("runs", _user_files)


def validate(paths: Sequence[str]) -> list[Problem]:
    """Every problem in these catalog files, alone and merged over the packaged catalogs."""
    problems: list[Problem] = []
    for path in paths:
        problems += read(path).problems
    if not problems:
        for kind in catalog_file.KINDS:
            try:
                _index(kind, tuple(paths))
            except CatalogError as exc:
                problems.append(Problem("", None, None, None, str(exc)))
    return problems


def as_record(entry: BaseModel, origin: str | None = None) -> dict[str, Any]:
    """An entry as JSON-ready data, with absent figures left out, and its origin when not packaged."""
    record = entry.model_dump(mode="json", exclude_none=True)
    return record if origin is None else {**record, "origin": origin}
