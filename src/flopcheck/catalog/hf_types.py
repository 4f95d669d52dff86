"""Architecture fields from the config.json of current HuggingFace model types.

Each builder reads the keys of that ``model_type``'s transformers configuration class (Gemma2Config,
Gemma3TextConfig, Phi3Config, Qwen2MoeConfig, Qwen3Config, Qwen3MoeConfig, DeepseekV2Config/DeepseekV3Config,
Olmo2Config, GptOssConfig) with the class's defaults where a key may be absent, and refuses the variants whose
layout the count does not describe (experts on only some layers, biases the layout lacks). Pure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flopcheck.core.errors import InputError

_CORE = ("num_hidden_layers", "hidden_size", "num_attention_heads", "vocab_size")
_MOE = ("num_experts", "num_experts_per_tok", "moe_intermediate_size")
_MLA = ("kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim")
_DEEPSEEK = (*_CORE, "intermediate_size", "moe_intermediate_size", "n_routed_experts", "num_experts_per_tok", *_MLA)

REQUIRED: dict[str, tuple[str, ...]] = {
    "gemma2": (*_CORE, "intermediate_size"),
    "gemma3_text": (*_CORE, "intermediate_size"),
    "phi3": (*_CORE, "intermediate_size"),
    "qwen2_moe": (*_CORE, *_MOE),
    "qwen3": (*_CORE, "intermediate_size"),
    "qwen3_moe": (*_CORE, *_MOE),
    "deepseek_v2": _DEEPSEEK,
    "deepseek_v3": _DEEPSEEK,
    "olmo2": (*_CORE, "intermediate_size"),
    "gpt_oss": (*_CORE, "intermediate_size", "num_local_experts"),
}


def pretraining_context(c: dict[str, Any], default: int) -> int:
    """The context before any RoPE extension: rope_scaling's original_max_position_embeddings (Llama 3.1+,
    DeepSeek-V3, gpt-oss), else max_position_embeddings."""
    scaling = c.get("rope_scaling")
    if isinstance(scaling, dict) and isinstance(scaling.get("original_max_position_embeddings"), int):
        return int(scaling["original_max_position_embeddings"])
    value = c.get("max_position_embeddings", default)
    return int(value) if isinstance(value, int) else default


def _base(c: dict[str, Any], n_ctx_default: int, tied_default: bool) -> dict[str, Any]:
    heads = c["num_attention_heads"]
    return {
        "n_layer": c["num_hidden_layers"],
        "d_model": c["hidden_size"],
        "n_head": heads,
        "n_kv_head": c.get("num_key_value_heads") or heads,
        "d_head": c.get("head_dim"),
        "d_ff": c.get("intermediate_size"),
        "vocab_size": c["vocab_size"],
        "n_ctx": pretraining_context(c, n_ctx_default),
        "tied_embeddings": c.get("tie_word_embeddings", tied_default),
        "mlp": "swiglu",
        "norm": "rmsnorm",
        "bias": False,
        "position": "rotary",
    }


def _no_bias(model_type: str, c: dict[str, Any]) -> None:
    if c.get("attention_bias") or c.get("mlp_bias"):
        raise InputError(f"{model_type} configs with attention_bias or mlp_bias are not supported")


def windows(model_type: str, c: dict[str, Any], default_pattern: int | None) -> dict[str, Any]:
    """sliding_window and sliding_window_pattern from the config's layer_types list (newer transformers) or
    its sliding_window_pattern; a window as long as the context, or none, leaves every layer global."""
    window = c.get("sliding_window")
    if not isinstance(window, int) or window <= 0:
        return {}
    types = c.get("layer_types")
    if not isinstance(types, list) or not types:
        pattern = c.get("sliding_window_pattern", default_pattern)
        return {"sliding_window": window, "sliding_window_pattern": pattern}
    if all(t == "full_attention" for t in types):
        return {}
    if all(t == "sliding_attention" for t in types):
        return {"sliding_window": window}
    period = types.index("full_attention") + 1
    expected = ["full_attention" if (i + 1) % period == 0 else "sliding_attention" for i in range(len(types))]
    if types != expected:
        raise InputError(f"{model_type}: layer_types without a regular local/global period are not supported")
    return {"sliding_window": window, "sliding_window_pattern": period}


def _experts_everywhere(model_type: str, c: dict[str, Any]) -> None:
    if c.get("decoder_sparse_step", 1) != 1 or c.get("mlp_only_layers") or c.get("moe_layer_freq", 1) != 1:
        raise InputError(
            f"{model_type} configs with experts on only some layers (decoder_sparse_step, mlp_only_layers, "
            "moe_layer_freq) are not supported"
        )


def _gemma(c: dict[str, Any], model_type: str) -> dict[str, Any]:
    _no_bias(model_type, c)
    fields = _base(c, 8192, tied_default=True)
    third = model_type == "gemma3_text"
    fields.update(
        d_head=c.get("head_dim", 256),
        mlp="geglu",
        norms_per_layer=4,
        qk_norm="head" if third else None,
        attn_logit_softcap=c.get("attn_logit_softcapping", None if third else 50.0),
        final_logit_softcap=c.get("final_logit_softcapping", None if third else 30.0),
        **windows(model_type, {"sliding_window": 4096, **c}, 6 if third else 2),
    )
    return fields


def _phi3(c: dict[str, Any], model_type: str) -> dict[str, Any]:
    _no_bias(model_type, c)
    if c.get("partial_rotary_factor", 1.0) != 1.0:
        raise InputError("phi3 configs with partial_rotary_factor are not supported")
    return _base(c, 4096, tied_default=False)


def _full_attention(model_type: str, c: dict[str, Any]) -> None:
    if c.get("use_sliding_window"):
        raise InputError(f"{model_type} configs with use_sliding_window are not supported")


def _qwen_moe(c: dict[str, Any], model_type: str) -> dict[str, Any]:
    _experts_everywhere(model_type, c)
    _full_attention(model_type, c)
    second = model_type == "qwen2_moe"
    if not second:
        _no_bias(model_type, c)
    fields = _base(c, 32768, tied_default=False)
    fields.update(
        d_head=c.get("head_dim") if second else c.get("head_dim", 128),
        qkv_bias=second or None,
        qk_norm=None if second else "head",
        n_expert=c["num_experts"],
        n_expert_per_token=c["num_experts_per_tok"],
        moe_d_ff=c["moe_intermediate_size"],
    )
    shared = c.get("shared_expert_intermediate_size") if second else None
    if shared:
        fields.update(n_shared_expert=1, shared_expert_d_ff=shared, shared_expert_gate=True)
    return fields


def _qwen3(c: dict[str, Any], model_type: str) -> dict[str, Any]:
    _no_bias(model_type, c)
    _full_attention(model_type, c)
    fields = _base(c, 32768, tied_default=False)
    fields.update(d_head=c.get("head_dim", 128), qk_norm="head")
    return fields


def _deepseek(c: dict[str, Any], model_type: str) -> dict[str, Any]:
    _experts_everywhere(model_type, c)
    if c.get("attention_bias"):
        raise InputError(f"{model_type} configs with attention_bias are not supported")
    fields = _base(c, 4096, tied_default=False)
    heads = c["num_attention_heads"]
    fields.update(
        n_kv_head=heads,
        d_head=c["qk_nope_head_dim"] + c["qk_rope_head_dim"],
        n_expert=c["n_routed_experts"],
        n_expert_per_token=c["num_experts_per_tok"],
        moe_d_ff=c["moe_intermediate_size"],
        n_shared_expert=c.get("n_shared_experts") or None,
        n_dense_layers=c.get("first_k_dense_replace") or None,
        # DeepseekV3TopkRouter always holds the aux-loss-free e_score_correction_bias; V2's gate has none.
        router_score_bias=model_type == "deepseek_v3" or None,
        q_lora_rank=c.get("q_lora_rank"),
        **{key: c[key] for key in _MLA},
    )
    return fields


def _olmo2(c: dict[str, Any], model_type: str) -> dict[str, Any]:
    _no_bias(model_type, c)
    fields = _base(c, 4096, tied_default=False)
    fields.update(qk_norm="full", post_norm=True, norms_per_layer=2)
    return fields


def _gpt_oss(c: dict[str, Any], model_type: str) -> dict[str, Any]:
    if c.get("attention_bias") is False:
        raise InputError("gpt_oss configs without attention_bias are not supported")
    fields = _base(c, c.get("initial_context_length", 4096), tied_default=False)
    fields.update(
        d_head=c.get("head_dim", 64),
        bias=True,  # q/k/v/o, router and expert biases (GptOssAttention, GptOssTopKRouter, GptOssExperts)
        attention_sinks=True,
        n_expert=c["num_local_experts"],
        n_expert_per_token=c.get("num_experts_per_tok") or c.get("experts_per_token", 4),
        **windows(model_type, {"sliding_window": 128, **c}, 2),
    )
    return fields


BUILDERS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "gemma2": _gemma,
    "gemma3_text": _gemma,
    "phi3": _phi3,
    "qwen2_moe": _qwen_moe,
    "qwen3": _qwen3,
    "qwen3_moe": _qwen_moe,
    "deepseek_v2": _deepseek,
    "deepseek_v3": _deepseek,
    "olmo2": _olmo2,
    "gpt_oss": _gpt_oss,
}
