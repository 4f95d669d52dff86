"""Training memory per GPU: model states, activations, the loss, sharding, offload and fine-tuning. Pure.

Every term names its source. Bytes, not GB. ``estimate`` gives the peak the PyTorch caching allocator hands
out (``max_memory_allocated``) plus the stack's fixed overhead; what is not modelled is in ``NOT_MODELLED``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from flopcheck.core import activations
from flopcheck.core.activations import Attention, Layer, Loss, Saving


class TrainPrecision(str, Enum):
    """How weights are kept. MIXED: 16-bit compute with an fp32 master copy (Micikevicius et al. 2018; ZeRO
    Sec. 3.1). FP32: everything in fp32, activations too. PURE16: 16-bit weights, gradients and optimizer states,
    no master copy (torchtune's and LitGPT's bf16 recipes)."""

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
    # Dettmers et al. 2021, "8-bit Optimizers via Block-wise Quantization": the same two states, 1 byte each.
    Optimizer.ADAMW_8BIT: ("exp_avg", "exp_avg_sq"),
    # Shazeer & Stern 2018 (Adafactor) with beta1 = 0: factored second moments of O(rows + cols), ~0 per param.
    Optimizer.ADAFACTOR: (),
    # SGD with momentum: one buffer; Lion (Chen et al. 2023): one momentum buffer.
    Optimizer.SGD: ("momentum",),
    Optimizer.LION: ("momentum",),
}

EIGHT_BIT_STATE_BYTES = 1.0 + 4.0 / 256
"""8-bit block-wise states (Dettmers et al. 2021): 1 byte per value plus one fp32 absmax per block of 256, as
bitsandbytes' Optimizer2State allocates them (``blocksize = 256``): 2.03125 bytes per parameter for AdamW."""

QLORA_BYTES_PER_PARAM = 4.127 / 8
"""4-bit NormalFloat with double quantization: 4 + 0.127 bits per parameter (Dettmers et al. 2023, "QLoRA",
Sec. 3, "Double Quantization")."""

CUDA_CONTEXT_BYTES = 0.4e9
"""The CUDA context a PyTorch process holds on each GPU with lazy module loading (CUDA ≥ 11.7): "around 400MB"
(PyTorch maintainer, pytorch/pytorch#109888); measured 256-426 MiB elsewhere. Not in allocator statistics, so
it comes off the device's capacity."""

LORA_TARGETS: dict[str, frozenset[str]] = {
    "qv": frozenset({"q", "v"}),  # Hu et al. 2021 (LoRA), Sec. 7.1: adapting W_q and W_v
    "attention": frozenset({"q", "k", "v", "o"}),
    "all": frozenset({"q", "k", "v", "o", "mlp"}),
}
LORA_MATRICES = ("q", "k", "v", "o", "mlp")

MODELLED = (
    "model states by precision and optimizer (ZeRO, Rajbhandari et al. 2019, Sec. 3.1; 8-bit states: "
    "Dettmers et al. 2021); paged optimizer states in unified memory, outside the GPU peak",
    "activations per layer, term by term after Korthikanti et al. 2022, Sec. 4.1: fused attention (FlashAttention/"
    "SDPA) stores output and log-sum-exp, eager attention the s×s scores; dropout masks only for models trained "
    "with dropout; grouped-query attention, gated MLPs, float32 copies in eager RMSNorm; frozen linears keep no "
    "input (LoRA)",
    "the loss: standard cross-entropy 14 bytes per logit (bf16 logits, fp32 upcast, log-softmax and its "
    "gradient; Cut Cross-Entropy's measured baseline), chunked 6 (torchtune), fused 0 (Liger, CCE)",
    "recomputation: selective drops the s×s scores, full keeps each layer's input plus one layer being rebuilt "
    "(Korthikanti Sec. 4.2); activation offload keeps two layers on the GPU",
    "ZeRO 1-3 / FSDP shard optimizer states, gradients, parameters over the data-parallel GPUs, with two layers "
    "of gathered weights in flight; offload keeps states in host RAM (ZeRO-Offload, Ren et al. 2021)",
    "LoRA/QLoRA: frozen base in 16-bit, or NF4 for linear layers with the embedding and output layer in 16-bit "
    "(bitsandbytes/PEFT); one layer's weight dequantized at a time",
)
NOT_MODELLED = (
    "allocator fragmentation beyond the stack's reserve, DDP gradient buckets, NCCL and fused-kernel scratch",
    "tensor and pipeline parallelism",
)


