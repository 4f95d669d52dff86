"""Packaged entries built from the fast form without validating (``construct``) are the very objects
validation makes: same classes, same field values of the same types, same fields set."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from flopcheck.catalog import construct, fastload, store
from flopcheck.core.errors import CatalogError


def _shape(value: Any) -> Any:
    """A value with the type of every part spelled out, so 40 and 40.0 or a list and a tuple differ."""
    if isinstance(value, BaseModel):
        fields = {name: _shape(getattr(value, name)) for name in type(value).model_fields}
        return (type(value).__qualname__, sorted(value.model_fields_set), fields)
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, [_shape(item) for item in value])
    if isinstance(value, dict):
        return ("dict", {key: _shape(item) for key, item in value.items()})
    return (type(value).__qualname__, value)


@pytest.mark.parametrize("kind", ["gpus", "models", "runs"])
def test_built_entries_equal_validated_ones(kind: str) -> None:
    spec = store.SPECS[kind]
    items = fastload.entries(kind, store.packaged_bytes(f"{kind}.yaml"))
    assert items
    for data in items:
        validated = spec.model_validate(data, context={"packaged": True})
        built = construct.build(spec, data)
        assert _shape(built) == _shape(validated), data["id"]
        assert built == validated


def test_only_the_fast_form_is_trusted() -> None:
    assert all(item.trusted for item in store._packaged("gpus"))
    stale = store.Unchecked("h100-sxm", (), {"id": "h100-sxm"}, trusted=False)
    index = store.Index("gpu", store.SPECS["gpus"], [(stale, store.PACKAGED)])
    with pytest.raises(CatalogError, match="h100-sxm"):
        index.get("h100-sxm")


def test_a_whole_number_in_a_float_field_becomes_a_float() -> None:
    peaks = construct.build(store.SPECS["gpus"], {"id": "x", "peak_tflop_per_s": {"bf16": 40}}).peak_tflop_per_s
    assert type(peaks.bf16) is float
