"""Typed results: the JSON contract of every command and the input of the renderers.

Keys carry their units (``_flop``, ``_flop_per_s``, ``_bytes``, ``_s``). FLOP and FLOP/s are floats;
parameter, token and byte counts are integers. Scripts depend on these names: change them only with a
version bump. ``run`` holds the answers about one run, ``memory`` its memory, ``survey`` the answers about many.
"""

from flopcheck.answers.results.memory import (
    GpuBrief,
    MemoryAssumptions,
    MemoryBreakdown,
    MemoryReport,
    MemoryResult,
    ModelBrief,
    StrategyResult,
)
from flopcheck.answers.results.parallel import LayoutResult, LayoutSearchResult
from flopcheck.answers.results.run import (
    Assumptions,
    BudgetResult,
    ComputeResult,
    CostResult,
    FitsResult,
    FlopsResult,
    GateResult,
    GpuInfo,
    ModelInfo,
    OptimalSection,
)
from flopcheck.answers.results.survey import (
    AccuracyResult,
    AccuracyRow,
    AccuracySummary,
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
    "AccuracyResult",
    "AccuracyRow",
    "AccuracySummary",
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
    "LayoutResult",
    "LayoutSearchResult",
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
