"""Turning command-line options into the planner's inputs: settings, the model, the GPU. No arithmetic."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from flopcheck import catalog, costing, economics, hf_config, memory, plan, scaling
from flopcheck.cli.options import FlopFormula, LawChoice, OutputFormat, PrecisionChoice
from flopcheck.errors import InputError
from flopcheck.memory_plan import MemoryOptions
from flopcheck.model_ref import ModelRef
from flopcheck.specs import GpuSpec, Peaks
from flopcheck.units import (
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    SECONDS_PER_YEAR,
    parse_bytes,
    parse_count,
    parse_fraction,
)


def duration_s(years: str | None, days: str | None, hours: str | None) -> float:
    given = [
        (text, scale)
        for text, scale in ((years, SECONDS_PER_YEAR), (days, SECONDS_PER_DAY), (hours, SECONDS_PER_HOUR))
        if text is not None
    ]
    if len(given) > 1:
        raise InputError("give only one of --years, --days, --hours")
    if not given:
        return SECONDS_PER_YEAR
    text, scale = given[0]
    seconds = parse_count(text, "time window") * scale
    if not math.isfinite(seconds):
        raise InputError(f"time window {text!r} is too large")
    return seconds


def model(
    name: str, layers: int | None = None, hidden: int | None = None, heads: int | None = None, vocab: int | None = None
) -> ModelRef:
    """A catalog model, a local config.json (or a folder holding one), or a bare parameter count such as
    ``1.5B`` (anything that starts like a number), optionally with a shape from --layers/--hidden/--heads/--vocab."""
    index = catalog.models()
    shape_flags = (layers, hidden, heads, vocab)
    path = _config_path(name)
    if path is not None:
        if any(flag is not None for flag in shape_flags):
            raise InputError("--layers/--hidden/--heads/--vocab are for a parameter count; the config has its own")
        config, arch = hf_config.read_config(path)
        model_id, label = hf_config.display_name(config, path)
        return ModelRef.from_architecture(model_id, label, arch, origin=str(path))
    if index.find(name) is None and re.match(r"\s*[-+]?[0-9.]", name):
        shape = None
        if any(flag is not None for flag in shape_flags):
            if layers is None or hidden is None or heads is None:
                raise InputError("give --layers, --hidden and --heads together")
            if hidden % heads:
                raise InputError(f"--hidden {hidden} is not a multiple of --heads {heads}")
            shape = memory.Shape(n_layer=layers, d_model=hidden, n_head=heads, vocab_size=vocab)
        return ModelRef.from_count(parse_count(name, "parameter count"), shape)
    spec = index.get(name)
    if any(flag is not None for flag in shape_flags):
        raise InputError(f"--layers/--hidden/--heads/--vocab are for a parameter count; {spec.id} has its own")
    origin = index.origin(spec.id)
    return ModelRef.from_spec(spec, "catalog" if origin == catalog.PACKAGED else origin)


def gpu(
    name: str | None,
    flops: str | None,
    memory: str | None,
    precision: PrecisionChoice,
    need_flops: bool,
    need_memory: bool,
) -> GpuSpec | None:
    """A catalog GPU (--gpu), hardware described on the command line (--gpu-flops/--gpu-memory), or none."""
    if name is not None:
        if flops is not None or memory is not None:
            raise InputError("give --gpu, or --gpu-flops/--gpu-memory, not both")
        return catalog.gpus().get(name)
    if flops is None and memory is None:
        if need_flops or need_memory:
            raise InputError("give --gpu GPU, or describe it with --gpu-flops and --gpu-memory")
        return None
    if need_flops and flops is None:
        raise InputError("--gpu-flops is needed too: the GPU's dense peak at --precision")
    if need_memory and memory is None:
        raise InputError("--gpu-memory is needed too: the GPU's memory")
    return custom_gpu(flops, memory, precision)


def custom_gpu(flops: str | None, memory: str | None, precision: PrecisionChoice) -> GpuSpec:
    """Hardware given on the command line: the peak counts at --precision (auto: bf16). Built from parsed,
    checked numbers, so it skips the catalog's validation (it has no source URL: the source is the user)."""
    chosen = "bf16" if precision is PrecisionChoice.auto else precision.value
    peak = None if flops is None else parse_count(flops, "--gpu-flops")
    size = None if memory is None else parse_bytes(memory, "--gpu-memory")
    described = [f"{peak / 1e12:.4g} TFLOP/s {chosen}" if peak else "", f"{size / 1e9:.4g} GB" if size else ""]
    return GpuSpec.model_construct(
        id="custom",
        aliases=(),
        vendor="command line",
        name=f"custom GPU ({', '.join(part for part in described if part)})",
        year=2026,
        memory_gb=None if size is None else size / 1e9,
        peak_tflop_per_s=Peaks.model_validate({} if peak is None else {chosen: peak / 1e12}),
        sources=("--gpu-flops/--gpu-memory",),
    )


