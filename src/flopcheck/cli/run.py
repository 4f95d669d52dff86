"""The commands about a training run: fits, memory, optimal, budget, flops. Each parses, plans, renders."""

from __future__ import annotations

import typer

from flopcheck import catalog, plan, render
from flopcheck.cli import parse as options
from flopcheck.cli.app import app
from flopcheck.cli.options import (
    CausalOpt,
    ChinchillaOpt,
    CountOpt,
    DaysOpt,
    FinetuneOpt,
    FlopFormula,
    FlopFormulaOpt,
    FlopOpt,
    GpuFlopsOpt,
    GpuMemoryOpt,
    HeadsOpt,
    HiddenOpt,
    HoursOpt,
    JsonOpt,
    LawChoice,
    LawOpt,
    LawRatioOpt,
    LayersOpt,
    LoraRankOpt,
    LoraTargetsOpt,
    MasterOpt,
    MaybeGpuOpt,
    MfuOpt,
    MicroBatchOpt,
    ModelArg,
    OffloadOpt,
    OptimizerOpt,
    OverheadOpt,
    PrecisionChoice,
    PrecisionOpt,
    RatioOpt,
    RecomputeOpt,
    SeqLenOpt,
    TokensOpt,
    UptimeOpt,
    VocabOpt,
    YearsOpt,
    ZeroOpt,
)
from flopcheck.errors import ExitStatus, InputError
from flopcheck.memory import Offload, Optimizer, Recompute
from flopcheck.memory_plan import MemoryOptions
from flopcheck.units import parse_count


@app.command()
def fits(
    model: ModelArg,
    gpu: MaybeGpuOpt = None,
    gpu_flops: GpuFlopsOpt = None,
    gpu_memory: GpuMemoryOpt = None,
    count: CountOpt = 1,
    years: YearsOpt = None,
    days: DaysOpt = None,
    hours: HoursOpt = None,
    mfu: MfuOpt = "0.4",
    uptime: UptimeOpt = "1.0",
    precision: PrecisionOpt = PrecisionChoice.auto,
    tokens: TokensOpt = None,
    tokens_per_param: RatioOpt = None,
    micro_batch: MicroBatchOpt = 1,
    seq_len: SeqLenOpt = None,
    optimizer: OptimizerOpt = Optimizer.ADAMW,
    recompute: RecomputeOpt = Recompute.NONE,
    zero: ZeroOpt = 0,
    offload: OffloadOpt = Offload.NONE,
    finetune: FinetuneOpt = None,
    lora_rank: LoraRankOpt = None,
    lora_targets: LoraTargetsOpt = None,
    master_weights: MasterOpt = True,
    overhead: OverheadOpt = "1GB",
    layers: LayersOpt = None,
    hidden: HiddenOpt = None,
    heads: HeadsOpt = None,
    vocab: VocabOpt = None,
    law: LawOpt = LawChoice.chinchilla,
    ratio: LawRatioOpt = None,
    chinchilla: ChinchillaOpt = False,
    flop_formula: FlopFormulaOpt = FlopFormula.six_nd,
    causal: CausalOpt = False,
    json: JsonOpt = False,
) -> None:
    """Can GPU train MODEL? Compute needed vs delivered, time, memory, ways to fit, compute-optimality; exit 1
    if it does not fit."""
    memory_opts = options.memory_options(locals())
    scaling_law = options.scaling_law(law, ratio)
    settings = options.settings(
        count, years, days, hours, mfu, uptime, precision, memory_opts, scaling_law, flop_formula, causal
    )
    ref = options.model(model, layers, hidden, heads, vocab)
    spent, source = options.tokens(ref, tokens, tokens_per_param, scaling_law if chinchilla else None)
    hardware = options.gpu(gpu, gpu_flops, gpu_memory, precision, need_flops=True, need_memory=True)
    assert hardware is not None
    result = plan.fits(ref, hardware, settings, spent, source)
    render.write_json(result) if json else render.print_fits(result)
    if not result.fits:
        raise typer.Exit(ExitStatus.NO)


