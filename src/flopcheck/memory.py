"""Training memory per GPU, first version: mixed-precision AdamW, no sharding, no recomputation.

Pure arithmetic; no I/O. Bytes, not GB. What is not modelled is listed in ``NOT_MODELLED`` and printed
with every answer.
"""

from __future__ import annotations

from dataclasses import dataclass

# Model states for mixed-precision Adam(W), bytes per parameter: Rajbhandari et al. 2019, "ZeRO: Memory
# Optimizations Toward Training Trillion Parameter Models", Sec. 3.1: 2Ψ (fp16 weights) + 2Ψ (fp16
# gradients) + KΨ with K = 12 (fp32 master weights, momentum and variance) = 16Ψ bytes.
WEIGHT_BYTES_PER_PARAM = 2.0
GRADIENT_BYTES_PER_PARAM = 2.0
MASTER_BYTES_PER_PARAM = 4.0
OPTIMIZER_BYTES_PER_PARAM = 8.0
STATE_BYTES_PER_PARAM = (
    WEIGHT_BYTES_PER_PARAM + GRADIENT_BYTES_PER_PARAM + MASTER_BYTES_PER_PARAM + OPTIMIZER_BYTES_PER_PARAM
)

MODELLED = (
    "model states of mixed-precision AdamW: 16 bytes/parameter (ZeRO, Rajbhandari et al. 2019, Sec. 3.1)",
    "activations with no recomputation, 16-bit: s·b·h·(34 + 5·a·s/h) bytes per layer "
    "(Korthikanti et al. 2022, Sec. 4.1; assumes a 4h MLP)",
    "embedding dropout mask s·b·h and output layer 4·s·b·h·(1 + V/h) with fp32 logits (Korthikanti Sec. 4.3)",
)
NOT_MODELLED = (
    "CUDA context and framework workspace (typically 0.5-1 GB)",
    "allocator fragmentation and temporary buffers (gradient all-reduce buckets, fused-kernel scratch)",
    "activation recomputation, ZeRO/FSDP sharding, offload, 8-bit optimizers, LoRA",
)


@dataclass(frozen=True)
class Shape:
    """The architecture figures the activation formula needs."""

    n_layer: int
    d_model: int
    n_head: int
    vocab_size: int | None


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes needed on each GPU, by component. ``activations_bytes`` and ``output_bytes`` are None when
    the model's shape is unknown (a bare parameter count); ``output_bytes`` also when its vocabulary is."""

    weights_bytes: float
    gradients_bytes: float
    master_weights_bytes: float
    optimizer_bytes: float
    activations_bytes: float | None
    output_bytes: float | None

    @property
    def total_bytes(self) -> float:
        parts = (
            self.weights_bytes,
            self.gradients_bytes,
            self.master_weights_bytes,
            self.optimizer_bytes,
            self.activations_bytes or 0.0,
            self.output_bytes or 0.0,
        )
        return sum(parts)


def layer_activation_bytes(seq_len: int, micro_batch: int, d_model: int, n_head: int) -> float:
    """Activation bytes one transformer layer keeps for the backward pass, 16-bit, no recomputation,
    no tensor or sequence parallelism: s·b·h·(34 + 5·a·s/h).

    Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models", Sec. 4.1,
    Eq. (1): attention block 11sbh + 5as²b, MLP 19sbh (4h inner width), two LayerNorms 4sbh.
    """
    s, b, h, a = float(seq_len), float(micro_batch), float(d_model), float(n_head)
    return s * b * h * (34.0 + 5.0 * a * s / h)


def output_layer_bytes(seq_len: int, micro_batch: int, d_model: int, vocab_size: int) -> float:
    """Activations outside the layers: the embedding dropout mask s·b·h plus the final LayerNorm, output
    projection input and fp32 logits for the cross-entropy loss, 4·s·b·h·(1 + V/h).

    Korthikanti et al. 2022, Sec. 4.3 ("Input embeddings and the last layer").
    """
    s, b, h, v = float(seq_len), float(micro_batch), float(d_model), float(vocab_size)
    return s * b * h + 4.0 * s * b * h * (1.0 + v / h)


def training_memory(params: float, shape: Shape | None, micro_batch: int, seq_len: int) -> MemoryEstimate:
    """Per-GPU bytes to train with mixed-precision AdamW, data parallel with a full replica per GPU.

    Model states: 16 bytes/parameter (ZeRO Sec. 3.1). Activations: ``layer_activation_bytes`` per layer
    plus ``output_layer_bytes`` (Korthikanti et al. 2022), when the shape is known.
    """
    activations = output = None
    if shape is not None:
        activations = shape.n_layer * layer_activation_bytes(seq_len, micro_batch, shape.d_model, shape.n_head)
        if shape.vocab_size is not None:
            output = output_layer_bytes(seq_len, micro_batch, shape.d_model, shape.vocab_size)
    return MemoryEstimate(
        weights_bytes=WEIGHT_BYTES_PER_PARAM * params,
        gradients_bytes=GRADIENT_BYTES_PER_PARAM * params,
        master_weights_bytes=MASTER_BYTES_PER_PARAM * params,
        optimizer_bytes=OPTIMIZER_BYTES_PER_PARAM * params,
        activations_bytes=activations,
        output_bytes=output,
    )
