"""Exact parameter counts and per-token activation widths from an architecture (FLOPs: core.flops). Pure.

The layouts follow the reference implementations in HuggingFace transformers (GPT2Model, OPTModel,
GPTNeoXModel, BloomModel, LlamaModel, MistralModel, MixtralModel, Qwen2Model, Gemma2Model, OLMo) and
reproduce the released checkpoints' counts to the parameter (tests/test_architecture.py).
"""

from __future__ import annotations

from typing import Literal

from flopcheck.core.frozen import frozen_dataclass

Mlp = Literal["gelu", "swiglu", "relu", "geglu"]
Norm = Literal["layernorm", "rmsnorm", "layernorm-noaffine"]
Position = Literal["learned", "rotary", "alibi", "relative"]
QkNorm = Literal["head", "full"]


@frozen_dataclass
class Architecture:
    """A decoder-only transformer's shape, as released config.json files and papers describe it. None means
    not published (or not present); the layout defaults (biases with LayerNorm, none with RMSNorm; two norms
    per layer; d_head = d_model/n_head; d_ff = 4·d_model) are those of GPT-2/GPT-NeoX and Llama.

    The catalog validates these fields (``flopcheck.catalog.entries.ArchitectureEntry``); this is the plain
    description the arithmetic reads. Widths the activation memory needs come from ``widths``."""

    n_layer: int
    d_model: int
    n_head: int
    n_ctx: int
    n_kv_head: int | None = None
    d_head: int | None = None
    """Query/key width per head; with multi-head latent attention, qk_nope_head_dim + qk_rope_head_dim."""
    d_ff: int | None = None
    """MLP width of a dense layer (with mixture-of-experts and no moe_d_ff: of each expert, as in Mixtral)."""
    vocab_size: int | None = None
    tied_embeddings: bool | None = None
    mlp: Mlp | None = None
    norm: Norm | None = None
    norms_per_layer: int | None = None
    """Norms in each layer: 2 pre-norms (default); 4 with Gemma 2/3's pre- and post-norms."""
    post_norm: bool | None = None
    """The layer's norms sit after attention and after the MLP instead of before (OLMo 2)."""
    qk_norm: QkNorm | None = None
    """RMSNorm on queries and keys: ``head`` one weight of d_head shared by all heads (Qwen3, Gemma 3);
    ``full`` over the whole projected Q and K (OLMo 2)."""
    bias: bool | None = None
    """Linear layers carry biases (GPT-2, OPT, GPT-NeoX, BLOOM; gpt-oss, router included) or not (Llama)."""
    qkv_bias: bool | None = None
    """Only the query/key/value projections carry biases (Qwen2)."""
    position: Position | None = None
    position_embeddings: int | None = None
    """Rows of a learned position table when it differs from n_ctx (OPT keeps 2 extra)."""
    embedding_norm: bool | None = None
    """A norm right after the token embedding (BLOOM)."""
    attention_sinks: bool | None = None
    """One learned sink logit per head in every layer (gpt-oss)."""
    sliding_window: int | None = None
    """Local attention window in tokens. Alone: every layer is local (Mistral 7B v0.1)."""
    sliding_window_pattern: int | None = None
    """With sliding_window: every Nth layer attends globally, the others locally, the first layer local
    (HF Gemma 3 semantics: 2 alternates as in Gemma 2 and gpt-oss; 6 is Gemma 3's 5 local : 1 global)."""
    attn_logit_softcap: float | None = None
    """tanh soft-cap on attention scores (Gemma 2: 50): no parameters; the eager kernel keeps the capped
    scores as a further s² tensor per head."""
    final_logit_softcap: float | None = None
    """tanh soft-cap on the output logits (Gemma 2: 30): no parameters; one more V-wide tensor per token."""
    n_expert: int | None = None
    """Routed experts (mixture-of-experts)."""
    n_expert_per_token: int | None = None
    """Routed experts each token uses."""
    moe_d_ff: int | None = None
    """Expert MLP width when it differs from the dense d_ff (DeepSeek, Qwen MoE, gpt-oss)."""
    n_shared_expert: int | None = None
    """Always-active shared experts beside the routed ones (DeepSeek-V3 1, V2-Lite 2, Qwen2-MoE 1)."""
    shared_expert_d_ff: int | None = None
    """Width of each shared expert when it differs from moe_d_ff (Qwen2-MoE: 5632 beside 1408)."""
    shared_expert_gate: bool | None = None
    """A sigmoid gate (d_model → 1, no bias) scales the shared expert (Qwen2-MoE)."""
    n_dense_layers: int | None = None
    """The first layers use a dense MLP of width d_ff instead of experts (DeepSeek first_k_dense_replace)."""
    router_score_bias: bool | None = None
    """A learned per-expert routing bias (DeepSeek-V3's aux-loss-free e_score_correction_bias)."""
    q_lora_rank: int | None = None
    """Multi-head latent attention (DeepSeek-V2/V3): rank of the query compression; absent = full q_proj."""
    kv_lora_rank: int | None = None
    """Multi-head latent attention: rank of the joint key/value compression (the cached latent)."""
    qk_nope_head_dim: int | None = None
    qk_rope_head_dim: int | None = None
    """Per head, the key/query part without and with rotary positions (the rotary key is shared by heads)."""
    v_head_dim: int | None = None
    """Value width per head under multi-head latent attention."""

    @property
    def latent_attention(self) -> bool:
        return self.kv_lora_rank is not None

    @property
    def expert_d_ff(self) -> int:
        return self.moe_d_ff or self.d_ff or 4 * self.d_model

    @property
    def moe_layers(self) -> int:
        """Layers whose MLP is a mixture of experts."""
        return 0 if not self.n_expert else self.n_layer - (self.n_dense_layers or 0)

    @property
    def global_layers(self) -> int:
        """Layers attending the whole context (the rest attend within sliding_window)."""
        if self.sliding_window is None:
            return self.n_layer
        if self.sliding_window_pattern is None:
            return 0
        return self.n_layer // self.sliding_window_pattern


