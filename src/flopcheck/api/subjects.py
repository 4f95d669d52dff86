"""The model and the GPU a question is about: a catalog entry, a local config.json, a parameter count, or
hardware described by its peak and memory."""

from __future__ import annotations

import re
from pathlib import Path

from flopcheck.api.options import Quantity, RunOptions
from flopcheck.api.quantities import PRECISIONS, count, integer, one_of, size
from flopcheck.catalog import hf_config, safetensors_index
from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import GpuSpec, Peaks
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import memory
from flopcheck.core.errors import InputError
from flopcheck.core.units import parse_count


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
        params, how = safetensors_index.read_index(path)
        label = path.resolve().parent.name or path.stem
        name = f"{label} ({path.name}: {how}; no architecture)"
        return ModelRef(id=label, name=name, params=params, active_params=params, named=True, origin=str(path))
    if path is not None:
        if shaped:
            raise InputError("--layers/--hidden/--heads/--vocab are for a parameter count; the config has its own")
        config, arch = hf_config.read_config(path)
        model_id, label = hf_config.display_name(config, path)
        return ModelRef.from_architecture(model_id, label, arch, origin=str(path))
    if index.find(text) is None and re.match(r"\s*[-+]?[0-9.]", text):
        shape = None
        if shaped:
            if layers is None or hidden is None or heads is None:
                raise InputError("give --layers, --hidden and --heads together")
            if hidden % heads:
                raise InputError(f"--hidden {hidden} is not a multiple of --heads {heads}")
            shape = memory.Shape(n_layer=layers, d_model=hidden, n_head=heads, vocab_size=vocab)
        return ModelRef.from_count(parse_count(text, "parameter count"), shape)
    spec = index.get(text)
    if shaped:
        raise InputError(f"--layers/--hidden/--heads/--vocab are for a parameter count; {spec.id} has its own")
    origin = index.origin(spec.id)
    return ModelRef.from_spec(spec, "catalog" if origin == catalog.PACKAGED else origin)


def gpu(o: RunOptions, need_flops: bool, need_memory: bool) -> GpuSpec | None:
    """A catalog GPU (gpu), hardware described by gpu_flops/gpu_memory, or none."""
    name, flops, mem = o.get("gpu"), o.get("gpu_flops"), o.get("gpu_memory")
    if name is not None:
        if flops is not None or mem is not None:
            raise InputError("give --gpu, or --gpu-flops/--gpu-memory, not both")
        return catalog.gpus().get(name)
    if flops is None and mem is None:
        if need_flops or need_memory:
            raise InputError("give --gpu GPU, or describe it with --gpu-flops and --gpu-memory")
        return None
    if need_flops and flops is None:
        raise InputError("--gpu-flops is needed too: the GPU's dense peak at --precision")
    if need_memory and mem is None:
        raise InputError("--gpu-memory is needed too: the GPU's memory")
    return custom_gpu(flops, mem, precision(o))


def custom_gpu(flops: Quantity | None, mem: Quantity | None, chosen_precision: str) -> GpuSpec:
    """Hardware given as options: the peak counts at the precision (auto: bf16). Built from parsed, checked
    numbers, so it skips the catalog's validation (it has no source URL: the source is the user)."""
    chosen = "bf16" if chosen_precision == "auto" else chosen_precision
    peak = None if flops is None else count(flops, "gpu_flops")
    capacity = None if mem is None else size(mem, "gpu_memory")
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
    if name.endswith(".json"):
        if not path.is_file():
            raise InputError(f"no such file: {name}")
        return path
    if ("/" in name or "\\" in name) and path.is_dir():
        for inside in ("config.json", "model.safetensors.index.json"):
            if (path / inside).is_file():
                return path / inside
    return None
