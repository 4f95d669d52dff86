"""The best layout: every valid tensor × pipeline × virtual-stage × context × expert × data-parallel split of the
GPUs, with each micro-batch, recomputation and ZeRO stage, kept when it fits the GPU's memory and ranked by the
predicted step time. Pure: built on ``core.layout``, ``core.memory`` and ``core.performance``.

Pruned without losing a fitting layout: tensor parallelism stays inside the NVLink domain (across nodes its
per-layer all-reduces run on the network, an order of magnitude slower); context parallelism only splits
sequences of 2,048 tokens or more per GPU; memory is affine in the micro-batch, so two estimates give the largest
micro-batch that fits for each split, recomputation and ZeRO stage, and only fitting micro-batches are timed:
every divisor of the sequences each replica runs per step (26 per GPU, as LLM Foundry ran MPT-125m, is timed at
13 and 26, not only at the powers of two that divide it).
"""

from __future__ import annotations

from dataclasses import replace

from flopcheck.answers import memory as memory_plan
from flopcheck.answers import speed, throughput
from flopcheck.answers.results import LayoutResult
from flopcheck.answers.settings import Settings, resolve_precision
from flopcheck.catalog.entries import GpuSpec
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import fitted, memory
from flopcheck.core.errors import InputError
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.layout import Layout, divisors, problem
from flopcheck.core.memory import Finetune, Recompute
from flopcheck.core.performance import Efficiency, Machine, step_time

MIN_CP_TOKENS = 2048
"""Context parallelism is searched only while each GPU keeps at least this many tokens of a sequence."""
TOKENS_PER_STEP = 4 * 1024 * 1024
"""Default global batch of the search, in tokens: Llama 2 trained with "a global batch-size of 4M tokens"
(Touvron et al. 2023, Sec. 2.2); GPT-3 175B used 3.2M (Brown et al. 2020, Table 2.1)."""
GPUS_PER_SEQUENCE = 8
"""Above 4M tokens' worth of GPUs, the default global batch keeps one sequence per 8 GPUs: Llama 3 405B ran
2,048 sequences (16M tokens) on 16,384 H100 (Dubey et al. 2024, Table 4)."""
MAX_MICRO_BATCH = 64


@frozen_dataclass
class Candidate:
    """One layout the search kept: the split, the data-parallel degree and the settings it runs with, its step time and
    its memory per GPU."""

    layout: Layout
    dp: int
    micro_batch: int
    recompute: Recompute
    zero: int
    global_batch: int
    step_s: float
    tokens_per_s: float
    """All GPUs."""
    memory_bytes: float
    """Per GPU, with the allocator's reserve: what must fit."""
    config: memory.Config


@frozen_dataclass
class Search:
    """What the layout search found for a run."""

    candidates: tuple[Candidate, ...]
    """Fitting layouts, fastest per sequence first."""
    evaluated: int
    """Configurations whose memory or step time was computed."""
    global_batch: int


