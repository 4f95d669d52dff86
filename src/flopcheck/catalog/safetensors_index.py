"""A parameter count from a checkpoint's ``model.safetensors.index.json``, when that is what is at hand.

What it can tell: the index's ``metadata.total_parameters`` where the writer recorded it (recent
transformers), else ``metadata.total_size`` — the bytes of tensor data in all shards, headers excluded — divided
by the bytes per value of the checkpoint's one dtype (``torch_dtype``/``dtype`` of the config.json beside it).

What it cannot tell: the architecture (layers, widths, experts: no activation memory, no active parameters,
no attention FLOPs); whether every tensor has that one dtype (quantized checkpoints mix FP8 or 4-bit blocks with
scales, so bytes do not give a count and are refused); and whether the file stores things the model does not
train: a tied output matrix saved a second time (Qwen3-0.6B: +155,582,464), multi-token-prediction modules
(DeepSeek-V3: +13.5B), non-parameter buffers. The count is of the tensors stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flopcheck.catalog.paths import FileRefused, read_bounded
from flopcheck.core.errors import InputError, printable

MAX_INDEX_BYTES = 20_000_000
MAX_COUNT = 10**15
"""Largest parameter count read from an index (the range of a parameter count on the command line)."""
BYTES_PER_VALUE = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}


def _load(path: Path, limit: int) -> Any:
    where = printable(str(path))
    try:
        raw = read_bounded(str(path), limit)
    except FileRefused as exc:
        raise InputError(f"{where}: {exc.reason}") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise InputError(f"{where}: nested too deeply; not a JSON file") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{where}: not a JSON file ({printable(str(exc))[:200]})") from None


def count_from_index(index: Any, config: Any, where: str = "model.safetensors.index.json") -> tuple[int, str]:
    """The parameter count an index (and the config beside it, for the dtype) gives, and how it was found."""
    meta = index.get("metadata") if isinstance(index, dict) else None
    if not isinstance(meta, dict):
        raise InputError(f"{where}: no metadata object; not a safetensors index")
    total = meta.get("total_parameters")
    if isinstance(total, int) and not isinstance(total, bool) and 0 < total <= MAX_COUNT:
        return total, "metadata.total_parameters of the index"
    size = meta.get("total_size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_COUNT * 8:
        raise InputError(f"{where}: metadata.total_size must be a positive number of bytes")
    if not isinstance(config, dict):
        raise InputError(f"{where}: the dtype is not in the index; put the checkpoint's config.json beside it")
    if config.get("quantization_config") is not None:
        raise InputError(f"{where}: a quantized checkpoint mixes dtypes, so its bytes do not give a count")
    dtype = config.get("torch_dtype") or config.get("dtype")
    if not isinstance(dtype, str) or dtype not in BYTES_PER_VALUE:
        raise InputError(f"{where}: config.json gives no dtype of {', '.join(BYTES_PER_VALUE)}")
    per_value = BYTES_PER_VALUE[dtype]
    if size % per_value:
        raise InputError(f"{where}: total_size {size:,} is not a whole number of {dtype} values")
    return size // per_value, f"total_size {size:,} bytes / {per_value} bytes per {dtype} value"


def read_index(path: Path) -> tuple[int, str]:
    """Read an index and the config.json in its folder (if any)."""
    index = _load(path, MAX_INDEX_BYTES)
    config_path = path.parent / "config.json"
    config = _load(config_path, 1_000_000) if config_path.exists() else None
    return count_from_index(index, config, str(path))
