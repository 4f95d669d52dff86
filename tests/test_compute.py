"""Training compute and delivered compute, against published figures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import Precision
from flopcheck.core import compute
from flopcheck.core.units import SECONDS_PER_YEAR

positive = st.floats(min_value=1e-6, max_value=1e15, allow_nan=False, allow_infinity=False)


def test_six_n_d_of_the_seed() -> None:
    # The seed: GPT-2 1.5B on ~10B tokens needs about 6·N·D = 6 × 1.5e9 × 10e9 = 9e19 FLOP.
    assert compute.training_flop(1.5e9, 10e9) == pytest.approx(9e19)


def test_seed_rtx_4070_ti_year_at_90_percent_is_1_14e21() -> None:
    # The seed: one RTX 4070 Ti, FP32 CUDA-core peak (Ada whitepaper: 40.1 TFLOP/s), a year at 90 %
    # delivers about 1.14e21 FLOP.
    gpu = catalog.gpus().get("rtx4070ti")
    peak = gpu.peak_flop_per_s(Precision.FP32)
    assert peak is not None
    delivered = compute.delivered_flop(peak, 1, 0.9, 1.0, SECONDS_PER_YEAR)
    assert delivered == pytest.approx(1.14e21, abs=0.005e21)
    # ... which is about 12× the 9e19 GPT-2 1.5B needs on 10B tokens.
    assert delivered / compute.training_flop(1.5e9, 10e9) == pytest.approx(12.6, abs=0.1)


# Brown et al. 2020 (GPT-3), Appendix D, Table D.1: total train compute in PF-days and FLOP, for
# 300B tokens each, with the parameter counts that table uses.
GPT3_TABLE_D1 = [
    ("gpt3-small", 2.60, 2.25e20),
    ("gpt3-medium", 7.42, 6.41e20),
    ("gpt3-large", 15.8, 1.37e21),
    ("gpt3-xl", 27.5, 2.38e21),
    ("gpt3-2.7b", 55.2, 4.77e21),
    ("gpt3-6.7b", 139, 1.20e22),
    ("gpt3-13b", 268, 2.31e22),
    ("gpt3-175b", 3640, 3.14e23),
]


@pytest.mark.parametrize(("model_id", "pf_days", "flop"), GPT3_TABLE_D1)
def test_gpt3_table_d1_train_compute(model_id: str, pf_days: float, flop: float) -> None:
    model = catalog.models().get(model_id)
    assert model.training_tokens == 300e9
    train = compute.training_flop(model.params, model.training_tokens)
    assert train == pytest.approx(flop, rel=0.005)  # the table prints three significant figures
    assert compute.pf_days(train) == pytest.approx(pf_days, rel=0.005)


def test_pf_day_definition() -> None:
    # GPT-3 Appendix D: 1 PF-day = 1e15 FLOP/s × 24 × 3600 s = 8.64e19 FLOP.
    assert compute.pf_days(8.64e19) == pytest.approx(1.0)


def test_time_to_train_inverts_delivered() -> None:
    # 1e21 FLOP at 100 TFLOP/s × 4 GPUs × 50 % MFU × 100 % uptime = 5e18 s⁻¹·... -> 5e6 s.
    assert compute.time_to_train_s(1e21, 100e12, 4, 0.5, 1.0) == pytest.approx(5e6)


@given(positive, positive, positive)
def test_training_flop_is_linear_in_params_and_tokens(n: float, d: float, k: float) -> None:
    assert compute.training_flop(k * n, d) == pytest.approx(k * compute.training_flop(n, d))
    assert compute.training_flop(n, k * d) == pytest.approx(k * compute.training_flop(n, d))


@given(
    st.floats(min_value=1e9, max_value=1e18),
    st.integers(min_value=1, max_value=1_000_000),
    st.floats(min_value=0.01, max_value=1.0),
    st.floats(min_value=0.01, max_value=1.0),
    st.floats(min_value=1e10, max_value=1e30),
)
def test_time_is_inversely_proportional_to_count_mfu_uptime(
    peak: float, count: int, mfu: float, uptime: float, flop: float
) -> None:
    base = compute.time_to_train_s(flop, peak, 1, 1.0, 1.0)
    assert compute.time_to_train_s(flop, peak, count, mfu, uptime) == pytest.approx(base / (count * mfu * uptime))
    # delivering for exactly the time to train delivers exactly the FLOP needed
    seconds = compute.time_to_train_s(flop, peak, count, mfu, uptime)
    assert compute.delivered_flop(peak, count, mfu, uptime, seconds) == pytest.approx(flop)
