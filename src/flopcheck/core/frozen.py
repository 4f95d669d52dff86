"""Frozen dataclasses whose equality, hash and repr are shared by all of them, not generated for each class.

``@frozen_dataclass`` is ``@dataclass(frozen=True)``: the same fields, ``__init__``, immutability and
``__match_args__``; ``dataclasses.replace``, ``fields`` and ``asdict`` work as on any dataclass; ``==``,
``hash()`` and ``repr()`` give what the generated methods give (the fields with ``compare``, ``hash`` and
``repr`` set, in order, as a tuple; ``...`` for a repr that recurses) from one implementation. CPython 3.11
compiles each generated method from source when its class is created: these three are about half of what a
dataclass costs at import, and a command imports some fifty.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda decorator: decorator


T = TypeVar("T")
Key = Callable[[Any], tuple[Any, ...]]
_KEYS: dict[tuple[type, str], Key] = {}


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def frozen_dataclass(cls: type[T]) -> type[T]:
    """``@dataclass(frozen=True)`` with the shared ``__eq__``, ``__hash__`` and ``__repr__``."""
    made = dataclasses.dataclass(frozen=True, eq=False, repr=False)(cls)
    for name, method in (("__eq__", _eq), ("__hash__", _hash), ("__repr__", _repr)):
        setattr(made, name, method)
    return made


def replaced(obj: T, changes: Mapping[str, Any]) -> T:
    """``dataclasses.replace(obj, **changes)`` for a ``frozen_dataclass`` whose ``__init__`` only sets its
    fields (no ``__post_init__``): the same object, copied without running ``__init__`` again (a tenth of the
    time, for the many variants of one configuration a search tries)."""
    cls = obj.__class__
    unknown = set(changes).difference(getattr(cls, "__dataclass_fields__", ()))
    if unknown or hasattr(cls, "__post_init__"):
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]  # raises for unknown fields
    made: T = object.__new__(cls)
    state = made.__dict__
    state.update(obj.__dict__)
    state.update(changes)
    return made


def _key(cls: type, kind: str) -> Key:
    """The tuple of ``cls``'s fields that ``kind`` (eq, hash) reads, as the generated method reads it."""
    found = _KEYS.get((cls, kind))
    if found is None:
        fields = dataclasses.fields(cls)
        if kind == "eq":
            names = [f.name for f in fields if f.compare]
        else:
            names = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
        if len(names) > 1:
            found = attrgetter(*names)
        elif names:
            one = attrgetter(names[0])
            found = lambda obj: (one(obj),)  # noqa: E731
        else:
            found = lambda obj: ()  # noqa: E731
        _KEYS[(cls, kind)] = found
    return found


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        key = _key(self.__class__, "eq")
        return key(self) == key(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(_key(self.__class__, "hash")(self))


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.repr)
    return f"{self.__class__.__qualname__}({shown})"
