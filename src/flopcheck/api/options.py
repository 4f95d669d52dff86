"""The options of the questions flopcheck answers: one vocabulary for the command line and the Python API.

``RunOptions`` lists every option by its snake_case name (the CLI spells it ``--kebab-case``). Quantities
take a number or the CLI's text (``tokens=10e9`` or ``tokens="10B"``, ``mfu=0.4`` or ``mfu="40%"``); an
option left out takes its documented default. Each command accepts the groups named in ``COMMANDS``; the
CLI builds its options from the same table, so the two cannot drift.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TypedDict

from flopcheck.core.errors import InputError

Quantity = str | float | int
"""A number, or text the CLI would accept: ``10B``, ``300e9``, ``40%``, ``12GB``, ``1,000``."""


class RunOptions(TypedDict, total=False):
    """Every option of the run commands. Defaults in brackets; "catalog" means the entry's own figure."""

    # hardware
    gpu: str | None  # accelerator id or alias [none]
    gpu_flops: Quantity | None  # instead of gpu: dense peak FLOP/s per GPU at `precision`
    gpu_memory: Quantity | None  # instead of gpu: memory per GPU, e.g. "24GB"
    count: int  # GPUs [1]
    precision: str  # auto, fp32, tf32, bf16, fp16, fp8 [auto: bf16, else fp16, else fp32]
    # time window and efficiency
    years: Quantity | None  # window in years of 365.25 days [1]
    days: Quantity | None
    hours: Quantity | None
    mfu: Quantity | None  # model FLOPs utilization [0.4]
    mfu_from: str | None  # the MFU a published run implies
    uptime: Quantity  # fraction of the window spent training [fits: the expected goodput at this scale; else 1.0]
    tokens_per_second: Quantity | None  # a measured throughput (all GPUs) instead of an MFU
    # training data
    tokens: Quantity | None  # training tokens [published, else 20 per parameter]
    tokens_per_param: Quantity | None
    samples: Quantity | None  # fine-tuning examples; tokens = samples × seq_len × epochs
    epochs: Quantity | None  # passes over the samples [1]
    chinchilla: bool  # train on the compute-optimal tokens by `law` [False]
    # memory
    micro_batch: int  # sequences per GPU per step [1]
    seq_len: int | None  # [the model's context]
    optimizer: str  # adamw, adamw-8bit, adafactor, sgd, lion [adamw]
    recompute: str  # none, selective, full [none]
    zero: int  # ZeRO stage 0-3 [0]
    offload: str  # none, optimizer, all [none]
    master_weights: bool  # keep an fp32 master copy [True]
    overhead: Quantity | None  # fixed memory besides the model [the stack's: NCCL buffers on several GPUs]
    attention: str | None  # flash, eager [the stack's: flash]
    loss: str | None  # standard, chunked, fused [the stack's]
    compile: bool | None  # torch.compile fuses norms and activations [the stack's]
    optimizer_in_backward: bool  # apply each gradient as soon as it is computed [False]
    paged_optimizer: bool  # bitsandbytes paged optimizer states [False]
    offload_activations: bool  # keep stored activations in host RAM [False]
    stack: str | None  # hf, torchtune, unsloth, litgpt, torchtitan, megatron, deepspeed, nanogpt
    # throughput
    global_batch: int | None  # sequences per optimizer step [the micro-batch times the data-parallel GPUs]
    gpus_per_node: int | None  # GPUs sharing the fast interconnect [the platform's]
    network_gbps: Quantity | None  # network bandwidth per GPU between nodes, Gb/s [the platform's]
    # model parallelism (Megatron-LM layouts); data parallelism is what remains of count
    tp: int | None  # tensor-parallel GPUs [1; above one node: the best layout]
    pp: int | None  # pipeline stages [1]
    vp: int | None  # virtual stages per pipeline rank (interleaved schedule) [1]
    cp: int | None  # context-parallel GPUs (ring attention over the sequence) [1]
    ep: int | None  # expert-parallel GPUs (mixture-of-experts) [1]
    sequence_parallel: bool | None  # split norms and dropouts over tp [on with tp > 1]
    tp_comm_overlap: bool  # tensor-parallel communication overlapped with the GEMMs (userbuffers, async TP) [False]
    # fine-tuning
    finetune: str | None  # full, lora, qlora [none: pre-training]
    lora_rank: int | None  # [8]
    lora_targets: str | None  # qv, attention, all [qv]
    # shape of a bare parameter count
    layers: int | None
    hidden: int | None
    heads: int | None
    vocab: int | None
    # scaling law
    law: str  # chinchilla, hoffmann-fit, epoch, tokens-per-param [chinchilla]
    ratio: Quantity | None  # tokens per parameter for law tokens-per-param [20]
    # FLOP formula
    flop_formula: str  # 6nd, kaplan, palm [6nd]
    causal: bool  # halve the attention term [False]
    # cost and energy
    price: Quantity | None  # USD per GPU-hour [median of the current on-demand list prices]
    provider: str | None  # cost at this provider's list price [the median rule]
    power: Quantity | None  # watts per GPU [board power; node power per GPU in a data centre]
    site: str | None  # home or datacenter [datacenter above 8 GPUs]
    pue: Quantity | None  # power usage effectiveness [1.0 home, 1.58 data centre]
    electricity_price: Quantity | None  # USD per kWh [0.16 home, 0.0806 data centre]
    grid_intensity: Quantity | None  # kg CO2 per kWh [0.48]
    # CI gates
    max_days: Quantity | None
    max_cost: Quantity | None
    max_kwh: Quantity | None
    # compute-optimal planning
    flop: Quantity | None  # a compute budget in FLOP [what the GPUs deliver]


