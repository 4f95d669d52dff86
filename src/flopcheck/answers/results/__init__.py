"""Typed results: the JSON contract of every command and the input of the renderers.

Keys carry their units (``_flop``, ``_flop_per_s``, ``_bytes``, ``_s``). FLOP and FLOP/s are floats;
parameter, token and byte counts are integers. Scripts depend on these names: change them only with a
version bump. ``run`` holds the answers about one run (``budget`` and ``flops`` in ``budget``), ``memory``
its memory (the memory command's answer in ``memory_report``), ``parallel`` its layouts, ``optimal``
compute-optimality, ``survey`` the answers about many. Each module is imported when one of its
classes is first asked for, so a command builds only the result classes it returns.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

MODULES: dict[str, str] = {
    "AccuracyResult": "survey",
    "AccuracyRow": "survey",
    "AccuracySummary": "survey",
    "Assumptions": "run",
    "BudgetResult": "budget",
    "CalibrationResult": "survey",
    "CompareMemory": "survey",
    "CompareResult": "survey",
    "CompareRow": "survey",
    "ComputeResult": "run",
    "CostResult": "run",
    "FeasibleResult": "optimal",
    "FitsResult": "run",
    "FlopsResult": "budget",
    "GateResult": "run",
    "GpuBrief": "memory_report",
    "GpuInfo": "run",
    "LawResult": "optimal",
    "LayoutResult": "parallel",
    "LayoutSearchResult": "parallel",
    "MatrixCell": "survey",
    "MatrixResult": "survey",
    "MemoryAssumptions": "memory",
    "MemoryBreakdown": "memory",
    "MemoryReport": "memory_report",
    "MemoryResult": "memory",
    "ModelBrief": "memory_report",
    "ModelInfo": "run",
    "NearestModel": "optimal",
    "OptimalResult": "optimal",
    "OptimalSection": "run",
    "RankingSummary": "survey",
    "RunResult": "survey",
    "RunsResult": "survey",
    "StrategyResult": "memory",
}
"""The module that defines each result class."""

if TYPE_CHECKING:
    from flopcheck.answers.results.budget import BudgetResult, FlopsResult
    from flopcheck.answers.results.memory import (
        MemoryAssumptions,
        MemoryBreakdown,
        MemoryResult,
        StrategyResult,
    )
    from flopcheck.answers.results.memory_report import GpuBrief, MemoryReport, ModelBrief
    from flopcheck.answers.results.optimal import (
        FeasibleResult,
        LawResult,
        NearestModel,
        OptimalResult,
    )
    from flopcheck.answers.results.parallel import (
        LayoutResult,
        LayoutSearchResult,
    )
    from flopcheck.answers.results.run import (
        Assumptions,
        ComputeResult,
        CostResult,
        FitsResult,
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
        MatrixCell,
        MatrixResult,
        RankingSummary,
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
    "RankingSummary",
    "RunResult",
    "RunsResult",
    "StrategyResult",
]


def __getattr__(name: str) -> Any:
    """A result class, importing its module on first use (PEP 562)."""
    module = MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