@app.command()
def memory(
    model: ModelArg,
    gpu: MaybeGpuOpt = None,
    gpu_memory: GpuMemoryOpt = None,
    count: CountOpt = 1,
    precision: PrecisionOpt = PrecisionChoice.auto,
    micro_batch: MicroBatchOpt = 1,
    seq_len: SeqLenOpt = None,
    optimizer: OptimizerOpt = Optimizer.ADAMW,
    recompute: RecomputeOpt = Recompute.NONE,
    zero: ZeroOpt = 0,
    offload: OffloadOpt = Offload.NONE,
    finetune: FinetuneOpt = None,
    lora_rank: LoraRankOpt = None,
    lora_targets: LoraTargetsOpt = None,
    master_weights: MasterOpt = True,
    overhead: OverheadOpt = "1GB",
    layers: LayersOpt = None,
    hidden: HiddenOpt = None,
    heads: HeadsOpt = None,
    vocab: VocabOpt = None,
    json: JsonOpt = False,
) -> None:
    """Training memory per GPU, component by component; with --gpu, whether it fits (exit 1 if not)."""
    memory_opts = options.memory_options(locals())
    settings = plan.Settings(count=count, precision=precision.value, memory=memory_opts)
    ref = options.model(model, layers, hidden, heads, vocab)
    hardware = options.gpu(gpu, None, gpu_memory, precision, need_flops=False, need_memory=False)
    result = plan.memory_report(ref, hardware, settings)
    render.write_json(result) if json else render.print_memory(result)
    if result.fits is False:
        raise typer.Exit(ExitStatus.NO)


@app.command()
def optimal(
    flop: FlopOpt = None,
    gpu: MaybeGpuOpt = None,
    gpu_flops: GpuFlopsOpt = None,
    gpu_memory: GpuMemoryOpt = None,
    count: CountOpt = 1,
    years: YearsOpt = None,
    days: DaysOpt = None,
    hours: HoursOpt = None,
    mfu: MfuOpt = "0.4",
    uptime: UptimeOpt = "1.0",
    precision: PrecisionOpt = PrecisionChoice.auto,
    law: LawOpt = LawChoice.chinchilla,
    ratio: LawRatioOpt = None,
    micro_batch: MicroBatchOpt = 1,
    seq_len: SeqLenOpt = None,
    optimizer: OptimizerOpt = Optimizer.ADAMW,
    recompute: RecomputeOpt = Recompute.NONE,
    zero: ZeroOpt = 0,
    offload: OffloadOpt = Offload.NONE,
    master_weights: MasterOpt = True,
    overhead: OverheadOpt = "1GB",
    json: JsonOpt = False,
) -> None:
    """The compute-optimal model for a budget (--flop, or what --gpu delivers), by scaling law; with --gpu, the
    best model the card's memory can train. Exit 1 if no model fits the memory."""
    memory_opts = options.memory_options(locals())
    scaling_law = options.scaling_law(law, ratio)
    settings = options.settings(count, years, days, hours, mfu, uptime, precision, memory_opts, scaling_law)
    budget_flop = None if flop is None else parse_count(flop, "--flop")
    hardware = options.gpu(gpu, gpu_flops, gpu_memory, precision, need_flops=False, need_memory=False)
    if hardware is not None and budget_flop is None and not hardware.precisions:
        raise InputError("give --flop or --gpu-flops for the budget")
    result = plan.optimal(budget_flop, hardware, settings, catalog.models())
    render.write_json(result) if json else render.print_optimal(result)
    if result.feasible is not None and result.feasible.max_params is None:
        raise typer.Exit(ExitStatus.NO)


@app.command()
def budget(
    gpu: MaybeGpuOpt = None,
    gpu_flops: GpuFlopsOpt = None,
    count: CountOpt = 1,
    years: YearsOpt = None,
    days: DaysOpt = None,
    hours: HoursOpt = None,
    mfu: MfuOpt = "0.4",
    uptime: UptimeOpt = "1.0",
    precision: PrecisionOpt = PrecisionChoice.auto,
    json: JsonOpt = False,
) -> None:
    """FLOP that GPU delivers in the time window, also as GPU-hours and PF-days."""
    settings = options.settings(count, years, days, hours, mfu, uptime, precision)
    hardware = options.gpu(gpu, gpu_flops, None, precision, need_flops=True, need_memory=False)
    assert hardware is not None
    result = plan.budget(hardware, settings)
    render.write_json(result) if json else render.print_budget(result)


@app.command()
def flops(
    model: ModelArg,
    tokens: TokensOpt = None,
    tokens_per_param: RatioOpt = None,
    flop_formula: FlopFormulaOpt = FlopFormula.six_nd,
    causal: CausalOpt = False,
    seq_len: SeqLenOpt = None,
    json: JsonOpt = False,
) -> None:
    """Training FLOPs of MODEL: 6 × parameters × tokens, or with attention (--flop-formula kaplan|palm)."""
    ref = options.model(model)
    settings = plan.Settings(memory=MemoryOptions(seq_len=seq_len), flop_formula=flop_formula.value, causal=causal)
    result = plan.flops(ref, *options.tokens(ref, tokens, tokens_per_param), settings)
    render.write_json(result) if json else render.print_flops(result)
