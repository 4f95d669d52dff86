"""Activation memory: what a training step keeps for the backward pass, per layer and at the loss. Pure.

The per-layer count is Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer
Models", Sec. 4.1), term by term, generalized to the way current stacks run:
- attention by a fused kernel (FlashAttention, PyTorch SDPA) stores its output and a float32 log-sum-exp per
  head and token instead of the s×s scores (Dao et al. 2022, Sec. 3.1; Dao 2023, Algorithm 1/2);
- dropout masks only where the model trains with dropout (GPT-2, OPT, BLOOM; Llama-family models have none);
- grouped-query attention (K and V of n_kv_head heads) and gated MLPs (SwiGLU/GeGLU: gate, its activation,
  up and their product are stored by PyTorch's eager autograd; torch.compile fuses the pointwise ops and keeps
  gate and up only);
- RMSNorm as transformers, torchtune and LitGPT write it upcasts its input to float32 and keeps that copy;
  compiled or fused norms keep their input only;
- a linear layer whose weight is frozen (LoRA/QLoRA) needs no copy of its input unless an adapter reads it:
  PyTorch's autograd saves a matmul input only for the weight's gradient, and bitsandbytes' 4-bit matmul
  saves only the packed weight (``ctx.tensors = (None, B)``).
"""

from __future__ import annotations

from enum import Enum

from flopcheck.core.frozen import frozen_dataclass


class Attention(str, Enum):
    FLASH = "flash"
    EAGER = "eager"


class Loss(str, Enum):
    STANDARD = "standard"
    CHUNKED = "chunked"
    FUSED = "fused"


LOSS_BYTES_PER_LOGIT = {
    # transformers' causal-LM loss (bf16 logits, .float(), log-softmax, its gradient): Apple's Cut
    # Cross-Entropy README measures the baseline PyTorch loss at 28,000 MiB forward+backward for 8,192 tokens ×
    # Gemma 2's 256,000-word vocabulary: 14.0 bytes per logit.
    Loss.STANDARD: 14.0,
    # torchtune CEWithChunkedOutputLoss (8 chunks, each upcast on its own): the bf16 logits (2 bytes) stay, and
    # each chunk's float32 log-softmax (4 bytes) is kept for the backward pass. torchtune's README (2024-11)
    # measures the switch from the standard loss saving 8.1 GiB on Llama 3.2 3B at 2 × 4096 tokens:
    # (14 - 6) × 8192 × 128,256 = 8.4e9 bytes = 7.8 GiB.
    Loss.CHUNKED: 6.0,
    # Fused linear cross-entropy (Liger, Cut Cross-Entropy): the logits are never materialized (CCE: 1 MB for
    # the loss forward on the same benchmark).
    Loss.FUSED: 0.0,
}


@frozen_dataclass
class Layer:
    """The widths one layer's activations depend on."""

    d_model: int
    n_head: int
    q_dim: int
    kv_dim: int
    ff: int
    """MLP width summed over the experts a token visits."""
    gated_mlp: bool = False
    rmsnorm: bool = False
    dropout: bool = False
    softcap: bool = False
    """Scores soft-capped with tanh (Gemma 2): computed eagerly, the tanh output is stored too."""


@frozen_dataclass
class Saving:
    """How the step is run: the switches that decide what is stored."""

    attention: Attention = Attention.FLASH
    element_bytes: float = 2.0
    """2 for 16-bit activations, 4 for fp32/tf32 training."""
    compiled: bool = False
    adapted: frozenset[str] | None = None
    """LoRA: the matrices with adapters (q, k, v, o, mlp); None when every weight trains."""
    lora_rank: int = 0
    frozen_keep_inputs: bool = False
    """Frozen linears keep their input anyway: bitsandbytes' 4-bit matmul as released through 2024 saves it
    (``MatMul4Bit.forward``: ``ctx.tensors = (A, B)``); later releases keep only the packed weight."""
    compiled_loss: bool = False
    """The stack compiles the standard loss when it compiles the model (``COMPILED_STANDARD_BYTES_PER_LOGIT``)."""
    expanded_kv: bool = False
    """Grouped-query attention gets K and V copied out to every query head, and the attention kernel keeps the
    copies (Unsloth's xFormers path: ``K.expand(...).reshape(bsz, kv_seq_len, n_heads, head_dim)``)."""
    lora_dropout: bool = False
    """Dropout on each adapter's input (LitGPT's recipes: 0.05): a dropped copy and its 1-byte mask are stored."""


