"""Turning options (``RunOptions``) into the answers' inputs: settings, the model, the GPU. No arithmetic.

Quantities come as numbers or as the CLI's text and are checked here; an option left out takes its default.
"""

from __future__ import annotations

import dataclasses
import math
import re
from enum import Enum
from pathlib import Path
from typing import TypeVar

from flopcheck.answers import costing
from flopcheck.answers.memory import MemoryOptions
from flopcheck.answers.settings import Settings, resolve_precision, resolve_tokens
from flopcheck.api.options import Quantity, RunOptions
from flopcheck.catalog import hf_config, safetensors_index
from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import GpuSpec, Peaks, Precision
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import compute, economics, memory, scaling
from flopcheck.core.activations import Attention, Loss
from flopcheck.core.errors import InputError
from flopcheck.core.flops import FLOP_FORMULAS
from flopcheck.core.stacks import STACKS
from flopcheck.core.units import (
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    SECONDS_PER_YEAR,
    parse_bytes,
    parse_count,
    parse_fraction,
)

E = TypeVar("E", bound=Enum)
PRECISIONS = ("auto", *(p.value for p in Precision))
LAWS = ("chinchilla", "hoffmann-fit", "epoch", "tokens-per-param")
BIG = 10**9
"""Upper bound of integer options: keeps every product of inputs inside the float range."""


def flag(name: str) -> str:
    """An option's CLI spelling: ``tokens_per_param`` -> ``--tokens-per-param``."""
    return "--" + name.replace("_", "-")


def _text(value: Quantity) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(f"expected a number or text, got {value!r}")
    return value if isinstance(value, str) else repr(value)


def count(value: Quantity, name: str, what: str | None = None) -> float:
    """A positive quantity (``10B``, ``300e9``, 1.5e12); errors call it ``what`` (default: its flag)."""
    return parse_count(_text(value), what or flag(name))


def fraction(value: Quantity, name: str) -> float:
    """A fraction in (0, 1]: ``0.4``, ``40%``."""
    return parse_fraction(_text(value), flag(name))


def size(value: Quantity, name: str, allow_zero: bool = False) -> float:
    """Bytes: ``12GB``, ``24GiB``, 12e9."""
    return parse_bytes(_text(value), flag(name), allow_zero)


def integer(value: object, name: str, low: int, high: int = BIG) -> int:
    """A whole number in [low, high]; text such as "8" is accepted."""
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{flag(name)} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise InputError(f"{flag(name)} must be between {low} and {high}, got {value}")
    return value


def choice(kind: type[E], value: object, name: str) -> E:
    """An enumerated option by its value (``"adamw-8bit"``)."""
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(str(member.value) for member in kind)
        raise InputError(f"{flag(name)} must be one of {names}, got {value!r}") from None


