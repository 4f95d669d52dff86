"""The fast-loading form of the packaged catalogs matches the YAML it was built from, and is only ever used
while it does."""

from __future__ import annotations

import pytest

from flopcheck.catalog import fastload, store


def test_the_fast_form_is_fresh() -> None:
    built = fastload.build(store.packaged_bytes)
    assert fastload.PATH.read_text(encoding="utf-8") == built, (
        "data/*.yaml changed: rebuild the fast form with: .venv/bin/python -m flopcheck.catalog.fastload"
    )


@pytest.mark.parametrize("kind", ["gpus", "models", "runs"])
def test_the_fast_form_holds_what_the_yaml_holds(kind: str) -> None:
    import yaml

    raw = store.packaged_bytes(f"{kind}.yaml")
    assert fastload.entries(kind, raw) == yaml.safe_load(raw)[kind]


def test_edited_yaml_is_never_answered_from_a_stale_form() -> None:
    raw = store.packaged_bytes("gpus.yaml")
    assert fastload.entries("gpus", raw + b"\n# edited\n") is None


def test_a_catalog_that_does_not_validate_is_never_built() -> None:
    def read(name: str) -> bytes:
        raw = store.packaged_bytes(name)
        return raw.replace(b"year: 2022", b"year: 1900", 1) if name == "gpus.yaml" else raw

    with pytest.raises(ValueError, match=r"gpus.yaml:\d+: .*year"):
        fastload.build(read)
