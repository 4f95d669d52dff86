"""Training memory, against the ZeRO and Korthikanti et al. papers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopcheck import catalog, memory, plan


def test_zero_paper_16_bytes_per_parameter() -> None:
    # Rajbhandari et al. 2019, Sec. 3.1: mixed-precision Adam keeps 2Ψ + 2Ψ + 12Ψ = 16Ψ bytes; "GPT-2 with
    # 1.5B parameters ... leads to a memory requirement of at least 24 GB".
    states = memory.training_memory(1.5e9, None, 1, 1024)
    assert states.total_bytes == pytest.approx(24e9)
    # Fig. 1: the 7.5B-parameter model needs 120 GB of model states per GPU without ZeRO.
    assert memory.training_memory(7.5e9, None, 1, 1024).total_bytes == pytest.approx(120e9)


def test_korthikanti_layer_formula_is_the_sum_of_its_parts() -> None:
    # Korthikanti et al. 2022, Sec. 4.1: attention 11sbh + 5as²b, MLP 19sbh, two LayerNorms 4sbh.
    s, b, h, a = 2048, 1, 12288, 96  # GPT-3 175B, one of the configurations the paper evaluates
    attention = 11 * s * b * h + 5 * a * s * s * b
    mlp = 19 * s * b * h
    norms = 4 * s * b * h
    assert memory.layer_activation_bytes(s, b, h, a) == pytest.approx(attention + mlp + norms)


def test_korthikanti_output_layer() -> None:
    # Sec. 4.3: dropout mask sbh at the input embedding; 4sbh(1 + v/h) at the last layer (fp32 logits).
    s, b, h, v = 1024, 2, 1600, 50257
    assert memory.output_layer_bytes(s, b, h, v) == pytest.approx(s * b * h + 4 * s * b * h + 4 * s * b * v)


def _fits_12gb(model_id: str) -> bool:
    model = plan.ModelRef.from_spec(catalog.models().get(model_id))
    gpu = catalog.gpus().get("rtx4070ti")
    return plan.fits(model, gpu, plan.Settings(), 10**10, "--tokens").memory.fits


def test_seed_gpt2_xl_does_not_fit_12_gb_with_mixed_precision_adamw() -> None:
    # The seed: GPT-2 1.5B does not fit a 12 GB card for plain mixed-precision Adam training; its model
    # states alone are 16 × 1.56e9 ≈ 24.9 GB.
    assert not _fits_12gb("gpt2-xl")


def test_seed_gpt2_small_fits_12_gb() -> None:
    assert _fits_12gb("gpt2")


shapes = st.builds(
    memory.Shape,
    n_layer=st.integers(1, 200),
    d_model=st.integers(64, 32768),
    n_head=st.integers(1, 256),
    vocab_size=st.integers(1000, 300_000),
)


@given(st.floats(1e6, 1e13), shapes, st.integers(1, 64), st.integers(1, 32768), st.integers(1, 8))
def test_memory_never_decreases_with_batch_sequence_or_params(
    params: float, shape: memory.Shape, batch: int, seq: int, k: int
) -> None:
    base = memory.training_memory(params, shape, batch, seq).total_bytes
    assert memory.training_memory(params, shape, batch * k, seq).total_bytes >= base
    assert memory.training_memory(params, shape, batch, seq * k).total_bytes >= base
    assert memory.training_memory(params * k, shape, batch, seq).total_bytes >= base
