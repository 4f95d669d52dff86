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
from flopcheck.catalog.paths import FileRefused, read_bounded
from flopcheck.core.architecture import Architecture
from flopcheck.core.errors import InputError, printable

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


MAX_SIZE = 10**12
"""Largest integer a shape key may hold: far above any model, and small enough for float arithmetic."""
INTEGER_KEYS = (
    "n_layer", "n_embd", "n_head", "n_inner", "n_positions", "n_ctx", "vocab_size", "num_hidden_layers",
    "hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim", "intermediate_size", "ffn_dim",
    "max_position_embeddings", "word_embed_proj_dim", "num_local_experts", "num_experts_per_tok",
)  # fmt: skip
"""Keys read as sizes: each, when present and not null, must be a whole number in [1, MAX_SIZE]."""
BOOLEAN_KEYS = ("tie_word_embeddings", "attention_bias", "mlp_bias")


def check_types(config: dict[str, Any], where: str) -> None:
    """The keys an architecture is read from have the types it needs: sizes are positive whole numbers of
    sane size (not 0, a string, a list, a float or 10**400), flags are true or false."""
    for key in INTEGER_KEYS:
        value = config.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE:
            shown = value if isinstance(value, (int, float)) and abs(value) < MAX_SIZE else type(value).__name__
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_SIZE:
                shown = "an integer of more than 12 digits"
            raise InputError(f"{where}: {key} must be a whole number from 1 to {MAX_SIZE:.0e}, got {shown}")
    for key in BOOLEAN_KEYS:
        if config.get(key) is not None and not isinstance(config[key], bool):
            raise InputError(f"{where}: {key} must be true or false, got {type(config[key]).__name__}")


def check_relations(fields: dict[str, Any], where: str) -> None:
    """What the attention and expert layout needs: the heads split the hidden size (unless the config gives
    head_dim), key/value heads are a divisor of the heads, a token uses no more experts than there are."""
    heads, kv_heads, hidden = fields.get("n_head"), fields.get("n_kv_head"), fields.get("d_model")
    if not isinstance(heads, int) or not isinstance(hidden, int) or heads < 1:
        return  # the entry's own validation names what is missing
    if fields.get("d_head") is None and hidden % heads:
        raise InputError(f"{where}: {heads} attention heads do not divide the hidden size {hidden}")
    if isinstance(kv_heads, int) and kv_heads > 0 and (kv_heads > heads or heads % kv_heads):
        raise InputError(f"{where}: {kv_heads} key/value heads are not a divisor of the {heads} attention heads")
    experts, per_token = fields.get("n_expert"), fields.get("n_expert_per_token")
    if isinstance(experts, int) and isinstance(per_token, int) and per_token > experts:
        raise InputError(f"{where}: {per_token} experts per token is more than the {experts} experts")


def architecture_from_config(config: Any, where: str = "config.json") -> Architecture:
    """The architecture a HuggingFace config describes, for the supported ``model_type`` values."""
    if not isinstance(config, dict):
        raise InputError(f"{where}: expected a JSON object")
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or model_type not in SUPPORTED:
        supported = ", ".join(SUPPORTED)
        shown = printable(repr(model_type)) if isinstance(model_type, (str, type(None))) else type(model_type).__name__
        raise InputError(f"{where}: model_type {shown} is not supported (supported: {supported}); {INSTEAD}")
    missing = [key for key in SUPPORTED[model_type] if config.get(key) is None]
    if missing:
        raise InputError(f"{where}: model_type {model_type!r} needs the keys {', '.join(missing)}")
    check_types(config, where)
    fields = {k: v for k, v in _fields(model_type, config).items() if v is not None}
    check_relations(fields, where)
    try:
        entry = ArchitectureEntry.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise InputError(f"{where}: {field}: {message}" if field else f"{where}: {message}") from None
    return entry.to_core()


def read_config(path: Path) -> tuple[dict[str, Any], Architecture]:
    """Read and parse a local config.json (a regular file of at most 1 MB)."""
    where = printable(str(path))
    try:
        raw = read_bounded(str(path), MAX_CONFIG_BYTES)
    except FileRefused as exc:
        raise InputError(f"{where}: {exc.reason}; not a config.json") from None
    try:
        config = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise InputError(f"{where}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{where}: nested too deeply; not a config.json") from None
    except ValueError as exc:  # a constant such as NaN, or an integer of more than 4300 digits
        raise InputError(f"{where}: {printable(str(exc)).split(';')[0]}") from None
    return config, architecture_from_config(config, where)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a config may hold")


def display_name(config: dict[str, Any], path: Path) -> tuple[str, str]:
    """An id and a name for the model: the config's ``_name_or_path`` if it has one, else the file's folder
    (control characters escaped, at most 200 characters)."""
    declared = config.get("_name_or_path")
    label = declared if isinstance(declared, str) and declared else path.resolve().parent.name or path.stem
    label = printable(label)[:200]
    return label, f"{label} ({printable(path.name)})"
