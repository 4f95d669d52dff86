"""How each option is spelled and explained on the command line (Typer declarations). Parsing the values is the
API's job (``flopcheck.api.inputs``)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from flopcheck.core.activations import Attention, Loss
from flopcheck.core.memory import Finetune, Offload, Optimizer, Recompute
from flopcheck.core.stacks import STACKS


class PrecisionChoice(str, Enum):
    auto = "auto"
    fp32 = "fp32"
    tf32 = "tf32"
    bf16 = "bf16"
    fp16 = "fp16"
    fp8 = "fp8"


StackChoice = Enum("StackChoice", {name: name for name in STACKS}, type=str)  # type: ignore[misc]


class FlopFormula(str, Enum):
    six_nd = "6nd"
    kaplan = "kaplan"
    palm = "palm"


class LawChoice(str, Enum):
    chinchilla = "chinchilla"
    hoffmann_fit = "hoffmann-fit"
    epoch = "epoch"
    tokens_per_param = "tokens-per-param"


MEMORY_PANEL = "Memory"
SCALING_PANEL = "Scaling law"
# Upper bounds keep every product of inputs inside the float range; no real run comes near them.
BIG = 10**9

ModelArg = Annotated[str, typer.Argument(help="Catalog id or alias (gpt2-xl), or a parameter count (1.5B).")]
GpuOpt = Annotated[str, typer.Option("--gpu", "-g", help="Accelerator id or alias (rtx4070ti, h100).")]
MaybeGpuOpt = Annotated[str | None, typer.Option("--gpu", "-g", help="Compare with this accelerator's memory.")]
CountOpt = Annotated[int, typer.Option("--count", "-n", min=1, max=BIG, help="Number of GPUs.")]
YearsOpt = Annotated[str | None, typer.Option("--years", help="Time window in years of 365.25 days (default: 1).")]
DaysOpt = Annotated[str | None, typer.Option("--days", help="Time window in days.")]
HoursOpt = Annotated[str | None, typer.Option("--hours", help="Time window in hours.")]
MfuOpt = Annotated[str | None, typer.Option("--mfu", help="Model FLOPs utilization, 0.4 or 40% (default: 0.4).")]
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
    str | None, typer.Option("--flop", help="Compute budget in FLOP, e.g. 1e21 (default: what --gpu delivers).")
]
LawOpt = Annotated[
    LawChoice,
    typer.Option(
        "--law",
        help="chinchilla (20 tokens/param), hoffmann-fit, epoch, tokens-per-param.",
        rich_help_panel=SCALING_PANEL,
    ),
]
LawRatioOpt = Annotated[
    str | None,
    typer.Option(
        "--ratio", help="Tokens per parameter for --law tokens-per-param (default: 20).", rich_help_panel=SCALING_PANEL
    ),
]
ChinchillaOpt = Annotated[
    bool,
    typer.Option(
        "--chinchilla",
        help="Train on the compute-optimal tokens for this model (by --law).",
        rich_help_panel=SCALING_PANEL,
    ),
]

MicroBatchOpt = Annotated[
    int | None,
    typer.Option(
        "--micro-batch",
        min=1,
        max=BIG,
        help="Sequences per GPU per step (default: 1 for memory; the largest that fits for time).",
        rich_help_panel=MEMORY_PANEL,
    ),
]
SeqLenOpt = Annotated[
    int | None,
    typer.Option(
        "--seq-len",
        min=1,
        max=BIG,
        help="Sequence length (default: the model's context).",
        rich_help_panel=MEMORY_PANEL,
    ),
]
OptimizerOpt = Annotated[Optimizer, typer.Option("--optimizer", help="Optimizer.", rich_help_panel=MEMORY_PANEL)]
RecomputeOpt = Annotated[
    Recompute | None,
    typer.Option(
        "--recompute",
        help="Activation recomputation (default: none; full for QLoRA with --stack hf, as PEFT does).",
        rich_help_panel=MEMORY_PANEL,
    ),
]
ZeroOpt = Annotated[
    int | None,
    typer.Option(
        "--zero",
        min=0,
        max=3,
        help="ZeRO stage over the GPUs (3 = FSDP full shard; default 0, or what --offload needs).",
        rich_help_panel=MEMORY_PANEL,
    ),
]
OffloadOpt = Annotated[Offload, typer.Option("--offload", help="Offload to host RAM.", rich_help_panel=MEMORY_PANEL)]
FinetuneOpt = Annotated[
    Finetune | None,
    typer.Option("--finetune", help="Fine-tuning method (default: full).", rich_help_panel=MEMORY_PANEL),
]
LoraRankOpt = Annotated[
    int | None,
    typer.Option("--lora-rank", min=1, max=65536, help="LoRA rank (default: 8).", rich_help_panel=MEMORY_PANEL),
]
LoraTargetsOpt = Annotated[
    str | None,
    typer.Option(
        "--lora-targets",
        help="Adapted matrices: qv, attention, all, or a list of q,k,v,o,mlp (default: qv).",
        rich_help_panel=MEMORY_PANEL,
    ),
]
MasterOpt = Annotated[
    bool,
    typer.Option(
        "--master-weights/--no-master-weights",
        help="Keep an fp32 master copy (mixed precision); --no-master-weights: pure bf16.",
        rich_help_panel=MEMORY_PANEL,
    ),
]
OverheadOpt = Annotated[
    str | None,
    typer.Option(
        "--overhead",
        help="Fixed memory besides the model, e.g. 1GB (default: the stack's; NCCL buffers on several GPUs).",
        rich_help_panel=MEMORY_PANEL,
    ),
]
AttentionOpt = Annotated[
    Attention | None,
    typer.Option(
        "--attention",
        help="flash (fused kernel, no s×s scores) or eager (default: the stack's).",
        rich_help_panel=MEMORY_PANEL,
    ),
]
LossOpt = Annotated[
    Loss | None,
    typer.Option(
        "--loss", help="standard, chunked or fused cross-entropy (default: the stack's).", rich_help_panel=MEMORY_PANEL
    ),
]
CompileOpt = Annotated[
    bool | None,
    typer.Option(
        "--compile/--no-compile",
        help="torch.compile: fused norms and activations (default: the stack's).",
        rich_help_panel=MEMORY_PANEL,
    ),
]
InBackwardOpt = Annotated[
    bool,
    typer.Option(
        "--optimizer-in-backward", help="Apply each gradient as soon as it is computed.", rich_help_panel=MEMORY_PANEL
    ),
]
PagedOpt = Annotated[
    bool,
    typer.Option(
        "--paged-optimizer", help="bitsandbytes paged optimizer states (unified memory).", rich_help_panel=MEMORY_PANEL
    ),
]
OffloadActivationsOpt = Annotated[
    bool,
    typer.Option("--offload-activations", help="Keep stored activations in host RAM.", rich_help_panel=MEMORY_PANEL),
]
StackOpt = Annotated[
    StackChoice | None,
    typer.Option(
        "--stack",
        help="Training stack preset (default: hf to fine-tune, nanogpt on one GPU, torchtitan on several).",
        rich_help_panel=MEMORY_PANEL,
    ),
]
SamplesOpt = Annotated[
    str | None, typer.Option("--samples", help="Fine-tuning examples: tokens = samples × seq-len × epochs.")
]
EpochsOpt = Annotated[str | None, typer.Option("--epochs", help="Passes over the samples (default: 1).")]
GlobalBatchOpt = Annotated[
    int | None,
    typer.Option("--global-batch", min=1, max=BIG, help="Sequences per optimizer step (default: micro-batch × GPUs)."),
]
GpusPerNodeOpt = Annotated[
    int | None,
    typer.Option(
        "--gpus-per-node", min=1, max=1024, help="GPUs sharing the fast interconnect (default: the platform's)."
    ),
]
LayersOpt = Annotated[
    int | None,
    typer.Option("--layers", min=1, max=BIG, help="For a parameter count: layers.", rich_help_panel=MEMORY_PANEL),
]
HiddenOpt = Annotated[
    int | None,
    typer.Option("--hidden", min=1, max=BIG, help="For a parameter count: d_model.", rich_help_panel=MEMORY_PANEL),
]
HeadsOpt = Annotated[
    int | None,
    typer.Option("--heads", min=1, max=BIG, help="For a parameter count: heads.", rich_help_panel=MEMORY_PANEL),
]
VocabOpt = Annotated[
    int | None,
    typer.Option("--vocab", min=1, max=BIG, help="For a parameter count: vocabulary.", rich_help_panel=MEMORY_PANEL),
]

COST_PANEL = "Cost and energy"
GATES_PANEL = "CI gates"
PriceOpt = Annotated[
    str | None,
    typer.Option(
        "--price",
        help="USD per GPU-hour (default: the median of the catalog's current on-demand list prices).",
        rich_help_panel=COST_PANEL,
    ),
]
PueOpt = Annotated[
    str | None,
    typer.Option(
        "--pue",
        help="Power usage effectiveness (≥ 1) (default: 1.0 at home, 1.58 in a data centre).",
        rich_help_panel=COST_PANEL,
    ),
]
ElectricityOpt = Annotated[
    str | None,
    typer.Option(
        "--electricity-price",
        help="USD per kWh (default: 0.16 at home, 0.0806 in a data centre).",
        rich_help_panel=COST_PANEL,
    ),
]
ProviderOpt = Annotated[
    str | None,
    typer.Option(
        "--provider",
        help="Cost at this provider's list price (default: the median of each provider's latest on-demand price).",
        rich_help_panel=COST_PANEL,
    ),
]
SiteOpt = Annotated[
    str | None,
    typer.Option(
        "--site",
        help="home or datacenter: sets power, PUE and electricity price (default: datacenter above 8 GPUs).",
        rich_help_panel=COST_PANEL,
    ),
]
GridOpt = Annotated[str | None, typer.Option("--grid-intensity", help="kg CO2 per kWh.", rich_help_panel=COST_PANEL)]
PowerOpt = Annotated[
    str | None,
    typer.Option(
        "--power",
        help="Watts per GPU (default: board power; in a data centre the node's power per GPU).",
        rich_help_panel=COST_PANEL,
    ),
]
MaxDaysOpt = Annotated[
    str | None, typer.Option("--max-days", help="Fail (exit 1) if training takes longer.", rich_help_panel=GATES_PANEL)
]
MaxCostOpt = Annotated[
    str | None,
    typer.Option("--max-cost", help="Fail (exit 1) if the GPU rental costs more (USD).", rich_help_panel=GATES_PANEL),
]
MaxKwhOpt = Annotated[
    str | None,
    typer.Option("--max-kwh", help="Fail (exit 1) if the GPUs use more energy (kWh).", rich_help_panel=GATES_PANEL),
]


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


FormatOpt = Annotated[
    OutputFormat | None, typer.Option("--format", "-f", help="table, json, csv or markdown (default: table).")
]
