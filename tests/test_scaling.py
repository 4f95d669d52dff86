"""Compute-optimal scaling, against Hoffmann et al. 2022, Besiroglu et al. 2024 and Korbak 2022."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopcheck.answers import optimal as optimal_plan
from flopcheck.answers.memory import Resolved, required_bytes
from flopcheck.core import memory, scaling
from flopcheck.core.scaling import EPOCH, HOFFMANN, HOFFMANN_PRINTED
from flopcheck.core.stacks import STACKS

# Hoffmann et al. 2022, Table 3 (approach 1): parameters, FLOPs, tokens of compute-optimal models.
TABLE_3 = [
    (400e6, 1.92e19, 8.0e9),
    (1e9, 1.21e20, 20.2e9),
    (10e9, 1.23e22, 205.1e9),
    (67e9, 5.76e23, 1.5e12),
    (175e9, 3.85e24, 3.7e12),
    (280e9, 9.90e24, 5.9e12),
    (520e9, 3.43e25, 11.0e12),
    (1e12, 1.27e26, 21.2e12),
    (10e12, 1.30e28, 216.2e12),
]


@pytest.mark.parametrize(("params", "flop", "tokens"), TABLE_3)
def test_chinchilla_table_3(params: float, flop: float, tokens: float) -> None:
    # The default allocation (approaches 1-2, 20 tokens per parameter) reproduces every row within 5 % in
    # parameters and tokens; the 67B row prints "1.5T" tokens where its own FLOPs imply 5.76e23 / (6·67e9) =
    # 1.43T, hence 8 % there.
    n, d = scaling.law("chinchilla").optimum(flop)
    assert n == pytest.approx(params, rel=0.05)
    assert d == pytest.approx(tokens, rel=0.08 if params == 67e9 else 0.05)


def test_approach_3_optimum_at_gophers_budget_is_40b() -> None:
    # Hoffmann et al. 2022: at Gopher's budget (5.76e23 FLOP) approach 3 gives about 40B parameters.
    n, d = HOFFMANN.optimum(5.76e23)
    assert n == pytest.approx(40e9, rel=0.03)
    assert 6 * n * d == pytest.approx(5.76e23)
    # The trap: with the printed, rounded constants (α = 0.34, β = 0.28) the optimum drops to about 32B.
    rounded, _ = HOFFMANN_PRINTED.optimum(5.76e23)
    assert rounded == pytest.approx(32e9, rel=0.03)


def test_approach_3_exponents_match_table_2() -> None:
    # Table 2, approach 3: a = 0.46, b = 0.54, where a = β/(α+β) and b = α/(α+β).
    total = HOFFMANN.alpha + HOFFMANN.beta
    assert round(HOFFMANN.beta / total, 2) == 0.46
    assert round(HOFFMANN.alpha / total, 2) == 0.54


def test_korbak_compute_optimal_gpt2_small() -> None:
    # T. Korbak, "Training a compute-optimal gpt2-small" (2022), with the printed constants: for a 117M-parameter
    # model the compute-optimal dataset is 3.32B tokens and the budget 2.37e18 FLOP (found on a grid, hence 5 %).
    tokens = HOFFMANN_PRINTED.optimal_tokens(117e6)
    assert tokens == pytest.approx(3.32e9, rel=0.05)
    assert 6 * 117e6 * tokens == pytest.approx(2.37e18, rel=0.05)
    # ... and the predicted loss of Gopher (280B parameters, 300B tokens): 1.993.
    assert HOFFMANN_PRINTED.loss(280e9, 300e9) == pytest.approx(1.993, abs=0.0005)


def test_seed_gpt2_1_5b_compute_optimal_is_about_30b_tokens() -> None:
    # The seed's GPT-2 1.5B on ~10B tokens is under-trained: compute-optimal is ~20 tokens/param ≈ 30B.
    assert scaling.law("chinchilla").optimal_tokens(1.5e9) == pytest.approx(30e9)


def test_seed_gopher_1_4b_is_far_past_compute_optimal() -> None:
    # The seed's "compute-optimal ≈ 2.5e21 for 1.5B" is Gopher 1.4B on 300B tokens: 6·N·D = 2.52e21, but
    # 214 tokens per parameter is ~10× past the ~20 of a compute-optimal run.
    assert scaling.flop_for(1.4e9, 300e9) == pytest.approx(2.52e21)
    optimal = scaling.law("chinchilla").optimal_tokens(1.4e9)
    assert 300e9 / optimal > 10


def test_epoch_constants() -> None:
    # Besiroglu et al. 2024: E = 1.8172, A = 482.01, B = 2085.43, α = 0.3478, β = 0.3658.
    assert (EPOCH.E, EPOCH.A, EPOCH.B, EPOCH.alpha, EPOCH.beta) == (1.8172, 482.01, 2085.43, 0.3478, 0.3658)


budgets = st.floats(min_value=1e15, max_value=1e30)
law_names = st.sampled_from(scaling.LAW_NAMES)


@given(law_names, budgets, st.floats(min_value=1.01, max_value=1000))
def test_optimum_grows_and_loss_falls_with_compute(name: str, flop: float, k: float) -> None:
    law = scaling.law(name)
    n1, d1 = law.optimum(flop)
    n2, d2 = law.optimum(flop * k)
    assert n2 > n1 and d2 > d1
    assert law.loss(n2, d2) < law.loss(n1, d1)
    assert 6 * n1 * d1 == pytest.approx(flop)


@given(law_names, st.floats(min_value=1e6, max_value=1e13))
def test_optimal_tokens_inverts_the_optimum(name: str, params: float) -> None:
    law = scaling.law(name)
    tokens = law.optimal_tokens(params)
    n, d = law.optimum(6 * params * tokens)
    assert n == pytest.approx(params, rel=1e-9)
    assert d == pytest.approx(tokens, rel=1e-9)


@given(st.sampled_from([HOFFMANN, EPOCH]), budgets, st.floats(min_value=0.01, max_value=100))
def test_the_parametric_optimum_is_the_minimum(loss_law: scaling.LossLaw, flop: float, k: float) -> None:
    n, d = loss_law.optimum(flop)
    other = n * k
    assert loss_law.loss(n, d) <= loss_law.loss(other, flop / (6 * other)) + 1e-12


def test_feasible_optimum_never_beats_and_coincides_without_a_memory_limit() -> None:
    config = Resolved(memory.Config(seq_len=2048), STACKS["nanogpt"])
    for name in ("hoffmann-fit", "epoch"):
        law = scaling.law(name)
        for flop in (1e19, 1e21, 1e23):
            unlimited = optimal_plan.optimal(flop, "--flop", law, [], config, 1e18)
            assert unlimited.feasible is not None
            assert unlimited.feasible.params == unlimited.params
            assert not unlimited.feasible.limited_by_memory
            small = optimal_plan.optimal(flop, "--flop", law, [], config, 12e9)
            assert small.feasible is not None and small.feasible.loss is not None
            assert small.feasible.loss >= small.loss - 1e-12
            assert small.feasible.params is not None and small.feasible.params <= small.params


def test_largest_model_that_fits_is_a_boundary() -> None:
    config = memory.Config(seq_len=2048)
    limit = optimal_plan.max_params_that_fit(config, 24e9)
    assert limit is not None
    fits = required_bytes(memory.estimate(limit, optimal_plan.shape_for(limit), config))
    over = required_bytes(memory.estimate(limit * 1.01, optimal_plan.shape_for(limit * 1.01), config))
    assert fits <= 24e9 < over


def test_reference_shape_follows_12_l_d_squared() -> None:
    shape = optimal_plan.shape_for(175e9)
    assert 12 * shape.n_layer * shape.d_model**2 == pytest.approx(175e9, rel=0.1)