def default_global_batch(seq_len: int, count: int) -> int:
    """``TOKENS_PER_STEP`` in sequences, or one sequence per ``GPUS_PER_SEQUENCE`` GPUs if that is more."""
    return max(1, TOKENS_PER_STEP // max(1, seq_len), count // GPUS_PER_SEQUENCE)


def _powers(limit: int) -> list[int]:
    return [2**k for k in range(limit.bit_length()) if 2**k <= limit]


def splits(shape: memory.Shape, count: int, seq_len: int, per_node: int) -> list[Layout]:
    """Every layout ``core.layout.problem`` accepts, pruned as the module docstring says."""
    kv = shape.n_kv_head or shape.n_head
    tps = [t for t in divisors(count) if shape.n_head % t == 0 and kv % t == 0 and t <= per_node]
    experts = divisors(shape.n_expert) if shape.n_expert > 1 else [1]
    found: list[Layout] = []
    for tp in tps:
        cps = [c for c in _powers(count // tp) if c == 1 or seq_len // c >= MIN_CP_TOKENS]
        for cp in cps:
            for pp in divisors(count // (tp * cp)):
                if shape.n_layer % pp:
                    continue
                vps = [1] if pp == 1 else divisors(shape.n_layer // pp)
                for vp in vps:
                    for ep in experts:
                        lay = Layout(tp=tp, pp=pp, vp=vp, cp=cp, ep=ep, sequence_parallel=tp > 1)
                        if problem(lay, shape, count, seq_len) is None:
                            found.append(lay)
    return found


@frozen_dataclass
class Fixed:
    """What the user gave and the search keeps: the recomputation, the ZeRO stage, the micro-batch, and tensor
    parallelism's communication overlap for the layouts with tp above 1."""

    recompute: Recompute | None = None
    zero: int | None = None
    micro_batch: int | None = None
    tp_comm_overlap: bool = False

    def recomputes(self) -> tuple[Recompute, ...]:
        return tuple(Recompute) if self.recompute is None else (self.recompute,)

    def zeros(self) -> tuple[int, ...]:
        return (0, 1, 2, 3) if self.zero is None else (self.zero,)


def search(
    params: float,
    shape: memory.Shape,
    base: memory.Config,
    count: int,
    global_batch: int,
    machine: Machine,
    eff: Efficiency,
    usable_bytes: float,
    keep: int = 10,
    exact: bool = True,
    fixed: Fixed | None = None,
) -> Search:
    """The fitting layouts for ``count`` GPUs at ``global_batch`` sequences per step, fastest first. With
    ``exact`` a layout must split the batch evenly over its data-parallel replicas (Megatron's rule); without,
    each layout rounds the batch up to a multiple of its replicas. What ``fixed`` holds is not searched."""
    fixed = fixed or Fixed()
    found: list[Candidate] = []
    evaluated = 0
    trainable = memory.estimate(params, shape, base).trainable_params
    for lay in splits(shape, count, base.seq_len, machine.gpus_per_node):
        if fixed.tp_comm_overlap and lay.tp > 1:
            lay = replace(lay, tp_comm_overlap=True)
        dp = count // lay.model_parallel
        if exact and global_batch % dp:
            continue
        per_replica = -(-global_batch // dp)
        batch = per_replica * dp
        for recompute in fixed.recomputes():
            for zero in fixed.zeros():
                config = replace(base, layout=lay, gpus=dp, recompute=recompute, zero=zero, micro_batch=1)
                largest, one, per_sample = _largest(params, shape, config, per_replica, usable_bytes)
                evaluated += 2
                sizes = divisors(per_replica) if fixed.micro_batch is None else [fixed.micro_batch]
                for size in (b for b in sizes if per_replica % b == 0 and b <= min(largest, MAX_MICRO_BATCH)):
                    batches = per_replica // size
                    if lay.vp > 1 and batches % lay.pp:
                        continue  # Megatron's interleaved schedule runs micro-batches in groups of p
                    sized = replace(config, micro_batch=size)
                    run = throughput.run(shape, params, trainable, sized, batch)
                    step = step_time(run, machine, eff)
                    evaluated += 1
                    needed = one + (size - 1) * per_sample
                    found.append(
                        Candidate(lay, dp, size, recompute, zero, batch, step.step_s,
                                  step.tokens_per_s * count, needed, sized)
                    )  # fmt: skip
    # fastest per sequence (the default batch is rounded per layout), then the simplest split, then the leanest
    found.sort(key=lambda c: (round(c.step_s / c.global_batch, 12), c.layout.model_parallel * c.layout.ep,
                              c.layout.vp, c.memory_bytes))  # fmt: skip
    return Search(tuple(found[:keep]), evaluated, global_batch)


def _largest(
    params: float, shape: memory.Shape, config: memory.Config, per_replica: int, usable: float
) -> tuple[int, float, float]:
    """(the largest micro-batch that fits, bytes at micro-batch 1, bytes per further sequence): memory is affine
    in the micro-batch; a pipeline's in-flight micro-batches are counted at their most (one per stage), as
    ``fits`` counts them."""
    one = memory_plan.required_bytes(memory.estimate(params, shape, config))
    two = memory_plan.required_bytes(memory.estimate(params, shape, replace(config, micro_batch=2)))
    per_sample = max(0.0, two - one)
    if one > usable:
        return 0, one, per_sample
    if per_sample <= 0:
        return per_replica, one, per_sample
    return min(per_replica, 1 + int((usable - one) // per_sample)), one, per_sample


def flags_of(lay: Layout, micro_batch: int, recompute: Recompute, zero: int, global_batch: int) -> tuple[str, ...]:
    chosen = [("--tp", lay.tp), ("--pp", lay.pp), ("--vp", lay.vp), ("--cp", lay.cp), ("--ep", lay.ep)]
    out = [part for name, value in chosen if value > 1 for part in (name, str(value))]
    if lay.sp:
        out.append("--sequence-parallel")
    if lay.tp_comm_overlap:
        out.append("--tp-comm-overlap")
    out += ["--micro-batch", str(micro_batch), "--recompute", recompute.value]
    out += ["--zero", str(zero), "--global-batch", str(global_batch)]
    return tuple(out)


def _contract(
    lay: Layout,
    dp: int,
    micro_batch: int,
    recompute: Recompute,
    zero: int,
    global_batch: int,
    timing: tuple[float, float, float],
    memory_bytes: int,
    source: str,
) -> LayoutResult:
    """A layout with its step settings as the JSON contract; ``timing`` is (step time, MFU, tokens/s)."""
    step_s, mfu, tokens_per_s = timing
    return LayoutResult(
        tp=lay.tp,
        pp=lay.pp,
        vp=lay.vp,
        cp=lay.cp,
        ep=lay.ep,
        dp=dp,
        sequence_parallel=lay.sp,
        tp_comm_overlap=lay.tp_comm_overlap,
        micro_batch=micro_batch,
        recompute=recompute.value,
        zero=zero,
        global_batch=global_batch,
        step_time_s=step_s,
        mfu=mfu,
        tokens_per_s=tokens_per_s,
        memory_bytes=memory_bytes,
        flags=flags_of(lay, micro_batch, recompute, zero, global_batch),
        source=source,
    )


def result(candidate: Candidate, source: str, flop_per_token: float, peak: float, count: int) -> LayoutResult:
    """``candidate`` as the JSON contract; MFU is ``flop_per_token`` × tokens/s over ``count`` × ``peak``."""
    c = candidate
    mfu = c.tokens_per_s * flop_per_token / (count * peak)
    timing = (c.step_s, mfu, c.tokens_per_s)
    return _contract(
        c.layout, c.dp, c.micro_batch, c.recompute, c.zero, c.global_batch, timing, round(c.memory_bytes), source
    )


def run_search(
    model: ModelRef, gpu: GpuSpec, settings: Settings, global_batch: int | None, keep: int = 10
) -> tuple[Search, memory_plan.Resolved, float]:
    """The search for a question's model, GPU and settings: (the search, the resolved base, the MFU peak)."""
    if model.shape is None:
        raise InputError("the layout search needs the model's architecture (a catalog model or a config.json)")
    if not gpu.memory_known:
        raise InputError(f"{gpu.id} has no published memory size: the search cannot tell which layouts fit")
    if settings.memory.finetune is not None and settings.memory.finetune is not Finetune.FULL:
        raise InputError("the layout search plans full training; LoRA/QLoRA runs fit on far fewer GPUs (see fits)")
    given = settings.memory
    options = replace(given, layout=None, micro_batch=None, zero=None)
    resolved = memory_plan.resolve(model.shape, model.n_ctx, settings.count, settings.precision, options)
    if resolved.config.seq_len <= 0:
        raise InputError("the layout search needs a sequence length: give --seq-len")
    precision = resolve_precision(gpu, settings.precision)
    machine = throughput.machine(gpu, precision, settings.gpus_per_node, settings.network_gbps)
    batch = global_batch or default_global_batch(resolved.config.seq_len, settings.count)
    found = search(
        model.params,
        model.shape,
        resolved.config,
        settings.count,
        batch,
        machine,
        throughput.efficiency(resolved.stack.id),
        memory_plan.usable_bytes(gpu.memory_bytes),
        keep,
        exact=global_batch is not None,
        fixed=Fixed(given.recompute, given.zero, given.micro_batch, given.tp_comm_overlap),
    )
    return found, resolved, speed.mfu_peak(gpu, precision, machine.peak_flop_per_s)


def apply(settings: Settings, candidate: Candidate) -> Settings:
    """``settings`` with ``candidate``'s layout and step settings, as its flags would give them."""
    options = replace(
        settings.memory,
        layout=candidate.layout,
        micro_batch=candidate.micro_batch,
        recompute=candidate.recompute,
        zero=candidate.zero,
    )
    return replace(settings, memory=options, global_batch=candidate.global_batch)


def best_layout(model: ModelRef, gpu: GpuSpec, settings: Settings) -> tuple[Settings, bool]:
    """For ``fits``: above one node, with no layout option given, the settings of the fastest layout that fits,
    and whether one was found; the settings unchanged otherwise (and for fine-tunes, a given MFU, a GPU of unknown
    memory or without measured links, which stay plain data parallelism)."""
    if settings.memory.layout is not None or model.shape is None or not gpu.memory_known or not gpu.precisions:
        return settings, False
    if settings.mfu is not None or settings.memory.finetune is not None or gpu.id not in throughput.LINKS:
        return settings, False
    precision = resolve_precision(gpu, settings.precision)
    if settings.count <= throughput.machine(gpu, precision, settings.gpus_per_node).gpus_per_node:
        return settings, False
    found, _, _ = run_search(model, gpu, settings, settings.global_batch, keep=1)
    if not found.candidates:
        return settings, False
    return apply(settings, found.candidates[0]), True


def searched_range(rate: speed.Rate) -> speed.Rate:
    """A searched layout's likely MFU: the layouts teams published for the same model, GPUs and batch ran at
    ``fitted.SEARCH_RATIO_LOW``–``HIGH`` of the searched best's predicted throughput (``scripts.calibrate``),
    wider than the error at a given configuration; the range is the wider of the two."""
    low = min(rate.mfu_low, rate.mfu * fitted.SEARCH_RATIO_LOW)
    return replace(rate, mfu_low=low, mfu_high=max(rate.mfu_high, rate.mfu * fitted.SEARCH_RATIO_HIGH))


def used(config: memory.Config, batch: int, rate: speed.Rate, required: int, searched: bool) -> LayoutResult | None:
    """The layout a ``fits`` answer used, as the JSON contract; None for plain data parallelism."""
    if config.layout.trivial and not searched:
        return None
    timing = (rate.step_time_s, rate.mfu, rate.tokens_per_s)
    source = "searched" if searched else "given"
    return _contract(
        config.layout, config.gpus, config.micro_batch, config.recompute, config.zero, batch, timing, required, source
    )
