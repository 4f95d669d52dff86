"""Local HuggingFace config.json files, written here from the released configs: exact counts, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flopcheck.catalog.hf_config import architecture_from_config, read_config
from flopcheck.core.architecture import count_params
from flopcheck.core.errors import InputError
from tests.conftest import RunCli

# The released configs' keys (values from the model repositories), and the released parameter counts.
CONFIGS: dict[str, tuple[dict[str, Any], int]] = {
    "gpt2-xl": (
        {
            "model_type": "gpt2",
            "n_layer": 48,
            "n_embd": 1600,
            "n_head": 25,
            "n_positions": 1024,
            "n_ctx": 1024,
            "vocab_size": 50257,
            "n_inner": None,
        },
        1_557_611_200,
    ),
    "pythia-70m": (
        {
            "model_type": "gpt_neox",
            "num_hidden_layers": 6,
            "hidden_size": 512,
            "num_attention_heads": 8,
            "intermediate_size": 2048,
            "vocab_size": 50304,
            "max_position_embeddings": 2048,
            "tie_word_embeddings": False,
        },
        70_426_624,
    ),
    "opt-125m": (
        {
            "model_type": "opt",
            "num_hidden_layers": 12,
            "hidden_size": 768,
            "num_attention_heads": 12,
            "ffn_dim": 3072,
            "vocab_size": 50272,
            "max_position_embeddings": 2048,
            "word_embed_proj_dim": 768,
        },
        125_239_296,
    ),
    "llama-2-7b": (
        {
            "model_type": "llama",
            "num_hidden_layers": 32,
            "hidden_size": 4096,
            "num_attention_heads": 32,
            "num_key_value_heads": 32,
            "intermediate_size": 11008,
            "vocab_size": 32000,
            "max_position_embeddings": 4096,
            "tie_word_embeddings": False,
        },
        6_738_415_616,
    ),
    "mistral-7b": (
        {
            "model_type": "mistral",
            "num_hidden_layers": 32,
            "hidden_size": 4096,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "intermediate_size": 14336,
            "vocab_size": 32000,
            "max_position_embeddings": 32768,
        },
        7_241_732_096,
    ),
    "mixtral-8x7b": (
        {
            "model_type": "mixtral",
            "num_hidden_layers": 32,
            "hidden_size": 4096,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "intermediate_size": 14336,
            "vocab_size": 32000,
            "max_position_embeddings": 32768,
            "num_local_experts": 8,
            "num_experts_per_tok": 2,
        },
        46_702_792_704,
    ),
    "qwen2.5-7b": (
        {
            "model_type": "qwen2",
            "num_hidden_layers": 28,
            "hidden_size": 3584,
            "num_attention_heads": 28,
            "num_key_value_heads": 4,
            "intermediate_size": 18944,
            "vocab_size": 152064,
            "max_position_embeddings": 131072,
            "tie_word_embeddings": False,
        },
        7_615_616_512,
    ),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_released_configs_give_released_counts(name: str) -> None:
    config, params = CONFIGS[name]
    assert count_params(architecture_from_config(config)).total == params


def test_mixtral_config_active_parameters() -> None:
    arch = architecture_from_config(CONFIGS["mixtral-8x7b"][0])
    assert count_params(arch).active == pytest.approx(12.9e9, rel=0.005)


def write(tmp_path: Path, config: object, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def test_cli_reads_a_config_offline(cli: RunCli, tmp_path: Path) -> None:
    path = write(tmp_path, CONFIGS["llama-2-7b"][0])
    data = cli("flops", str(path), "--tokens", "2T", "--json").json()
    assert data["model"]["params"] == 6_738_415_616
    assert data["model"]["origin"] == str(path)
    assert data["train_flop"] == pytest.approx(6 * 6_738_415_616 * 2e12)
    # a folder holding config.json works too, and so does memory with its shape
    memory = cli("memory", str(tmp_path) + "/", "--gpu", "a100", "--json").json()
    assert memory["breakdown"]["activations_bytes"] > 0


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "bert"}, "model_type 'bert' is not supported"),
        ({"model_type": "llama", "hidden_size": 4096}, "needs the keys num_hidden_layers, num_attention_heads"),
        ({"n_layer": 2}, "model_type None is not supported"),
        ([1, 2], "expected a JSON object"),
        ({**CONFIGS["llama-2-7b"][0], "hidden_size": -1}, "hidden_size must be a whole number"),
        ({**CONFIGS["llama-2-7b"][0], "attention_bias": True}, "not supported"),
        ({**CONFIGS["opt-125m"][0], "word_embed_proj_dim": 512}, "OPT-350m"),
    ],
)
def test_unsupported_or_incomplete_configs(config: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        architecture_from_config(config)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"model_type":', "invalid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"model_type": "gpt2", "n_layer": NaN}', "NaN is not a number"),
        (b" " * 1_000_001, "larger than"),
    ],
)
def test_unreadable_configs(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_config(path)


def test_cli_errors_for_configs(cli: RunCli, tmp_path: Path) -> None:
    missing = cli("flops", str(tmp_path / "nope.json"))
    assert missing.code == 2 and "no such file" in missing.err
    bert = cli("fits", str(write(tmp_path, {"model_type": "bert"})), "--gpu", "h100")
    assert bert.code == 2 and "not supported" in bert.err and bert.err.count("\n") == 1
