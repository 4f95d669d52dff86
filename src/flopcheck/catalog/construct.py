"""Packaged entries built without validating them again: the fast form (``fastload``) holds only files that
validated in full, with the SHA-256 of the YAML bytes it came from, so a run need not check them a second time.

Validating builds each entry class's validator on first use, which costs more than the answer of a small
question. ``build`` makes the same objects from the same data: nested entries become their models, lists
tuples, precision names ``Precision``, whole numbers in float fields floats (what strict validation of a
packaged number returns), and absent fields take their defaults. ``tests/test_catalog_construct.py`` checks
that every packaged entry comes out identical to its validated self.
"""

from __future__ import annotations

import types
from enum import Enum
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel

ModelT = TypeVar("ModelT", bound=BaseModel)


def build(spec: type[ModelT], data: dict[str, Any]) -> ModelT:
    """An instance of ``spec`` from packaged data that validates (see the module's docstring)."""
    values = {name: _value(spec.model_fields[name].annotation, value) for name, value in data.items()}
    return spec.model_construct(**values)


def _value(kind: Any, value: Any) -> Any:
    origin = get_origin(kind)
    if origin is Annotated:
        return _value(get_args(kind)[0], value)
    if origin is Union or origin is types.UnionType:
        if value is None:
            return None
        options = [arg for arg in get_args(kind) if arg is not type(None)]
        return _value(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        item = get_args(kind)[0]
        return tuple(_value(item, each) for each in value)
    if isinstance(kind, type):
        if issubclass(kind, BaseModel):
            return build(kind, value)
        if issubclass(kind, Enum):
            return kind(value)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
    return value
