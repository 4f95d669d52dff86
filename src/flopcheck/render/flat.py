"""Results as flat rows with stable column names, written as CSV. No arithmetic.

Column names carry units like the JSON keys. Each command has one row shape: ``fits``, ``budget``, ``flops``
and ``memory`` a single row; ``optimal`` a row per law; ``compare`` a row per GPU; ``matrix`` a row per
model × GPU; ``gpus``/``models``/``validate`` a row per entry or problem.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Sequence
from typing import Any

Rows = tuple[list[str], list[list[Any]]]
Columns = tuple[tuple[str, str], ...]
"""Each column's name with the dotted path of its value in the result (or in one of its rows)."""

FITS: Columns = (
    ("model_id", "model.id"),
    ("gpu_id", "gpu.id"),
    ("gpu_count", "gpu.count"),
    ("precision", "gpu.precision"),
    ("params", "model.params"),
    ("tokens", "model.tokens"),
    ("required_flop", "compute.required_flop"),
    ("available_flop", "compute.available_flop"),
    ("ratio", "compute.ratio"),
    ("time_s", "compute.time_s"),
    ("compute_fits", "compute.fits"),
    ("required_bytes", "memory.required_bytes"),
    ("available_bytes", "memory.available_bytes"),
    ("memory_fits", "memory.fits"),
    ("fits", "fits"),
    ("ok", "ok"),
    ("cost_usd", "cost.cost_usd"),
    ("energy_kwh", "cost.energy_kwh"),
    ("co2_kg", "cost.co2_kg"),
)
BUDGET: Columns = (
    ("gpu_id", "gpu.id"),
    ("gpu_count", "gpu.count"),
    ("precision", "gpu.precision"),
    ("peak_flop_per_s", "gpu.peak_flop_per_s"),
    ("mfu", "assumptions.mfu"),
    ("uptime", "assumptions.uptime"),
    ("duration_s", "assumptions.duration_s"),
    ("available_flop", "available_flop"),
    ("pf_days", "pf_days"),
    ("gpu_hours", "gpu_hours"),
    ("cost_usd", "cost.cost_usd"),
    ("energy_kwh", "cost.energy_kwh"),
    ("co2_kg", "cost.co2_kg"),
)
FLOPS: Columns = (
    ("model_id", "model.id"),
    ("params", "model.params"),
    ("active_params", "model.active_params"),
    ("tokens", "model.tokens"),
    ("train_flop", "train_flop"),
    ("pf_days", "pf_days"),
    ("flop_formula", "flop_formula"),
)
LAW: Columns = (
    ("law", "law"),
    ("params", "params"),
    ("tokens", "tokens"),
    ("tokens_per_param", "tokens_per_param"),
    ("loss", "loss"),
    ("loss_law", "loss_law"),
)
COMPARE: Columns = (
    ("gpu_id", "gpu.id"),
    ("gpu_count", "gpu.count"),
    ("precision", "gpu.precision"),
    ("time_s", "compute.time_s"),
    ("ratio", "compute.ratio"),
    ("compute_fits", "compute.fits"),
    ("required_bytes", "memory.required_bytes"),
    ("available_bytes", "memory.available_bytes"),
    ("memory_fits", "memory.fits"),
    ("min_gpus_zero3", "memory.min_gpus_zero3"),
    ("fits", "fits"),
    ("ok", "ok"),
    ("cost_usd", "cost.cost_usd"),
    ("energy_kwh", "cost.energy_kwh"),
    ("co2_kg", "cost.co2_kg"),
)
MATRIX: Columns = tuple(
    (name, name) for name in ("model_id", "gpu_id", "verdict", "time_s", "compute_fits", "memory_fits")
)
RUNS: Columns = tuple(
    (name, name)
    for name in (
        "id",
        "model_id",
        "params",
        "tokens",
        "gpu_id",
        "gpu_count",
        "precision",
        "gpu_hours",
        "implied_mfu",
        "implied_mfu_attention",
        "reported_mfu",
        "predicted_gpu_hours",
        "error",
        "source",
    )
)
CALIBRATE: Columns = tuple(
    (name, name)
    for name in (
        "model_id",
        "gpu_id",
        "count",
        "precision",
        "tokens_per_second",
        "achieved_flop_per_s",
        "peak_flop_per_s",
        "mfu",
    )
)


ACCURACY: Columns = tuple((name, name) for name in ("id", "source", "split", "predicted", "measured", "error"))


def _accuracy(results: Any) -> Rows:
    names, body = _table(ACCURACY, [row for result in results for row in result.rows])
    kinds = [result.kind for result in results for _ in result.rows]
    return ["kind", *names], [[kind, *row] for kind, row in zip(kinds, body, strict=True)]


