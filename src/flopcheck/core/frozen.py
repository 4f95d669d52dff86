"""Frozen dataclasses that compile one method, not six, when their class is created.

``@frozen_dataclass`` is ``@dataclass(frozen=True)`` for classes of plain fields (defaults and default
factories; no ``InitVar``, keyword-only or ``init=False`` fields): the same fields, ``__match_args__``,
``dataclasses.replace``, ``fields`` and ``asdict``; the same ``__init__`` (compiled from the source the
standard library writes for it, so the same signature, defaults, ``__post_init__`` call and errors); the same
immutability (``FrozenInstanceError``, as the generated ``__setattr__`` and ``__delattr__`` raise it), and
``==``, ``hash()`` and ``repr()`` as the generated methods give them (the fields with ``compare``, ``hash`` and
``repr`` set, in order, as a tuple; ``...`` for a repr that recurses). All but ``__init__`` are shared or made
without compiling. CPython 3.11 compiles each generated method from source when its class is created, which
was most of what importing a module of dataclasses cost, and a command imports some fifty. Only
``__dataclass_params__`` tells how the class was built (``init`` and ``frozen`` read False there).
"""

from __future__ import annotations

import dataclasses
import inspect
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


class _Factory:
    """The default of a field with a default factory in ``__init__``'s signature, shown as dataclasses shows
    its own."""

    def __repr__(self) -> str:
        return "<factory>"


_HAS_DEFAULT_FACTORY = _Factory()
Key = Callable[[Any], tuple[Any, ...]]
_KEYS: dict[tuple[type, str], Key] = {}


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def frozen_dataclass(cls: type[T]) -> type[T]:
    """``@dataclass(frozen=True)`` whose ``__init__`` is the one compiled method (see the module)."""
    made: Any = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)  # fields, defaults; compiles nothing
    fields = dataclasses.fields(made)
    if any("InitVar" in repr(f.type) for f in made.__dataclass_fields__.values() if f not in fields):
        raise TypeError(f"{made.__name__}: frozen_dataclass takes plain fields only")
    names = frozenset(f.name for f in fields)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is made or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(made, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is made or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(made, self).__delattr__(name)

    methods = {"__init__": _init(made, fields), "__setattr__": __setattr__, "__delattr__": __delattr__}
    methods.update(__eq__=_eq, __hash__=_hash, __repr__=_repr)
    for name, method in methods.items():
        if name in made.__dict__ and name != "__hash__":  # the class's own (dataclass raises for these too)
            raise TypeError(f"Cannot overwrite attribute {name} in class {made.__name__}")
        if name in ("__init__", "__setattr__", "__delattr__"):
            method.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, method)
    result: type[T] = made
    return result


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """The ``__init__`` ``dataclass(frozen=True)`` writes for plain fields, from the same source (CPython 3.11
    ``dataclasses._init_fn``), compiled in the module's namespace as there."""
    names = {"MISSING": dataclasses.MISSING, "_HAS_DEFAULT_FACTORY": _HAS_DEFAULT_FACTORY, "_return_type": None}
    names["__dataclass_builtins_object__"] = object
    params, body, seen_default = [], [], False
    for f in fields:
        if not f.init or f.kw_only:
            raise TypeError(f"{cls.__name__}.{f.name}: frozen_dataclass takes plain fields only")
        names[f"_type_{f.name}"] = f.type
        value, default = f.name, ""
        if f.default_factory is not dataclasses.MISSING:
            names[f"__dataclass_dflt_{f.name}__"] = f.default_factory
            value = f"__dataclass_dflt_{f.name}__() if {f.name} is _HAS_DEFAULT_FACTORY else {f.name}"
            default = "=_HAS_DEFAULT_FACTORY"
        elif f.default is not dataclasses.MISSING:
            names[f"__dataclass_dflt_{f.name}__"] = f.default
            default = f"=__dataclass_dflt_{f.name}__"
        if default:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        params.append(f"{f.name}:_type_{f.name}{default}")
        body.append(f"  __dataclass_builtins_object__.__setattr__(self,{f.name!r},{value})")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    source = f" def __init__({','.join(['self', *params])})->_return_type:\n" + ("\n".join(body) or "  pass")
    source = f"def __create_fn__({', '.join(names)}):\n{source}\n return __init__"
    module = inspect.getmodule(cls)
    made: dict[str, Any] = {}
    code = compile(source, f"<frozen_dataclass {cls.__qualname__}>", "exec", dont_inherit=True)  # not this
    exec(code, module.__dict__ if module is not None else {}, made)  # module's postponed annotations
    init: Callable[..., None] = made["__create_fn__"](**names)
    return init


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
