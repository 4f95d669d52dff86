"""Exact parameter counts from architecture, against the released checkpoints; FLOPs per token."""

from __future__ import annotations

import pytest

from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import ModelSpec
from flopcheck.core.architecture import count_params, widths
from flopcheck.core.flops import AttentionCost, train_flop_per_token

# Models whose stated count the architecture does not reproduce to the parameter, and why.
# GPT-3 weights were never released; Table D.1 rounds the counts to 3-4 significant figures.
ROUNDED = dict.fromkeys(
    "gpt3-small gpt3-medium gpt3-large gpt3-xl gpt3-2.7b gpt3-6.7b gpt3-13b gpt3-175b".split(), 0.005
)
NOT_REPRODUCIBLE = {
    "gopher-280b": "the paper's 280B does not follow 12·L·d² and its layout (relative positions) is not published",
    "chinchilla-70b": "vocabulary and layout details are not published; the paper's count is rounded",
    "opt-175b": "no released config.json; vocabulary and embedding tying are not published",
    "palm-540b": "the vocabulary is published only as '256k'",
}
MODELS = [m for m in catalog.models() if m.architecture is not None]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.id)
def test_every_catalog_architecture_reproduces_its_parameter_count(model: ModelSpec) -> None:
    if model.id in NOT_REPRODUCIBLE:
        pytest.skip(NOT_REPRODUCIBLE[model.id])
    assert model.architecture is not None
    counted = count_params(model.architecture.to_core()).total
    if model.id in ROUNDED:
        assert counted == pytest.approx(model.params, rel=ROUNDED[model.id])
    else:
        assert counted == model.params


def test_exceptions_are_real_catalog_models() -> None:
    ids = {m.id for m in MODELS}
    assert set(NOT_REPRODUCIBLE) <= ids
    assert set(ROUNDED) <= ids


def test_mixtral_active_parameters() -> None:
    # Jiang et al. 2024 (Mixtral): 46.7B total, 12.9B active per token with 2 of 8 experts.
    model = catalog.models().get("mixtral-8x7b")
    assert model.architecture is not None
    counts = count_params(model.architecture.to_core())
    assert counts.total == 46_702_792_704
    assert counts.active == pytest.approx(12.9e9, rel=0.005)
    assert model.active_params == pytest.approx(counts.active, rel=0.005)


def test_kaplan_non_embedding_approximation() -> None:
    # Kaplan et al. 2020, Sec. 2.1: N ≈ 12·n_layer·d_model² (non-embedding) for d_ff = 4·d_model.
    model = catalog.models().get("gpt3-175b")
    assert model.architecture is not None
    counts = count_params(model.architecture.to_core())
    assert counts.non_embedding == pytest.approx(12 * 96 * 12288**2, rel=0.001)


def test_flop_formulas() -> None:
    n, s = 1.5e9, 1024
    xl = AttentionCost(n_layer=48, qk_width=1600, v_width=1600, global_layers=48)
    assert train_flop_per_token("6nd", n, None, s, causal=False) == 6 * n
    # Kaplan et al. 2020, Table 1: forward 2N + 2·n_layer·n_ctx·d_attn, training three times that.
    assert train_flop_per_token("kaplan", n, xl, s, causal=False) == pytest.approx(6 * n + 6 * 48 * s * 1600)
    # PaLM Appendix B: 6N + 12·L·H·Q·T (GPT-2 XL: 25 heads of 64).
    assert train_flop_per_token("palm", n, xl, s, causal=False) == pytest.approx(6 * n + 12 * 48 * 25 * 64 * s)
    # Causal attention needs only the lower triangle: the attention term halves.
    full = train_flop_per_token("palm", n, xl, s, causal=False) - 6 * n
    half = train_flop_per_token("palm", n, xl, s, causal=True) - 6 * n
    assert half == pytest.approx(full / 2)


def test_attention_term_is_small_when_d_model_exceeds_n_ctx_over_12() -> None:
    # Kaplan et al. 2020, Sec. 2.1: the context-dependent term is a small fraction when d_model > n_ctx / 12.
    model = catalog.models().get("gpt3-175b")
    gpt3 = AttentionCost(n_layer=96, qk_width=12288, v_width=12288, global_layers=96)
    extra = train_flop_per_token("kaplan", model.params, gpt3, 2048, causal=False) / (6 * model.params)
    assert 1.0 < extra < 1.02


def test_sliding_window_attention_counts_only_the_window() -> None:
    # A causal window of w keys: query i attends min(i + 1, w) keys; the mean over T queries is
    # w - w(w - 1)/(2T) exactly, w - w²/(2T) as counted. gpt-oss-20b: window 128, 12 of 24 layers global.
    cost = AttentionCost(n_layer=24, qk_width=4096, v_width=4096, global_layers=12, window=128)
    seq = 4096
    exact_local = 128 - 128 * 127 / (2 * seq)
    assert cost.attended(seq, causal=True) == pytest.approx(12 * seq / 2 + 12 * exact_local, rel=1e-3)
    assert cost.attended(64, causal=True) == pytest.approx(24 * 32)  # a window longer than the sequence


def test_latent_attention_widths_and_flops() -> None:
    # DeepSeek-V3 config: 128 heads, qk_nope 128 + qk_rope 64 = 192 per head for QKᵀ, v_head_dim 128 for the
    # product with V; first 3 layers dense (18432), then 8 routed + 1 shared expert of 2048.
    arch = catalog.models().get("deepseek-v3").architecture
    assert arch is not None
    core = arch.to_core()
    cost = AttentionCost.of(core)
    assert (cost.qk_width, cost.v_width, cost.global_layers) == (128 * 192, 128 * 128, 61)
    w = widths(core)
    assert (w.k, w.v, w.q_latent, w.kv_latent) == (128 * 192, 128 * 128, 1536, 512 + 64)
    assert w.mlp == pytest.approx((3 * 18432 + 58 * 9 * 2048) / 61)
    attention = train_flop_per_token("palm", 0.0, cost, 4096, causal=False)
    assert attention == pytest.approx(6 * 61 * 4096 * (128 * 192 + 128 * 128))
