"""A local HuggingFace ``config.json`` as an architecture. Read offline, never fetched.

``architecture_from_config`` is pure (a dict in, an Architecture out); ``read_config`` is the one place that
reads the file. Key names follow the transformers configuration classes of each ``model_type``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flopcheck.catalog import hf_types
from flopcheck.catalog.entries import ArchitectureEntry
from flopcheck.core.architecture import Architecture
from flopcheck.core.errors import InputError

MAX_CONFIG_BYTES = 1_000_000

# model_type -> (required keys, how to build the architecture's fields)
_LLAMA_KEYS = ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size", "vocab_size")
SUPPORTED = {
    "gpt2": ("n_layer", "n_embd", "n_head", "vocab_size"),
    "gpt_neox": ("num_hidden_layers", "hidden_size", "num_attention_heads", "intermediate_size", "vocab_size"),
    "opt": ("num_hidden_layers", "hidden_size", "num_attention_heads", "ffn_dim", "vocab_size"),
    "llama": _LLAMA_KEYS,
    "mistral": _LLAMA_KEYS,
    "qwen2": _LLAMA_KEYS,
    "mixtral": (*_LLAMA_KEYS, "num_local_experts", "num_experts_per_tok"),
    **hf_types.REQUIRED,
}
INSTEAD = (
    "give a parameter count with --layers/--hidden/--heads (and --vocab) for its shape, or describe the model "
    "in a user catalog entry (see `flopcheck schema catalog`)"
)


def _fields(model_type: str, c: dict[str, Any]) -> dict[str, Any]:
    if model_type in hf_types.BUILDERS:
        return hf_types.BUILDERS[model_type](c, model_type)
    if model_type == "gpt2":
        return {
            "n_layer": c["n_layer"],
            "d_model": c["n_embd"],
            "n_head": c["n_head"],
            "d_ff": c.get("n_inner") or 4 * c["n_embd"],
            "vocab_size": c["vocab_size"],
            "n_ctx": c.get("n_positions") or c.get("n_ctx") or 1024,
            "tied_embeddings": c.get("tie_word_embeddings", True),
            "mlp": "gelu",
            "norm": "layernorm",
            "position": "learned",
        }
    if model_type == "gpt_neox":
        return {
            "n_layer": c["num_hidden_layers"],
            "d_model": c["hidden_size"],
            "n_head": c["num_attention_heads"],
            "d_ff": c["intermediate_size"],
            "vocab_size": c["vocab_size"],
            "n_ctx": c.get("max_position_embeddings", 2048),
            "tied_embeddings": c.get("tie_word_embeddings", False),
            "mlp": "gelu",
            "norm": "layernorm",
            "position": "rotary",
        }
    if model_type == "opt":
        if c.get("word_embed_proj_dim", c["hidden_size"]) != c["hidden_size"]:
            raise InputError("OPT configs with word_embed_proj_dim != hidden_size (OPT-350m) are not supported")
        n_ctx = c.get("max_position_embeddings", 2048)
        return {
            "n_layer": c["num_hidden_layers"],
            "d_model": c["hidden_size"],
            "n_head": c["num_attention_heads"],
            "d_ff": c["ffn_dim"],
            "vocab_size": c["vocab_size"],
            "n_ctx": n_ctx,
            "tied_embeddings": c.get("tie_word_embeddings", True),
            "mlp": "relu",
            "norm": "layernorm",
            "position": "learned",
            "position_embeddings": n_ctx + 2,  # OPTLearnedPositionalEmbedding keeps an offset of 2
        }
    fields = {
        "n_layer": c["num_hidden_layers"],
        "d_model": c["hidden_size"],
        "n_head": c["num_attention_heads"],
        "n_kv_head": c.get("num_key_value_heads") or c["num_attention_heads"],
        "d_head": c.get("head_dim"),
        "d_ff": c["intermediate_size"],
        "vocab_size": c["vocab_size"],
        "n_ctx": hf_types.pretraining_context(c, 4096),
        "tied_embeddings": c.get("tie_word_embeddings", False),
        "mlp": "swiglu",
        "norm": "rmsnorm",
        "bias": False,
        "qkv_bias": model_type == "qwen2",
        "position": "rotary",
    }
    if c.get("attention_bias") or c.get("mlp_bias"):
        raise InputError(f"{model_type} configs with attention_bias or mlp_bias are not supported")
    if model_type == "mixtral":
        fields["n_expert"] = c["num_local_experts"]
        fields["n_expert_per_token"] = c["num_experts_per_tok"]
    if model_type in ("mistral", "mixtral"):
        fields.update(hf_types.windows(model_type, c, None))  # Mistral 7B: a window on every layer (paper Sec. 2)
    return fields


def architecture_from_config(config: Any, where: str = "config.json") -> Architecture:
    """The architecture a HuggingFace config describes, for the supported ``model_type`` values."""
    if not isinstance(config, dict):
        raise InputError(f"{where}: expected a JSON object")
    model_type = config.get("model_type")
    if model_type not in SUPPORTED:
        supported = ", ".join(SUPPORTED)
        raise InputError(f"{where}: model_type {model_type!r} is not supported (supported: {supported}); {INSTEAD}")
    missing = [key for key in SUPPORTED[model_type] if config.get(key) is None]
    if missing:
        raise InputError(f"{where}: model_type {model_type!r} needs the keys {', '.join(missing)}")
    fields = {k: v for k, v in _fields(model_type, config).items() if v is not None}
    try:
        return ArchitectureEntry.model_validate(fields).to_core()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        raise InputError(f"{where}: {field}: {first['msg']}") from None


def read_config(path: Path) -> tuple[dict[str, Any], Architecture]:
    """Read and parse a local config.json (at most 1 MB)."""
    where = str(path)
    try:
        raw = path.read_bytes()[: MAX_CONFIG_BYTES + 1]
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputError(f"{where}: larger than {MAX_CONFIG_BYTES:,} bytes; not a config.json")
    try:
        config = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise InputError(f"{where}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None
    return config, architecture_from_config(config, where)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a config may hold")


def display_name(config: dict[str, Any], path: Path) -> tuple[str, str]:
    """An id and a name for the model: the config's ``_name_or_path`` if it has one, else the file's folder."""
    declared = config.get("_name_or_path")
    label = declared if isinstance(declared, str) and declared else path.resolve().parent.name or path.stem
    return label, f"{label} ({path.name})"
