"""Released config.json files of every supported model type give the released parameter counts.

The files in tests/data/hf_configs are copies of the released configs: byte-for-byte where the sidecar column
says "verbatim" (stored copies of the HF files in ai-dynamo/aiconfigurator, commit 095f58a5), otherwise the
keys and values as third parties pasted them. The dicts below are the keys of released configs as pinned in
third-party code (named in each comment) where no copy of the file itself was at hand. The counts are the
released ones, each with its source; none is flopcheck's output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flopcheck.catalog.hf_config import architecture_from_config, read_config
from flopcheck.catalog.safetensors_index import count_from_index
from flopcheck.core.architecture import count_params
from flopcheck.core.errors import InputError
from tests.conftest import RunCli

HERE = Path(__file__).parent / "data" / "hf_configs"
KERAS = "keras-team/keras-hub keras_hub/src/models/*/*_presets.py @ 71453d08"
HF_API = "HF Hub API safetensors.total (third-party records)"

# file -> (model_type, released count, where the count is published, provenance of the file)
FILES: dict[str, tuple[str, int, str, str]] = {
    "DeepSeek-V3.json": (
        "deepseek_v3",
        671_026_419_200,
        "paper '671B' main model; HF total 684,531,386,000 = this + MTP module 13,463,426,304 + FP8 scales 41,540,496",
        "verbatim",
    ),
    "gemma-2-2b-it.json": ("gemma2", 2_614_341_888, f"{KERAS} gemma2_2b_en; {HF_API}", "keys as pasted"),
    "gpt-oss-20b.json": ("gpt_oss", 20_914_757_184, f"{KERAS} gpt_oss_20b_en; model card 20.91B", "verbatim"),
    "Mixtral-8x22B-v0.1.json": (
        "mixtral",
        140_620_634_112,
        "third-party table of HF counts; Mistral '141B'",
        "verbatim",
    ),
    "Phi-3-mini-4k-instruct.json": ("phi3", 3_821_079_552, f"{KERAS} phi3_mini_4k_instruct_en", "keys as pasted"),
    "Qwen3-0.6B.json": ("qwen3", 596_049_920, f"{KERAS} qwen3_0.6b_en; card 0.6B, 0.44B non-embedding", "verbatim"),
    "Qwen3-30B-A3B.json": ("qwen3_moe", 30_532_122_624, f"{KERAS} qwen3_moe_30b_a3b_en", "verbatim"),
}


@pytest.mark.parametrize("name", list(FILES))
def test_released_config_files_give_released_counts(name: str) -> None:
    model_type, released, _source, _provenance = FILES[name]
    config, arch = read_config(HERE / name)
    assert config["model_type"] == model_type
    assert count_params(arch).total == released


# Keys of released configs as third parties pinned them (no copy of the file at hand).
CONFIGS: dict[str, tuple[dict[str, Any], int]] = {
    # Qwen/Qwen1.5-MoE-A2.7B: keys as pinned in two independent third-party test suites; count: Keras Hub
    # qwen1.5_moe_2.7b_en 14,315,784,192.
    "qwen2_moe": (
        {
            "model_type": "qwen2_moe",
            "hidden_size": 2048,
            "intermediate_size": 5632,
            "max_position_embeddings": 8192,
            "moe_intermediate_size": 1408,
            "num_attention_heads": 16,
            "num_experts": 60,
            "num_experts_per_tok": 4,
            "num_hidden_layers": 24,
            "num_key_value_heads": 16,
            "shared_expert_intermediate_size": 5632,
            "decoder_sparse_step": 1,
            "tie_word_embeddings": False,
            "use_sliding_window": False,
            "vocab_size": 151936,
        },
        14_315_784_192,
    ),
    # deepseek-ai/DeepSeek-V2-Lite(-Chat): EXPECTED_CONFIG pinned at revision 85864749 in a third-party test;
    # count: a loaded model's reported 15,706,484,224 (model card 15.7B).
    "deepseek_v2": (
        {
            "model_type": "deepseek_v2",
            "vocab_size": 102400,
            "hidden_size": 2048,
            "intermediate_size": 10944,
            "num_hidden_layers": 27,
            "num_attention_heads": 16,
            "num_key_value_heads": 16,
            "max_position_embeddings": 163840,
            "attention_bias": False,
            "tie_word_embeddings": False,
            "n_routed_experts": 64,
            "n_shared_experts": 2,
            "num_experts_per_tok": 6,
            "first_k_dense_replace": 1,
            "moe_layer_freq": 1,
            "moe_intermediate_size": 1408,
            "kv_lora_rank": 512,
            "q_lora_rank": None,
            "qk_nope_head_dim": 128,
            "qk_rope_head_dim": 64,
            "v_head_dim": 128,
            "topk_method": "greedy",
        },
        15_706_484_224,
    ),
    # allenai/OLMo-2-1124-7B: "Mirror of allenai/OLMo-2-1124-7B/config.json" in NVIDIA Megatron-Bridge's OLMo-2
    # bridge tests; count: third-party records of the HF count, 7,298,617,344.
    "olmo2": (
        {
            "model_type": "olmo2",
            "attention_bias": False,
            "hidden_size": 4096,
            "intermediate_size": 11008,
            "max_position_embeddings": 4096,
            "num_attention_heads": 32,
            "num_hidden_layers": 32,
            "num_key_value_heads": 32,
            "tie_word_embeddings": False,
            "vocab_size": 100352,
        },
        7_298_617_344,
    ),
    # google/gemma-3-1b-pt: values of the released config (hidden 1152, 26 layers, 4 heads, 1 KV head, head_dim
    # 256, intermediate 6912, vocab 262144, window 512, pattern 6), second-hand; count: Keras Hub gemma3_1b
    # 999,885,952.
    "gemma3_text": (
        {
            "model_type": "gemma3_text",
            "hidden_size": 1152,
            "intermediate_size": 6912,
            "num_attention_heads": 4,
            "num_key_value_heads": 1,
            "head_dim": 256,
            "num_hidden_layers": 26,
            "max_position_embeddings": 32768,
            "sliding_window": 512,
            "sliding_window_pattern": 6,
            "vocab_size": 262144,
        },
        999_885_952,
    ),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_pinned_released_configs_give_released_counts(name: str) -> None:
    config, released = CONFIGS[name]
    assert count_params(architecture_from_config(config)).total == released


def test_every_new_model_type_is_tested() -> None:
    tested = {entry[0] for entry in FILES.values()} | set(CONFIGS)
    wanted = "gemma2 gemma3_text phi3 qwen2_moe qwen3 qwen3_moe deepseek_v2 deepseek_v3 olmo2 gpt_oss".split()
    assert set(wanted) <= tested


def test_moe_configs_give_the_published_active_counts() -> None:
    # Qwen3-30B-A3B model card: "Number of Activated Parameters: 3.3B".
    _, qwen = read_config(HERE / "Qwen3-30B-A3B.json")
    assert count_params(qwen).active == pytest.approx(3.3e9, rel=0.02)
    # DeepSeek-V3 paper Sec. 4.2: 37B activated per token.
    _, v3 = read_config(HERE / "DeepSeek-V3.json")
    assert count_params(v3).active == pytest.approx(37e9, rel=0.02)
    # gpt-oss model card: 3.61B active, counting the unembedding but not the embedding table.
    _, oss = read_config(HERE / "gpt-oss-20b.json")
    assert count_params(oss).active - 201088 * 2880 == pytest.approx(3.61e9, rel=0.002)
    # Qwen1.5-MoE-A2.7B: 2.7B activated (the name; the Qwen blog's "2.7 billion activated parameters").
    assert count_params(architecture_from_config(CONFIGS["qwen2_moe"][0])).active == pytest.approx(2.7e9, rel=0.01)


def test_layouts_the_configs_describe() -> None:
    _, gemma = read_config(HERE / "gemma-2-2b-it.json")
    assert (gemma.sliding_window, gemma.global_layers, gemma.attn_logit_softcap) == (4096, 13, 50.0)
    _, oss = read_config(HERE / "gpt-oss-20b.json")
    assert (oss.sliding_window, oss.global_layers, oss.attention_sinks, oss.n_ctx) == (128, 12, True, 4096)
    _, v3 = read_config(HERE / "DeepSeek-V3.json")
    assert (v3.n_dense_layers, v3.n_shared_expert, v3.kv_lora_rank, v3.n_ctx) == (3, 1, 512, 4096)
    g3 = architecture_from_config(CONFIGS["gemma3_text"][0])
    assert (g3.global_layers, g3.qk_norm) == (4, "head")  # layers 6, 12, 18, 24 of 26 are global


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decoder_sparse_step": 2}, "experts on only some layers"),
        ({"mlp_only_layers": [0]}, "experts on only some layers"),
        ({"use_sliding_window": True}, "use_sliding_window"),
    ],
)
def test_layouts_the_count_does_not_describe_are_refused(change: dict[str, Any], message: str) -> None:
    config = json.loads((HERE / "Qwen3-30B-A3B.json").read_text(encoding="utf-8"))
    with pytest.raises(InputError, match=message):
        architecture_from_config({**config, **change})


def test_irregular_layer_types_are_refused() -> None:
    config = json.loads((HERE / "gpt-oss-20b.json").read_text(encoding="utf-8"))
    config["layer_types"] = ["sliding_attention", "full_attention", "full_attention", *config["layer_types"][3:]]
    with pytest.raises(InputError, match="regular local/global period"):
        architecture_from_config(config)


def test_an_unsupported_type_says_what_to_give_instead() -> None:
    with pytest.raises(InputError, match=r"--layers/--hidden/--heads.*user catalog entry"):
        architecture_from_config({"model_type": "mamba"})


# ----------------------------------------------------------------------------- model.safetensors.index.json


def test_index_bytes_give_the_count_of_a_one_dtype_checkpoint() -> None:
    # Qwen/Qwen2.5-3B-Instruct model.safetensors.index.json: total_size 6,171,877,376 bytes, all BF16; released
    # count 3,085,938,688 (Keras Hub qwen2.5_3b_en).
    index = {"metadata": {"total_size": 6_171_877_376}, "weight_map": {}}
    assert count_from_index(index, {"torch_dtype": "bfloat16"})[0] == 3_085_938_688
    # Qwen/Qwen2.5-7B-Instruct: 15,231,233,024 bytes; released 7,615,616,512.
    assert count_from_index({"metadata": {"total_size": 15_231_233_024}}, {"torch_dtype": "bfloat16"})[0] == (
        7_615_616_512
    )


def test_index_total_parameters_wins_and_mixed_dtypes_are_refused() -> None:
    assert count_from_index({"metadata": {"total_parameters": 123, "total_size": 10}}, None)[0] == 123
    v3 = json.loads((HERE / "DeepSeek-V3.json").read_text(encoding="utf-8"))
    with pytest.raises(InputError, match="quantized"):
        count_from_index({"metadata": {"total_size": 688_586_727_753}}, v3)
    with pytest.raises(InputError, match=r"config\.json beside it"):
        count_from_index({"metadata": {"total_size": 4}}, None)
    with pytest.raises(InputError, match="not a safetensors index"):
        count_from_index([], None)


def test_cli_counts_from_an_index(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": 6_171_877_376}, "weight_map": {}}), encoding="utf-8"
    )
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "qwen2_vl", "torch_dtype": "bfloat16"}))
    data = cli("flops", str(tmp_path / "model.safetensors.index.json"), "--tokens", "1T", "--json").json()
    assert data["model"]["params"] == 3_085_938_688
    assert "no architecture" in data["model"]["name"]
