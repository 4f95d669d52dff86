"""Compute-optimal scaling: the Chinchilla allocation, parametric loss laws and their optima. Pure.

Every law names its source. C is training compute in FLOP with C = 6·N·D (N parameters, D tokens).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from flopcheck.core.frozen import frozen_dataclass

CHINCHILLA_TOKENS_PER_PARAM = 20.0
"""Hoffmann et al. 2022 ("Chinchilla"), approaches 1 and 2: N_opt ∝ C^0.50, D_opt ∝ C^0.50 (Table 2), which
Table 3 tabulates as about 20 tokens per parameter (1B -> 20.2B tokens, 10B -> 205.1B)."""


@frozen_dataclass
class LossLaw:
    """L(N, D) = E + A / N^α + B / D^β, fitted to final pre-training loss (Hoffmann et al. 2022, Eq. 2)."""

    name: str
    E: float
    A: float
    B: float
    alpha: float
    beta: float
    source: str

    def loss(self, params: float, tokens: float) -> float:
        """Predicted final training loss (nats per token) of ``params`` trained on ``tokens``."""
        return self.E + self.A / math.pow(params, self.alpha) + self.B / math.pow(tokens, self.beta)

    @property
    def G(self) -> float:
        """G = (α·A / (β·B))^(1 / (α + β)) (Hoffmann et al. 2022, Eq. 4)."""
        return math.pow(self.alpha * self.A / (self.beta * self.B), 1.0 / (self.alpha + self.beta))

    def optimum(self, flop: float) -> tuple[float, float]:
        """Loss-minimizing (N, D) under C = 6·N·D: N_opt = G·(C/6)^a, D_opt = G⁻¹·(C/6)^b with
        a = β/(α+β), b = α/(α+β) (Hoffmann et al. 2022, Eq. 4)."""
        total = self.alpha + self.beta
        return self.G * math.pow(flop / 6.0, self.beta / total), math.pow(flop / 6.0, self.alpha / total) / self.G

    def optimal_tokens(self, params: float) -> float:
        """The D for which ``params`` is the compute-optimal size: invert N_opt(C) = N for C, then D = C / 6N."""
        total = self.alpha + self.beta
        return math.pow(params / self.G, total / self.beta) / params


HOFFMANN = LossLaw(
    name="hoffmann-fit",
    E=1.6934,
    A=406.4,
    B=410.7,
    alpha=0.3392,
    beta=0.2849,
    source=(
        "Hoffmann et al. 2022, approach 3 (Sec. 3.3, Appendix D.2), unrounded: E = 1.6934, A = 406.4, B = 410.7, "
        "α = 0.3392, β = 0.2849. The paper prints α = 0.34, β = 0.28, E = 1.69; the unrounded exponents give its "
        "Table 2 (a = 0.46, b = 0.54) and its ≈ 40B optimum at Gopher's budget, the printed ones 32B"
    ),
)
HOFFMANN_PRINTED = LossLaw(
    name="hoffmann-printed",
    E=1.69,
    A=406.4,
    B=410.7,
    alpha=0.34,
    beta=0.28,
    source="Hoffmann et al. 2022, approach 3, as printed (Sec. 3.3): E = 1.69, A = 406.4, B = 410.7, α = 0.34, "
    "β = 0.28",
)
EPOCH = LossLaw(
    name="epoch",
    E=1.8172,
    A=482.01,
    B=2085.43,
    alpha=0.3478,
    beta=0.3658,
    source=(
        "Besiroglu et al. 2024, 'Chinchilla Scaling: A replication attempt' (Epoch AI): E = 1.8172, A = 482.01, "
        "B = 2085.43, α = 0.3478, β = 0.3658"
    ),
)


def allocation_by_ratio(flop: float, tokens_per_param: float) -> tuple[float, float]:
    """(N, D) with D = r·N and C = 6·N·D: N = sqrt(C / 6r). With r = 20 this is the Chinchilla approach 1/2
    allocation (N and D both ∝ C^0.5; Hoffmann et al. 2022, Table 2 and Table 3)."""
    params = math.sqrt(flop / (6.0 * tokens_per_param))
    return params, tokens_per_param * params


def flop_for(params: float, tokens: float) -> float:
    """C = 6·N·D (Kaplan et al. 2020; Hoffmann et al. 2022 use the same approximation for their allocations)."""
    return 6.0 * params * tokens


@frozen_dataclass
class Law:
    """A way to split a compute budget into N and D, with the loss fit used to score the result."""

    name: str
    description: str
    loss_law: LossLaw
    tokens_per_param: float | None = None
    """Set: allocate by this ratio. None: the loss law's own optimum."""

    def optimum(self, flop: float) -> tuple[float, float]:
        if self.tokens_per_param is not None:
            return allocation_by_ratio(flop, self.tokens_per_param)
        return self.loss_law.optimum(flop)

    def optimal_tokens(self, params: float) -> float:
        """Tokens that make ``params`` compute-optimal under this law."""
        if self.tokens_per_param is not None:
            return self.tokens_per_param * params
        return self.loss_law.optimal_tokens(params)

    def loss(self, params: float, tokens: float) -> float:
        return self.loss_law.loss(params, tokens)


LAW_NAMES = ("chinchilla", "hoffmann-fit", "epoch", "tokens-per-param")


def law(name: str, ratio: float = CHINCHILLA_TOKENS_PER_PARAM) -> Law:
    """The scaling laws flopcheck knows, by name. ``chinchilla`` (the default) allocates as approaches 1 and 2
    do, 20 tokens per parameter, and scores with the approach-3 fit."""
    if name == "chinchilla":
        return Law(name, "approaches 1-2: N, D ∝ C^0.5, 20 tokens/parameter", HOFFMANN, CHINCHILLA_TOKENS_PER_PARAM)
    if name == "hoffmann-fit":
        return Law(name, "approach 3: the fitted loss's optimum", HOFFMANN)
    if name == "epoch":
        return Law(name, "Epoch AI's refit of approach 3: its optimum", EPOCH)
    if name == "tokens-per-param":
        return Law(name, f"{ratio:g} tokens per parameter", HOFFMANN, ratio)
    raise ValueError(f"unknown law {name!r}")


def largest_fitting(predicate: Callable[[float], bool], low: float = 1e6, high: float = 1e14) -> float | None:
    """The largest N in [low, high] for which ``predicate(N)`` is true, for a predicate that is true below some
    threshold and false above it; found by bisection on log N to 1 part in 10⁶. None when even ``low`` fails."""
    if not predicate(low):
        return None
    if predicate(high):
        return high
    lo, hi = math.log(low), math.log(high)
    while hi - lo > 1e-6:
        mid = (lo + hi) / 2.0
        if predicate(math.exp(mid)):
            lo = mid
        else:
            hi = mid
    return math.exp(lo)
