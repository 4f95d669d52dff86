"""The model and the GPU a question is about: a catalog entry, a local config.json, a parameter count, or
hardware described by its peak and memory."""

from __future__ import annotations

import re
from pathlib import Path

from flopcheck.answers import optimal as optimal_plan
from flopcheck.answers import run as plan
from flopcheck.answers.settings import resolve_precision
from flopcheck.api.options import Quantity, RunOptions
from flopcheck.api.quantities import PRECISIONS, integer, one_of, text_of
from flopcheck.api.ranges import bounded
from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import GpuSpec, Peaks, Precision
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import memory
from flopcheck.core.errors import InputError, printable
from flopcheck.core.units import (
    MIN_GPU_FLOP_PER_S,
    MIN_GPU_MEMORY_BYTES,
    parse_bytes,
    parse_count,
    parse_flop_per_s,
)


def precision(o: RunOptions) -> str:
    return one_of(o.get("precision", "auto"), PRECISIONS, "precision")


def model(name: str | Path, o: RunOptions | None = None) -> ModelRef:
    """A catalog model, a local config.json (or a folder holding one), or a bare parameter count such as
    ``1.5B`` (anything that starts like a number), optionally with a shape from layers/hidden/heads/vocab."""
    o = o or {}
    text = str(name)
    index = catalog.models()
    layers, hidden, heads, vocab = (
        None if o.get(k) is None else integer(o.get(k), k, 1) for k in ("layers", "hidden", "heads", "vocab")
    )
    shaped = any(v is not None for v in (layers, hidden, heads, vocab))
    path = _config_path(text)
    if path is not None and path.name.endswith("safetensors.index.json"):
        if shaped:
            raise InputError("--layers/--hidden/--heads/--vocab describe a parameter count; give a number instead")
        from flopcheck.catalog import safetensors_index

        params, how = safetensors_index.read_index(path)
        label = path.resolve().parent.name or path.stem
        name = f"{label} ({path.name}: {how}; no architecture)"
        return ModelRef(id=label, name=name, params=params, active_params=params, named=True, origin=str(path))
    if path is not None:
        if shaped:
            raise InputError("--layers/--hidden/--heads/--vocab are for a parameter count; the config has its own")
        from flopcheck.catalog import hf_config

        config, arch = hf_config.read_config(path)
        model_id, label = hf_config.display_name(config, path)
        return ModelRef.from_architecture(model_id, label, arch, origin=str(path))
    if index.find(text) is None and re.match(r"\s*[-+]?[0-9.]", text):
        count = bounded(parse_count(text, "parameter count"), "parameter_count", text, "a parameter count")
        if not shaped:
            return _assumed_shape(count)
        if layers is None or hidden is None or heads is None:
            raise InputError("give --layers, --hidden and --heads together")
        if hidden % heads:
            raise InputError(f"--hidden {hidden} is not a multiple of --heads {heads}")
        shape = memory.Shape(n_layer=layers, d_model=hidden, n_head=heads, vocab_size=vocab)
        context = optimal_plan.REFERENCE_SEQ_LEN
        note = None if vocab is not None else "vocabulary unknown: the output layer is left out (give --vocab)"
        note = f"context {context:,} assumed (--seq-len)" + ("" if note is None else f"; {note}")
        return ModelRef.from_count(count, shape, context, note)
    spec = index.get(text)
    if shaped:
        raise InputError(f"--layers/--hidden/--heads/--vocab are for a parameter count; {spec.id} has its own")
    origin = index.origin(spec.id)
    return ModelRef.from_spec(spec, "catalog" if origin == catalog.PACKAGED else origin)


def _assumed_shape(params: float) -> ModelRef:
    """A bare parameter count gets the same GPT-style shape ``optimal`` assumes for a model of its size."""
    shape = optimal_plan.shape_for(params)
    context = optimal_plan.REFERENCE_SEQ_LEN
    note = (
        f"shape assumed: {shape.n_layer} layers, d_model {shape.d_model:,}, {shape.n_head} heads, vocabulary "
        f"{shape.vocab_size or 0:,}, context {context:,} (N ≈ 12·L·d², d = 128·L: Kaplan et al. 2020, as optimal "
        "assumes; --layers/--hidden/--heads give the real one)"
    )
    return ModelRef.from_count(params, shape, context, note)