def _value(item: Any, path: str) -> Any:
    for part in path.split("."):
        item = getattr(item, part)
    return item


def _table(columns: Columns, items: Sequence[Any]) -> Rows:
    return [name for name, _ in columns], [[_value(item, path) for _, path in columns] for item in items]


def _memory(r: Any) -> Rows:
    parts = [part for part in type(r.breakdown).model_fields if part != "optimizer_states_bytes"]
    columns: Columns = (
        ("model_id", "model.id"),
        ("gpu_id", "gpu.id"),
        ("required_bytes", "required_bytes"),
        ("available_bytes", "available_bytes"),
        ("fits", "fits"),
        ("host_bytes", "host_bytes"),
        *((part, f"breakdown.{part}") for part in parts),
    )
    names, body = _table(tuple(c for c in columns if c[0] != "gpu_id"), [r])
    gpu_id = None if r.gpu is None else r.gpu.id
    return [*names[:1], "gpu_id", *names[1:]], [[row[0], gpu_id, *row[1:]] for row in body]


def _with_model(model_id: str, table: Rows) -> Rows:
    names, body = table
    return ["model_id", *names], [[model_id, *row] for row in body]


def _optimal(r: Any) -> Rows:
    names, body = _table(LAW, [r, *r.alternatives])
    chosen = [True] + [False] * len(r.alternatives)
    rows = [[row[0], flag, *row[1:], r.budget_flop] for row, flag in zip(body, chosen, strict=True)]
    return [names[0], "chosen", *names[1:], "budget_flop"], rows


PRECISIONS = ("fp32", "tf32", "bf16", "fp16", "fp8")
GPU_COLUMNS = [
    "id",
    "name",
    "vendor",
    "year",
    "memory_bytes",
    "memory_bandwidth_gb_per_s",
    "board_power_w",
    *(f"{p}_flop_per_s" for p in PRECISIONS),
    "price_usd_per_gpu_hour",
    "price_date",
    "sources",
    "origin",
]
MODEL_COLUMNS = [
    "id",
    "name",
    "family",
    "organization",
    "year",
    "params",
    "active_params",
    "n_layer",
    "d_model",
    "n_head",
    "n_kv_head",
    "d_ff",
    "vocab_size",
    "n_ctx",
    "training_tokens",
    "training_tokens_estimated",
    "sources",
    "origin",
]
PROBLEM_COLUMNS = ["file", "line", "entry", "field", "message"]


def _gpu_record(record: dict[str, Any]) -> dict[str, Any]:
    peaks = record.get("peak_tflop_per_s", {})
    price = record.get("price") or {}
    return {
        **record,
        **{f"{p}_flop_per_s": None if peaks.get(p) is None else peaks[p] * 1e12 for p in PRECISIONS},
        "price_usd_per_gpu_hour": price.get("usd_per_gpu_hour"),
        "price_date": price.get("date"),
    }


def _model_record(record: dict[str, Any]) -> dict[str, Any]:
    return {**record.get("architecture", {}), **record}


def _records(kind: str, records: Sequence[dict[str, Any]]) -> Rows:
    """Catalog entries or validation problems, with a fixed column set per kind."""
    if kind == "gpus":
        columns, shaped = GPU_COLUMNS, [_gpu_record(r) for r in records]
    elif kind == "models":
        columns, shaped = MODEL_COLUMNS, [_model_record(r) for r in records]
    else:
        columns, shaped = PROBLEM_COLUMNS, list(records)
    return columns, [[_cell(record.get(key)) for key in columns] for record in shaped]


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return value


ROWS: dict[str, Callable[[Any], Rows]] = {
    "fits": lambda r: _table(FITS, [r]),
    "budget": lambda r: _table(BUDGET, [r]),
    "flops": lambda r: _table(FLOPS, [r]),
    "memory": _memory,
    "optimal": _optimal,
    "compare": lambda r: _with_model(r.model.id, _table(COMPARE, r.rows)),
    "matrix": lambda r: _table(MATRIX, r.cells),
    "runs": lambda r: _table(RUNS, r.runs),
    "calibrate": lambda r: _table(CALIBRATE, [r]),
    "accuracy": _accuracy,
}


def rows(kind: str, result: Any) -> Rows:
    if kind in ROWS:
        return ROWS[kind](result)
    return _records(kind, result)


def write_csv(columns: list[str], body: list[list[Any]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in body:
        writer.writerow(["" if v is None else str(v).lower() if isinstance(v, bool) else v for v in row])
