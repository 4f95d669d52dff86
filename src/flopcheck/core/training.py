"""How a run is trained, as the memory and time models read it: precision, optimizer, recomputation,
sharding, offload, fine-tuning, the step's switches, and the model's shape. Pure data."""

from __future__ import annotations

from dataclasses import field
from enum import Enum

from flopcheck.core.activations import Attention, Layer, Loss
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.layout import Layout


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

LORA_TARGETS: dict[str, frozenset[str]] = {
    "qv": frozenset({"q", "v"}),  # Hu et al. 2021 (LoRA), Sec. 7.1: adapting W_q and W_v
    "attention": frozenset({"q", "k", "v", "o"}),
    "all": frozenset({"q", "k", "v", "o", "mlp"}),
}
LORA_MATRICES = ("q", "k", "v", "o", "mlp")


@frozen_dataclass
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
    attn_softcap: bool = False
    """Attention scores soft-capped with tanh before the softmax (Gemma 2)."""

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
            softcap=self.attn_softcap,
        )


@frozen_dataclass
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
    compiled_loss: bool = False
    """With ``compiled``, the standard loss is compiled too (torchtitan since 2025-04)."""
    lora_dropout: bool = False
    quantized_keep_inputs: bool = False
    """QLoRA's 4-bit linears keep their inputs (bitsandbytes' MatMul4Bit through 2024)."""
    untied_output: bool = False
    """The stack keeps its own output layer where the checkpoint ties it to the embedding (LitGPT)."""
    quantized_output: bool = False
    """QLoRA quantizes the output layer too (LitGPT through Lightning's bitsandbytes plugin)."""
    double_quant: bool = True
    """NF4 with double quantization (QLoRA's default); False: one float32 absmax per block of 64."""
    dequant_copies: int = 1
    """16-bit copies of a dequantized 4-bit weight alive at once (2: an fp16 quantization state cast to bf16)."""
    holds_last_graph: bool = False
    """The training loop keeps the last micro-step's logits, and so its graph, until the next forward returns."""
    expanded_kv: bool = False
    """Grouped-query attention stores K and V expanded to every query head (``Stack.expands_kv_heads``)."""
    nf4_unchunked: bool = False
    """QLoRA's NF4 conversion runs over each whole weight at once (torchao 0.1): ``quantized.load_bytes``."""
    peak_batch_repeats: bool = True
    """The peak batch follows one as large (packed or length-capped data); False: only one batch is that long."""
    op_selective: bool = False
    """Selective recomputation as torchtitan's per-op policy instead of Korthikanti's attention core."""
    upcast_unquantized: bool = False
    """QLoRA with PEFT's ``prepare_model_for_kbit_training``: the layers it does not quantize (embedding, norms,
    output layer) are cast to fp32 (peft ``utils/other.py``)."""
    overhead_bytes: float = 0.0
    layout: Layout = field(default_factory=Layout)
    """Tensor, pipeline, context and expert parallelism; ``gpus`` is then the data-parallel replicas."""
    micro_batches: int | None = None
    """Micro-batches per optimizer step on each pipeline (None: at least one per stage); without pipelining, the
    gradient accumulation steps."""
    unsharded_accumulation: bool = False
    """Sharded data parallelism accumulates gradients unsharded between optimizer steps: FSDP's ``no_sync()``
    (FSDP2: ``set_requires_gradient_sync(False)``), which Lightning Fabric's ``no_backward_sync`` calls."""
    root_unit: bool = False
    """FSDP wraps each transformer block as a unit of its own and leaves the embedding, the final norm and the
    output layer to the root unit (``sharding.root_unit_params``)."""
    fsdp1_record_stream: bool = False
    """FSDP1 (``FullyShardedDataParallel``) with c10d's ``record_stream`` on (no
    ``TORCH_NCCL_AVOID_RECORD_STREAMS=1``): the caching allocator reserves ``sharding.FSDP1_RESERVED_RATIO`` of
    the allocated peak."""
    frozen_unit_gradients: bool = False
    """LoRA under FSDP1 with ``use_orig_params=True`` and whole transformer blocks as FSDP units: a unit's flat
    gradient covers its frozen weights too."""