def one_of(value: object, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise InputError(f"{flag(name)} must be one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def duration_s(o: RunOptions) -> float:
    given = [
        (o[name], name, scale)  # type: ignore[literal-required]
        for name, scale in (("years", SECONDS_PER_YEAR), ("days", SECONDS_PER_DAY), ("hours", SECONDS_PER_HOUR))
        if o.get(name) is not None
    ]
    if len(given) > 1:
        raise InputError("give only one of --years, --days, --hours")
    if not given:
        return SECONDS_PER_YEAR
    value, name, scale = given[0]
    seconds = count(value, name, "time window") * scale
    if not math.isfinite(seconds):
        raise InputError(f"time window {value!r} is too large")
    return seconds


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


def tokens(ref: ModelRef, o: RunOptions, optimal_law: scaling.Law | None = None) -> tuple[int, str]:
    """Training tokens: tokens, tokens_per_param, samples × seq_len × epochs, the compute-optimal tokens, or
    (pre-training only) the catalog's published figure."""
    text, ratio, samples, epochs = o.get("tokens"), o.get("tokens_per_param"), o.get("samples"), o.get("epochs")
    if epochs is not None and samples is None:
        raise InputError("--epochs goes with --samples")
    from_samples = None
    if samples is not None:
        if text is not None:
            raise InputError("give --tokens or --samples, not both")
        length = o.get("seq_len") or ref.n_ctx
        if length is None:
            raise InputError("--samples needs --seq-len: the model's context length is not known")
        passes = 1.0 if epochs is None else count(epochs, "epochs")
        value = count(samples, "samples") * integer(length, "seq_len", 1) * passes
        from_samples = (value, f"--samples × {integer(length, 'seq_len', 1):,} tokens × {passes:g} epochs")
    return resolve_tokens(
        ref,
        None if text is None else count(text, "tokens"),
        None if ratio is None else count(ratio, "tokens_per_param"),
        optimal_law,
        finetune=o.get("finetune") is not None,
        from_samples=from_samples,
    )


def precision(o: RunOptions) -> str:
    return one_of(o.get("precision", "auto"), PRECISIONS, "precision")


def lora_targets(value: object) -> frozenset[str]:
    """A preset (qv, attention, all) or a comma-separated list of q, k, v, o, mlp."""
    text = str(value).strip().lower()
    if text in memory.LORA_TARGETS:
        return memory.LORA_TARGETS[text]
    chosen = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(chosen - set(memory.LORA_MATRICES))
    if not chosen or unknown:
        presets = ", ".join(memory.LORA_TARGETS)
        raise InputError(f"--lora-targets takes {presets} or a list of {','.join(memory.LORA_MATRICES)}; got {value!r}")
    return chosen


def memory_options(o: RunOptions) -> MemoryOptions:
    """The memory options; those left out keep their default."""
    finetune, rank, targets = o.get("finetune"), o.get("lora_rank"), o.get("lora_targets")
    attention, loss, stack, overhead = o.get("attention"), o.get("loss"), o.get("stack"), o.get("overhead")
    compiled = o.get("compile")
    return MemoryOptions(
        master_weights=bool(o.get("master_weights", True)),
        optimizer=choice(memory.Optimizer, o.get("optimizer", "adamw"), "optimizer"),
        micro_batch=None if o.get("micro_batch") is None else integer(o.get("micro_batch"), "micro_batch", 1),
        seq_len=None if o.get("seq_len") is None else integer(o.get("seq_len"), "seq_len", 1),
        recompute=None if o.get("recompute") is None else choice(memory.Recompute, o.get("recompute"), "recompute"),
        zero=None if o.get("zero") is None else integer(o.get("zero"), "zero", 0, 3),
        offload=choice(memory.Offload, o.get("offload", "none"), "offload"),
        finetune=None if finetune is None else choice(memory.Finetune, finetune, "finetune"),
        lora_rank=None if rank is None else integer(rank, "lora_rank", 1, 65536),
        lora_targets=None if targets is None else lora_targets(targets),
        attention=None if attention is None else choice(Attention, attention, "attention"),
        loss=None if loss is None else choice(Loss, loss, "loss"),
        compiled=None if compiled is None else bool(compiled),
        optimizer_in_backward=bool(o.get("optimizer_in_backward", False)),
        paged_optimizer=bool(o.get("paged_optimizer", False)),
        offload_activations=bool(o.get("offload_activations", False)),
        stack=None if stack is None else one_of(stack, tuple(STACKS), "stack"),
        overhead_bytes=None if overhead is None else size(overhead, "overhead", allow_zero=True),
    )


def scaling_law(o: RunOptions) -> scaling.Law:
    name, ratio = one_of(o.get("law", "chinchilla"), LAWS, "law"), o.get("ratio")
    if ratio is not None and name != "tokens-per-param":
        raise InputError("--ratio goes with --law tokens-per-param")
    value = scaling.CHINCHILLA_TOKENS_PER_PARAM if ratio is None else count(ratio, "ratio")
    return scaling.law(name, value)


def settings(o: RunOptions) -> Settings:
    """The answers' settings; options left out keep their defaults."""
    mfu, uptime, run = o.get("mfu"), o.get("uptime"), o.get("mfu_from")
    if run is not None and mfu is not None:
        raise InputError("give --mfu or --mfu-from, not both")
    return Settings(
        count=integer(o.get("count", 1), "count", 1),
        duration_s=duration_s(o),
        mfu=mfu_from_run(run) if run is not None else None if mfu is None else fraction(mfu, "mfu"),
        mfu_source="--mfu-from" if run is not None else "--mfu" if mfu is not None else "predicted",
        global_batch=None if o.get("global_batch") is None else integer(o.get("global_batch"), "global_batch", 1),
        gpus_per_node=None
        if o.get("gpus_per_node") is None
        else integer(o.get("gpus_per_node"), "gpus_per_node", 1, 1024),
        uptime=Settings.uptime if uptime is None else fraction(uptime, "uptime"),
        precision=precision(o),
        memory=memory_options(o),
        law=scaling_law(o),
        flop_formula=one_of(o.get("flop_formula", "6nd"), tuple(FLOP_FORMULAS), "flop_formula"),
        causal=bool(o.get("causal", False)),
        cost=cost_options(o),
        gates=gates(o),
    )


def cost_options(o: RunOptions) -> costing.CostOptions:
    """price, provider, site, pue, electricity_price, grid_intensity, power."""

    def number(name: str, allow_zero: bool = False) -> float | None:
        value = o.get(name)
        if value is None:
            return None
        if allow_zero and isinstance(value, (str, int, float)) and str(value).strip() in ("0", "0.0"):
            return 0.0
        return count(value, name)  # type: ignore[arg-type]

    pue = number("pue")
    if pue is not None and pue < 1.0:
        raise InputError(f"--pue must be at least 1 (power usage effectiveness), got {o.get('pue')!r}")
    site = o.get("site")
    provider = o.get("provider")
    return costing.CostOptions(
        price_usd_per_gpu_hour=number("price"),
        provider=None if provider is None else str(provider),
        site=None if site is None else one_of(str(site), economics.SITES, "site"),
        pue=pue,
        electricity_usd_per_kwh=number("electricity_price", allow_zero=True),
        grid_kg_co2_per_kwh=number("grid_intensity", allow_zero=True),
        power_w=number("power"),
    )


def gates(o: RunOptions) -> costing.Gates:
    def limit(name: str) -> float | None:
        value = o.get(name)
        return None if value is None else count(value, name)  # type: ignore[arg-type]

    return costing.Gates(max_days=limit("max_days"), max_cost_usd=limit("max_cost"), max_kwh=limit("max_kwh"))


def throughput(tokens_per_second: Quantity | None, step_time: Quantity | None, batch_tokens: Quantity | None) -> float:
    """Tokens per second, given directly or as tokens per step over seconds per step."""
    if tokens_per_second is not None:
        if step_time is not None or batch_tokens is not None:
            raise InputError("give --tokens-per-second, or --step-time with --batch-tokens, not both")
        return count(tokens_per_second, "tokens_per_second")
    if step_time is None or batch_tokens is None:
        raise InputError("give --tokens-per-second T, or --step-time S with --batch-tokens B")
    return count(batch_tokens, "batch_tokens") / count(step_time, "step_time")


def mfu_from_run(name: str) -> float:
    """The MFU a published run implies (6·N·D over its accelerator-hours at peak)."""
    from flopcheck.answers import runs as runs_plan

    run = catalog.runs().get(name)
    model_ref = runs_plan.model_of(run, catalog.models())
    return runs_plan.evaluate(run, model_ref, catalog.gpus().get(run.gpu), compute.DEFAULT_MFU).implied_mfu


def measured(settings: Settings, model_ref: ModelRef, hardware: GpuSpec, tps: Quantity) -> Settings:
    """Settings whose MFU reproduces a measured throughput: 6·N × tokens/s over count × peak (the uptime of
    the measurement is in it, so uptime becomes 1)."""
    from flopcheck.answers import runs as runs_plan

    chosen = resolve_precision(hardware, settings.precision)
    rate = count(tps, "tokens_per_second")
    result = runs_plan.calibrate(model_ref, hardware, settings.count, chosen, rate)
    if not result.plausible:
        raise InputError(f"{rate:g} tokens/s is {result.mfu:.0%} of the GPUs' peak: check the measurement")
    return dataclasses.replace(settings, mfu=result.mfu, mfu_source="--tokens-per-second", uptime=1.0)
