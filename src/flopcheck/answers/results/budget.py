"""The ``budget`` and ``flops`` commands' answers."""

from flopcheck.answers.results.base import _Result
from flopcheck.answers.results.run import Assumptions, CostResult, GpuInfo, ModelInfo


class BudgetResult(_Result):
    available_flop: float
    pf_days: float
    gpu_hours: float
    gpu: GpuInfo
    assumptions: Assumptions
    cost: CostResult


class FlopsResult(_Result):
    train_flop: float
    pf_days: float
    flop_formula: str
    model: ModelInfo
