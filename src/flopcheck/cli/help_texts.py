"""What each option does, as ``--help`` says it: one generic text per option, and the commands on which an
option does something more particular. Defaults are stated here, once (Typer's own ``[default: …]`` is
off, since every run option defaults to "not given")."""

from __future__ import annotations

MODEL = (
    "The model: a catalog id or alias (gpt2-xl, llama2-7b; see flopcheck models), a parameter count (1.5B, "
    "350M: a GPT-style shape is assumed for its activations) or a HuggingFace config.json path (or the folder "
    "holding one; read offline)."
)
JSON = "Print one JSON document instead of tables (= --format json)."
FORMAT = "table, json, csv (flat rows) or markdown (the tables, ready to paste) (default: table)."
EXPLAIN = "The full answer: every breakdown, every assumption with its source, and what is not modelled."

METAVARS = {
    "gpu": "GPU",
    "gpu_flops": "FLOP/S",
    "gpu_memory": "BYTES",
    "count": "N",
    "years": "T",
    "days": "T",
    "hours": "T",
    "mfu": "F",
    "mfu_from": "RUN",
    "uptime": "F",
    "tokens_per_second": "T",
    "tokens": "D",
    "tokens_per_param": "R",
    "micro_batch": "B",
    "seq_len": "S",
    "zero": "STAGE",
    "overhead": "BYTES",
    "samples": "N",
    "epochs": "E",
    "global_batch": "B",
    "gpus_per_node": "N",
    "network_gbps": "GBPS",
    "tp": "N",
    "pp": "N",
    "vp": "N",
    "cp": "N",
    "ep": "N",
    "lora_rank": "R",
    "lora_targets": "TARGETS",
    "layers": "L",
    "hidden": "D",
    "heads": "H",
    "vocab": "V",
    "ratio": "R",
    "price": "USD",
    "provider": "NAME",
    "site": "SITE",
    "power": "W",
    "pue": "F",
    "electricity_price": "USD",
    "grid_intensity": "KG",
    "max_days": "D",
    "max_cost": "USD",
    "max_kwh": "KWH",
    "flop": "C",
}

