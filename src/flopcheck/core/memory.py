"""Training memory per GPU: model states, activations, sharding, offload and fine-tuning. Pure arithmetic.

Every term names its source. Bytes, not GB. What is not modelled is listed in ``NOT_MODELLED`` and printed
with every answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class TrainPrecision(str, Enum):
    """How weights are kept. MIXED: 16-bit weights and gradients with an fp32 master copy (Micikevicius et
    al. 2018; ZeRO Sec. 3.1). FP32: everything in fp32. PURE16: 16-bit weights, gradients and optimizer
    states, no master copy."""

    MIXED = "mixed"
    FP32 = "fp32"
    PURE16 = "pure-bf16"


class Optimizer(str, Enum):
    ADAMW = "adamw"
    ADAMW_8BIT = "adamw-8bit"
    ADAFACTOR = "adafactor"
    SGD = "sgd"
    LION = "lion"


class Recompute(str, Enum):
    NONE = "none"
    SELECTIVE = "selective"
    FULL = "full"


class Offload(str, Enum):
    NONE = "none"
    OPTIMIZER = "optimizer"
    ALL = "all"


class Finetune(str, Enum):
    FULL = "full"
    LORA = "lora"
    QLORA = "qlora"


OPTIMIZER_STATES: dict[Optimizer, tuple[str, ...]] = {
    # Loshchilov & Hutter 2019 (AdamW): first and second moments.
    Optimizer.ADAMW: ("exp_avg", "exp_avg_sq"),
    # Dettmers et al. 2021, "8-bit Optimizers via Block-wise Quantization": the same two states, 1 byte each
    # (the per-block fp32 absmax, one per 2048 values, is below 0.2 % and left out).
    Optimizer.ADAMW_8BIT: ("exp_avg", "exp_avg_sq"),
    # Shazeer & Stern 2018 (Adafactor) with beta1 = 0: no momentum, factored second moments of O(rows + cols)
    # per matrix, counted as zero bytes per parameter.
    Optimizer.ADAFACTOR: (),
    # SGD with momentum: one buffer. Lion (Chen et al. 2023, "Symbolic Discovery of Optimization
    # Algorithms"): one momentum buffer.
    Optimizer.SGD: ("momentum",),
    Optimizer.LION: ("momentum",),
}

QLORA_BYTES_PER_PARAM = 4.127 / 8
"""4-bit NormalFloat with double quantization: 4 + 0.127 bits per parameter (Dettmers et al. 2023, "QLoRA",
Sec. 3, "Double Quantization")."""

DEFAULT_OVERHEAD_BYTES = 1e9
"""Allowance for the CUDA context, cuBLAS/cuDNN workspaces and the framework: typically 0.5-1 GB; 1 GB."""

LORA_TARGETS = {
    "qv": ("q", "v"),  # Hu et al. 2021 (LoRA), Sec. 7.1: adapting W_q and W_v
    "attention": ("q", "k", "v", "o"),
    "all": ("q", "k", "v", "o", "mlp"),
}

MODELLED = (
    "model states by precision and optimizer (ZeRO, Rajbhandari et al. 2019, Sec. 3.1; 8-bit states: "
    "Dettmers et al. 2021)",
    "activations, 16-bit, per layer: attention 3sbh + 4sb·q + 4sb·kv + 5as²b, MLP 3sbh + 2sb·ff per stored "
    "intermediate, LayerNorms 4sbh; = s·b·h·(34 + 5·a·s/h) for GPT layouts (Korthikanti et al. 2022, Sec. 4.1); "
    "selective recomputation drops 5as²b; full keeps 2sbh per layer (Sec. 4.2)",
    "embedding dropout mask s·b·h and output layer 4·s·b·h·(1 + V/h) with fp32 logits (Korthikanti Sec. 4.3)",
    "ZeRO stages 1-3 shard optimizer states, gradients, parameters over the data-parallel GPUs (ZeRO Sec. 5); "
    "offload keeps gradients, master weights and optimizer states (and, with 'all', parameters) in host RAM "
    "(ZeRO-Offload, Ren et al. 2021)",
)
NOT_MODELLED = (
    "allocator fragmentation and temporary buffers (gradient all-reduce buckets, fused-kernel scratch)",
    "ZeRO-3 parameter gather buffers and the speed cost of communication, offload and PCIe transfers",
    "pipeline and tensor parallelism",
)


@dataclass(frozen=True)
class Shape:
    """The architecture figures the activation and LoRA formulas need."""

    n_layer: int
    d_model: int
    n_head: int
    vocab_size: int | None = None
    n_kv_head: int | None = None
    d_ff: int | None = None
    gated_mlp: bool = False
    d_head: int | None = None

    @property
    def q_dim(self) -> int:
        return self.d_model if self.d_head is None else self.n_head * self.d_head

    @property
    def kv_dim(self) -> int:
        kv_heads = self.n_kv_head or self.n_head
        return self.d_model * kv_heads // self.n_head if self.d_head is None else kv_heads * self.d_head

    @property
    def ff(self) -> int:
        return self.d_ff or 4 * self.d_model


@dataclass(frozen=True)
class Config:
    """How the run is trained. Defaults: mixed-precision AdamW, micro-batch 1, no recomputation, plain data
    parallelism, full training, a 1 GB allowance."""

    precision: TrainPrecision = TrainPrecision.MIXED
    optimizer: Optimizer = Optimizer.ADAMW
    micro_batch: int = 1
    seq_len: int = 0
    recompute: Recompute = Recompute.NONE
    zero: int = 0
    gpus: int = 1
    offload: Offload = Offload.NONE
    finetune: Finetune = Finetune.FULL
    lora_rank: int = 8
    lora_targets: str = "qv"
    overhead_bytes: float = DEFAULT_OVERHEAD_BYTES


@dataclass(frozen=True)
class Estimate:
    """Bytes on each GPU by component, and host RAM per GPU. Activation terms are None when the shape is
    unknown; ``output_bytes`` also when the vocabulary is."""

    weights_bytes: float
    gradients_bytes: float
    master_weights_bytes: float
    optimizer_bytes: float
    optimizer_state_bytes: dict[str, float]
    activations_bytes: float | None
    recompute_buffer_bytes: float | None
    output_bytes: float | None
    overhead_bytes: float
    host_bytes: float
    trainable_params: float
    bytes_per_param: dict[str, float] = field(default_factory=dict)

    @property
    def total_bytes(self) -> float:
        parts = (self.weights_bytes, self.gradients_bytes, self.master_weights_bytes, self.optimizer_bytes)
        extra = (self.activations_bytes, self.recompute_buffer_bytes, self.output_bytes)
        return sum(parts) + sum(x or 0.0 for x in extra) + self.overhead_bytes


def layer_activation_bytes(s: int, b: int, shape: Shape, recompute: Recompute) -> float:
    """Activation bytes one layer keeps for the backward pass, 16-bit, no tensor or sequence parallelism.

    Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models", Sec. 4.1: attention
    11sbh + 5as²b (QKV input 2sbh, Q and K 4sbh, softmax output 2as²b, its dropout mask as²b and output 2as²b,
    V 2sbh, output projection input 2sbh, dropout mask sbh), MLP 19sbh, LayerNorms 4sbh. Generalized here to
    K/V of width kv (grouped-query attention: Q 2sbh, K and V 2sb·kv each) and an MLP of width ff that stores
    2 intermediates (GeLU: its input and output) or 3 (gated: gate, up and their product); for kv = h,
    ff = 4h, 2 intermediates it is exactly s·b·h·(34 + 5·a·s/h). Selective recomputation (Sec. 4.2) drops the
    5as²b term, as FlashAttention-style kernels do; full recomputation keeps only the layer input, 2sbh.
    """
    h, a = float(shape.d_model), float(shape.n_head)
    sb = float(s) * float(b)
    if recompute is Recompute.FULL:
        return 2.0 * sb * h
    # QKV input 2sbh, Q 2sb·q, K and V 2sb·kv each, output-projection input 2sb·q, dropout mask sbh.
    attention = 3.0 * sb * h + 4.0 * sb * shape.q_dim + 4.0 * sb * shape.kv_dim
    mlp = 3.0 * sb * h + (3.0 if shape.gated_mlp else 2.0) * 2.0 * sb * shape.ff
    norms = 4.0 * sb * h
    scores = 5.0 * a * float(s) * float(s) * float(b) if recompute is Recompute.NONE else 0.0
    return attention + mlp + norms + scores


def output_layer_bytes(s: int, b: int, d_model: int, vocab_size: int) -> float:
    """The embedding dropout mask s·b·h plus the final LayerNorm, output projection input and fp32 logits
    for the cross-entropy loss, 4·s·b·h·(1 + V/h) (Korthikanti et al. 2022, Sec. 4.3)."""
    sb, h, v = float(s) * float(b), float(d_model), float(vocab_size)
    return sb * h + 4.0 * sb * h * (1.0 + v / h)


def lora_params(shape: Shape, rank: int, targets: str) -> float:
    """Trainable LoRA parameters: r·(d_in + d_out) for each adapted matrix (Hu et al. 2021, Sec. 4.1)."""
    h, q, kv, ff = shape.d_model, shape.q_dim, shape.kv_dim, shape.ff
    sizes = {"q": [(h, q)], "k": [(h, kv)], "v": [(h, kv)], "o": [(q, h)], "mlp": [(h, ff), (ff, h)]}
    if shape.gated_mlp:
        sizes["mlp"].append((h, ff))
    per_layer = sum(rank * (d_in + d_out) for name in LORA_TARGETS[targets] for d_in, d_out in sizes[name])
    return float(shape.n_layer * per_layer)


def _activations(config: Config, shape: Shape | None) -> tuple[float | None, float | None, float | None]:
    if shape is None or config.seq_len <= 0:
        return None, None, None
    s, b = config.seq_len, config.micro_batch
    activations = shape.n_layer * layer_activation_bytes(s, b, shape, config.recompute)
    # Full recomputation rematerializes one layer at a time in the backward pass: its activations are live
    # on top of the stored layer inputs.
    buffer = layer_activation_bytes(s, b, shape, Recompute.NONE) if config.recompute is Recompute.FULL else None
    output = None if shape.vocab_size is None else output_layer_bytes(s, b, shape.d_model, shape.vocab_size)
    return activations, buffer, output


def estimate(params: float, shape: Shape | None, config: Config) -> Estimate:
    """Per-GPU and host bytes to train ``params`` parameters with ``config``.

    Model states (ZeRO, Rajbhandari et al. 2019, Sec. 3.1): weights and gradients 2 bytes each (4 in fp32),
    an fp32 master copy (4) in mixed precision, and each optimizer state at 4 bytes (2 without a master copy,
    1 for 8-bit states). ZeRO stage 1 shards master weights and optimizer states over the data-parallel GPUs,
    stage 2 also gradients, stage 3 also parameters (Sec. 5). Offload (ZeRO-Offload, Ren et al. 2021, Sec. 4)
    keeps gradients, master weights and optimizer states in host RAM; 'all' also the parameters, leaving two
    layers of 16-bit weights on the GPU for the layer in use and the next. LoRA and QLoRA train adapters only;
    the frozen base stays in 16-bit, or 4.127 bits with QLoRA.
    """
    weight = 4.0 if config.precision is TrainPrecision.FP32 else 2.0
    master = 4.0 if config.precision is TrainPrecision.MIXED else 0.0
    state = (
        1.0 if config.optimizer is Optimizer.ADAMW_8BIT else (2.0 if config.precision is TrainPrecision.PURE16 else 4.0)
    )
    states = OPTIMIZER_STATES[config.optimizer]

    if config.finetune is Finetune.FULL:
        trainable, frozen, frozen_bytes = params, 0.0, 0.0
    else:
        if shape is None:
            raise ValueError("LoRA needs the model's architecture")
        trainable = lora_params(shape, config.lora_rank, config.lora_targets)
        frozen = params
        frozen_bytes = QLORA_BYTES_PER_PARAM if config.finetune is Finetune.QLORA else 2.0

    n = float(config.gpus)
    shard_optimizer = n if config.zero >= 1 else 1.0
    shard_gradients = n if config.zero >= 2 else 1.0
    shard_weights = n if config.zero >= 3 else 1.0

    weights = (frozen * frozen_bytes + trainable * weight) / shard_weights
    gradients = trainable * weight / shard_gradients
    master_weights = trainable * master / shard_optimizer
    per_state = dict.fromkeys(states, trainable * state / shard_optimizer)
    host = 0.0
    if config.offload is not Offload.NONE:
        host = gradients + master_weights + sum(per_state.values())
        gradients = master_weights = 0.0
        per_state = dict.fromkeys(per_state, 0.0)
    if config.offload is Offload.ALL:
        host += weights
        weights = 0.0 if shape is None else 2.0 * (weight * (frozen + trainable) / shape.n_layer)

    activations, buffer, output = _activations(config, shape)
    return Estimate(
        weights_bytes=weights,
        gradients_bytes=gradients,
        master_weights_bytes=master_weights,
        optimizer_bytes=sum(per_state.values()),
        optimizer_state_bytes=per_state,
        activations_bytes=activations,
        recompute_buffer_bytes=buffer,
        output_bytes=output,
        overhead_bytes=config.overhead_bytes,
        host_bytes=host,
        trainable_params=trainable,
        bytes_per_param={
            "weights": weight if config.finetune is Finetune.FULL else frozen_bytes,
            "gradients": weight,
            "master_weights": master,
            **dict.fromkeys(states, state),
        },
    )


def recompute_factor(recompute: Recompute, params: float, shape: Shape | None, seq_len: int) -> float:
    """Hardware FLOP per model FLOP (6·N·D) with recomputation.

    Full: one extra forward pass, 2N per token: (6N + 2N) / 6N = 4/3 (Narayanan et al. 2021, Megatron-LM,
    Sec. 5.1, count 8·N·D hardware FLOP with recomputation). Selective: only the attention core is recomputed
    (Korthikanti et al. 2022, Sec. 4.2), QKᵀ and the product with V, 4·s·h FLOP per token per layer:
    1 + 4·s·h·L / 6N.
    """
    if recompute is Recompute.FULL:
        return 4.0 / 3.0
    if recompute is Recompute.SELECTIVE and shape is not None and seq_len > 0:
        return 1.0 + 4.0 * seq_len * shape.d_model * shape.n_layer / (6.0 * params)
    return 1.0