def _config_path(name: str) -> Path | None:
    """``name`` as a path to a config.json: a .json file, or a folder that holds config.json."""
    path = Path(name)
    if name.endswith(".json"):
        if not path.is_file():
            raise InputError(f"no such file: {name}")
        return path
    if ("/" in name or "\\" in name) and path.is_dir() and (path / "config.json").is_file():
        return path / "config.json"
    return None


def tokens(
    ref: ModelRef, text: str | None, ratio: str | None, optimal_law: scaling.Law | None = None
) -> tuple[int, str]:
    return plan.resolve_tokens(
        ref,
        None if text is None else parse_count(text, "--tokens"),
        None if ratio is None else parse_count(ratio, "--tokens-per-param"),
        optimal_law,
    )


def memory_options(flags: dict[str, Any]) -> MemoryOptions:
    """The memory options from a command's parameters (``locals()``); flags a command lacks keep their default."""
    targets = flags.get("lora_targets")
    return MemoryOptions(
        master_weights=flags["master_weights"],
        optimizer=flags["optimizer"],
        micro_batch=flags["micro_batch"],
        seq_len=flags["seq_len"],
        recompute=flags["recompute"],
        zero=flags["zero"],
        offload=flags["offload"],
        finetune=flags.get("finetune"),
        lora_rank=flags.get("lora_rank"),
        lora_targets=None if targets is None else targets.value,
        overhead_bytes=parse_bytes(flags["overhead"], "--overhead", allow_zero=True),
    )


def scaling_law(choice: LawChoice, ratio: str | None) -> scaling.Law:
    if ratio is not None and choice is not LawChoice.tokens_per_param:
        raise InputError("--ratio goes with --law tokens-per-param")
    value = scaling.CHINCHILLA_TOKENS_PER_PARAM if ratio is None else parse_count(ratio, "--ratio")
    return scaling.law(choice.value, value)


def settings(flags: dict[str, Any]) -> plan.Settings:
    """The planner's settings from a command's parameters (``locals()``); options a command lacks keep their
    defaults."""
    precision: PrecisionChoice = flags.get("precision", PrecisionChoice.auto)
    law: LawChoice | None = flags.get("law")
    formula: FlopFormula = flags.get("flop_formula", FlopFormula.six_nd)
    mfu, uptime, run = flags.get("mfu"), flags.get("uptime"), flags.get("mfu_from")
    if run is not None and mfu is not None:
        raise InputError("give --mfu or --mfu-from, not both")
    return plan.Settings(
        count=flags.get("count", 1),
        duration_s=duration_s(flags.get("years"), flags.get("days"), flags.get("hours")),
        mfu=mfu_from_run(run)
        if run is not None
        else plan.Settings.mfu
        if mfu is None
        else parse_fraction(mfu, "--mfu"),
        uptime=plan.Settings.uptime if uptime is None else parse_fraction(uptime, "--uptime"),
        precision=precision.value,
        memory=memory_options(flags) if "optimizer" in flags else MemoryOptions(seq_len=flags.get("seq_len")),
        law=scaling.law("chinchilla") if law is None else scaling_law(law, flags.get("ratio")),
        flop_formula=formula.value,
        causal=flags.get("causal", False),
        cost=cost_options(flags),
        gates=gates(flags),
    )