def _saves_input(matrix: str, saving: Saving) -> bool:
    return saving.adapted is None or saving.frozen_keep_inputs or matrix in saving.adapted


def layer_bytes(s: int, b: int, layer: Layer, saving: Saving) -> float:
    """Bytes one layer stores for its backward pass without recomputation (see the module docstring).

    With eager attention and dropout, a GPT layout (kv = h, ff = 4h, two stored MLP intermediates, LayerNorm,
    16-bit) gives exactly Korthikanti et al.'s s·b·h·(34 + 5·a·s/h).
    """
    e, sb, h = saving.element_bytes, float(s) * float(b), float(layer.d_model)
    a, scores = float(layer.n_head), float(s) * float(s) * float(b) * float(layer.n_head)
    mask = 1.0 if layer.dropout else 0.0
    norm = (e + (0.0 if saving.compiled else 4.0)) if layer.rmsnorm else e
    total = 2.0 * norm * sb * h  # the two norms' inputs
    if any(_saves_input(m, saving) for m in ("q", "k", "v")):
        total += e * sb * h  # the QKV projections' input
    kv = layer.q_dim if saving.expanded_kv else layer.kv_dim
    total += e * sb * (layer.q_dim + 2.0 * kv)  # Q, K, V for the attention core
    total += e * sb * layer.q_dim  # attention output (also the output projection's input)
    if saving.attention is Attention.FLASH:
        total += 4.0 * a * sb  # float32 log-sum-exp per head and token
    else:
        total += _score_bytes(layer, saving) * scores + mask * (1.0 + e) * scores  # softmax; dropout mask, output
    total += mask * sb * h  # dropout after the output projection
    mlp_saves = _saves_input("mlp", saving)
    if mlp_saves:
        total += e * sb * h  # the MLP's input
    if layer.gated_mlp:
        kept = 2.0 if saving.compiled else (4.0 if mlp_saves else 3.0)  # gate, act(gate), up, product
    else:
        kept = 1.0 if saving.compiled else (2.0 if mlp_saves else 1.0)  # fc1 output, GELU output
    total += kept * e * sb * layer.ff
    total += mask * sb * h  # dropout after the MLP
    if saving.adapted is not None and saving.lora_rank:
        total += e * sb * saving.lora_rank * 2.0 * len(saving.adapted)  # each adapter's A output, both ends
        if saving.lora_dropout:
            inputs: dict[str, float] = {"q": layer.d_model, "k": layer.d_model, "v": layer.d_model, "o": layer.q_dim}
            inputs["mlp"] = (2.0 if layer.gated_mlp else 1.0) * layer.d_model + layer.ff
            total += (e + 1.0) * sb * sum(inputs[m] for m in saving.adapted)
    return total


def replicated_bytes(s: int, b: int, layer: Layer, saving: Saving) -> float:
    """The terms of ``layer_bytes`` that tensor parallelism does not split: the two norms' inputs, the inputs of
    the QKV projection and of the MLP, and the dropout masks after the output projection and the MLP
    (Korthikanti et al. 2022, Sec. 4.2.1: the 10·sbh of sbh(10 + 24/t + 5as/(ht)) for a GPT layer)."""
    e, sb, h = saving.element_bytes, float(s) * float(b), float(layer.d_model)
    norm = (e + (0.0 if saving.compiled else 4.0)) if layer.rmsnorm else e
    total = 2.0 * norm * sb * h
    if any(_saves_input(m, saving) for m in ("q", "k", "v")):
        total += e * sb * h
    if _saves_input("mlp", saving):
        total += e * sb * h
    return total + (2.0 * sb * h if layer.dropout else 0.0)


def scores_bytes(s: int, b: int, layer: Layer, saving: Saving) -> float:
    """The s×s attention terms of ``layer_bytes`` (zero with a fused attention kernel): what selective
    recomputation (Korthikanti et al. 2022, Sec. 4.2) does not store."""
    if saving.attention is Attention.FLASH:
        return 0.0
    e, mask = saving.element_bytes, 1.0 if layer.dropout else 0.0
    scores = float(s) * float(s) * float(b) * float(layer.n_head)
    return _score_bytes(layer, saving) * scores + mask * (1.0 + e) * scores


