"""Relations between architecture fields that a real transformer satisfies (checked on every catalog entry
and config.json). Pure."""

from __future__ import annotations

from typing import Any

_MOE_FIELDS = ("moe_d_ff", "n_shared_expert", "n_dense_layers", "router_score_bias", "shared_expert_gate")
_MLA_FIELDS = ("kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim")


def _given(entry: Any, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if getattr(entry, name) is not None]


def architecture_problems(a: Any) -> list[str]:
    """Relations between the fields that a real transformer satisfies."""
    problems: list[str] = []
    if a.n_kv_head is not None and (a.n_kv_head > a.n_head or a.n_head % a.n_kv_head):
        problems.append(f"n_kv_head {a.n_kv_head} must divide n_head {a.n_head}")
    if (a.n_expert is None) != (a.n_expert_per_token is None):
        problems.append("give n_expert and n_expert_per_token together")
    elif a.n_expert is not None and a.n_expert_per_token is not None and a.n_expert_per_token > a.n_expert:
        problems.append(f"n_expert_per_token {a.n_expert_per_token} exceeds n_expert {a.n_expert}")
    if a.n_expert is None and _given(a, _MOE_FIELDS):
        problems.append(f"{', '.join(_given(a, _MOE_FIELDS))} need a mixture of experts (n_expert)")
    if a.n_shared_expert is None and _given(a, ("shared_expert_d_ff", "shared_expert_gate")):
        problems.append("shared_expert_d_ff and shared_expert_gate need n_shared_expert")
    if a.n_dense_layers is not None and a.n_dense_layers >= a.n_layer:
        problems.append(f"n_dense_layers {a.n_dense_layers} must be fewer than n_layer {a.n_layer}")
    if a.sliding_window_pattern is not None and a.sliding_window is None:
        problems.append("sliding_window_pattern needs sliding_window")
    if a.qkv_bias and a.bias:
        problems.append("qkv_bias (q/k/v only) contradicts bias (every linear layer)")
    mla = _given(a, _MLA_FIELDS)
    if mla and len(mla) != len(_MLA_FIELDS):
        problems.append(f"latent attention needs all of {', '.join(_MLA_FIELDS)}")
    elif a.q_lora_rank is not None and not mla:
        problems.append(f"q_lora_rank needs latent attention ({', '.join(_MLA_FIELDS)})")
    elif mla:
        assert a.qk_nope_head_dim is not None and a.qk_rope_head_dim is not None
        head = a.qk_nope_head_dim + a.qk_rope_head_dim
        if a.d_head is not None and a.d_head != head:
            problems.append(f"d_head {a.d_head} must be qk_nope_head_dim + qk_rope_head_dim = {head}")
        if a.qk_norm is not None:
            problems.append("qk_norm does not apply to latent attention")
    return problems
