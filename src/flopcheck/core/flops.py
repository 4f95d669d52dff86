"""Training FLOPs per token: 6·N and the attention terms of Kaplan et al. 2020 and PaLM, with sliding windows
and latent attention's own widths. Pure."""

from __future__ import annotations

from flopcheck.core.architecture import Architecture, widths
from flopcheck.core.frozen import frozen_dataclass

FLOP_FORMULAS = {
    "6nd": "6·N·D (Kaplan et al. 2020; GPT-3 Appendix D): attention ignored",
    "kaplan": "(6·N + 6·n_layer·n_ctx·d_attn)·D (Kaplan et al. 2020, Table 1: 3 × forward)",
    "palm": "(6·N + 12·L·H·Q·T)·D (Chowdhery et al. 2022, PaLM, Appendix B)",
}


@frozen_dataclass
class AttentionCost:
    """What the attention-score FLOPs depend on: the widths of QKᵀ and of the product with V (n_head·d_head
    both, or latent attention's n_head·(nope + rope) and n_head·v_head_dim), and how many of the layers
    attend the whole context rather than a sliding window."""

    n_layer: int
    qk_width: int
    v_width: int
    global_layers: int
    window: int | None = None

    @classmethod
    def of(cls, arch: Architecture) -> AttentionCost:
        w = widths(arch)
        qk = w.k if arch.latent_attention else w.q
        return cls(arch.n_layer, qk, w.v if arch.latent_attention else w.q, arch.global_layers, arch.sliding_window)

    def attended(self, seq_len: int, causal: bool) -> float:
        """Keys each query attends, summed over layers. Causal: T/2 for a global layer (the lower triangle);
        w - w²/(2T) for a window of w < T keys (query i sees min(i + 1, w))."""
        full = seq_len / 2 if causal else float(seq_len)
        local = full
        if self.window is not None and self.window < seq_len:
            w = self.window
            local = w - w * w / (2 * seq_len) if causal else float(w)
        return self.global_layers * full + (self.n_layer - self.global_layers) * local


def train_flop_per_token(
    formula: str, params: float, attention: AttentionCost | None, seq_len: int, causal: bool
) -> float:
    """Training FLOP per token.

    - ``6nd``: 6·N (Kaplan et al. 2020, Sec. 2.1; GPT-3 Appendix D): attention ignored.
    - ``kaplan``: 6·N + 6·n_layer·n_ctx·d_attn: three times Kaplan's forward 2N + 2·n_layer·n_ctx·d_attn
      (Table 1, which counts the QKᵀ "mask" product).
    - ``palm``: 6·N + 12·L·H·Q·T (Chowdhery et al. 2022, PaLM, Appendix B), with H·Q = d_attn and T the context:
      QKᵀ and the product with V; with latent attention the two products use their own widths,
      6·L·T·(H·Q_qk + H·Q_v).
    The attention terms count the full T × T score matrix; ``causal`` counts only the lower triangle, and a
    sliding-window layer only the keys in its window (``AttentionCost.attended``). N is the parameters used
    per token (active parameters for mixture-of-experts).
    """
    if formula == "6nd":
        return 6.0 * params
    if attention is None:
        raise ValueError(f"the {formula} formula needs the model's layers and attention width")
    keys = attention.attended(seq_len, causal)
    if formula == "kaplan":
        return 6.0 * params + 6.0 * keys * attention.qk_width
    if formula == "palm":
        return 6.0 * params + 6.0 * keys * (attention.qk_width + attention.v_width)
    raise ValueError(f"unknown FLOP formula {formula!r}")