HARDWARE = ("gpu", "gpu_flops", "gpu_memory", "count", "precision")
WINDOW = ("years", "days", "hours", "mfu", "mfu_from", "uptime")
TOKENS = ("tokens", "tokens_per_param", "samples", "epochs")
MEMORY = (
    "micro_batch",
    "seq_len",
    "optimizer",
    "recompute",
    "zero",
    "offload",
    "master_weights",
    "overhead",
    "attention",
    "loss",
    "compile",
    "optimizer_in_backward",
    "paged_optimizer",
    "offload_activations",
    "stack",
)
THROUGHPUT = ("global_batch", "gpus_per_node", "network_gbps")
LAYOUT = ("tp", "pp", "vp", "cp", "ep", "sequence_parallel", "tp_comm_overlap")
FINETUNE = ("finetune", "lora_rank", "lora_targets")
SHAPE = ("layers", "hidden", "heads", "vocab")
LAW = ("law", "ratio")
FORMULA = ("flop_formula", "causal")
PRICE = ("price", "provider", "power")
ENERGY = ("site", "pue", "electricity_price", "grid_intensity")
GATES = ("max_days", "max_cost", "max_kwh")

RUN = (
    *WINDOW,
    *TOKENS,
    "chinchilla",
    *MEMORY,
    *FINETUNE,
    *SHAPE,
    *THROUGHPUT,
    *LAYOUT,
    *LAW,
    *FORMULA,
    *PRICE,
    *ENERGY,
    *GATES,
)
"""What a run is, on every command that computes one (fits, compare, matrix), with the same names."""

COMMANDS: dict[str, tuple[str, ...]] = {
    "fits": (*HARDWARE, "tokens_per_second", *RUN),
    "memory": ("gpu", "gpu_memory", "count", "precision", *MEMORY, "global_batch", *FINETUNE, *SHAPE, *LAYOUT),
    "layout": ("gpu", "count", "precision", "seq_len", "optimizer", "stack", *THROUGHPUT, "tp_comm_overlap"),
    "optimal": ("flop", *HARDWARE, *WINDOW, *LAW, *MEMORY, *THROUGHPUT),
    "budget": ("gpu", "gpu_flops", "count", "precision", *WINDOW, *PRICE, *ENERGY),
    "flops": (*TOKENS, "chinchilla", "seq_len", *SHAPE, *LAW, *FORMULA),
    "compare": ("count", "precision", *RUN),
    "matrix": ("count", "precision", *(name for name in RUN if name not in GATES)),
}
"""The options each command takes, in the order its help lists them."""


def accept(command: str, given: Mapping[str, object]) -> RunOptions:
    """``given`` if every name in it is an option of ``command``; else one InputError naming the first that
    is not, with the closest option names."""
    allowed = COMMANDS[command]
    for name in given:
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(f"{command} has no option {name!r}{hint}")
    return given  # type: ignore[return-value]
