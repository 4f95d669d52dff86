"""Catalog tables: all accelerators, all models, one entry in full."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flopcheck.catalog.entries import GpuSpec, ModelSpec, Precision
from flopcheck.core.units import format_bytes, format_count
from flopcheck.render.document import Document, Heading, table


def _peak(gpu: GpuSpec, precision: Precision) -> str:
    value = gpu.peak_flop_per_s(precision)
    return "-" if value is None else f"{value / 1e12:.4g}"


def gpus_document(gpus: Iterable[GpuSpec], origins: Mapping[str, str | None]) -> Document:
    shown = any(origins.values())
    rows = table(
        "id",
        "name",
        "memory",
        "fp32",
        "tf32",
        "bf16",
        "fp16",
        "fp8",
        *(["from"] if shown else []),
        wrap=["name", "from"],
    )
    for gpu in gpus:
        extra = [origins[gpu.id] or "packaged"] if shown else []
        rows.add(gpu.id, gpu.name, format_bytes(gpu.memory_bytes), *(_peak(gpu, p) for p in Precision), *extra)
    title = "Accelerators: dense peak TFLOP/s (bf16/fp16: tensor, FP32 accumulate; '-': not published)"
    return [Heading(title, 1), rows]


def models_document(models: Iterable[ModelSpec], origins: Mapping[str, str | None]) -> Document:
    shown = any(origins.values())
    columns = ("id", "name", "params", "layers", "d_model", "context", "tokens", *(["from"] if shown else []))
    rows = table(*columns, wrap=["name", "from"])
    for model in models:
        arch = model.architecture
        rows.add(
            model.id,
            model.name,
            format_count(model.params),
            "-" if arch is None else str(arch.n_layer),
            "-" if arch is None else str(arch.d_model),
            "-" if arch is None else f"{arch.n_ctx:,}",
            "-" if model.training_tokens is None else format_count(model.training_tokens),
            *([origins[model.id] or "packaged"] if shown else []),
        )
    return [Heading("Language models (tokens: published training tokens; '-': not published)", 1), rows]


def entry_document(record: dict[str, Any], title: str) -> Document:
    """One catalog entry, every field, sources and notes included."""
    rows = table("field", "value", wrap=["value"])
    for key, value in record.items():
        if isinstance(value, dict):
            text = ", ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            text = "\n".join(str(v) for v in value)
        else:
            text = str(value)
        rows.add(key, text)
    return [Heading(title, 1), rows]
