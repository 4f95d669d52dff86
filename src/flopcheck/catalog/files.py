"""One catalog file: its YAML parsed with the safe loader and every entry validated, each problem placed at
``FILE:LINE: entry-id: field: message``. Pure, given the file's bytes.

A catalog file is a mapping with a ``gpus`` list, a ``models`` list, or both. Anchors and aliases are refused
(a catalog has no use for them, and they are how "billion laughs" documents blow up), so are duplicate keys
(YAML would silently keep the last), tags that construct objects, non-UTF-8 text and files over 5 MB.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from flopcheck.catalog.entries import GpuSpec, ModelSpec, RunSpec
from flopcheck.catalog.names import Problem, normalize

MAX_CATALOG_BYTES = 5_000_000
MAX_VALUES = 50_000
"""Scalars, lists and mappings in one file: a catalog of thousands of entries holds far fewer."""
MAX_ENTRIES = 5_000
"""Entries of one kind in one file (the packaged catalogs hold under a hundred each)."""
MAX_DEPTH = 12
"""Nesting of lists and mappings (a catalog entry needs five levels)."""
MAX_PROBLEMS = 200
"""Problems reported per file; the rest are counted, not listed."""
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
KINDS: dict[str, type[BaseModel]] = {"gpus": GpuSpec, "models": ModelSpec, "runs": RunSpec}
__all__ = ["KINDS", "Parsed", "Problem", "decode", "normalize", "parse"]

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Parsed:
    """The valid entries of a file, by kind, and the problems found."""

    entries: dict[str, list[Any]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    problems: list[Problem] = field(default_factory=list)


def decode(filename: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    if len(raw) > MAX_CATALOG_BYTES:
        return None, [Problem(filename, None, None, None, f"larger than {MAX_CATALOG_BYTES:,} bytes")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [Problem(filename, None, None, None, f"not UTF-8 text (byte {exc.start})")]


def _compose(filename: str, text: str) -> tuple[yaml.Node | None, Any, list[Problem]]:
    try:
        problem = _preflight(filename, text)
        if problem is not None:
            return None, None, [problem]
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            problems = _check_nodes(filename, node) if node is not None else []
            if problems:
                return None, None, problems
            data = loader.construct_document(node) if node is not None else None
            return node, data, []
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = None if mark is None else mark.line + 1
        problem_text = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, None, [Problem(filename, line, None, None, f"invalid YAML: {problem_text}")]
    except (ValueError, OverflowError, RecursionError) as exc:
        return None, None, [Problem(filename, None, None, None, f"invalid YAML: {type(exc).__name__}")]


def _preflight(filename: str, text: str) -> Problem | None:
    """The first reason to refuse the document, found from the parser's events before any node is built:
    anchors, nesting deeper than MAX_DEPTH, more than MAX_VALUES values, control characters in a string."""
    depth = values = 0
    for event in yaml.parse(text, Loader=_LOADER):
        line = None if event.start_mark is None else event.start_mark.line + 1
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        values += 1
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            return Problem(filename, line, None, None, "anchors and aliases are not allowed in a catalog")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return Problem(filename, line, None, None, f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.ScalarEvent) and _CONTROL.search(event.value):
            return Problem(filename, line, None, None, "control characters are not allowed in a catalog")
        if values > MAX_VALUES:
            return Problem(filename, line, None, None, f"more than {MAX_VALUES:,} values; not a catalog")
    return None


def _check_nodes(filename: str, root: yaml.Node) -> list[Problem]:
    """Refuse aliases (a node reached twice) and duplicate mapping keys; walk iteratively (deep nesting)."""
    problems: list[Problem] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            line = node.start_mark.line + 1
            return [Problem(filename, line, None, None, "anchors and aliases are not allowed in a catalog")]
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                if name in keys:
                    problems.append(Problem(filename, key.start_mark.line + 1, None, name, "duplicate key"))
                keys.add(name)
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return problems


def _lines(item: yaml.Node) -> dict[tuple[str, ...], int]:
    """Line of each field path inside one entry's mapping node."""
    lines: dict[tuple[str, ...], int] = {(): item.start_mark.line + 1}
    stack: list[tuple[tuple[str, ...], yaml.Node]] = [((), item)]
    while stack:
        path, node = stack.pop()
        children: list[tuple[str, yaml.Node, yaml.Node]] = []
        if isinstance(node, yaml.MappingNode):
            children = [(str(k.value), k, v) for k, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = [(str(i), v, v) for i, v in enumerate(node.value)]
        for name, key, value in children:
            lines[path + (name,)] = key.start_mark.line + 1  # noqa: RUF005 - Python 3.10 has no *-subscripts
            stack.append((path + (name,), value))  # noqa: RUF005
    return lines


def _line_for(lines: dict[tuple[str, ...], int], loc: tuple[str, ...]) -> int:
    while loc not in lines:
        loc = loc[:-1]
    return lines[loc]


def parse(filename: str, text: str, allowed: tuple[str, ...] = tuple(KINDS), packaged: bool = False) -> Parsed:
    """Validate every entry of the kinds in ``allowed``; collect every problem rather than stopping at one.
    ``packaged``: the stricter rules of the packaged catalogs (web sources, plain numbers; see ``entries``)."""
    parsed = Parsed()
    node, data, problems = _compose(filename, text)
    parsed.problems += problems
    if problems:
        return parsed
    wanted = " and/or ".join(repr(k) for k in allowed)
    if not isinstance(data, dict) or not any(isinstance(data.get(k), list) for k in allowed):
        parsed.problems.append(Problem(filename, 1, None, None, f"expected a mapping with a list under {wanted}"))
        return parsed
    assert isinstance(node, yaml.MappingNode)
    sections = {str(key.value): value for key, value in node.value}
    for key, value in data.items():
        if key not in allowed or not isinstance(value, list):
            line = sections[str(key)].start_mark.line + 1 if str(key) in sections else None
            parsed.problems.append(Problem(filename, line, None, str(key), f"expected a list under {wanted} only"))
            continue
        spec = KINDS[key]
        items = sections[key].value if isinstance(sections[key], yaml.SequenceNode) else []
        if len(items) > MAX_ENTRIES:
            line = sections[key].start_mark.line + 1
            parsed.problems.append(Problem(filename, line, None, key, f"more than {MAX_ENTRIES:,} entries"))
            continue
        names: dict[str, str] = {}
        for position, (raw, item) in enumerate(zip(value, items, strict=True)):
            if len(parsed.problems) >= MAX_PROBLEMS:
                parsed.problems.append(Problem(filename, None, None, None, f"stopped after {MAX_PROBLEMS} problems"))
                return parsed
            entry = _validate(filename, position, raw, item, spec, parsed.problems, packaged)
            if entry is None:
                continue
            clash = next((names[normalize(n)] for n in (entry.id, *entry.aliases) if normalize(n) in names), None)
            if clash is not None:
                message = f"an id or alias is already used by {clash} in this file"
                parsed.problems.append(Problem(filename, item.start_mark.line + 1, entry.id, "id", message))
                continue
            names.update(dict.fromkeys((normalize(n) for n in (entry.id, *entry.aliases)), entry.id))
            parsed.entries[key].append(entry)
    return parsed


def _validate(
    filename: str,
    position: int,
    raw: Any,
    item: yaml.Node,
    spec: type[BaseModel],
    out: list[Problem],
    packaged: bool = False,
) -> Any:
    label = raw.get("id") if isinstance(raw, dict) else None
    entry = label if isinstance(label, str) and label else f"entry #{position + 1}"
    try:
        return spec.model_validate(raw, context={"packaged": packaged})
    except ValidationError as exc:
        lines = _lines(item)
        for error in exc.errors(include_url=False):
            loc = tuple(str(part) for part in error["loc"])
            field, message = describe(error, spec)
            out.append(Problem(filename, _line_for(lines, loc), entry, field, message))
        return None


def _fields(spec: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    """The field names allowed where ``loc`` points, for "did you mean"."""
    model: Any = spec
    for part in loc[:-1]:
        info = getattr(model, "model_fields", {}).get(part)
        if info is None:
            return []
        kinds = [a for a in getattr(info.annotation, "__args__", (info.annotation,)) if hasattr(a, "model_fields")]
        model = kinds[0] if kinds else None
    return list(getattr(model, "model_fields", {}))


MESSAGES = {
    "missing": "required",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number (1.5, 1.1e9 or 1.1B)",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "tuple_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
}


def describe(error: Any, spec: type[BaseModel]) -> tuple[str | None, str]:
    """A pydantic error as flopcheck says it: the field's dotted path and a short message
    (``sources: give at least one source``), not pydantic's wording."""
    loc = tuple(str(part) for part in error["loc"])
    kind, field = error["type"], ".".join(loc) or None
    value = error.get("input")
    if isinstance(value, float) and not math.isfinite(value):
        return field, MESSAGES["finite_number"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(loc[-1], _fields(spec, loc), n=1, cutoff=0.6)
        return field, "unknown field" + (f"; did you mean {close[0]}?" if close else "")
    if kind in ("too_short", "missing") and loc and loc[-1] == "sources":
        return field, "give at least one source"  # a URL, or words for a user's own entry
    if kind == "string_pattern_mismatch" and loc and loc[-1] in ("id", "model", "gpu"):
        return field, "lowercase letters and digits, joined by - or . (my-card)"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "date":
        return field, "a month, YYYY-MM"
    if kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than"):
        relation = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}[kind]
        limit = next(iter(error.get("ctx", {}).values()), "")
        return field, f"must be {relation} {limit}"
    if kind in MESSAGES:
        return field, MESSAGES[kind]
    message = str(error["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")
    if ": " in message and kind == "value_error" and field is None:
        head, tail = message.split(": ", 1)
        if " " not in head:  # a model check naming its field ("year: a packaged entry gives its year")
            return head, tail
    return field, message