GENERIC = {
    "gpu": "Accelerator id or alias (rtx4070ti, h100; see flopcheck gpus).",
    "gpu_flops": (
        "Dense peak per GPU at --precision (40T, 88TFLOPS, '88 TFLOP/s', 4e13): describes a GPU by hand, or "
        "replaces that figure of --gpu."
    ),
    "gpu_memory": (
        "Memory per GPU (12GB, 24GiB, '16 GB'): describes a GPU by hand, or replaces that figure of --gpu "
        "(a 48 GB card: --gpu rtx4090 --gpu-memory 48GB)."
    ),
    "count": "Number of GPUs (default: 1).",
    "precision": "Arithmetic precision; auto = bf16, else fp16, else fp32, whichever the chip has (default: auto).",
    "years": "Time window in years of 365.25 days (default: 1).",
    "days": "Time window in days (instead of --years).",
    "hours": "Time window in hours (instead of --years).",
    "mfu": "Model FLOPs utilization, 0.4 or 40% (default: predicted from the model, GPU and batch).",
    "mfu_from": "Use the MFU a published run implies (ids: flopcheck runs).",
    "uptime": (
        "Fraction of the window spent training, 0.9 or 90% (default for fits: the goodput expected at this many "
        "GPUs, from Llama 3's interruption rate; elsewhere 100%)."
    ),
    "tokens_per_second": "A measured throughput (all GPUs) instead of an MFU: the run is projected from it.",
    "tokens": "Training tokens, 10B or 300e9 (default: the model's published tokens, else 20 per parameter).",
    "tokens_per_param": "Training tokens per parameter, e.g. 20 (instead of --tokens).",
    "chinchilla": "Train on the compute-optimal tokens for the model, by --law.",
    "micro_batch": "Sequences per GPU per step (default: 1).",
    "seq_len": (
        "Tokens per sequence (default: the model's context; 2,048 for a parameter count; a fine-tune truncates as "
        "its stack does: 1,024 under hf (TRL's SFTTrainer), 2,048 under unsloth)."
    ),
    "optimizer": "Optimizer (default: adamw).",
    "recompute": (
        "Activation recomputation; full costs one more forward pass (default: none; full for QLoRA with --stack hf, "
        "as PEFT does, and for every fine-tune with --stack unsloth)."
    ),
    "zero": "ZeRO stage over the GPUs; 3 = FSDP full shard (default: 0, or what --offload needs).",
    "offload": "Offload to host RAM; optimizer needs --zero 1+, all needs --zero 3 (default: none).",
    "master_weights": "Keep an fp32 master copy (mixed precision); --no-master-weights: pure bf16 (default: keep).",
    "overhead": "Fixed memory per GPU besides the model, e.g. 1GB (default: the stack's; NCCL buffers on 2+ GPUs).",
    "attention": "flash (fused kernel, no s×s scores) or eager (default: the stack's).",
    "loss": "standard, chunked or fused cross-entropy (default: the stack's).",
    "compile": "torch.compile: fused norms and activations (default: the stack's).",
    "optimizer_in_backward": "Apply each gradient as soon as it is computed.",
    "paged_optimizer": "bitsandbytes paged optimizer states (unified memory).",
    "offload_activations": "Keep stored activations in host RAM.",
    "stack": "Training stack preset (default: hf to fine-tune, nanogpt on one GPU, torchtitan on several).",
    "samples": "Fine-tuning examples: tokens = samples × seq-len × epochs.",
    "epochs": "Passes over the samples (default: 1).",
    "global_batch": "Sequences per optimizer step (default: micro-batch × GPUs).",
    "gpus_per_node": "GPUs sharing the fast interconnect (default: the platform's).",
    "network_gbps": "Network bandwidth per GPU between nodes, Gb/s, e.g. 400 (default: the platform's).",
    "tp": "Tensor-parallel GPUs (default: 1; above one node, the best layout: see flopcheck layout).",
    "pp": "Pipeline stages (default: 1).",
    "vp": "Virtual stages per pipeline rank: the interleaved 1F1B schedule (default: 1).",
    "cp": "Context-parallel GPUs: ring attention over the sequence (default: 1).",
    "ep": "Expert-parallel GPUs for mixture-of-experts (default: 1).",
    "sequence_parallel": "Split norms and dropouts over the tensor-parallel GPUs (default: on with --tp above 1).",
    "tp_comm_overlap": "Tensor-parallel communication runs under the GEMMs of the forward pass too: Megatron-LM "
    "--tp-comm-overlap (Transformer Engine userbuffers), torchtitan async TP (default: off; the backward's is hidden).",
    "finetune": "Fine-tuning method; lora and qlora train adapters on a frozen base (default: full).",
    "lora_rank": "LoRA rank (default: 8).",
    "lora_targets": "Adapted matrices: qv, attention, all, or a list of q,k,v,o,mlp (default: qv).",
    "layers": "For a parameter count: its layers (with --hidden and --heads; default: a GPT-style shape).",
    "hidden": "For a parameter count: d_model.",
    "heads": "For a parameter count: attention heads.",
    "vocab": "For a parameter count: vocabulary size (default: 32,000 with the assumed shape).",
    "law": (
        "Scaling law: chinchilla (20 tokens/param), hoffmann-fit, epoch, tokens-per-param (default: chinchilla; "
        "tokens-per-param when --ratio is given)."
    ),
    "ratio": "Tokens per parameter of the tokens-per-param law (default: 20); implies --law tokens-per-param.",
    "flop_formula": "6nd (6·N·D), kaplan or palm (with attention FLOPs) (default: 6nd).",
    "causal": "Halve the attention term of kaplan/palm: only the causal triangle.",
    "price": "USD per GPU-hour (default: the median of the catalog's current on-demand list prices).",
    "provider": "Cost at this provider's list price (default: the median of each provider's latest on-demand price).",
    "site": "home or datacenter: sets power, PUE and electricity price (default: datacenter above 8 GPUs).",
    "power": "Watts per GPU (default: board power; in a data centre the node's power per GPU).",
    "pue": "Power usage effectiveness, at least 1 (default: 1.0 at home, 1.58 in a data centre).",
    "electricity_price": "USD per kWh (default: 0.16 at home, 0.0806 in a data centre).",
    "grid_intensity": "kg CO2 per kWh (default: 0.48, the 2023 world average).",
    "max_days": "Gate: exit 1 if training takes longer than D days.",
    "max_cost": "Gate: exit 1 if the GPU rental costs more than USD (needs a price: exit 2 without one).",
    "max_kwh": "Gate: exit 1 if the GPUs use more than KWH (needs a board power: exit 2 without one).",
    "flop": "Compute budget in FLOP, e.g. 1e21 (default: what --gpu delivers in the window).",
}

