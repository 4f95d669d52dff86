"""Typed results about compute-optimality: the ``optimal`` command and the laws it weighs."""

from flopcheck.answers.results.base import _Result
from flopcheck.answers.results.memory import MemoryAssumptions
from flopcheck.answers.results.run import Assumptions, GpuInfo


class LawResult(_Result):
    law: str
    description: str
    params: int
    tokens: int
    tokens_per_param: float
    loss: float
    """Predicted final training loss under ``loss_law``."""
    loss_law: str


class NearestModel(_Result):
    id: str
    name: str
    params: int


class FeasibleResult(_Result):
    """The best run the GPUs' memory allows: N ≤ max_params, D = C / 6N."""

    max_params: int | None
    """The largest model whose training fits in memory, with the settings given or with one of the ways to
    make it fit (as ``fits`` lists them); None when none does."""
    max_params_as_given: int | None
    """The largest model whose training fits with the memory settings exactly as given."""
    params: int | None
    tokens: int | None
    """What the budget buys for ``params``: budget_flop / (6 · params · recompute_factor)."""
    loss: float | None
    limited_by_memory: bool
    way: str | None
    """The way to fit the best run needs (None when it fits as given)."""
    flags: str | None
    """The options that way adds to the command."""
    recompute_factor: float
    """Hardware FLOP per model FLOP of the best run (recomputation, its own or the way's)."""
    shape: str
    """The GPT-style shape assumed for a model of a given size."""
    memory: MemoryAssumptions


class OptimalResult(LawResult):
    """The compute-optimal model for a budget under ``law`` (the fields of LawResult), and the rest."""

    budget_flop: float
    """Hardware FLOP the GPUs deliver (or --flop)."""
    budget_source: str
    model_flop: float
    """The model FLOP (6·N·D) the laws split: budget_flop / recompute_factor."""
    recompute_factor: float
    """Hardware FLOP per model FLOP of the recomputation asked (1 without)."""
    alternatives: tuple[LawResult, ...]
    nearest_models: tuple[NearestModel, ...]
    feasible: FeasibleResult | None
    gpu: GpuInfo | None
    assumptions: Assumptions | None
    laws: dict[str, str]
    """The source of each loss fit used."""
