"""QLoRA's frozen 4-bit base as bitsandbytes and the stacks around it hold it: storage, the dequantized copy, and
what a 4-bit layer keeps for backward. Pure.

bitsandbytes' ``Linear4bit`` stores NF4 codes (4 bits) and one absmax per block of 64 weights (``blocksize=64``);
``MatMul4Bit`` dequantizes the whole weight for each forward and each backward matmul. Through bitsandbytes 0.43.1
it also stored the layer's input on the autograd context (``ctx.tensors = (A, B)``; removed in PR #1270, 0.43.2),
an attribute the backward pass does not free: it lives as long as the graph does.
"""

from __future__ import annotations

from dataclasses import replace

from flopcheck.core import layout as parallel
from flopcheck.core.activations import loss_bytes_per_logit
from flopcheck.core.training import Config, Finetune, Shape

QLORA_BYTES_PER_PARAM = 4.127 / 8
"""4-bit NormalFloat with double quantization: 4 + 0.127 bits per parameter (Dettmers et al. 2023, "QLoRA",
Sec. 3, "Double Quantization")."""

NF4_BYTES_PER_PARAM = (4.0 + 32.0 / 64.0) / 8
"""NF4 without double quantization: 4 bits plus one float32 absmax per block of 64 (Dettmers et al. 2023, Sec. 3:
"32/64 = 0.5 bits per parameter"; bitsandbytes ``quantize_4bit(blocksize=64)``, ``compress_statistics=False``)."""


UNCHUNKED_NF4_BYTES_PER_ELEMENT = 68.0
"""Peak bytes per element of the weight being converted by torchao 0.1's ``to_nf4`` (``NF4Tensor.from_tensor``,
torchao ff288954, the release torchtune pinned as ``torchao==0.1`` through 2024-05): the bf16 weight (2), its
block-scaled copy (2, ``convert_to_norm_float_weight``), and in ``quantize_tensor_nearest`` the bf16
differences to the 16 NF4 values, ``value.unsqueeze(-1) - nf4`` (16 × 2 = 32), alive while ``.abs()`` writes
its own 32. torchao #196 (6081796b, 2024-05-01, in 0.2) converts in chunks of 1024² elements because "this can
cause a large memory spike due to intermediates of the quantization process"."""


def untied(params: float, shape: Shape | None, config: Config) -> tuple[float, Shape | None]:
    """The parameters and shape a stack trains when it keeps its own output layer where the checkpoint ties it to
    the embedding (``Config.untied_output``): one more vocabulary × width matrix."""
    if not config.untied_output or shape is None or not shape.tied_embeddings or not shape.vocab_size:
        return params, shape
    return params + float(shape.vocab_size) * shape.d_model, replace(shape, tied_embeddings=False)


def frozen_bytes(params: float, shape: Shape | None, config: Config) -> float:
    """The frozen base of LoRA (16-bit) or QLoRA: NF4 linear layers (``QLORA_BYTES_PER_PARAM`` with double
    quantization, else ``NF4_BYTES_PER_PARAM``), the embedding, norms and, unless the stack quantizes it too
    (``Config.quantized_output``), the output layer in 16-bit (PEFT and torchtune keep ``lm_head``/``output``
    unquantized), or in fp32 where the stack upcasts them."""
    if config.finetune is not Finetune.QLORA:
        return 2.0 * params
    per_param = QLORA_BYTES_PER_PARAM if config.double_quant else NF4_BYTES_PER_PARAM
    if shape is None:
        return per_param * params
    embedding = shape.embedding_params
    if config.quantized_output and not shape.tied_embeddings:
        embedding /= 2.0  # the output layer is one of the 4-bit linears
    kept = min(params, embedding + 2.0 * shape.n_layer * shape.d_model)
    return per_param * (params - kept) + (4.0 if config.upcast_unquantized else 2.0) * kept


def largest_quantized(shape: Shape | None, params: float, config: Config) -> float:
    """Parameters of the largest 4-bit matrix: an expert's MLP matrix, the query projection, or the output layer
    where the stack quantizes it."""
    if shape is None:
        return params / 12.0
    per_expert_mlp = shape.matrix_params("mlp") / (3.0 if shape.gated_mlp else 2.0) / shape.n_expert
    output = float(shape.vocab_size or 0) * shape.d_model if config.quantized_output else 0.0
    return max(per_expert_mlp, output, shape.matrix_params("q"))


def dequantized_bytes(shape: Shape | None, params: float, config: Config) -> float:
    """One weight dequantized to 16-bit at a time (``MatMul4Bit``: ``F.dequantize_4bit(B, state).to(A.dtype)``);
    two copies at once when the quantization state is fp16 and the compute dtype bf16 (``Config.dequant_copies``:
    Lightning's ``_Linear4bit`` quantizes ``weight.to(torch.half)``, so the fp16 result is alive while it is
    cast)."""
    return 2.0 * config.dequant_copies * largest_quantized(shape, params, config)


def held_bytes(shape: Shape | None, config: Config) -> float:
    """The previous micro-step held through the next forward pass, beyond the backward pass's own peak.

    Where the training loop keeps the last micro-step's logits referenced until the next forward returns
    (``Config.holds_last_graph``: LitGPT's ``fit`` rebinds ``logits`` only with the next ``model(...)``), their
    graph stays alive, and with it every input a 4-bit layer stored on its context (``quantized_keep_inputs``):
    per layer the attention and MLP inputs (2·h), the output projection's (q) and the down projection's (ff), plus
    the output layer's (h) where it is 4-bit, and the old logits (2 bytes each). At the end of the next forward
    the new logits (2 bytes each) are there too; the backward pass's peak has the loss path's bytes per logit
    instead (``activations.loss_bytes_per_logit``): the excess of the first over the second is what is added.
    Needs the previous batch as large as the peak one (``Config.peak_batch_repeats``)."""
    wanted = config.holds_last_graph and config.quantized_keep_inputs and config.peak_batch_repeats
    if not wanted or config.finetune is not Finetune.QLORA or shape is None or config.seq_len <= 0:
        return 0.0
    e = 2.0
    tokens = float(config.seq_len) * config.micro_batch
    layers = parallel.stage_layers(shape.n_layer, config.layout)
    inputs = layers * (2.0 * shape.d_model + shape.q_dim + shape.ff * shape.n_expert_per_token)
    if config.quantized_output:
        inputs += shape.d_model
    vocab = float(shape.vocab_size or 0)
    logits = (2.0 + 2.0 - loss_bytes_per_logit(config.loss, config.compiled, config.compiled_loss)) * tokens * vocab
    return max(0.0, e * tokens * inputs + logits)


def load_bytes(weights: float, shape: Shape | None, params: float, config: Config) -> float:
    """Peak bytes allocated while a QLoRA model is built and loaded with an unchunked NF4 conversion
    (``Config.nf4_unchunked``): the model's ``weights`` plus the conversion of its largest 4-bit matrix
    (``UNCHUNKED_NF4_BYTES_PER_ELEMENT``); 0 otherwise. torchtune 2024-04 builds each ``LoRALinear`` on the GPU
    and quantizes its bf16 weight there (``_create_weight_and_bias``: ``to_nf4(linear.weight)``), then converts
    every checkpoint weight again on load (``_register_nf4_dispatch_ops.inplace_copy``:
    ``to_nf4(args[0][1].to(dest_tensor.device))``, torchtune fef3ed10), when the rest of the model is held."""
    if not config.nf4_unchunked or config.finetune is not Finetune.QLORA:
        return 0.0
    return weights + UNCHUNKED_NF4_BYTES_PER_ELEMENT * largest_quantized(shape, params, config)
