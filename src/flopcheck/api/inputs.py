"""Turning options (``RunOptions``) into the answers' inputs: settings, the model, the GPU. No arithmetic.

Quantities come as numbers or as the CLI's text and are checked here; an option left out takes its default.
"""

from __future__ import annotations

import dataclasses

from flopcheck.answers import costing
from flopcheck.answers.memory import MemoryOptions
from flopcheck.answers.settings import Settings, resolve_precision, resolve_tokens
from flopcheck.api.options import Quantity, RunOptions
from flopcheck.api.quantities import (
    BIG as BIG,
)
from flopcheck.api.quantities import (
    LAWS as LAWS,
)
from flopcheck.api.quantities import (
    PRECISIONS as PRECISIONS,
)
from flopcheck.api.quantities import boolean as boolean
from flopcheck.api.quantities import (
    choice as choice,
)
from flopcheck.api.quantities import (
    count as count,
)
from flopcheck.api.quantities import (
    flag as flag,
)
from flopcheck.api.quantities import (
    fraction as fraction,
)
from flopcheck.api.quantities import (
    integer as integer,
)
from flopcheck.api.quantities import (
    one_of as one_of,
)
from flopcheck.api.quantities import (
    size as size,
)
from flopcheck.api.ranges import plausible_mfu
from flopcheck.api.subjects import custom_gpu as custom_gpu
from flopcheck.api.subjects import gpu as gpu
from flopcheck.api.subjects import gpu_flops, gpu_memory
from flopcheck.api.subjects import model as model
from flopcheck.api.subjects import precision as precision
from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import GpuSpec
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import compute, economics, memory, scaling
from flopcheck.core.activations import Attention, Loss
from flopcheck.core.errors import InputError
from flopcheck.core.flops import FLOP_FORMULAS
from flopcheck.core.layout import Layout
from flopcheck.core.stacks import STACKS, preset, sequence_length
from flopcheck.core.units import (
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    SECONDS_PER_YEAR,
)


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
    return count(value, name, "time window") * scale


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
        finetune = o.get("finetune") is not None
        stack = preset(o.get("stack"), finetune, o.get("count") or 1)
        length = sequence_length(o.get("seq_len"), ref.n_ctx, finetune, stack)
        if not length:
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


def check_option(name: str, value: object) -> None:
    """Check one option alone, as the command that takes it would: raises the InputError it would raise."""
    if name == "gpu":
        catalog.gpus().get(str(value))
    elif name == "gpu_flops":
        gpu_flops(value)  # type: ignore[arg-type]
    elif name == "gpu_memory":
        gpu_memory(value)  # type: ignore[arg-type]
    elif name in ("tokens", "tokens_per_param", "tokens_per_second", "flop", "samples", "epochs"):
        count(value, name)  # type: ignore[arg-type]
    elif name in ("layers", "hidden", "heads", "vocab"):
        integer(value, name, 1)
    elif name == "chinchilla":
        boolean(value, name)
    else:
        settings({name: value})  # type: ignore[misc]


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
        master_weights=boolean(o.get("master_weights", True), "master_weights"),
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
        compiled=None if compiled is None else boolean(compiled, "compile"),
        optimizer_in_backward=boolean(o.get("optimizer_in_backward", False), "optimizer_in_backward"),
        paged_optimizer=boolean(o.get("paged_optimizer", False), "paged_optimizer"),
        offload_activations=boolean(o.get("offload_activations", False), "offload_activations"),
        stack=None if stack is None else one_of(stack, tuple(STACKS), "stack"),
        overhead_bytes=None if overhead is None else size(overhead, "overhead", allow_zero=True),
        layout=layout(o),
        tp_comm_overlap=boolean(o.get("tp_comm_overlap", False), "tp_comm_overlap"),
        global_batch=None if o.get("global_batch") is None else integer(o.get("global_batch"), "global_batch", 1),
    )


def layout(o: RunOptions) -> Layout | None:
    """The model-parallel layout given (None when no layout option is): tp, pp, vp, cp, ep, sequence_parallel."""
    names = ("tp", "pp", "vp", "cp", "ep")
    given = {name: integer(o.get(name), name, 1, 1_000_000) for name in names if o.get(name) is not None}
    sp = o.get("sequence_parallel")
    tp = given.get("tp", 1)
    if o.get("tp_comm_overlap") and given and tp == 1:
        raise InputError("--tp-comm-overlap overlaps tensor-parallel communication: it needs --tp 2 or more")
    if not given and sp is None:
        return None
    if sp and tp == 1:
        raise InputError("--sequence-parallel splits over the tensor-parallel GPUs: it needs --tp 2 or more")
    split = {name: given.get(name, 1) for name in names}
    return Layout(
        tp=split["tp"], pp=split["pp"], vp=split["vp"], cp=split["cp"], ep=split["ep"],
        sequence_parallel=tp > 1 if sp is None else bool(sp),
    )  # fmt: skip


def _optional_count(value: Quantity | None, name: str) -> float | None:
    return None if value is None else count(value, name)


def scaling_law(o: RunOptions) -> scaling.Law:
    """The law by name; ``ratio`` alone means ``law="tokens-per-param"`` (the only law with a ratio)."""
    ratio = o.get("ratio")
    name = one_of(o.get("law") or ("chinchilla" if ratio is None else "tokens-per-param"), LAWS, "law")
    if ratio is not None and name != "tokens-per-param":
        raise InputError(f"--ratio sets the tokens per parameter of --law tokens-per-param; {name} has its own")
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
        uptime_source="goodput" if uptime is None else "--uptime",
        network_gbps=_optional_count(o.get("network_gbps"), "network_gbps"),
        precision=precision(o),
        memory=memory_options(o),
        law=scaling_law(o),
        flop_formula=one_of(o.get("flop_formula", "6nd"), tuple(FLOP_FORMULAS), "flop_formula"),
        causal=boolean(o.get("causal", False), "causal"),
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
    return dataclasses.replace(
        settings,
        mfu=plausible_mfu(result.mfu, rate),
        mfu_source="--tokens-per-second",
        uptime=1.0,
        uptime_source="--uptime",
    )
