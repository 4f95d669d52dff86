"""Results as flat rows with stable column names, written as CSV or a Markdown table. No arithmetic.

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


def _fits(r: Any) -> Rows:
    columns = [
        "model_id",
        "gpu_id",
        "gpu_count",
        "precision",
        "params",
        "tokens",
        "required_flop",
        "available_flop",
        "ratio",
        "time_s",
        "compute_fits",
        "required_bytes",
        "available_bytes",
        "memory_fits",
        "fits",
        "cost_usd",
        "energy_kwh",
        "co2_kg",
    ]
    row = [
        r.model.id,
        r.gpu.id,
        r.gpu.count,
        r.gpu.precision,
        r.model.params,
        r.model.tokens,
        r.compute.required_flop,
        r.compute.available_flop,
        r.compute.ratio,
        r.compute.time_s,
        r.compute.fits,
        r.memory.required_bytes,
        r.memory.available_bytes,
        r.memory.fits,
        r.fits,
        r.cost.cost_usd,
        r.cost.energy_kwh,
        r.cost.co2_kg,
    ]
    return columns, [row]


def _budget(r: Any) -> Rows:
    columns = [
        "gpu_id",
        "gpu_count",
        "precision",
        "peak_flop_per_s",
        "mfu",
        "uptime",
        "duration_s",
        "available_flop",
        "pf_days",
        "gpu_hours",
        "cost_usd",
        "energy_kwh",
        "co2_kg",
    ]
    a = r.assumptions
    row = [
        r.gpu.id,
        r.gpu.count,
        r.gpu.precision,
        r.gpu.peak_flop_per_s,
        a.mfu,
        a.uptime,
        a.duration_s,
        r.available_flop,
        r.pf_days,
        r.gpu_hours,
        r.cost.cost_usd,
        r.cost.energy_kwh,
        r.cost.co2_kg,
    ]
    return columns, [row]


def _flops(r: Any) -> Rows:
    columns = ["model_id", "params", "active_params", "tokens", "train_flop", "pf_days", "flop_formula"]
    m = r.model
    return columns, [[m.id, m.params, m.active_params, m.tokens, r.train_flop, r.pf_days, r.flop_formula]]


def _memory(r: Any) -> Rows:
    parts = list(type(r.breakdown).model_fields)
    parts.remove("optimizer_states_bytes")
    columns = ["model_id", "gpu_id", "required_bytes", "available_bytes", "fits", "host_bytes", *parts]
    row = [
        r.model.id,
        None if r.gpu is None else r.gpu.id,
        r.required_bytes,
        r.available_bytes,
        r.fits,
        r.host_bytes,
        *(getattr(r.breakdown, part) for part in parts),
    ]
    return columns, [row]


def _optimal(r: Any) -> Rows:
    columns = ["law", "chosen", "params", "tokens", "tokens_per_param", "loss", "loss_law", "budget_flop"]
    rows = [[r.law, True, r.params, r.tokens, r.tokens_per_param, r.loss, r.loss_law, r.budget_flop]]
    rows += [
        [a.law, False, a.params, a.tokens, a.tokens_per_param, a.loss, a.loss_law, r.budget_flop]
        for a in r.alternatives
    ]
    return columns, rows


def _compare(r: Any) -> Rows:
    columns = [
        "model_id",
        "gpu_id",
        "gpu_count",
        "precision",
        "time_s",
        "ratio",
        "compute_fits",
        "required_bytes",
        "available_bytes",
        "memory_fits",
        "min_gpus_zero3",
        "fits",
        "cost_usd",
        "energy_kwh",
        "co2_kg",
        "gates_passed",
    ]
    body = [
        [
            row.model_id,
            row.gpu.id,
            row.gpu.count,
            row.gpu.precision,
            row.compute.time_s,
            row.compute.ratio,
            row.compute.fits,
            row.memory.required_bytes,
            row.memory.available_bytes,
            row.memory.fits,
            row.memory.min_gpus_zero3,
            row.fits,
            row.cost_usd,
            row.energy_kwh,
            row.co2_kg,
            row.gates_passed,
        ]
        for row in r.rows
    ]
    return columns, body


def _matrix(r: Any) -> Rows:
    columns = ["model_id", "gpu_id", "verdict", "time_s", "compute_fits", "memory_fits"]
    return columns, [[c.model_id, c.gpu_id, c.verdict, c.time_s, c.compute_fits, c.memory_fits] for c in r.cells]


def _runs(r: Any) -> Rows:
    columns = [
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
    ]
    body = [
        [
            x.id,
            x.model_id,
            x.params,
            x.tokens,
            x.gpu_id,
            x.gpu_count,
            x.precision,
            x.gpu_hours,
            x.implied_mfu,
            x.implied_mfu_attention,
            x.reported_mfu,
            x.predicted_gpu_hours,
            x.error,
            x.source,
        ]
        for x in r.runs
    ]
    return columns, body


def _calibrate(r: Any) -> Rows:
    columns = [
        "model_id",
        "gpu_id",
        "count",
        "precision",
        "tokens_per_second",
        "achieved_flop_per_s",
        "peak_flop_per_s",
        "mfu",
    ]
    row = [
        r.model_id,
        r.gpu_id,
        r.count,
        r.precision,
        r.tokens_per_second,
        r.achieved_flop_per_s,
        r.peak_flop_per_s,
        r.mfu,
    ]
    return columns, [row]


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
    "fits": _fits,
    "budget": _budget,
    "flops": _flops,
    "memory": _memory,
    "optimal": _optimal,
    "compare": _compare,
    "matrix": _matrix,
    "runs": _runs,
    "calibrate": _calibrate,
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


def _markdown_cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def write_markdown(columns: list[str], body: list[list[Any]]) -> None:
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(" --- " for _ in columns) + "|"]
    lines += ["| " + " | ".join(_markdown_cell(v) for v in row) + " |" for row in body]
    sys.stdout.write("\n".join(lines) + "\n")
