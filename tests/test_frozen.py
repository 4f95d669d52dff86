"""``core.frozen.frozen_dataclass`` behaves as ``@dataclass(frozen=True)``: the same ``__init__``, immutability,
equality, hash and repr."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any, get_type_hints

import pytest
from hypothesis import given
from hypothesis import strategies as st

import flopcheck
from flopcheck.core.frozen import frozen_dataclass, replaced


def twins(body: dict[str, Any], annotations: dict[str, Any], base: type | None = None) -> tuple[type, type]:
    """The same class made by ``frozen_dataclass`` and by the standard library."""
    made: list[type] = []
    for decorate in (frozen_dataclass, dataclass(frozen=True)):
        bases: tuple[type, ...] = ()
        if base is not None:
            bases = (decorate(type("Base", (), {"__annotations__": {"base": int}})),)
        namespace = {**body, "__annotations__": dict(annotations), "__qualname__": "Point"}
        made.append(decorate(type("Point", bases, namespace)))
    return made[0], made[1]


FIELDS = {"x": float, "y": Any, "label": str}
BODY = {"label": field(default="", compare=False, repr=False), "y": None}
values = st.one_of(st.integers(), st.floats(allow_nan=True), st.text(max_size=3), st.none(), st.tuples(st.integers()))


@given(x=st.floats(allow_nan=True), y=values, label=st.text(max_size=2), x2=st.floats(allow_nan=True), y2=values)
def test_equality_hash_and_repr_are_the_standard_ones(x: float, y: Any, label: str, x2: float, y2: Any) -> None:
    ours, theirs = twins(BODY, FIELDS)
    a, b = ours(x, y, label), ours(x2, y2, label + "z")
    c, d = theirs(x, y, label), theirs(x2, y2, label + "z")
    assert (a == b) is (c == d)
    assert (a != b) is (c != d)
    assert (a == a) is (c == c)  # a NaN field: the tuples compare their items by identity first
    assert repr(a) == repr(c)
    assert hash(a) == hash(c)
    assert a.__eq__(object()) is NotImplemented


def test_no_fields_one_field_inheritance_and_unhashable_fields() -> None:
    empty, empty_std = twins({}, {})
    assert empty() == empty() and hash(empty()) == hash(empty_std()) and repr(empty()) == repr(empty_std()) == "Point()"
    one, one_std = twins({}, {"x": int})
    assert hash(one(3)) == hash(one_std(3)) == hash((3,))
    assert one(3) != one_std(3)  # another class: NotImplemented both ways
    child, child_std = twins({}, {"x": int}, base=object)
    assert repr(child(1, 2)) == repr(child_std(1, 2)) == "Point(base=1, x=2)"
    assert child(1, 2) == child(1, 2) and hash(child(1, 2)) == hash(child_std(1, 2))
    holder, _ = twins({"d": field(default_factory=dict)}, {"d": dict})
    with pytest.raises(TypeError, match="unhashable"):
        hash(holder())


def test_frozen_replace_fields_asdict_and_a_recursive_repr() -> None:
    ours, theirs = twins(BODY, FIELDS)
    point = ours(1.0, 2)
    with pytest.raises(FrozenInstanceError):
        point.x = 3.0
    assert dataclasses.replace(point, x=5.0) == ours(5.0, 2)
    assert [f.name for f in dataclasses.fields(point)] == [f.name for f in dataclasses.fields(theirs)]
    assert dataclasses.asdict(point) == dataclasses.asdict(theirs(1.0, 2))
    assert getattr(ours, "__match_args__", None) == getattr(theirs, "__match_args__", None) == ("x", "y", "label")
    loop: list[Any] = []
    inner, inner_std = ours(math.inf, loop), theirs(math.inf, loop)
    loop.append(inner)
    assert repr(inner) == "Point(x=inf, y=[...])"
    loop[0] = inner_std
    assert repr(inner_std) == "Point(x=inf, y=[...])"


def test_every_dataclass_of_the_package_is_a_frozen_dataclass_or_meant_to_change() -> None:
    """The mutable ones are built up step by step: a parsed file's problems, a table's rows. Each has a
    docstring (without one, creating the class computes its signature to make one)."""
    mutable = {"flopcheck.catalog.files.Parsed", "flopcheck.render.document.Table"}
    found = set()
    for module in pkgutil.walk_packages(flopcheck.__path__, "flopcheck."):
        if module.name.endswith("__main__"):
            continue
        for item in vars(importlib.import_module(module.name)).values():
            if dataclasses.is_dataclass(item) and isinstance(item, type) and item.__module__ == module.name:
                name = f"{item.__module__}.{item.__qualname__}"
                found.add(name)
                assert not (item.__doc__ or "").startswith(f"{item.__name__}("), name
                if name not in mutable:
                    assert item.__setattr__ is not object.__setattr__, name  # frozen
                    assert item.__repr__.__module__ == "flopcheck.core.frozen", name
    assert mutable <= found


def test_replaced_is_dataclasses_replace() -> None:
    ours, _ = twins(BODY, FIELDS)
    point = ours(1.0, (2,), "a")
    assert replaced(point, {"y": 3, "label": "b"}) == dataclasses.replace(point, y=3, label="b")
    assert repr(replaced(point, {"label": "b"})) == repr(dataclasses.replace(point, label="b"))
    assert replaced(point, {}) == point and replaced(point, {}) is not point
    with pytest.raises(TypeError):
        replaced(point, {"z": 1})
    checked, _ = twins({"__post_init__": lambda self: None if self.x >= 0 else 1 / 0}, {"x": float})
    with pytest.raises(ZeroDivisionError):  # __post_init__ runs, as with dataclasses.replace
        replaced(checked(1.0), {"x": -1.0})


def _outcome(call: Any) -> Any:
    try:
        return ("value", call())
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def test_init_immutability_and_their_errors_are_the_standard_ones() -> None:
    body = {"y": 2, "tags": field(default_factory=list), "__qualname__": "Point"}
    ours, theirs = twins(body, {"x": float, "y": int, "tags": list})
    assert (
        str(inspect.signature(ours))
        == str(inspect.signature(theirs))
        == "(x: float, y: int = 2, tags: list = <factory>) -> None"
    )
    assert get_type_hints(vars(ours)["__init__"]) == get_type_hints(vars(theirs)["__init__"])
    assert vars(ours)["__init__"].__qualname__ == vars(theirs)["__init__"].__qualname__ == "Point.__init__"
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((1.0,), {}),
        ((1.0, 3), {}),
        ((), {"x": 1.0, "tags": [1]}),
        ((), {}),
        ((1.0,), {"x": 2.0}),
        ((1, 2, 3, 4), {}),
    ]
    for args, kwargs in calls:
        made = [_outcome(lambda c=cls, a=args, k=kwargs: c(*a, **k)) for cls in (ours, theirs)]
        assert repr(made[0]) == repr(made[1]), args
    assert ours(1.0).tags is not ours(1.0).tags  # a fresh list each time
    for cls in (ours, theirs):
        point = cls(1.0)
        assert [_outcome(lambda p=point, n=name: setattr(p, n, 0)) for name in ("x", "z")] == [
            ("FrozenInstanceError", "cannot assign to field 'x'"),
            ("FrozenInstanceError", "cannot assign to field 'z'"),
        ]
        assert _outcome(lambda p=point: delattr(p, "y")) == ("FrozenInstanceError", "cannot delete field 'y'")
        child = type("Child", (cls,), {})(1.0)  # not a dataclass itself: new attributes, fields still frozen
        child.extra = 1
        assert _outcome(lambda c=child: setattr(c, "x", 0)) == ("FrozenInstanceError", "cannot assign to field 'x'")


def test_post_init_runs_and_bad_declarations_are_refused() -> None:
    seen: list[Any] = []
    ours, _ = twins({"__post_init__": lambda self: seen.append(self.x)}, {"x": int})
    ours(4)
    assert seen == [4]
    with pytest.raises(TypeError, match="non-default argument 'y' follows default argument"):
        twins({"x": 1}, {"x": int, "y": int})
    with pytest.raises(TypeError, match="plain fields only"):
        frozen_dataclass(type("P", (), {"__annotations__": {"x": int}, "x": field(default=0, init=False)}))
    with pytest.raises(TypeError, match="plain fields only"):
        frozen_dataclass(type("P", (), {"__annotations__": {"x": dataclasses.InitVar[int]}}))