def gpu(o: RunOptions, need_flops: bool, need_memory: bool) -> GpuSpec | None:
    """A catalog GPU (gpu), hardware described by gpu_flops/gpu_memory, a catalog GPU with one of those
    figures replaced, or none."""
    name, flops, mem = o.get("gpu"), o.get("gpu_flops"), o.get("gpu_memory")
    if name is not None:
        spec = catalog.gpus().get(name)
        return spec if flops is None and mem is None else override(spec, flops, mem, precision(o))
    if flops is None and mem is None:
        if need_flops or need_memory:
            raise InputError("give --gpu GPU, or describe it with --gpu-flops and --gpu-memory")
        return None
    if need_flops and flops is None:
        raise InputError("--gpu-flops is needed too: the GPU's dense peak at --precision")
    if need_memory and mem is None:
        raise InputError("--gpu-memory is needed too: the GPU's memory")
    return custom_gpu(flops, mem, precision(o))


def gpu_flops(value: Quantity) -> float:
    """A GPU's peak: ``40T``, ``4e13``, ``88 TFLOP/s``; a bare number under 1 TFLOP/s is a unit slip."""
    return parse_flop_per_s(text_of(value), "--gpu-flops", MIN_GPU_FLOP_PER_S)


def gpu_memory(value: Quantity) -> float:
    """A GPU's memory: ``12GB``, ``24GiB``, ``16 GB``; a bare number under 1 GB is a unit slip."""
    return parse_bytes(text_of(value), "--gpu-memory", minimum_unitless=MIN_GPU_MEMORY_BYTES)


def override(spec: GpuSpec, flops: Quantity | None, mem: Quantity | None, chosen_precision: str) -> GpuSpec:
    """A catalog GPU with its memory or its peak at the precision replaced (a 48 GB RTX 4090). Each figure
    replaced is recorded as a source, ``command line: …``, which the answers print."""
    update: dict[str, object] = {}
    changed: list[str] = []
    if mem is not None:
        capacity = gpu_memory(mem)
        update.update(memory_gb=capacity / 1e9, memory_gib=None)
        changed.append(
            f"memory {capacity / 1e9:.4g} GB (--gpu-memory; the catalog has {spec.memory_bytes / 1e9:.4g} GB)"
        )
    if flops is not None:
        peak = gpu_flops(flops)
        chosen = resolve_precision(spec, chosen_precision).value if chosen_precision == "auto" else chosen_precision
        before = spec.peak_flop_per_s(Precision(chosen))
        was = "none" if before is None else f"{before / 1e12:.4g}"
        update["peak_tflop_per_s"] = spec.peak_tflop_per_s.model_copy(update={chosen: peak / 1e12})
        changed.append(f"{chosen} peak {peak / 1e12:.4g} TFLOP/s (--gpu-flops; the catalog has {was})")
    update["name"] = f"{spec.name} ({', '.join(c.split(' (')[0] for c in changed)})"
    update["sources"] = (*spec.sources, *(plan.OVERRIDE + c for c in changed))
    return spec.model_copy(update=update)


def custom_gpu(flops: Quantity | None, mem: Quantity | None, chosen_precision: str) -> GpuSpec:
    """Hardware given as options: the peak counts at the precision (auto: bf16). Built from parsed, checked
    numbers, so it skips the catalog's validation (it has no source URL: the source is the user)."""
    chosen = "bf16" if chosen_precision == "auto" else chosen_precision
    peak = None if flops is None else bounded(gpu_flops(flops), "gpu_flops", flops)
    capacity = None if mem is None else bounded(gpu_memory(mem), "gpu_memory", mem)
    described = [f"{peak / 1e12:.4g} TFLOP/s {chosen}" if peak else "", f"{capacity / 1e9:.4g} GB" if capacity else ""]
    return GpuSpec.model_construct(
        id="custom",
        aliases=(),
        vendor="command line",
        name=f"custom GPU ({', '.join(part for part in described if part)})",
        year=2026,
        memory_gb=None if capacity is None else capacity / 1e9,
        peak_tflop_per_s=Peaks.model_validate({} if peak is None else {chosen: peak / 1e12}),
        sources=("--gpu-flops/--gpu-memory",),
    )


def _config_path(name: str) -> Path | None:
    """``name`` as a path to a config.json or a model.safetensors.index.json: a .json file, or a folder that
    holds one (config.json first)."""
    path = Path(name)
    try:
        if name.endswith(".json"):
            if not path.exists():
                raise InputError(f"no such file: {printable(name)}")
            return path  # the reader refuses what is not a regular file
        if ("/" in name or "\\" in name) and path.is_dir():
            for inside in ("config.json", "model.safetensors.index.json"):
                if (path / inside).exists():
                    return path / inside
    except (OSError, ValueError) as exc:  # a name too long for the OS, a NUL in it
        raise InputError(f"{printable(name)}: not a usable path ({getattr(exc, 'strerror', None) or exc})") from None
    return None