def cost_options(flags: dict[str, Any]) -> costing.CostOptions:
    """--price, --pue, --electricity-price, --grid-intensity, --power from a command's parameters."""

    def number(name: str, flag: str, allow_zero: bool = False) -> float | None:
        text = flags.get(name)
        if text is None:
            return None
        if allow_zero and text.strip() in ("0", "0.0"):
            return 0.0
        return parse_count(text, flag)

    pue = number("pue", "--pue") or economics.DEFAULT_PUE
    if pue < 1.0:
        raise InputError(f"--pue must be at least 1 (power usage effectiveness), got {flags['pue']!r}")
    return costing.CostOptions(
        price_usd_per_gpu_hour=number("price", "--price"),
        pue=pue,
        electricity_usd_per_kwh=number("electricity_price", "--electricity-price", allow_zero=True),
        grid_kg_co2_per_kwh=number("grid_intensity", "--grid-intensity", allow_zero=True),
        power_w=number("power", "--power"),
    )


def gates(flags: dict[str, Any]) -> costing.Gates:
    def limit(name: str, flag: str) -> float | None:
        text = flags.get(name)
        return None if text is None else parse_count(text, flag)

    return costing.Gates(
        max_days=limit("max_days", "--max-days"),
        max_cost_usd=limit("max_cost", "--max-cost"),
        max_kwh=limit("max_kwh", "--max-kwh"),
    )


def output_format(json: bool, fmt: OutputFormat | None) -> str:
    """--json is the shortcut for --format json; the two must agree."""
    if json and fmt not in (None, OutputFormat.json):
        raise InputError(f"--json and --format {fmt.value if fmt else ''} disagree; give one")
    return "json" if json else (fmt or OutputFormat.table).value


def throughput(tokens_per_second: str | None, step_time: str | None, batch_tokens: str | None) -> float:
    """Tokens per second, given directly or as tokens per step over seconds per step."""
    if tokens_per_second is not None:
        if step_time is not None or batch_tokens is not None:
            raise InputError("give --tokens-per-second, or --step-time with --batch-tokens, not both")
        return parse_count(tokens_per_second, "--tokens-per-second")
    if step_time is None or batch_tokens is None:
        raise InputError("give --tokens-per-second T, or --step-time S with --batch-tokens B")
    return parse_count(batch_tokens, "--batch-tokens") / parse_count(step_time, "--step-time")


def mfu_from_run(name: str) -> float:
    """The MFU a published run implies (6·N·D over its accelerator-hours at peak)."""
    from flopcheck import runs_plan

    run = catalog.runs().get(name)
    model = runs_plan.model_of(run, catalog.models())
    return runs_plan.evaluate(run, model, catalog.gpus().get(run.gpu), plan.Settings.mfu).implied_mfu


def measured(settings: plan.Settings, model: ModelRef, gpu: GpuSpec, tokens_per_second: str) -> plan.Settings:
    """Settings whose MFU reproduces a measured throughput: 6·N × tokens/s over count × peak (the uptime of
    the measurement is in it, so uptime becomes 1)."""
    import dataclasses

    from flopcheck import runs_plan

    precision = plan.resolve_precision(gpu, settings.precision)
    tps = parse_count(tokens_per_second, "--tokens-per-second")
    result = runs_plan.calibrate(model, gpu, settings.count, precision, tps)
    if not result.plausible:
        raise InputError(f"{tps:g} tokens/s is {result.mfu:.0%} of the GPUs' peak: check the measurement")
    return dataclasses.replace(settings, mfu=result.mfu, uptime=1.0)