@dataclass(frozen=True)
class Shape:
    """The architecture figures the memory formulas need."""

    n_layer: int
    d_model: int
    n_head: int
    vocab_size: int | None = None
    n_kv_head: int | None = None
    d_ff: int | None = None
    """Dense MLP width; for mixture-of-experts, the width of one expert."""
    gated_mlp: bool = False
    d_head: int | None = None
    rmsnorm: bool = False
    dropout: bool = False
    """Trained with dropout (GPT-2, OPT, BLOOM layouts); Llama-family models use none."""
    tied_embeddings: bool = True
    n_expert: int = 1
    n_expert_per_token: int = 1

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

    @property
    def embedding_params(self) -> float:
        """Token embedding and, when untied, the output layer: what QLoRA keeps in 16-bit."""
        return float(self.vocab_size or 0) * self.d_model * (1 if self.tied_embeddings else 2)

    def matrix_params(self, name: str) -> float:
        """Weights of one kind of linear layer in one layer (all experts for ``mlp``)."""
        h = float(self.d_model)
        sizes = {"q": h * self.q_dim, "k": h * self.kv_dim, "v": h * self.kv_dim, "o": self.q_dim * h}
        sizes["mlp"] = (3.0 if self.gated_mlp else 2.0) * h * self.ff * self.n_expert
        return sizes[name]

    def layer(self) -> Layer:
        return Layer(
            d_model=self.d_model,
            n_head=self.n_head,
            q_dim=self.q_dim,
            kv_dim=self.kv_dim,
            ff=self.ff * self.n_expert_per_token,
            gated_mlp=self.gated_mlp,
            rmsnorm=self.rmsnorm,
            dropout=self.dropout,
        )


@dataclass(frozen=True)
class Config:
    """How the run is trained. Defaults: mixed-precision AdamW, micro-batch 1, fused attention, the standard
    loss, no recomputation, plain data parallelism, full training, no fixed overhead."""

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
    lora_targets: frozenset[str] = LORA_TARGETS["qv"]
    attention: Attention = Attention.FLASH
    loss: Loss = Loss.STANDARD
    optimizer_in_backward: bool = False
    paged_optimizer: bool = False
    offload_activations: bool = False
    compiled: bool = False
    lora_dropout: bool = False
    op_selective: bool = False
    """Selective recomputation as torchtitan's per-op policy instead of Korthikanti's attention core."""
    upcast_unquantized: bool = False
    """QLoRA with PEFT's ``prepare_model_for_kbit_training``: the layers it does not quantize (embedding, norms,
    output layer) are cast to fp32 (peft ``utils/other.py``)."""
    overhead_bytes: float = 0.0


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
    workspace_bytes: float
    overhead_bytes: float
    host_bytes: float
    paged_bytes: float
    trainable_params: float
    bytes_per_param: dict[str, float] = field(default_factory=dict)

    @property
    def total_bytes(self) -> float:
        parts = (self.weights_bytes, self.gradients_bytes, self.master_weights_bytes, self.optimizer_bytes)
        extra = (self.activations_bytes, self.recompute_buffer_bytes, self.output_bytes)
        return sum(parts) + sum(x or 0.0 for x in extra) + self.workspace_bytes + self.overhead_bytes


