"""The commands about the catalogs and the output contract: gpus, models, validate, schema."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from flopcheck import render
from flopcheck.catalog import store as catalog
from flopcheck.cli.application import app
from flopcheck.cli.declare import takes
from flopcheck.cli.options import Output
from flopcheck.core.errors import ExitStatus, InputError
from flopcheck.render.catalog import entry_document, gpus_document, models_document
from flopcheck.render.document import Document


def _show(
    kind: str,
    index: catalog.Index[Any],
    entry_id: str | None,
    fmt: str,
    extra: Callable[[Any], dict[str, Any]],
    listing: Callable[[list[Any], dict[str, str | None]], Document],
) -> None:
    """A catalog listing, or one entry in full, in the asked format; records note entries not packaged."""
    entries = list(index) if entry_id is None else [index.get(entry_id)]
    origins = {e.id: _origin(index.origin(e.id)) for e in entries}
    records = [{**catalog.as_record(e, origins[e.id]), **extra(e)} for e in entries]
    if fmt in ("json", "csv"):
        render.output_records(kind, records, fmt)
    elif entry_id is None:
        render.show(listing(entries, origins), fmt)
    else:
        render.show(entry_document(records[0], entries[0].name), fmt)


@app.command()
@takes(None)
def gpus(
    out: Output,
    gpu_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Show one accelerator in full.")] = None,
) -> None:
    """The accelerator catalog, or one entry with its sources."""
    _show("gpus", catalog.gpus(), gpu_id, out.fmt, _memory_bytes, gpus_document)


@app.command()
@takes(None)
def models(
    out: Output,
    model_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Show one model in full.")] = None,
) -> None:
    """The language-model catalog, or one entry with its sources."""
    _show("models", catalog.models(), model_id, out.fmt, lambda e: {}, models_document)


@app.command()
@takes(None)
def validate(
    out: Output,
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Catalog files to check.")],
) -> None:
    """Check catalog files: every problem as FILE:LINE: entry: field: message, exit 2 if any."""
    problems = catalog.validate(files)
    if out.fmt != "table":
        render.output_records("validate", [{**vars(p), "text": str(p)} for p in problems], out.fmt)
    else:
        sys.stdout.write("".join(f"{p}\n" for p in problems) or f"{len(files)} file(s) valid\n")
        sys.stdout.write("".join(f"{note}\n" for note in catalog.notes(files)))
    if problems:
        raise typer.Exit(ExitStatus.BAD_INPUT)


SCHEMAS = (
    "fits",
    "budget",
    "flops",
    "memory",
    "optimal",
    "compare",
    "matrix",
    "runs",
    "calibrate",
    "accuracy",
    "layout",
    "catalog",
)


@app.command()
@takes(None)
def schema(
    out: Output,
    name: Annotated[
        str | None, typer.Argument(metavar="[NAME]", help=f"One of {', '.join(SCHEMAS)} (default: all).")
    ] = None,
) -> None:
    """The JSON Schema of a command's --json output, or of a catalog file (always printed as JSON)."""
    if out.fmt not in ("json", "table"):
        raise InputError("a schema is JSON only")
    from pydantic import TypeAdapter

    from flopcheck.answers import results
    from flopcheck.catalog import entries as specs

    models: dict[str, TypeAdapter[object]] = {
        "fits": TypeAdapter(results.FitsResult),
        "budget": TypeAdapter(results.BudgetResult),
        "flops": TypeAdapter(results.FlopsResult),
        "memory": TypeAdapter(results.MemoryReport),
        "optimal": TypeAdapter(results.OptimalResult),
        "compare": TypeAdapter(results.CompareResult),
        "matrix": TypeAdapter(results.MatrixResult),
        "runs": TypeAdapter(results.RunsResult),
        "calibrate": TypeAdapter(results.CalibrationResult),
        "accuracy": TypeAdapter(dict[str, results.AccuracyResult]),
        "layout": TypeAdapter(results.LayoutSearchResult),
        "catalog": TypeAdapter(specs.CatalogFile),
    }
    if name is not None and name not in models:
        raise InputError(f"unknown schema {name!r}; one of {', '.join(SCHEMAS)}")
    chosen = models if name is None else {name: models[name]}
    documents = {key: adapter.json_schema(mode="serialization") for key, adapter in chosen.items()}
    render.write_json(documents[name] if name is not None else documents)


def _memory_bytes(entry: Any) -> dict[str, Any]:
    return {"memory_bytes": round(entry.memory_bytes)}


def _origin(origin: str) -> str | None:
    return None if origin == catalog.PACKAGED else origin
