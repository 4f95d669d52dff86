"""Command-line options: their declarations and their parsing into the planner's settings. No arithmetic."""

from __future__ import annotations

import math
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from flopcheck import catalog, hf_config, memory, plan, scaling
from flopcheck.errors import InputError
from flopcheck.memory import Finetune, Offload, Optimizer, Recompute
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
MfuOpt = Annotated[str, typer.Option("--mfu", help="Model FLOPs utilization, 0.4 or 40%.")]
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


def settings(
    count: int,
    years: str | None,
    days: str | None,
    hours: str | None,
    mfu: str,
    uptime: str,
    precision: PrecisionChoice,
    memory_opts: MemoryOptions | None = None,
    law: scaling.Law | None = None,
    flop_formula: FlopFormula = FlopFormula.six_nd,
    causal: bool = False,
) -> plan.Settings:
    return plan.Settings(
        count=count,
        duration_s=duration_s(years, days, hours),
        mfu=parse_fraction(mfu, "--mfu"),
        uptime=parse_fraction(uptime, "--uptime"),
        precision=precision.value,
        memory=memory_opts or MemoryOptions(),
        law=law or scaling.law("chinchilla"),
        flop_formula=flop_formula.value,
        causal=causal,
    )