@frozen_dataclass
class Counts:
    """Parameter counts of an architecture."""

    total: int
    active: int
    """Used per token: with mixture-of-experts, only n_expert_per_token routed experts' MLPs (plus shared
    experts and dense layers)."""
    non_embedding: int


@frozen_dataclass
class Widths:
    """Per-token widths of a layer's activations, for the activation-memory model.

    ``q``, ``k``, ``v``: projected widths (n_head·d_head for Q; n_kv_head·d_head for K and V; under latent
    attention K is n_head·(nope + rope) and V n_head·v_head_dim after decompression). ``q_latent`` and
    ``kv_latent``: the compressed widths latent attention also stores (q_lora_rank; kv_lora_rank + rope).
    ``mlp``: the MLP intermediate width one token passes through, averaged over layers (dense layers' d_ff;
    in mixture-of-experts layers the routed experts used plus the shared ones)."""

    q: int
    k: int
    v: int
    q_latent: int | None
    kv_latent: int | None
    mlp: float


def widths(arch: Architecture) -> Widths:
    """Activation widths per token (see ``Widths``; DeepSeek-V2 paper Sec. 2.1.2 for latent attention)."""
    q, kv = attention_widths(arch)
    k = v = kv
    q_latent = kv_latent = None
    if arch.latent_attention:
        assert arch.qk_nope_head_dim is not None and arch.qk_rope_head_dim is not None and arch.v_head_dim
        k = arch.n_head * (arch.qk_nope_head_dim + arch.qk_rope_head_dim)
        v = arch.n_head * arch.v_head_dim
        q_latent = arch.q_lora_rank
        kv_latent = (arch.kv_lora_rank or 0) + arch.qk_rope_head_dim
    dense_ff = arch.d_ff or 4 * arch.d_model
    moe_ff = (arch.n_expert_per_token or 1) * arch.expert_d_ff + _shared_width(arch)
    mlp = (dense_ff * (arch.n_layer - arch.moe_layers) + moe_ff * arch.moe_layers) / arch.n_layer
    return Widths(q=q, k=k, v=v, q_latent=q_latent, kv_latent=kv_latent, mlp=mlp)


def attention_widths(arch: Architecture) -> tuple[int, int]:
    """Widths of Q and of each of K, V: n_head·d_head and n_kv_head·d_head when the head size is given
    (Gemma 2: 16 × 256 = 4096 on d_model 3584); otherwise Q spans d_model and K/V its n_kv_head/n_head share
    (GPT-3 XL: 24 heads on 2048, not a whole head size)."""
    kv_heads = arch.n_kv_head or arch.n_head
    if arch.d_head is not None:
        return arch.n_head * arch.d_head, kv_heads * arch.d_head
    return arch.d_model, arch.d_model * kv_heads // arch.n_head


def _norm_weights(arch: Architecture, width: int) -> int:
    """LayerNorm has a weight and a bias, RMSNorm a weight, a non-affine LayerNorm (OLMo) nothing."""
    norm = arch.norm or "layernorm"
    return {"layernorm": 2, "rmsnorm": 1, "layernorm-noaffine": 0}[norm] * width


def _has_bias(arch: Architecture) -> bool:
    return arch.bias if arch.bias is not None else (arch.norm or "layernorm") == "layernorm"