def _score_bytes(layer: Layer, saving: Saving) -> float:
    """Bytes stored per attention score by eager attention: the softmax output (Korthikanti et al. 2022, Sec.
    4.1); with soft-capping (Gemma 2, as LitGPT's ``CausalSelfAttention`` and transformers' eager Gemma 2 attention
    write it: ``tanh(scores / cap) * cap``, ``softmax(..., dtype=torch.float).to(q.dtype)``) the tanh output,
    the float32 softmax output and its 16-bit cast that the product with V keeps."""
    e = saving.element_bytes
    return 2.0 * e + 4.0 if layer.softcap else e


def op_selective_bytes(s: int, b: int, layer: Layer, saving: Saving) -> float:
    """torchtitan's per-op selective checkpointing (``selective_ac_option = "op"``): a layer keeps its input, the
    fused attention's output and log-sum-exp, and the outputs of every other matmul in execution order (wq, wv,
    w1, w2 of wq wk wv wo w1 w3 w2); everything else is recomputed (torchtitan ``_apply_ac``, ``_save_list``:
    "only save every other matmul")."""
    e, sb = saving.element_bytes, float(s) * float(b)
    gated = layer.ff if layer.gated_mlp else 0.0
    kept = layer.d_model + layer.q_dim + layer.q_dim + layer.kv_dim + (layer.ff if gated else layer.ff / 2.0)
    kept += layer.d_model
    return e * sb * kept + 4.0 * float(layer.n_head) * sb


def checkpoint_bytes(s: int, b: int, layer: Layer, saving: Saving) -> float:
    """Full recomputation keeps each layer's input only (Korthikanti et al. 2022, Sec. 4.2: 2sbh)."""
    return saving.element_bytes * float(s) * float(b) * float(layer.d_model)


COMPILED_CHUNKED_BYTES_PER_LOGIT = 2.0
"""Chunked cross-entropy with the per-chunk loss compiled (torchtune compiles ``compute_cross_entropy`` when
``compile=True``): the bf16 logits stay; the float32 upcast and log-softmax are fused and not stored."""


COMPILED_STANDARD_BYTES_PER_LOGIT = 4.0
"""The standard loss compiled on its own (torchtitan's ``build_cross_entropy_loss`` wraps
``cross_entropy(pred.flatten(0, 1).float(), ...)`` in ``torch.compile`` when ``training.compile`` is set, since
pytorch/torchtitan bbb1b616 (2025-04-02; #1033: "reduction of memory"), in ``torchtitan/components/loss.py`` at
e7c0cae): the upcast, log-softmax and its gradient are fused, so the graph keeps the bf16 logits (2 bytes; the
training loop deletes its own reference, ``del pred``) and the backward writes their bf16 gradient (2 bytes)
while they are alive."""


UPCAST_LOSS_TRAFFIC_PER_LOGIT = 36.0
"""Bytes each logit moves through memory in PyTorch's eager F.cross_entropy on upcast logits, forward and backward,
counted kernel by kernel after the output GEMM writes the 16-bit logits (transformers' ForCausalLMLoss:
``logits.float()``; torchtune's chunked loss upcasts each chunk): the upcast reads 2 and writes 4; log-softmax
reads 4 and writes 4; the nll-loss gradient writes 4; log-softmax's gradient reads 4 + 4 and writes 4; the
upcast's gradient reads 4 and writes 2."""
VOCAB_PARALLEL_LOSS_TRAFFIC_PER_LOGIT = 52.0
"""Megatron-LM's unfused vocab-parallel cross-entropy on upcast logits, as GPT-NeoX calls it
(``mpu.vocab_parallel_cross_entropy(output.float(), labels)``, megatron/mpu/cross_entropy.py): the upcast reads 2
and writes 4, the max reads 4, the in-place subtraction, exponential and division each read and write 4, the sum
reads 4 (38 forward); the backward's in-place product with the incoming gradient reads and writes 4, and the
upcast's gradient reads 4 and writes 2 (14)."""
BF16_LOSS_TRAFFIC_PER_LOGIT = 12.0
"""PyTorch's eager F.cross_entropy on 16-bit logits without an upcast (LitGPT's ``chunked_cross_entropy``):
log-softmax reads 2 and writes 2, the nll-loss gradient writes 2, log-softmax's gradient reads 2 + 2 and writes
2."""