def lora_params(shape: Shape, rank: int, targets: frozenset[str] | str) -> float:
    """Trainable LoRA parameters: r·(d_in + d_out) for each adapted matrix (Hu et al. 2021, Sec. 4.1), on
    every expert of a mixture-of-experts MLP."""
    chosen = LORA_TARGETS[targets] if isinstance(targets, str) else targets
    h, q, kv, ff = shape.d_model, shape.q_dim, shape.kv_dim, shape.ff
    sizes = {"q": [(h, q)], "k": [(h, kv)], "v": [(h, kv)], "o": [(q, h)], "mlp": [(h, ff), (ff, h)]}
    if shape.gated_mlp:
        sizes["mlp"].append((h, ff))
    per_layer = 0.0
    for name in chosen:
        copies = shape.n_expert if name == "mlp" else 1
        per_layer += copies * sum(rank * (d_in + d_out) for d_in, d_out in sizes[name])
    return float(shape.n_layer * per_layer)


def _saving(config: Config, shape: Shape) -> Saving:
    return Saving(
        attention=config.attention,
        element_bytes=4.0 if config.precision is TrainPrecision.FP32 else 2.0,
        compiled=config.compiled,
        adapted=None if config.finetune is Finetune.FULL else config.lora_targets,
        lora_rank=0 if config.finetune is Finetune.FULL else config.lora_rank,
        lora_dropout=config.lora_dropout,
    )


def _activations(config: Config, shape: Shape | None) -> tuple[float | None, float | None, float | None]:
    """Stored activations of all layers, the full-recomputation buffer, and the output layer with the loss."""
    if shape is None or config.seq_len <= 0:
        return None, None, None
    s, b, layer, saving = config.seq_len, config.micro_batch, shape.layer(), _saving(config, shape)
    full = activations.layer_bytes(s, b, layer, saving)
    buffer = None
    if config.recompute is Recompute.FULL:
        per_layer = activations.checkpoint_bytes(s, b, layer, saving)
        buffer = full  # one layer is rebuilt at a time in the backward pass
    elif config.recompute is Recompute.SELECTIVE and config.op_selective:
        per_layer = min(full, activations.op_selective_bytes(s, b, layer, saving))
    elif config.recompute is Recompute.SELECTIVE:
        per_layer = full - activations.scores_bytes(s, b, layer, saving)
    else:
        per_layer = full
    stored = shape.n_layer * per_layer
    if config.offload_activations:
        stored = min(stored, 2.0 * per_layer)  # the layer in use and the next one being fetched
    output = None
    if shape.vocab_size is not None:
        output = activations.output_bytes(s, b, shape.d_model, shape.vocab_size, config.loss, saving, shape.dropout)
    return stored, buffer, output


def _frozen_bytes(params: float, shape: Shape | None, config: Config) -> float:
    """The frozen base of LoRA (16-bit) or QLoRA: NF4 linear layers, the embedding, output layer and norms in
    16-bit (bitsandbytes/PEFT quantize nn.Linear layers and keep the output layer, ``lm_head``, unquantized)."""
    if config.finetune is not Finetune.QLORA:
        return 2.0 * params
    if shape is None:
        return QLORA_BYTES_PER_PARAM * params
    kept = min(params, shape.embedding_params + 2.0 * shape.n_layer * shape.d_model)
    return QLORA_BYTES_PER_PARAM * (params - kept) + (4.0 if config.upcast_unquantized else 2.0) * kept


def _largest_matrix(shape: Shape | None, params: float) -> float:
    if shape is None:
        return params / 12.0
    per_expert_mlp = shape.matrix_params("mlp") / (3.0 if shape.gated_mlp else 2.0) / shape.n_expert
    return max(per_expert_mlp, float(shape.vocab_size or 0) * shape.d_model, shape.matrix_params("q"))


