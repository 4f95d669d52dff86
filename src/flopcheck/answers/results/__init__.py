"""Typed results: the JSON contract of every command and the input of the renderers.

Keys carry their units (``_flop``, ``_flop_per_s``, ``_bytes``, ``_s``). FLOP and FLOP/s are floats;
parameter, token and byte counts are integers. Scripts depend on these names: change them only with a
version bump. ``run`` holds the answers about one run, ``survey`` those about many.
"""

from flopcheck.answers.results.run import (
    Assumptions,
    BudgetResult,
    ComputeResult,
    CostResult,
    FitsResult,
    FlopsResult,
    GateResult,
    GpuBrief,
    GpuInfo,
    MemoryAssumptions,
    MemoryBreakdown,
    MemoryReport,
    MemoryResult,
    ModelBrief,
    ModelInfo,
    OptimalSection,
    StrategyResult,
)
from flopcheck.answers.results.survey import (
    CalibrationResult,
    CompareMemory,
    CompareResult,
    CompareRow,
    FeasibleResult,
    LawResult,
    MatrixCell,
    MatrixResult,
    NearestModel,
    OptimalResult,
    RunResult,
    RunsResult,
)

__all__ = [
    "Assumptions",
    "BudgetResult",
    "CalibrationResult",
    "CompareMemory",
    "CompareResult",
    "CompareRow",
    "ComputeResult",
    "CostResult",
    "FeasibleResult",
    "FitsResult",
    "FlopsResult",
    "GateResult",
    "GpuBrief",
    "GpuInfo",
    "LawResult",
    "MatrixCell",
    "MatrixResult",
    "MemoryAssumptions",
    "MemoryBreakdown",
    "MemoryReport",
    "MemoryResult",
    "ModelBrief",
    "ModelInfo",
    "NearestModel",
    "OptimalResult",
    "OptimalSection",
    "RunResult",
    "RunsResult",
    "StrategyResult",
]
