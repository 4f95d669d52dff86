"""What PyTorch's eager defaults move through memory beyond the roofline's GEMMs and fused kernels: autocast's fp32
residual stream, eager attention's head-layout copies, and the passes of ``torch.optim``'s default (foreach)
Adam. Pure: each count reads off the code path it names.
"""

from __future__ import annotations


def head_copy_elements(q_dim: float, kv_dim: float) -> float:
    """Elements per token one layer's eager attention copies each way (forward, or backward): Q, K and V and the
    attention output, each read and written once. PyTorch code projects to [b, s, h·d] and splits the heads with
    ``view(b, s, h, d).transpose(1, 2)``; ``torch.matmul`` flattens the batch dimensions for ``bmm`` with
    ``reshape`` (aten ``_matmul_impl``: "flatten expanded batches", ``tensor1.expand(...).reshape(...)``), a copy
    when b and h are not adjacent in memory, and the output goes back with ``transpose(1, 2).contiguous()``
    (nanoGPT's ``CausalSelfAttention``, transformers' ``eager_attention_forward``, languini-kitchen's einsum path
    likewise through ``reshape``). The backward pass copies the four gradients the same way. A fused kernel reads
    the strided heads in place (FlashAttention's and SDPA's [b, s, h, d] strides)."""
    return 2.0 * (2.0 * q_dim + 2.0 * kv_dim)


def residual_element_bytes(autocast_fp32_weights: bool, element_bytes: float) -> float:
    """Bytes per residual-stream element. Under PyTorch autocast over fp32 parameters (``torch.amp``'s own recipe:
    the model stays fp32, autocast casts the GEMM operands) the stream stays fp32: an embedding lookup is not on
    autocast's lists, and "ops not listed ... do not go through autocasting. They run in the type defined by their
    inputs", so it returns its fp32 weight's rows and the residual add of that stream and a 16-bit branch output
    promotes to fp32; ``layer_norm`` is on the list of "CUDA Ops that can autocast to float32" (PyTorch docs,
    "Automatic Mixed Precision package - torch.amp", Autocast Op Reference, 2.0/2.1). So the stream is 4 bytes,
    not the 2 of the GEMM operands, from the embedding to the final norm: nanoGPT's ``train.py`` and
    languini-kitchen's ``throughput_utils.throughput_test`` run their models this way. 16-bit weights
    (Megatron-LM, llm.c, FSDP's ``param_dtype``) keep it 16-bit."""
    return 4.0 if autocast_fp32_weights and element_bytes < 4.0 else element_bytes


FOREACH_ADAM_BYTES = 72.0
"""Bytes per fp32 parameter ``torch.optim.Adam``'s default implementation on CUDA streams in one step. Unless
``fused`` or ``foreach`` is given, PyTorch picks foreach for CUDA parameters (docs, torch.optim: "we will try to
use foreach over the for-loop implementation on CUDA"), and ``_multi_tensor_adam`` runs one pass over memory per
foreach op: ``_foreach_lerp_`` of the first moment towards the gradient (read both, write one: 12),
``_foreach_mul_`` and ``_foreach_addcmul_`` of the second moment (8 + 12), ``_foreach_sqrt`` into a temporary (8),
``_foreach_div_`` and ``_foreach_add_`` of that temporary (8 + 8), and ``_foreach_addcdiv_`` of the parameter
(read parameter, first moment, temporary; write parameter: 16). The fused kernel (``fused=True``) reads the
parameter, gradient and two moments and writes three of them: 28."""
FOREACH_DECAY_BYTES = 8.0
"""``_multi_tensor_adamw``'s decoupled weight decay: one more ``_foreach_mul_`` of the parameters (read, write)."""
GRAD_SCALER_BYTES = 8.0
"""``torch.amp.GradScaler.unscale_`` (before the step): ``_amp_foreach_non_finite_check_and_unscale_`` reads and
writes every fp32 gradient once."""


def foreach_adam_bytes(decoupled_decay: bool, grad_scaler: bool) -> float:
    """Bytes per parameter of a step of ``torch.optim.Adam``/``AdamW`` in the default foreach implementation over
    fp32 parameters, with AdamW's decay pass and the GradScaler's unscaling pass where they run."""
    return (
        FOREACH_ADAM_BYTES
        + (FOREACH_DECAY_BYTES if decoupled_decay else 0.0)
        + (GRAD_SCALER_BYTES if grad_scaler else 0.0)
    )
