"""The catalogs in use: the packaged ones, with the user's catalog files merged over them by id.

The packaged catalogs ship inside the package (``flopcheck/data/*.yaml``, copied from the repository's
``data/``) and are read through ``importlib.resources`` on first use, never at import time. User files come
from ``--catalog FILE`` and ``FLOPCHECK_CATALOG`` (later files win). Every entry remembers where it came from.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from flopcheck.catalog import construct, fastload
from flopcheck.catalog.entries import CatalogEntry, GpuSpec, ModelSpec, RunSpec
from flopcheck.catalog.names import KINDS, Problem, normalize
from flopcheck.core.errors import CatalogError, NotFoundError, printable
from flopcheck.core.frozen import frozen_dataclass

if TYPE_CHECKING:
    from flopcheck.catalog import files as catalog_file

PACKAGED = "packaged"
EntryT = TypeVar("EntryT", bound=CatalogEntry)

_user_files: tuple[str, ...] = ()


@frozen_dataclass
class Unchecked:
    """A packaged entry not validated yet: the package's tests validate every one, so a run validates only
    the entries it looks up. ``trusted``: from the fast form, which holds only files that validated in full,
    so it is built without validating again (``construct``)."""

    id: str
    aliases: tuple[str, ...]
    data: dict[str, Any]
    trusted: bool = False


class Index(Generic[EntryT]):
    """Entries of one kind, found by id or alias, each with its origin."""

    def __init__(self, kind: str, spec: type[EntryT], items: Sequence[tuple[EntryT | Unchecked, str]]) -> None:
        self.kind: str = kind
        self._spec = spec
        merged: dict[str, tuple[EntryT | Unchecked, str]] = {}
        names: dict[str, list[str]] = {}
        self.replaced: list[str] = []
        """One note per entry a user file replaced: ``FILE: replaces the packaged gpu h100-sxm``."""
        for item, origin in items:
            if item.id in merged:  # a later file replaces an entry with exactly the same id
                self.replaced.append(f"{origin}: replaces the {_described(merged[item.id][1])} {kind} {item.id}")
            merged[item.id] = (item, origin)
            names.setdefault(item.id, []).extend((item.id, *item.aliases))
        self._items = {key: item for key, (item, _) in merged.items()}
        self._origin = {key: origin for key, (_, origin) in merged.items()}
        self._by_key: dict[str, str] = {}
        for entry_id, own in names.items():  # the replaced entry's names still lead to its id
            for name in own:
                other = self._by_key.setdefault(normalize(name), entry_id)
                if other != entry_id:
                    where = self._origin[entry_id]
                    raise CatalogError(f"{where}: {entry_id}: name {name!r} is already used by {other}")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._items)

    def field(self, entry_id: str, name: str) -> object:
        """One field of an entry, read without validating a packaged one."""
        item = self._items[entry_id]
        return item.data.get(name) if isinstance(item, Unchecked) else getattr(item, name, None)

    def _entry(self, entry_id: str) -> EntryT:
        item = self._items[entry_id]
        if isinstance(item, Unchecked) and item.trusted:
            entry = construct.build(self._spec, item.data)
            self._items[entry_id] = entry
            return entry
        if isinstance(item, Unchecked):
            try:
                entry = self._spec.model_validate(item.data, context={"packaged": True})
            except ValidationError as exc:
                from flopcheck.catalog import files as catalog_file

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
            raise NotFoundError(f"unknown {self.kind} {name!r}{self.suggest(name)}")
        return entry

    def suggest(self, name: str) -> str:
        import difflib

        key = normalize(name)
        close = difflib.get_close_matches(key, list(self._by_key), n=6, cutoff=0.6)
        ids = list(dict.fromkeys(self._by_key[k] for k in close))[:3]
        if not ids:
            ids = [entry_id for entry_id in self._items if key and key in normalize(entry_id)][:3]
        hint = f"; did you mean {', '.join(ids)}?" if ids else ""
        return f"{hint} (list them with: flopcheck {self.kind}s)"


def _described(origin: str) -> str:
    return "packaged" if origin == PACKAGED else f"{origin}'s"


def notes(paths: Sequence[str] | None = None) -> list[str]:
    """The entries these user files (default: those in use) replaced, in the catalogs loaded so far."""
    files = _user_files if paths is None else tuple(paths)
    return [note for kind in SPECS if (index := _indexes.get((kind, files))) is not None for note in index.replaced]


def read(path: str) -> catalog_file.Parsed:
    """Read and parse one user catalog file."""
    from flopcheck.catalog import files as catalog_file
    from flopcheck.catalog.paths import FileRefused, read_bounded

    try:
        raw = read_bounded(path, catalog_file.MAX_CATALOG_BYTES)
    except FileRefused as exc:
        parsed = catalog_file.Parsed()
        parsed.problems.append(Problem(printable(path), None, None, None, exc.reason))
        return parsed
    return _parse(printable(path), raw)


def _parse(filename: str, raw: bytes, allowed: tuple[str, ...] = KINDS, packaged: bool = False) -> catalog_file.Parsed:
    from flopcheck.catalog import files as catalog_file

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
    """The packaged entries, parsed but not validated (see ``Unchecked``): from the fast form while it matches
    the YAML bytes (``fastload``), else from the YAML. Anything unexpected falls back to the full,
    line-numbered parse, so a broken packaged file still names its problem."""
    filename = f"{kind}.yaml"
    raw = packaged_bytes(filename)
    items = fastload.entries(kind, raw)
    trusted = items is not None
    try:
        if items is None:
            import yaml

            items = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))[kind]
        return tuple(Unchecked(str(item["id"]), tuple(item.get("aliases") or ()), item, trusted) for item in items)
    except Exception:
        _raise_first(_parse(filename, raw, (kind,), packaged=True))
        raise CatalogError(f"{filename}: not a catalog of {kind}") from None


SPECS: dict[str, type[Any]] = {"gpus": GpuSpec, "models": ModelSpec, "runs": RunSpec}


_indexes: dict[tuple[str, tuple[str, ...]], Index[Any]] = {}


def _index(kind: str, files: tuple[str, ...]) -> Index[Any]:
    key = (kind, files)
    if key not in _indexes:
        items: list[tuple[Any, str]] = [(item, PACKAGED) for item in _packaged(kind)]
        for path in files:
            parsed = read(path)
            _raise_first(parsed)
            items += [(entry, printable(path)) for entry in parsed.entries[kind]]
        _indexes[key] = Index(kind[:-1], SPECS[kind], items)
    return _indexes[key]


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
    """The published training runs in use, each naming a GPU (and a model, if any) that the catalogs hold."""
    index = _index("runs", _user_files)
    problem = next(iter(_unknown_references(index, _user_files)), None)
    if problem is not None:
        raise CatalogError(str(problem))
    return index


def _unknown_references(index: Index[Any], files: tuple[str, ...]) -> list[Problem]:
    found: list[Problem] = []
    for entry_id in index.ids:
        for field, kind in (("gpu", "gpus"), ("model", "models")):
            name = index.field(entry_id, field)
            if isinstance(name, str) and _index(kind, files).find(name) is None:
                message = f"unknown {kind[:-1]} {name!r}{_index(kind, files).suggest(name)}"
                found.append(Problem(index.origin(entry_id), None, entry_id, field, message))
    return found


def validate(paths: Sequence[str]) -> list[Problem]:
    """Every problem in these catalog files, alone and merged over the packaged catalogs."""
    problems: list[Problem] = []
    for path in paths:
        problems += read(path).problems
    if not problems:
        for kind in KINDS:
            try:
                _index(kind, tuple(paths))
            except CatalogError as exc:
                problems.append(Problem("", None, None, None, str(exc)))
    if not problems:
        problems += _unknown_references(_index("runs", tuple(paths)), tuple(paths))
    return problems


def as_record(entry: BaseModel, origin: str | None = None) -> dict[str, Any]:
    """An entry as JSON-ready data, with absent figures left out, and its origin when not packaged."""
    record = entry.model_dump(mode="json", exclude_none=True)
    return record if origin is None else {**record, "origin": origin}
