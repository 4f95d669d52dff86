"""Catalog tables: all accelerators, all models, one entry in full."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flopcheck.catalog.entries import GpuSpec, ModelSpec, Precision
from flopcheck.core.units import format_bytes, format_count
from flopcheck.render._rich import emit, heading, plain, table


def _peak(gpu: GpuSpec, precision: Precision) -> str:
    value = gpu.peak_flop_per_s(precision)
    return "-" if value is None else f"{value / 1e12:.4g}"


def print_gpus(gpus: Iterable[GpuSpec], origins: Mapping[str, str | None]) -> None:
    shown = any(origins.values())
    rows = table("id", "name", "memory", "fp32", "tf32", "bf16", "fp16", "fp8", *(["from"] if shown else []))
    for gpu in gpus:
        extra = [plain(origins[gpu.id] or "packaged")] if shown else []
        peaks = (_peak(gpu, p) for p in Precision)
        rows.add_row(gpu.id, plain(gpu.name), format_bytes(gpu.memory_bytes), *peaks, *extra)
    emit(heading("Accelerators: dense peak TFLOP/s (bf16/fp16: tensor, FP32 accumulate; '-': not published)"), rows)


def print_models(models: Iterable[ModelSpec], origins: Mapping[str, str | None]) -> None:
    shown = any(origins.values())
    rows = table("id", "name", "params", "layers", "d_model", "context", "tokens", *(["from"] if shown else []))
    for model in models:
        arch = model.architecture
        rows.add_row(
            model.id,
            plain(model.name),
            format_count(model.params),
            "-" if arch is None else str(arch.n_layer),
            "-" if arch is None else str(arch.d_model),
            "-" if arch is None else f"{arch.n_ctx:,}",
            "-" if model.training_tokens is None else format_count(model.training_tokens),
            *([plain(origins[model.id] or "packaged")] if shown else []),
        )
    emit(heading("Language models (tokens: published training tokens; '-': not published)"), rows)


def print_entry(record: dict[str, Any], title: str) -> None:
    """One catalog entry, every field, sources and notes included."""
    rows = table("field", "value")
    for key, value in record.items():
        if isinstance(value, dict):
            text = ", ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            text = "\n".join(str(v) for v in value)
        else:
            text = str(value)
        rows.add_row(key, plain(text))
    emit(heading(title), rows)
