"""The commands about a training run: fits, memory, optimal, budget, flops. Each parses, plans, renders."""

from __future__ import annotations

import sys

import typer
from pydantic import BaseModel

from flopcheck import catalog, costing, plan, render
from flopcheck.cli import parse as options
from flopcheck.cli.application import app
from flopcheck.cli.options import (
    CausalOpt,
    ChinchillaOpt,
    CountOpt,
    DaysOpt,
    ElectricityOpt,
    FinetuneOpt,
    FlopFormula,
    FlopFormulaOpt,
    FlopOpt,
    FormatOpt,
    GpuFlopsOpt,
    GpuMemoryOpt,
    GridOpt,
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
    MaxCostOpt,
    MaxDaysOpt,
    MaxKwhOpt,
    MaybeGpuOpt,
    MfuFromOpt,
    MfuOpt,
    MicroBatchOpt,
    ModelArg,
    OffloadOpt,
    OptimizerOpt,
    OverheadOpt,
    PowerOpt,
    PrecisionChoice,
    PrecisionOpt,
    PriceOpt,
    PueOpt,
    RatioOpt,
    RecomputeOpt,
    SeqLenOpt,
    TokensOpt,
    TokensPerSecondOpt,
    UptimeOpt,
    VocabOpt,
    YearsOpt,
    ZeroOpt,
)
from flopcheck.errors import ExitStatus, InputError
from flopcheck.memory import Offload, Optimizer, Recompute
from flopcheck.results import GateResult
from flopcheck.units import parse_count


def _finish(
    kind: str, result: BaseModel, fmt: str, fits: bool | None = True, gates: tuple[GateResult, ...] = ()
) -> None:
    """Render; then the exit status: 1 when the answer is no or a gate failed (with one line on stderr)."""
    render.output(kind, result, fmt)
    failure = costing.failure_line(gates)
    if failure is not None:
        sys.stderr.write(f"flopcheck: {failure}\n")
    if fits is False or failure is not None:
        raise typer.Exit(ExitStatus.NO)


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
    mfu: MfuOpt = None,
    mfu_from: MfuFromOpt = None,
    tokens_per_second: TokensPerSecondOpt = None,
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
    price: PriceOpt = None,
    pue: PueOpt = "1.0",
    electricity_price: ElectricityOpt = None,
    grid_intensity: GridOpt = None,
    power: PowerOpt = None,
    max_days: MaxDaysOpt = None,
    max_cost: MaxCostOpt = None,
    max_kwh: MaxKwhOpt = None,
    json: JsonOpt = False,
    format: FormatOpt = None,
) -> None:
    """Can GPU train MODEL? Compute needed vs delivered, time, memory, ways to fit, compute-optimality, cost;
    exit 1 if it does not fit or a gate fails."""
    fmt = options.output_format(json, format)
    settings = options.settings(locals())
    ref = options.model(model, layers, hidden, heads, vocab)
    spent, source = options.tokens(ref, tokens, tokens_per_param, settings.law if chinchilla else None)
    hardware = options.gpu(gpu, gpu_flops, gpu_memory, precision, need_flops=True, need_memory=True)
    assert hardware is not None
    if tokens_per_second is not None:
        if mfu is not None or mfu_from is not None:
            raise InputError("give --mfu, --mfu-from or --tokens-per-second, only one")
        settings = options.measured(settings, ref, hardware, tokens_per_second)
    result = plan.fits(ref, hardware, settings, spent, source)
    _finish("fits", result, fmt, result.fits, result.gates)


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
    format: FormatOpt = None,
) -> None:
    """Training memory per GPU, component by component; with --gpu, whether it fits (exit 1 if not)."""
    fmt = options.output_format(json, format)
    settings = options.settings(locals())
    ref = options.model(model, layers, hidden, heads, vocab)
    hardware = options.gpu(gpu, None, gpu_memory, precision, need_flops=False, need_memory=False)
    result = plan.memory_report(ref, hardware, settings)
    _finish("memory", result, fmt, result.fits)


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
    mfu: MfuOpt = None,
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
    format: FormatOpt = None,
) -> None:
    """The compute-optimal model for a budget (--flop, or what --gpu delivers), by scaling law; with --gpu, the
    best model the card's memory can train. Exit 1 if no model fits the memory."""
    fmt = options.output_format(json, format)
    settings = options.settings(locals())
    budget_flop = None if flop is None else parse_count(flop, "--flop")
    hardware = options.gpu(gpu, gpu_flops, gpu_memory, precision, need_flops=False, need_memory=False)
    if hardware is not None and budget_flop is None and not hardware.precisions:
        raise InputError("give --flop or --gpu-flops for the budget")
    result = plan.optimal(budget_flop, hardware, settings, catalog.models())
    _finish("optimal", result, fmt, result.feasible is None or result.feasible.max_params is not None)


@app.command()
def budget(
    gpu: MaybeGpuOpt = None,
    gpu_flops: GpuFlopsOpt = None,
    count: CountOpt = 1,
    years: YearsOpt = None,
    days: DaysOpt = None,
    hours: HoursOpt = None,
    mfu: MfuOpt = None,
    mfu_from: MfuFromOpt = None,
    uptime: UptimeOpt = "1.0",
    precision: PrecisionOpt = PrecisionChoice.auto,
    price: PriceOpt = None,
    pue: PueOpt = "1.0",
    electricity_price: ElectricityOpt = None,
    grid_intensity: GridOpt = None,
    power: PowerOpt = None,
    json: JsonOpt = False,
    format: FormatOpt = None,
) -> None:
    """FLOP that GPU delivers in the time window, also as GPU-hours and PF-days, with cost and energy."""
    fmt = options.output_format(json, format)
    settings = options.settings(locals())
    hardware = options.gpu(gpu, gpu_flops, None, precision, need_flops=True, need_memory=False)
    assert hardware is not None
    _finish("budget", plan.budget(hardware, settings), fmt)


@app.command()
def flops(
    model: ModelArg,
    tokens: TokensOpt = None,
    tokens_per_param: RatioOpt = None,
    flop_formula: FlopFormulaOpt = FlopFormula.six_nd,
    causal: CausalOpt = False,
    seq_len: SeqLenOpt = None,
    json: JsonOpt = False,
    format: FormatOpt = None,
) -> None:
    """Training FLOPs of MODEL: 6 × parameters × tokens, or with attention (--flop-formula kaplan|palm)."""
    fmt = options.output_format(json, format)
    settings = options.settings(locals())
    ref = options.model(model)
    _finish("flops", plan.flops(ref, *options.tokens(ref, tokens, tokens_per_param), settings), fmt)
