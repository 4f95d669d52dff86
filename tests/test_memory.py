"""Training memory, against the ZeRO, ZeRO-Offload, Korthikanti et al., LoRA, QLoRA and 8-bit optimizer papers."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopcheck.catalog import store as catalog
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import activations, memory
from flopcheck.core import fitting as strategies
from flopcheck.core.activations import Attention, Loss
from flopcheck.core.memory import Config, Finetune, Offload, Optimizer, Recompute, Shape, TrainPrecision

STATES_ONLY = Config(overhead_bytes=0.0)
GPT3_175B = Shape(n_layer=96, d_model=12288, n_head=96, vocab_size=50257)


def states(params: float, **changes: object) -> float:
    return memory.estimate(params, None, replace(STATES_ONLY, **changes)).total_bytes  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- model states


def test_zero_paper_16_bytes_per_parameter() -> None:
    # Rajbhandari et al. 2019, Sec. 3.1: mixed-precision Adam keeps 2Ψ + 2Ψ + 12Ψ = 16Ψ bytes; "GPT-2 with
    # 1.5B parameters ... leads to a memory requirement of at least 24 GB".
    assert states(1.5e9) == pytest.approx(24e9)


@pytest.mark.parametrize(("stage", "gigabytes"), [(0, 120), (1, 31.4), (2, 16.6), (3, 1.9)])
def test_zero_paper_figure_1_7_5b_over_64_gpus(stage: int, gigabytes: float) -> None:
    # ZeRO, Figure 1: Ψ = 7.5B, K = 12, Nd = 64 -> 120 GB baseline, 31.4 GB (Pos), 16.6 GB (Pos+g), 1.9 GB (Pos+g+p).
    assert states(7.5e9, zero=stage, gpus=64) / 1e9 == pytest.approx(gigabytes, abs=0.05)


def test_fp32_and_pure_bf16_states() -> None:
    # fp32: 4 (weights) + 4 (gradients) + 8 (Adam) with no master copy; pure bf16: 2 + 2 + 2·2.
    assert states(1e9, precision=TrainPrecision.FP32) == pytest.approx(16e9)
    assert states(1e9, precision=TrainPrecision.PURE16) == pytest.approx(8e9)


@pytest.mark.parametrize(
    ("optimizer", "per_param"),
    [
        (Optimizer.ADAMW, 16),  # 2 + 2 + 4 master + 4 + 4
        # Dettmers et al. 2021: two 1-byte states, each with an fp32 absmax per block of 256 (bitsandbytes)
        (Optimizer.ADAMW_8BIT, 8 + 2 * (1 + 4 / 256)),
        (Optimizer.SGD, 12),  # one fp32 momentum buffer
        (Optimizer.LION, 12),  # Chen et al. 2023: one momentum buffer
        (Optimizer.ADAFACTOR, 8),  # factored second moments, no momentum
    ],
)
def test_optimizer_states(optimizer: Optimizer, per_param: float) -> None:
    assert states(1e9, optimizer=optimizer) == pytest.approx(per_param * 1e9)


def test_each_optimizer_state_is_reported_separately() -> None:
    result = memory.estimate(1e9, None, STATES_ONLY)
    assert result.optimizer_state_bytes == {"exp_avg": 4e9, "exp_avg_sq": 4e9}
    assert result.bytes_per_param == {"weights": 2, "gradients": 2, "master_weights": 4, "exp_avg": 4, "exp_avg_sq": 4}


def test_zero_offload_keeps_only_16_bit_weights_on_the_gpu() -> None:
    # Ren et al. 2021 (ZeRO-Offload), Sec. 4: fp16 parameters stay on the GPU; fp16 gradients and the fp32
    # master weights, momentum and variance (2Ψ + 12Ψ) go to the CPU.
    result = memory.estimate(1e9, None, replace(STATES_ONLY, zero=2, offload=Offload.OPTIMIZER))
    assert result.total_bytes == pytest.approx(2e9)
    assert result.host_bytes == pytest.approx(14e9)


# ----------------------------------------------------------------------------- activations


GPT_LAYER = activations.Layer(d_model=12288, n_head=96, q_dim=12288, kv_dim=12288, ff=4 * 12288, dropout=True)
EAGER = activations.Saving(attention=Attention.EAGER)


def test_korthikanti_table_2_formulas() -> None:
    # Korthikanti et al. 2022, Table 2 (no tensor/sequence parallelism, eager attention with dropout): per layer
    # sbh(34 + 5as/h) with no recomputation, 34sbh with selective recomputation, 2sbh with full recomputation.
    s, b, h, a = 2048, 1, 12288, 96
    full = activations.layer_bytes(s, b, GPT_LAYER, EAGER)
    assert full == pytest.approx(s * b * h * (34 + 5 * a * s / h))
    assert full - activations.scores_bytes(s, b, GPT_LAYER, EAGER) == pytest.approx(34 * s * b * h)
    assert activations.checkpoint_bytes(s, b, GPT_LAYER, EAGER) == pytest.approx(2 * s * b * h)


def test_flash_attention_keeps_no_scores() -> None:
    # FlashAttention (Dao et al. 2022) stores the output and a float32 log-sum-exp per head and token instead
    # of the s×s softmax, its dropout mask and output: 5as²b becomes 4·a·s·b.
    s, b, a = 4096, 2, 96
    flash = activations.layer_bytes(s, b, GPT_LAYER, activations.Saving())
    eager = activations.layer_bytes(s, b, GPT_LAYER, EAGER)
    assert eager - flash == pytest.approx(5 * a * s * s * b - 4 * a * s * b)


def test_korthikanti_output_layer() -> None:
    # Sec. 4.3: dropout mask sbh at the input embedding and 4sbh at the last layer's norm; the logits then cost
    # what the loss path stores: 14 bytes per logit for PyTorch's standard loss (Cut Cross-Entropy README).
    s, b, h, v = 1024, 2, 1600, 50257
    got = activations.output_bytes(s, b, h, v, Loss.STANDARD, activations.Saving(), dropout=True)
    assert got == pytest.approx(s * b * h + 4 * s * b * h + 14 * s * b * v)
    fused = activations.output_bytes(s, b, h, v, Loss.FUSED, activations.Saving(), dropout=True)
    assert fused == pytest.approx(s * b * h + 4 * s * b * h)


def test_chunked_loss_saving_matches_torchtune() -> None:
    # torchtune README (2024-11 optimization table): chunked cross-entropy saves 8.1 GiB on Llama 3.2 3B at
    # batch 2 × 4096 tokens (vocabulary 128,256); the model's standard-minus-chunked difference is within 5 %.
    s, b, h, v = 4096, 2, 3072, 128256
    saving = activations.Saving()
    standard = activations.output_bytes(s, b, h, v, Loss.STANDARD, saving, dropout=False)
    chunked = activations.output_bytes(s, b, h, v, Loss.CHUNKED, saving, dropout=False)
    assert standard - chunked == pytest.approx(8.1 * 2**30, rel=0.05)


def test_grouped_query_and_gated_mlp_generalize_the_formula() -> None:
    # Korthikanti's terms with K/V of n_kv_head heads, a gated MLP whose gate, activation, up and product are
    # stored (eager PyTorch), RMSNorm's float32 copy, flash attention and no dropout.
    s, b = 4096, 1
    llama = Shape(n_layer=80, d_model=8192, n_head=64, n_kv_head=8, d_ff=28672, gated_mlp=True, rmsnorm=True)
    h, kv, ff, a = 8192, 1024, 28672, 64
    norms = 2 * (2 + 4) * s * h
    attention = 2 * s * h + 2 * s * (h + 2 * kv) + 2 * s * h + 4 * a * s
    mlp = 2 * s * h + 4 * 2 * s * ff
    assert activations.layer_bytes(s, b, llama.layer(), activations.Saving()) == pytest.approx(norms + attention + mlp)


def test_expanded_kv_stores_k_and_v_at_every_query_head() -> None:
    # Unsloth's xFormers path for a backward pass reshapes the expanded K and V to n_heads
    # (unsloth/utils/attention_dispatch.py run_attention; models/llama.py in 2024.1): each is stored q_dim wide
    s, b = 4096, 2
    tinyllama = Shape(n_layer=22, d_model=2048, n_head=32, n_kv_head=4, d_ff=5632, gated_mlp=True, rmsnorm=True)
    plain = activations.layer_bytes(s, b, tinyllama.layer(), activations.Saving(compiled=True))
    expanded = activations.layer_bytes(s, b, tinyllama.layer(), activations.Saving(compiled=True, expanded_kv=True))
    assert expanded - plain == 2 * 2 * s * b * (2048 - 4 * 64)
    mha = Shape(n_layer=32, d_model=4096, n_head=32, n_kv_head=32, d_ff=11008, gated_mlp=True, rmsnorm=True)
    same = [activations.Saving(expanded_kv=flag) for flag in (False, True)]
    assert activations.layer_bytes(s, b, mha.layer(), same[0]) == activations.layer_bytes(s, b, mha.layer(), same[1])


# ----------------------------------------------------------------------------- fine-tuning


def test_lora_paper_table_5_trainable_parameters() -> None:
    # Hu et al. 2021 (LoRA), Table 5: on GPT-3 175B, W_q and W_v at r = 4 (or W_q at r = 8) train 18M
    # parameters: 96 layers × 2 matrices × 4 × (12288 + 12288) = 18,874,368.
    assert memory.lora_params(GPT3_175B, 4, "qv") == 18_874_368
    assert memory.lora_params(GPT3_175B, 2, "attention") == 18_874_368


def test_qlora_base_is_4_127_bits() -> None:
    # Dettmers et al. 2023 (QLoRA), Sec. 3: NF4 with double quantization costs 4.127 bits per parameter.
    shape = Shape(
        n_layer=32, d_model=4096, n_head=32, vocab_size=32000, d_ff=11008, gated_mlp=True, tied_embeddings=False
    )
    config = replace(STATES_ONLY, finetune=Finetune.QLORA, seq_len=0)
    result = memory.estimate(6.738e9, shape, config)
    adapters = memory.lora_params(shape, 8, "qv")
    # bitsandbytes quantizes the linear layers; the embedding, the output layer and the norms stay in 16-bit.
    kept = 2 * 32000 * 4096 + 2 * 32 * 4096
    assert result.weights_bytes == pytest.approx((6.738e9 - kept) * 4.127 / 8 + 2 * kept + 2 * adapters)
    assert result.trainable_params == adapters


# ----------------------------------------------------------------------------- the seed, and recipes that fit


def _gpt2_xl_on_12gb(**changes: object) -> float:
    model = ModelRef.from_spec(catalog.models().get("gpt2-xl"))
    config = replace(Config(seq_len=1024), **changes)  # type: ignore[arg-type]
    return memory.estimate(model.params, model.shape, config).total_bytes


def test_seed_gpt2_xl_does_not_fit_12_gb_with_mixed_precision_adamw() -> None:
    # The seed: GPT-2 1.5B does not fit a 12 GB card for plain mixed-precision Adam training; its model
    # states alone are 16 × 1.56e9 ≈ 24.9 GB.
    assert _gpt2_xl_on_12gb() > 12e9


def test_gpt2_xl_recipes_that_fit_12_gb() -> None:
    # Optimizer offload with selective recomputation: 2 bytes/param of weights + activations stay on the GPU.
    assert _gpt2_xl_on_12gb(zero=2, offload=Offload.OPTIMIZER, recompute=Recompute.SELECTIVE) < 12e9
    # 8-bit states with full recomputation fit only without the fp32 master copy: 2 + 2 + 2 bytes/param.
    assert _gpt2_xl_on_12gb(optimizer=Optimizer.ADAMW_8BIT, recompute=Recompute.FULL) > 12e9
    assert (
        _gpt2_xl_on_12gb(optimizer=Optimizer.ADAMW_8BIT, recompute=Recompute.FULL, precision=TrainPrecision.PURE16)
        < 12e9
    )


def test_seed_gpt2_small_fits_12_gb() -> None:
    model = ModelRef.from_spec(catalog.models().get("gpt2"))
    assert memory.estimate(model.params, model.shape, Config(seq_len=1024)).total_bytes < 12e9


def test_ways_to_fit_follow_the_arithmetic() -> None:
    model = ModelRef.from_spec(catalog.models().get("gpt2-xl"))
    base = Config(seq_len=1024)
    ways = strategies.ways_to_fit(model.params, model.shape, base, 12e9, include_lora=True)
    assert ways, "some recipe fits GPT-2 XL in 12 GB"
    for way in ways:
        assert way.fits
        assert memory.estimate(model.params, model.shape, way.config).total_bytes == pytest.approx(
            way.estimate.total_bytes
        )
        assert way.estimate.total_bytes <= 12e9
        assert way.slowdown >= 1.0
    slowdowns = [way.slowdown for way in ways]
    assert slowdowns == sorted(slowdowns)
    names = {way.name for way in ways}
    assert any("LoRA" in name for name in names)  # fine-tuning was asked for


def test_max_micro_batch_and_min_gpus_are_boundaries() -> None:
    model = ModelRef.from_spec(catalog.models().get("gpt2"))
    config = Config(seq_len=1024)
    best = strategies.max_micro_batch(model.params, model.shape, config, 12e9)
    assert best is not None and best >= 1
    assert memory.estimate(model.params, model.shape, replace(config, micro_batch=best)).total_bytes <= 12e9
    assert memory.estimate(model.params, model.shape, replace(config, micro_batch=best + 1)).total_bytes > 12e9

    big = ModelRef.from_spec(catalog.models().get("llama-2-70b"))
    cfg = Config(seq_len=4096, recompute=Recompute.FULL)
    n = strategies.min_gpus_zero3(big.params, big.shape, cfg, 80e9)
    assert n is not None and n > 1
    at = replace(cfg, zero=3)
    assert memory.estimate(big.params, big.shape, replace(at, gpus=n)).total_bytes <= 80e9
    assert memory.estimate(big.params, big.shape, replace(at, gpus=n - 1)).total_bytes > 80e9


def test_recompute_factor() -> None:
    # Full recomputation adds one forward pass: 8·N·D hardware FLOP for 6·N·D model FLOP.
    assert memory.recompute_factor(Recompute.FULL, 1.5e9, None, 1024) == pytest.approx(4 / 3)
    assert memory.recompute_factor(Recompute.NONE, 1.5e9, None, 1024) == 1.0
    shape = Shape(n_layer=48, d_model=1600, n_head=25)
    assert memory.recompute_factor(Recompute.SELECTIVE, 1.5e9, shape, 1024) == pytest.approx(
        1 + 4 * 1024 * 1600 * 48 / (6 * 1.5e9)
    )


# ----------------------------------------------------------------------------- properties

shapes = st.builds(
    Shape,
    n_layer=st.integers(1, 200),
    d_model=st.integers(64, 32768),
    n_head=st.integers(1, 256),
    vocab_size=st.integers(1000, 300_000),
)
configs = st.builds(
    Config,
    optimizer=st.sampled_from(Optimizer),
    recompute=st.sampled_from(Recompute),
    micro_batch=st.integers(1, 64),
    seq_len=st.integers(1, 32768),
    gpus=st.integers(1, 4096),
)


@given(st.floats(1e6, 1e13), shapes, configs, st.integers(2, 8))
def test_memory_never_decreases_with_batch_sequence_or_params(
    params: float, shape: Shape, config: Config, k: int
) -> None:
    base = memory.estimate(params, shape, config).total_bytes
    assert memory.estimate(params, shape, replace(config, micro_batch=config.micro_batch * k)).total_bytes >= base
    assert memory.estimate(params, shape, replace(config, seq_len=config.seq_len * k)).total_bytes >= base
    assert memory.estimate(params * k, shape, config).total_bytes >= base


@given(st.floats(1e6, 1e13), shapes, configs)
def test_higher_zero_stages_never_need_more(params: float, shape: Shape, config: Config) -> None:
    per_stage = [memory.estimate(params, shape, replace(config, zero=k)).total_bytes for k in range(4)]
    assert all(later <= earlier * (1 + 1e-12) for earlier, later in itertools.pairwise(per_stage))


@given(st.floats(1e6, 1e13), shapes, configs, st.integers(1, 3), st.integers(2, 8))
def test_more_gpus_never_need_more_per_gpu(params: float, shape: Shape, config: Config, stage: int, k: int) -> None:
    few = memory.estimate(params, shape, replace(config, zero=stage)).total_bytes
    many = memory.estimate(params, shape, replace(config, zero=stage, gpus=config.gpus * k)).total_bytes
    assert many <= few * (1 + 1e-12)
