"""Typed results: the JSON contract of every command and the input of the renderers.

Keys carry their units (``_flop``, ``_flop_per_s``, ``_bytes``, ``_s``). FLOP and FLOP/s are floats;
parameter, token and byte counts are integers. Scripts depend on these names: change them only with a
version bump.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelInfo(_Result):
    id: str
    name: str
    params: int
    tokens: int
    tokens_source: str
    """Where ``tokens`` came from: the catalog's published figure, a flag, or the 20-per-parameter rule."""
    tokens_per_param: float
    n_ctx: int | None


class GpuInfo(_Result):
    id: str
    name: str
    count: int
    precision: str
    peak_flop_per_s: float
    """Dense peak per GPU at ``precision``, from the catalog's source."""
    memory_bytes: int
    """Per GPU, from the vendor's figure (decimal GB × 1e9, or GiB × 2**30 where the vendor states GiB)."""


class Assumptions(_Result):
    precision_requested: str
    mfu: float
    uptime: float
    duration_s: float
    year_s: float
    """The length of one year used for ``--years``: 365.25 days."""
    flop_formula: str


class MemoryAssumptions(_Result):
    training: str
    optimizer: str
    bytes_per_param: float
    micro_batch: int
    seq_len: int | None
    recompute: str
    parallelism: str


class ComputeResult(_Result):
    required_flop: float
    available_flop: float
    ratio: float
    """available_flop / required_flop: above 1 means the budget covers the run."""
    time_s: float
    """Wall-clock seconds to train with the GPUs, MFU and uptime assumed."""
    gpu_hours: float
    fits: bool


class MemoryBreakdown(_Result):
    weights_bytes: int
    gradients_bytes: int
    master_weights_bytes: int
    optimizer_bytes: int
    activations_bytes: int | None
    """None when the model's shape is unknown (a bare parameter count)."""
    output_bytes: int | None


class MemoryResult(_Result):
    required_bytes: int
    """Per GPU."""
    available_bytes: int
    """Per GPU."""
    fits: bool
    breakdown: MemoryBreakdown
    assumptions: MemoryAssumptions
    modelled: tuple[str, ...]
    not_modelled: tuple[str, ...]


class FitsResult(_Result):
    fits: bool
    verdict: str
    model: ModelInfo
    gpu: GpuInfo
    assumptions: Assumptions
    compute: ComputeResult
    memory: MemoryResult


class BudgetResult(_Result):
    available_flop: float
    pf_days: float
    gpu_hours: float
    gpu: GpuInfo
    assumptions: Assumptions


class FlopsResult(_Result):
    train_flop: float
    pf_days: float
    flop_formula: str
    model: ModelInfo
