"""Each current catalog model's count equals its released count, and the layout reproduces it.

The figures are the released ones with where they are published (never flopcheck's output). "HF" is the HF Hub
API safetensors.total of the repository as recorded in third-party public files; "Keras" is the preset's
"params" in keras-team/keras-hub keras_hub/src/models/*/*_presets.py (commit 71453d08).
"""

from __future__ import annotations

import pytest

from flopcheck.catalog import store as catalog
from flopcheck.core.architecture import count_params

RELEASED: dict[str, tuple[int, str]] = {
    "llama-1-7b": (6_738_415_616, "third-party table of HF LLaMA counts; paper 6.7B"),
    "llama-1-13b": (13_015_864_320, "juncongmoo/pyllama README; paper 13.0B"),
    "llama-1-33b": (32_528_943_616, "juncongmoo/pyllama README ('llama-30b'); paper 32.5B"),
    "llama-1-65b": (65_285_660_672, "juncongmoo/pyllama README; paper 65.2B"),
    "tinyllama-1.1b": (1_100_048_384, "numel of TinyLlama-1.1B-intermediate-step-1431k-3T; GGUF n_params"),
    "llama-3.2-1b": (1_235_814_400, "HF Llama-3.2-1B-Instruct; card 1.23B"),
    "llama-3.2-3b": (3_212_749_824, "HF Llama-3.2-3B-Instruct; card 3.21B"),
    "llama-3.3-70b": (70_553_706_496, "HF Llama-3.3-70B-Instruct"),
    "qwen2.5-0.5b": (494_032_768, "Keras qwen2.5_0.5b_en; HF"),
    "qwen2.5-1.5b": (1_543_714_304, "Keras qwen2.5_math_1.5b_en (same layout); HF"),
    "qwen2.5-3b": (3_085_938_688, "Keras qwen2.5_3b_en; HF"),
    "qwen2.5-14b": (14_770_033_664, "GGUF general.parameter_count of Qwen2.5-14B-Instruct conversions"),
    "qwen2.5-32b": (32_763_876_352, "Keras qwen2.5_instruct_32b_en"),
    "qwen2.5-72b": (72_706_203_648, "Keras qwen2.5_instruct_72b_en"),
    "qwen3-0.6b": (596_049_920, "Keras qwen3_0.6b_en (HF safetensors 751,632,384 stores the tied head twice)"),
    "qwen3-1.7b": (1_720_574_976, "Keras qwen3_1.7b_en (HF safetensors 2,031,739,904 stores the tied head twice)"),
    "qwen3-4b": (4_022_468_096, "Keras qwen3_4b_en; HF"),
    "qwen3-8b": (8_190_735_360, "Keras qwen3_8b_en; HF"),
    "qwen3-14b": (14_768_307_200, "Keras qwen3_14b_en"),
    "qwen3-32b": (32_762_123_264, "Keras qwen3_32b_en; HF"),
    "qwen3-30b-a3b": (30_532_122_624, "Keras qwen3_moe_30b_a3b_en"),
    "qwen3-235b-a22b": (235_093_634_560, "Keras qwen3_moe_235b_a22b_en"),
    "qwen1.5-moe-a2.7b": (14_315_784_192, "Keras qwen1.5_moe_2.7b_en"),
    "gemma-2-2b": (2_614_341_888, "Keras gemma2_2b_en; HF"),
    "gemma-2-27b": (27_227_128_320, "Keras gemma2_27b_en"),
    "gemma-3-1b": (999_885_952, "Keras gemma3_1b; HF gemma-3-1b-it"),
    "phi-3-mini": (3_821_079_552, "Keras phi3_mini_4k_instruct_en; HF"),
    "phi-3-medium": (13_960_238_080, "third-party training record for Phi-3-medium-4k-instruct"),
    "phi-4": (14_659_507_200, "HF microsoft/phi-4"),
    "smollm2-135m": (134_515_008, "HF SmolLM2-135M"),
    "smollm2-360m": (361_821_120, "HF SmolLM2-360M"),
    "smollm2-1.7b": (1_711_376_384, "HF SmolLM2-1.7B"),
    "mistral-nemo-12b": (12_247_782_400, "HF Mistral-Nemo-Instruct-2407; GGUF n_params"),
    "mixtral-8x22b": (140_620_634_112, "third-party table of HF counts for Mixtral-8x22B-v0.1"),
    "olmo-2-7b": (7_298_617_344, "third-party records of HF OLMo-2-1124-7B"),
    "olmo-2-13b": (13_716_198_400, "third-party records of HF OLMo-2-1124-13B"),
    "deepseek-v3": (671_026_419_200, "paper 671B; HF 684,531,386,000 incl. MTP 13,463,426,304 + FP8 scales 41,540,496"),
    "deepseek-v2-lite": (15_706_484_224, "a loaded model's reported count; model card 15.7B"),
    "gpt-oss-20b": (20_914_757_184, "Keras gpt_oss_20b_en; model card 20.91B"),
    "gpt-oss-120b": (116_829_156_672, "Keras gpt_oss_120b_en"),
}
# Gemma 3 4B/12B/27B releases are multimodal; the catalog holds the text decoder (262,208 embedding rows). Keras'
# text-only presets count 262,144 rows: theirs + 64·d_model is the checkpoint's text decoder.
GEMMA3_TEXT_KERAS = {
    "gemma-3-4b-text": 3_880_099_328,
    "gemma-3-12b-text": 11_765_788_416,
    "gemma-3-27b-text": 27_009_002_240,
}