_COMPARE_GATES = {
    "max_days": "Gate: a GPU passes if training takes at most D days; exit 1 if none passes.",
    "max_cost": "Gate: a GPU passes if the rental costs at most USD; GPUs without a price are left out.",
    "max_kwh": "Gate: a GPU passes if its energy is at most KWH; GPUs without a board power are left out.",
    "count": "GPUs of each kind (default: 1).",
    "price": "USD per GPU-hour for every GPU (default: each one's median catalog list price, where recorded).",
    "power": "Watts per GPU for every GPU (default: each one's board power).",
}
PER_COMMAND: dict[str, dict[str, str]] = {
    "fits": {
        "gpu": (
            "The accelerator to train on: id or alias (rtx4070ti, h100); with --gpu-memory or --gpu-flops, "
            "that entry with one figure replaced."
        ),
        "count": "GPUs training together, data parallel; ZeRO shards over them (default: 1).",
    },
    "memory": {
        "gpu": "Check the memory against this accelerator's and list the ways to make the run fit.",
        "gpu_memory": "Memory per GPU to check against (12GB, 24GiB), by hand or replacing --gpu's.",
        "count": "Data-parallel GPUs: ZeRO shards over them (default: 1).",
        "precision": "Compute precision: fp32/tf32 train with fp32 states, 16-bit ones mixed (default: auto).",
        "global_batch": (
            "Sequences per optimizer step: over micro-batch × data-parallel GPUs, the gradient-accumulation steps "
            "(unsharded FSDP gradients where the stack accumulates in no_sync, a pipeline's micro-batches) "
            "(default: micro-batch × GPUs, no accumulation)."
        ),
    },
    "optimal": {
        "gpu": "The accelerator whose time window sets the budget and whose memory limits the model.",
        "count": "GPUs whose compute is the budget; ZeRO shards over them (default: 1).",
        "seq_len": "Tokens per sequence of the hypothetical models (default: 2,048).",
        "recompute": "Activation recomputation: it also takes its FLOPs out of the budget (default: none).",
    },
    "budget": {
        "gpu": "The accelerator whose compute is counted: id or alias (rtx4070ti, h100).",
        "count": "GPUs in the budget (default: 1).",
    },
    "layout": {
        "gpu": "The accelerator: its memory decides which layouts fit, its links what they cost.",
        "count": "GPUs to split the model over: tp × pp × cp × dp.",
        "global_batch": (
            "Sequences per optimizer step (default: 4M tokens, or one sequence per 8 GPUs if more; each layout "
            "rounds it up to a multiple of its data-parallel replicas)."
        ),
    },
    "flops": {
        "seq_len": "Sequence length of the attention term (kaplan, palm) (default: the model's context).",
        "tokens": "Training tokens, 10B or 300e9 (default: the model's published tokens, else 20 per parameter).",
    },
    "compare": dict(_COMPARE_GATES),
    "matrix": {
        **_COMPARE_GATES,
        "tokens": "Training tokens for every model (default: each model's published tokens, else 20 per parameter).",
        "tokens_per_param": "Training tokens per parameter for every model, e.g. 20.",
    },
}
