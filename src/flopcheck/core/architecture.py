"""Exact parameter counts and FLOPs per token from a transformer's architecture. Pure.

The layouts follow the reference implementations in HuggingFace transformers (GPT2Model, OPTModel,
GPTNeoXModel, BloomModel, LlamaModel, MistralModel, MixtralModel, Qwen2Model, Gemma2Model, OLMo) and
reproduce the released checkpoints' counts to the parameter (tests/test_architecture.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mlp = Literal["gelu", "swiglu", "relu", "geglu"]
Norm = Literal["layernorm", "rmsnorm", "layernorm-noaffine"]
Position = Literal["learned", "rotary", "alibi", "relative"]


@dataclass(frozen=True)
class Architecture:
    """A decoder-only transformer's shape, as released config.json files and papers describe it. None means
    not published; the layout defaults (biases with LayerNorm, none with RMSNorm; two norms per layer;
    d_head = d_model/n_head; d_ff = 4·d_model) are those of GPT-2/GPT-NeoX and Llama.

    The catalog validates these fields (``flopcheck.catalog.entries.ArchitectureEntry``); this is the plain
    description the arithmetic reads."""

    n_layer: int
    d_model: int
    n_head: int
    n_ctx: int
    n_kv_head: int | None = None
    d_head: int | None = None
    d_ff: int | None = None
    vocab_size: int | None = None
    tied_embeddings: bool | None = None
    mlp: Mlp | None = None
    norm: Norm | None = None
    norms_per_layer: int | None = None
    bias: bool | None = None
    """Linear layers carry biases (GPT-2, OPT, GPT-NeoX, BLOOM) or not (Llama, Mistral, OLMo)."""
    qkv_bias: bool | None = None
    """Only the query/key/value projections carry biases (Qwen2)."""
    position: Position | None = None
    position_embeddings: int | None = None
    """Rows of a learned position table when it differs from n_ctx (OPT keeps 2 extra)."""
    embedding_norm: bool | None = None
    """A norm right after the token embedding (BLOOM)."""
    n_expert: int | None = None
    n_expert_per_token: int | None = None


@dataclass(frozen=True)
class Counts:
    total: int
    active: int
    """Used per token: with mixture-of-experts, only n_expert_per_token experts' MLPs."""
    non_embedding: int


def attention_widths(arch: Architecture) -> tuple[int, int]:
    """Widths of Q and of each of K, V: n_head·d_head and n_kv_head·d_head when the head size is given
    (Gemma 2: 16 × 256 = 4096 on d_model 3584); otherwise Q spans d_model and K/V its n_kv_head/n_head share
    (GPT-3 XL: 24 heads on 2048, not a whole head size)."""
    kv_heads = arch.n_kv_head or arch.n_head
    if arch.d_head is not None:
        return arch.n_head * arch.d_head, kv_heads * arch.d_head
    return arch.d_model, arch.d_model * kv_heads // arch.n_head


def _norm_weights(arch: Architecture) -> int:
    """LayerNorm has a weight and a bias, RMSNorm a weight, a non-affine LayerNorm (OLMo) nothing."""
    norm = arch.norm or "layernorm"
    return {"layernorm": 2, "rmsnorm": 1, "layernorm-noaffine": 0}[norm] * arch.d_model


def _has_bias(arch: Architecture) -> bool:
    return arch.bias if arch.bias is not None else (arch.norm or "layernorm") == "layernorm"


def count_params(arch: Architecture) -> Counts:
    """Parameters of a decoder-only transformer.

    Per layer: Q (h × n_head·d_head), K and V (h × n_kv_head·d_head each: grouped-query attention), the output
    projection, and an MLP of 2 matrices of h × d_ff (3 for gated SwiGLU/GeGLU), times the experts of a
    mixture-of-experts plus its router (h × n_expert); biases on every linear layer where the layout has them
    (on Q, K, V only for Qwen2); norms_per_layer norms. Outside the layers: the token embedding, a learned
    position table, an untied output head, an embedding norm (BLOOM) and the final norm. Kaplan et al. 2020's
    12·n_layer·d² is the non-embedding count of the GPT layout without biases and norms.
    """
    h, vocab = arch.d_model, arch.vocab_size
    if vocab is None:
        raise ValueError("the vocabulary size is needed to count parameters")
    q, kv = attention_widths(arch)
    ff = arch.d_ff or 4 * h
    gated = arch.mlp in ("swiglu", "geglu")
    bias = _has_bias(arch)
    norm = _norm_weights(arch)

    attention = h * q + 2 * h * kv + q * h
    if bias:
        attention += q + 2 * kv + h
    elif arch.qkv_bias:
        attention += q + 2 * kv
    mlp = (3 if gated else 2) * h * ff + (((2 if gated else 1) * ff + h) if bias else 0)
    experts = arch.n_expert or 1
    router = h * arch.n_expert if arch.n_expert else 0
    norms = (arch.norms_per_layer or 2) * norm
    layer = attention + router + norms
    per_token_experts = arch.n_expert_per_token or experts

    positions = (arch.position_embeddings or arch.n_ctx) * h if arch.position == "learned" else 0
    embeddings = vocab * h + positions + (0 if arch.tied_embeddings else vocab * h)
    outside = embeddings + (norm if arch.embedding_norm else 0) + norm
    total = outside + arch.n_layer * (layer + experts * mlp)
    active = outside + arch.n_layer * (layer + per_token_experts * mlp)
    non_embedding = total - embeddings
    return Counts(total=total, active=active, non_embedding=non_embedding)


FLOP_FORMULAS = {
    "6nd": "6·N·D (Kaplan et al. 2020; GPT-3 Appendix D): attention ignored",
    "kaplan": "(6·N + 6·n_layer·n_ctx·d_attn)·D (Kaplan et al. 2020, Table 1: 3 × forward)",
    "palm": "(6·N + 12·L·H·Q·T)·D (Chowdhery et al. 2022, PaLM, Appendix B)",
}


def train_flop_per_token(
    formula: str, params: float, n_layer: int | None, d_attn: int | None, seq_len: int, causal: bool
) -> float:
    """Training FLOP per token.

    - ``6nd``: 6·N (Kaplan et al. 2020, Sec. 2.1; GPT-3 Appendix D): attention ignored.
    - ``kaplan``: 6·N + 6·n_layer·n_ctx·d_attn: three times Kaplan's forward 2N + 2·n_layer·n_ctx·d_attn
      (Table 1, which counts the QKᵀ "mask" product).
    - ``palm``: 6·N + 12·L·H·Q·T (Chowdhery et al. 2022, PaLM, Appendix B), with H·Q = d_attn and T the context:
      QKᵀ and the product with V.
    The attention terms count the full T × T score matrix; ``causal`` halves them (only the lower triangle is
    needed). N is the parameters used per token (active parameters for mixture-of-experts).
    """
    if formula == "6nd":
        return 6.0 * params
    if n_layer is None or d_attn is None:
        raise ValueError(f"the {formula} formula needs the model's layers and attention width")
    half = 0.5 if causal else 1.0
    if formula == "kaplan":
        return 6.0 * params + half * 6.0 * n_layer * seq_len * d_attn
    if formula == "palm":
        return 6.0 * params + half * 12.0 * n_layer * d_attn * seq_len
    raise ValueError(f"unknown FLOP formula {formula!r}")