def estimate(params: float, shape: Shape | None, config: Config) -> Estimate:
    """Per-GPU and host bytes to train ``params`` parameters with ``config``.

    Model states (ZeRO, Rajbhandari et al. 2019, Sec. 3.1): weights and gradients 2 bytes each (4 in fp32),
    an fp32 master copy (4) in mixed precision, and each optimizer state at 4 bytes (2 without a master copy,
    1 for 8-bit states). ZeRO stage 1 shards master weights and optimizer states over the data-parallel GPUs,
    stage 2 also gradients, stage 3 also parameters (Sec. 5), with two layers of gathered 16-bit weights in
    flight (FSDP prefetches the next layer). Offload (ZeRO-Offload, Ren et al. 2021, Sec. 4) keeps gradients,
    master weights and optimizer states in host RAM; 'all' also the parameters, leaving two layers of weights on
    the GPU. Paged optimizer states (bitsandbytes) live in unified memory that the driver pages to the host under
    pressure: counted apart, not in the GPU peak. The optimizer step fused into the backward pass (torchtune
    ``optimizer_in_bwd``) frees each gradient as soon as it is applied: one matrix's gradient at a time.
    """
    full = config.precision is TrainPrecision.FP32
    weight = 4.0 if full else 2.0
    master = 4.0 if config.precision is TrainPrecision.MIXED else 0.0
    wide = 2.0 if master == 0 and not full else 4.0
    state = EIGHT_BIT_STATE_BYTES if config.optimizer is Optimizer.ADAMW_8BIT else wide
    states = OPTIMIZER_STATES[config.optimizer]

    if config.finetune is Finetune.FULL:
        trainable, frozen_bytes = params, 0.0
    else:
        if shape is None:
            raise ValueError("LoRA needs the model's architecture")
        trainable = lora_params(shape, config.lora_rank, config.lora_targets)
        frozen_bytes = _frozen_bytes(params, shape, config)

    n = float(config.gpus)
    shard_optimizer = n if config.zero >= 1 else 1.0
    shard_gradients = n if config.zero >= 2 else 1.0
    shard_weights = n if config.zero >= 3 else 1.0

    weights = (frozen_bytes + trainable * weight) / shard_weights
    gradients = trainable * weight / shard_gradients
    if config.optimizer_in_backward:
        gradients = min(gradients, weight * _largest_matrix(shape, params))
    master_weights = trainable * master / shard_optimizer
    per_state = dict.fromkeys(states, trainable * state / shard_optimizer)
    host, paged = 0.0, 0.0
    if config.offload is not Offload.NONE:
        host = gradients + master_weights + sum(per_state.values())
        gradients = master_weights = 0.0
        per_state = dict.fromkeys(per_state, 0.0)
    elif config.paged_optimizer:
        paged = sum(per_state.values())
        per_state = dict.fromkeys(per_state, 0.0)
    layer_weights = 0.0 if shape is None else (frozen_bytes + trainable * weight) / shape.n_layer
    if config.offload is Offload.ALL:
        host += weights
        weights = 2.0 * layer_weights
    workspace = 0.0
    if config.zero >= 3 and config.gpus > 1 and config.offload is not Offload.ALL:
        # gathered weights of the layer in use and the next, never more than the unsharded model
        workspace += min(2.0 * layer_weights, weights * (n - 1.0))
    if config.finetune is Finetune.QLORA:
        workspace += 2.0 * _largest_matrix(shape, params)  # one weight dequantized to bf16 at a time

    stored, buffer, output = _activations(config, shape)
    return Estimate(
        weights_bytes=weights,
        gradients_bytes=gradients,
        master_weights_bytes=master_weights,
        optimizer_bytes=sum(per_state.values()),
        optimizer_state_bytes=per_state,
        activations_bytes=stored,
        recompute_buffer_bytes=buffer,
        output_bytes=output,
        workspace_bytes=workspace,
        overhead_bytes=config.overhead_bytes,
        host_bytes=host,
        paged_bytes=paged,
        trainable_params=trainable,
        bytes_per_param={
            "weights": weight if config.finetune is Finetune.FULL else frozen_bytes / params,
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
