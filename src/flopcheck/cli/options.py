"""Command-line options: their declarations, shared by the commands. Parsing them is in ``parse``."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from flopcheck.memory import Finetune, Offload, Optimizer, Recompute


class PrecisionChoice(str, Enum):
    auto = "auto"
    fp32 = "fp32"
    tf32 = "tf32"
    bf16 = "bf16"
    fp16 = "fp16"
    fp8 = "fp8"


class LoraTargets(str, Enum):
    qv = "qv"
    attention = "attention"
    all = "all"


class FlopFormula(str, Enum):
    six_nd = "6nd"
    kaplan = "kaplan"
    palm = "palm"


class LawChoice(str, Enum):
    chinchilla = "chinchilla"
    hoffmann_fit = "hoffmann-fit"
    epoch = "epoch"
    tokens_per_param = "tokens-per-param"


MEMORY = "Memory"
SCALING = "Scaling law"
# Upper bounds keep every product of inputs inside the float range; no real run comes near them.
BIG = 10**9

ModelArg = Annotated[str, typer.Argument(help="Catalog id or alias (gpt2-xl), or a parameter count (1.5B).")]
GpuOpt = Annotated[str, typer.Option("--gpu", "-g", help="Accelerator id or alias (rtx4070ti, h100).")]
MaybeGpuOpt = Annotated[str | None, typer.Option("--gpu", "-g", help="Compare with this accelerator's memory.")]
CountOpt = Annotated[int, typer.Option("--count", "-n", min=1, max=BIG, help="Number of GPUs.")]
YearsOpt = Annotated[str | None, typer.Option("--years", help="Time window in years of 365.25 days [default: 1].")]
DaysOpt = Annotated[str | None, typer.Option("--days", help="Time window in days.")]
HoursOpt = Annotated[str | None, typer.Option("--hours", help="Time window in hours.")]
MfuOpt = Annotated[str | None, typer.Option("--mfu", help="Model FLOPs utilization, 0.4 or 40% [default: 0.4].")]
MfuFromOpt = Annotated[
    str | None, typer.Option("--mfu-from", help="Use the MFU a published run implies (see flopcheck runs).")
]
TokensPerSecondOpt = Annotated[
    str | None,
    typer.Option(
        "--tokens-per-second", help="Project the run from a measured throughput (all GPUs) instead of an MFU."
    ),
]
UptimeOpt = Annotated[str, typer.Option("--uptime", help="Fraction of the window spent training, 0.9 or 90%.")]
PrecisionOpt = Annotated[PrecisionChoice, typer.Option("--precision", "-p", help="auto = bf16, else fp16, else fp32.")]
TokensOpt = Annotated[str | None, typer.Option("--tokens", "-t", help="Training tokens, e.g. 10B or 300e9.")]
RatioOpt = Annotated[str | None, typer.Option("--tokens-per-param", help="Tokens per parameter, e.g. 20.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]
FlopFormulaOpt = Annotated[
    FlopFormula,
    typer.Option("--flop-formula", help="6nd (6·N·D), kaplan or palm (with attention FLOPs)."),
]
CausalOpt = Annotated[bool, typer.Option("--causal", help="Halve the attention term: only the causal triangle.")]
GpuFlopsOpt = Annotated[
    str | None,
    typer.Option("--gpu-flops", help="Instead of --gpu: a dense peak per GPU at --precision, e.g. 40T or 4e13 FLOP/s."),
]
GpuMemoryOpt = Annotated[
    str | None, typer.Option("--gpu-memory", help="Instead of --gpu: memory per GPU, e.g. 12GB or 24GiB.")
]
FlopOpt = Annotated[
    str | None, typer.Option("--flop", help="Compute budget in FLOP, e.g. 1e21 [default: what --gpu delivers].")
]
LawOpt = Annotated[
    LawChoice,
    typer.Option(
        "--law", help="chinchilla (20 tokens/param), hoffmann-fit, epoch, tokens-per-param.", rich_help_panel=SCALING
    ),
]
LawRatioOpt = Annotated[
    str | None,
    typer.Option(
        "--ratio", help="Tokens per parameter for --law tokens-per-param [default: 20].", rich_help_panel=SCALING
    ),
]
ChinchillaOpt = Annotated[
    bool,
    typer.Option(
        "--chinchilla", help="Train on the compute-optimal tokens for this model (by --law).", rich_help_panel=SCALING
    ),
]

MicroBatchOpt = Annotated[
    int, typer.Option("--micro-batch", min=1, max=BIG, help="Sequences per GPU per step.", rich_help_panel=MEMORY)
]
SeqLenOpt = Annotated[
    int | None,
    typer.Option(
        "--seq-len", min=1, max=BIG, help="Sequence length [default: the model's context].", rich_help_panel=MEMORY
    ),
]
OptimizerOpt = Annotated[Optimizer, typer.Option("--optimizer", help="Optimizer.", rich_help_panel=MEMORY)]
RecomputeOpt = Annotated[
    Recompute, typer.Option("--recompute", help="Activation recomputation.", rich_help_panel=MEMORY)
]
ZeroOpt = Annotated[
    int,
    typer.Option(
        "--zero", min=0, max=3, help="ZeRO stage over the GPUs (3 = FSDP full shard).", rich_help_panel=MEMORY
    ),
]
OffloadOpt = Annotated[Offload, typer.Option("--offload", help="Offload to host RAM.", rich_help_panel=MEMORY)]
FinetuneOpt = Annotated[
    Finetune | None, typer.Option("--finetune", help="Fine-tuning method [default: full].", rich_help_panel=MEMORY)
]
LoraRankOpt = Annotated[
    int | None, typer.Option("--lora-rank", min=1, max=65536, help="LoRA rank [default: 8].", rich_help_panel=MEMORY)
]
LoraTargetsOpt = Annotated[
    LoraTargets | None,
    typer.Option("--lora-targets", help="Adapted matrices: qv, attention, all [default: qv].", rich_help_panel=MEMORY),
]
MasterOpt = Annotated[
    bool,
    typer.Option(
        "--master-weights/--no-master-weights",
        help="Keep an fp32 master copy (mixed precision); --no-master-weights: pure bf16.",
        rich_help_panel=MEMORY,
    ),
]
OverheadOpt = Annotated[
    str, typer.Option("--overhead", help="Allowance for CUDA context and workspace.", rich_help_panel=MEMORY)
]
LayersOpt = Annotated[
    int | None, typer.Option("--layers", min=1, max=BIG, help="For a parameter count: layers.", rich_help_panel=MEMORY)
]
HiddenOpt = Annotated[
    int | None, typer.Option("--hidden", min=1, max=BIG, help="For a parameter count: d_model.", rich_help_panel=MEMORY)
]
HeadsOpt = Annotated[
    int | None, typer.Option("--heads", min=1, max=BIG, help="For a parameter count: heads.", rich_help_panel=MEMORY)
]
VocabOpt = Annotated[
    int | None,
    typer.Option("--vocab", min=1, max=BIG, help="For a parameter count: vocabulary.", rich_help_panel=MEMORY),
]

COST = "Cost and energy"
GATES = "CI gates"
PriceOpt = Annotated[
    str | None,
    typer.Option(
        "--price", help="USD per GPU-hour [default: the catalog's on-demand list price].", rich_help_panel=COST
    ),
]
PueOpt = Annotated[
    str, typer.Option("--pue", help="Power usage effectiveness (≥ 1) [default: 1.0].", rich_help_panel=COST)
]
ElectricityOpt = Annotated[str | None, typer.Option("--electricity-price", help="USD per kWh.", rich_help_panel=COST)]
GridOpt = Annotated[str | None, typer.Option("--grid-intensity", help="kg CO2 per kWh.", rich_help_panel=COST)]
PowerOpt = Annotated[
    str | None,
    typer.Option("--power", help="Watts per GPU [default: the catalog's board power].", rich_help_panel=COST),
]
MaxDaysOpt = Annotated[
    str | None, typer.Option("--max-days", help="Fail (exit 1) if training takes longer.", rich_help_panel=GATES)
]
MaxCostOpt = Annotated[
    str | None,
    typer.Option("--max-cost", help="Fail (exit 1) if the GPU rental costs more (USD).", rich_help_panel=GATES),
]
MaxKwhOpt = Annotated[
    str | None,
    typer.Option("--max-kwh", help="Fail (exit 1) if the GPUs use more energy (kWh).", rich_help_panel=GATES),
]


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


FormatOpt = Annotated[
    OutputFormat | None, typer.Option("--format", "-f", help="table, json, csv or markdown [default: table].")
]