def _attention_params(arch: Architecture) -> int:
    """One attention block: projections, their biases, QK-norm weights, sink logits.

    Multi-head latent attention (DeepSeek-V2 Sec. 2.1.2-2.1.3; HF DeepseekV3Attention): q_a (h × q_rank) with
    its norm and q_b (q_rank × n_head·(nope + rope)), or a full q_proj when q_lora_rank is absent; kv_a
    (h × (kv_rank + rope)) with its norm; kv_b (kv_rank × n_head·(nope + v)); o (n_head·v × h)."""
    h = arch.d_model
    if arch.latent_attention:
        assert arch.qk_nope_head_dim is not None and arch.qk_rope_head_dim is not None and arch.v_head_dim
        kv_rank, rope = arch.kv_lora_rank or 0, arch.qk_rope_head_dim
        qk = arch.n_head * (arch.qk_nope_head_dim + rope)
        if arch.q_lora_rank is None:
            query = h * qk
        else:
            query = h * arch.q_lora_rank + _norm_weights(arch, arch.q_lora_rank) + arch.q_lora_rank * qk
        kv = (
            h * (kv_rank + rope)
            + _norm_weights(arch, kv_rank)
            + kv_rank * arch.n_head * (arch.qk_nope_head_dim + arch.v_head_dim)
        )
        return query + kv + arch.n_head * arch.v_head_dim * h
    q, kv = attention_widths(arch)
    params = h * q + 2 * h * kv + q * h
    if _has_bias(arch):
        params += q + 2 * kv + h
    elif arch.qkv_bias:
        params += q + 2 * kv
    if arch.qk_norm == "head":
        params += 2 * _norm_weights(arch, arch.d_head or h // arch.n_head)
    elif arch.qk_norm == "full":
        params += _norm_weights(arch, q) + _norm_weights(arch, kv)
    if arch.attention_sinks:
        params += arch.n_head
    return params


def _mlp_params(arch: Architecture, ff: int) -> int:
    """2 matrices of h × ff (3 for gated SwiGLU/GeGLU), with their biases where the layout has them."""
    h, gated = arch.d_model, arch.mlp in ("swiglu", "geglu")
    return (3 if gated else 2) * h * ff + (((2 if gated else 1) * ff + h) if _has_bias(arch) else 0)


def _shared_width(arch: Architecture) -> int:
    return (arch.n_shared_expert or 0) * (arch.shared_expert_d_ff or arch.expert_d_ff)


def _moe_params(arch: Architecture) -> tuple[int, int]:
    """A mixture-of-experts MLP, all of it and what one token uses: routed experts (Shazeer et al. 2017;
    Mixtral), the router (h × n_expert, with a bias where linear layers have one, plus DeepSeek-V3's
    routing bias), shared experts (DeepSeekMoE, Dai et al. 2024) and Qwen2-MoE's shared-expert gate."""
    assert arch.n_expert is not None
    expert = _mlp_params(arch, arch.expert_d_ff)
    router = arch.d_model * arch.n_expert
    router += arch.n_expert if _has_bias(arch) else 0
    router += arch.n_expert if arch.router_score_bias else 0
    shared = _mlp_params(arch, _shared_width(arch)) if arch.n_shared_expert else 0
    shared += arch.d_model if arch.shared_expert_gate else 0
    per_token = arch.n_expert_per_token or arch.n_expert
    return router + shared + arch.n_expert * expert, router + shared + per_token * expert


def count_params(arch: Architecture) -> Counts:
    """Parameters of a decoder-only transformer.

    Per layer: attention (Q of h × n_head·d_head, K and V of h × n_kv_head·d_head each: grouped-query
    attention; the output projection; or latent attention's low-rank projections), an MLP of 2 matrices of
    h × d_ff (3 for gated SwiGLU/GeGLU) or a mixture of experts, biases where the layout has them (on Q, K, V
    only for Qwen2), QK-norm weights, sink logits, norms_per_layer norms. Outside the layers: the token
    embedding, a learned position table, an untied output head, an embedding norm (BLOOM) and the final norm.
    Kaplan et al. 2020's 12·n_layer·d² is the non-embedding count of the GPT layout without biases and norms.
    Layouts follow the HF transformers modeling files of each model type.
    """
    h, vocab = arch.d_model, arch.vocab_size
    if vocab is None:
        raise ValueError("the vocabulary size is needed to count parameters")
    norm = _norm_weights(arch, h)
    layer = _attention_params(arch) + (arch.norms_per_layer or 2) * norm
    dense_layers = arch.n_layer - arch.moe_layers
    moe_total, moe_active = _moe_params(arch) if arch.moe_layers else (0, 0)
    dense = dense_layers * _mlp_params(arch, arch.d_ff or 4 * h)

    positions = (arch.position_embeddings or arch.n_ctx) * h if arch.position == "learned" else 0
    embeddings = vocab * h + positions + (0 if arch.tied_embeddings else vocab * h)
    outside = embeddings + (norm if arch.embedding_norm else 0) + norm
    total = outside + arch.n_layer * layer + dense + arch.moe_layers * moe_total
    active = outside + arch.n_layer * layer + dense + arch.moe_layers * moe_active
    return Counts(total=total, active=active, non_embedding=total - embeddings)