@pytest.mark.parametrize("model_id", list(RELEASED))
def test_catalog_count_is_the_released_count(model_id: str) -> None:
    model = catalog.models().get(model_id)
    released, _source = RELEASED[model_id]
    assert model.params == released
    assert model.architecture is not None
    assert count_params(model.architecture.to_core()).total == released


@pytest.mark.parametrize("model_id", list(GEMMA3_TEXT_KERAS))
def test_gemma3_text_decoders_match_keras_after_the_extra_rows(model_id: str) -> None:
    model = catalog.models().get(model_id)
    assert model.architecture is not None
    assert model.params - 64 * model.architecture.d_model == GEMMA3_TEXT_KERAS[model_id]


def test_qwen3_small_checkpoints_store_the_tied_head_twice() -> None:
    # HF Hub safetensors.total: Qwen3-0.6B 751,632,384; Qwen3-1.7B 2,031,739,904.
    for model_id, stored in (("qwen3-0.6b", 751_632_384), ("qwen3-1.7b", 2_031_739_904)):
        model = catalog.models().get(model_id)
        assert model.architecture is not None and model.architecture.vocab_size is not None
        assert model.params + model.architecture.vocab_size * model.architecture.d_model == stored
    # Model card: 0.44B non-embedding parameters.
    arch = catalog.models().get("qwen3-0.6b").architecture
    assert arch is not None
    assert count_params(arch.to_core()).non_embedding == pytest.approx(0.44e9, rel=0.01)


def test_at_least_25_current_models() -> None:
    current = [m for m in catalog.models() if m.year >= 2024 and m.architecture is not None]
    assert len(current) >= 25


@pytest.mark.parametrize(
    ("model_id", "active", "source"),
    [
        ("qwen3-30b-a3b", 3.3e9, "model card: 3.3B activated"),
        ("qwen3-235b-a22b", 22e9, "model card: 22B activated"),
        ("mixtral-8x22b", 39e9, "Mistral AI: 39B active of 141B"),
        ("deepseek-v3", 37e9, "paper Sec. 4.2: 37B activated"),
    ],
)
def test_moe_active_counts_match_the_published_ones(model_id: str, active: float, source: str) -> None:
    arch = catalog.models().get(model_id).architecture
    assert arch is not None
    assert count_params(arch.to_core()).active == pytest.approx(active, rel=0.02), source