def compiled_loss_path(loss: Loss, compiled: bool, compiled_loss: bool = False) -> bool:
    """Whether the loss runs compiled: the chunked loss under torch.compile, or the standard one where the stack
    compiles it (``COMPILED_CHUNKED_BYTES_PER_LOGIT``, ``COMPILED_STANDARD_BYTES_PER_LOGIT``)."""
    return (loss is Loss.CHUNKED and compiled) or (loss is Loss.STANDARD and compiled and compiled_loss)


def loss_traffic_per_logit(loss: Loss, compiled: bool, compiled_loss: bool = False) -> float:
    """Bytes per logit a loss not counted kernel by kernel moves through memory, forward and backward: twice its
    bytes per logit at the peak (written, then read back), at least the 16-bit logits read and their gradient
    written (4). A stack whose loss is counted kernel by kernel says so (``stacks.Stack.loss_traffic``)."""
    return max(4.0, 2.0 * loss_bytes_per_logit(loss, compiled, compiled_loss))


def loss_bytes_per_logit(loss: Loss, compiled: bool, compiled_loss: bool = False) -> float:
    """Bytes per logit at the loss's peak; ``compiled_loss``: the stack compiles the standard loss itself."""
    if compiled_loss_path(loss, compiled, compiled_loss):
        return COMPILED_CHUNKED_BYTES_PER_LOGIT if loss is Loss.CHUNKED else COMPILED_STANDARD_BYTES_PER_LOGIT
    return LOSS_BYTES_PER_LOGIT[loss]


def output_bytes(s: int, b: int, d_model: int, vocab: int, loss: Loss, saving: Saving, dropout: bool) -> float:
    """Outside the layers: the embedding's dropout mask, the final norm's input and output (the output
    projection's input), and the loss path's logits (``loss_bytes_per_logit``). Korthikanti et al. 2022,
    Sec. 4.3 count 4·s·b·h·(1 + V/h): the same terms with a single float32 copy of the logits."""
    sb = float(s) * float(b)
    mask = sb * d_model if dropout else 0.0
    logits = loss_bytes_per_logit(loss, saving.compiled, saving.compiled_loss) * sb * vocab
    return mask + 2.0 * saving.element_bytes * sb * d_model + logits


def eager_score_bytes(element: float, dropout: bool, fused: bool) -> tuple[float, float]:
    """Bytes each attention-score element moves through memory per layer, (forward, backward), when the s×s
    scores are materialised, counted op by op. Unfused PyTorch (nanoGPT's manual path, transformers'
    ``eager_attention_forward``): QKᵀ writes the scores; the scaling and the causal mask each read and write
    them; softmax reads them and, under 16-bit autocast, writes fp32 probabilities that a cast brings back to
    16 bits (transformers: ``softmax(..., dtype=torch.float32).to(query.dtype)``; autocast runs softmax in
    fp32); dropout reads, writes and stores a one-byte mask; P·V reads the probabilities. The backward mirrors
    each op: dP written and P read for dV, dropout's mask applied, softmax's backward reading dP and P and
    writing dS (with the casts in fp32), the mask and scaling passed back, and dS read for dQ and for dK.
    Fused (Megatron-LM's ``FusedScaleMaskSoftmax``, or torch.compile) does scale, mask and softmax in one read
    and one write, forward and backward."""
    e = element
    wide = 4.0 if e < 4.0 else e  # softmax's dtype: fp32 under 16-bit autocast
    drop_forward, drop_backward = (2.0 * e + 1.0, 2.0 * e + 1.0) if dropout else (0.0, 0.0)
    if fused:
        return e + 2.0 * e + drop_forward + e, e + e + drop_backward + 3.0 * e + 2.0 * e
    cast = (wide + e) if wide > e else 0.0
    softmax_forward = e + wide + cast
    softmax_backward = (e + wide) + 3.0 * wide + (wide + e) if wide > e else 3.0 * e
    forward = e + 2.0 * e + 2.0 * e + softmax_forward + drop_forward + e
    backward = e + e + drop_backward + softmax_backward + 2.0 * e + 2.0 * e + 2.0 * e
    return forward, backward
