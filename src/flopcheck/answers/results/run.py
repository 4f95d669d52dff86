"""Typed results about one run: fits, and the parts it shares with the other answers (budget and flops are in
``budget``, the memory command's in ``memory_report``).

Keys carry their units (``_flop``, ``_flop_per_s``, ``_bytes``, ``_s``). FLOP and FLOP/s are floats;
parameter, token and byte counts are integers. Scripts depend on these names: change them only with a
version bump.
"""

from flopcheck.answers.results.base import _Result
from flopcheck.answers.results.memory import MemoryResult
from flopcheck.answers.results.parallel import LayoutResult


class ModelInfo(_Result):
    id: str
    name: str
    params: int
    tokens: int
    tokens_source: str
    """Where ``tokens`` came from: the catalog's published figure, a flag, or the 20-per-parameter rule."""
    tokens_per_param: float
    n_ctx: int | None
    active_params: int
    """Parameters used per token: the N in the FLOP formula (smaller than params for mixture-of-experts)."""
    origin: str
    """catalog, a catalog file, a config.json, or a parameter count."""
    shape_note: str | None = None
    """For a bare parameter count: the GPT-style shape assumed for its activations (None otherwise)."""


class GpuInfo(_Result):
    id: str
    name: str
    count: int
    precision: str
    peak_flop_per_s: float
    """Dense peak per GPU at ``precision``, from the catalog's source."""
    memory_bytes: int | None
    """Per GPU: the total the device reports where the catalog has it (memory_total_bytes), else the vendor's
    figure (decimal GB × 1e9, or GiB × 2**30 where the vendor states GiB); None for hardware given as
    --gpu-flops without --gpu-memory."""
    overrides: tuple[str, ...] = ()
    """Catalog figures replaced on the command line (--gpu with --gpu-memory or --gpu-flops)."""


class Assumptions(_Result):
    precision_requested: str
    mfu: float
    uptime: float
    duration_s: float
    year_s: float
    """The length of one year used for ``--years``: 365.25 days."""
    flop_formula: str


class ComputeResult(_Result):
    model_flop: float
    """6·N·D: the model FLOPs of the run."""
    recompute_factor: float
    """Hardware FLOP per model FLOP: 4/3 with full recomputation, slightly above 1 with selective."""
    required_flop: float
    """Hardware FLOP to execute: model_flop × recompute_factor."""
    available_flop: float
    ratio: float
    """available_flop / required_flop: above 1 means the budget covers the run."""
    time_s: float
    """Wall-clock seconds to train with the GPUs, MFU and uptime assumed."""
    time_low_s: float
    time_high_s: float
    """The range of time_s that the MFU range gives."""
    gpu_hours: float
    fits: bool
    mfu: float
    """Model FLOPs utilization (PaLM, Appendix B) the time rests on: predicted, or given."""
    mfu_source: str
    """predicted | --mfu | --mfu-from | --tokens-per-second (or the default when nothing can be predicted)."""
    mfu_low: float
    mfu_high: float
    """The likely range: the model's measured errors on its calibration data (equal to mfu when given)."""
    tokens_per_s: float
    """Training throughput of all the GPUs together."""
    step_time_s: float
    """Seconds per optimizer step of global_batch sequences."""
    global_batch: int
    """Sequences per optimizer step."""
    micro_batch: int
    """Sequences per GPU per forward pass the time assumes (the largest that fits unless --micro-batch)."""
    prediction_basis: str | None = None
    """Predicted MFU: the GEMM and attention efficiencies it rests on and their sources, in words."""
    goodput: float = 1.0
    """Expected effective training time over wall-clock time (interruptions at scale, ``core.goodput``), or
    --uptime; the time to train divides by it."""
    goodput_source: str = "--uptime"
    checkpoint_interval_s: float | None = None
    """The checkpoint interval the expected goodput assumes (the one that loses least, ``core.goodput``); None with
    --uptime or --mfu-from."""


class CostResult(_Result):
    """Rental cost, energy and emissions of the GPU time (None where a figure is missing: say --price or
    --power)."""

    gpu_hours: float
    price_usd_per_gpu_hour: float | None
    price_source: str | None
    """--price, --provider, or median (the default rule: the median of each provider's latest on-demand
    list price); price_basis says it in words, price_offer/date/url name the one list price used."""
    price_basis: str
    price_provider: str | None
    price_offer: str | None
    price_date: str | None
    price_url: str | None
    price_low_usd: float | None
    price_high_usd: float | None
    """The range of the current list prices the median is taken over."""
    cost_usd: float | None
    site: str
    """home or datacenter (--site; by default datacenter above 8 GPUs)."""
    board_power_w: float | None
    """Watts per GPU the energy counts (power_basis says which: board power, node power per GPU, --power)."""
    power_basis: str
    pue: float
    energy_kwh: float | None
    electricity_usd_per_kwh: float
    electricity_cost_usd: float | None
    grid_kg_co2_per_kwh: float
    co2_kg: float | None
    notes: tuple[str, ...]


class GateResult(_Result):
    name: str
    """--max-days, --max-cost or --max-kwh."""
    limit: float
    value: float
    passed: bool
    reason: str


class OptimalSection(_Result):
    """``fits``: the compute-optimal run for this model under the chosen scaling law."""

    law: str
    tokens: int
    """Compute-optimal training tokens for the model's size."""
    tokens_per_param: float
    required_flop: float
    """Hardware FLOP of the compute-optimal run (recomputation included)."""
    fits: bool
    """Whether the budget covers the compute-optimal run."""
    loss: float
    """Predicted loss at the compute-optimal tokens."""
    loss_at_tokens: float
    """Predicted loss at the tokens of this run."""
    loss_gap: float
    """loss_at_tokens minus the loss fit's minimum for this run's compute (6·N·D): what a better split of the
    same FLOPs would gain."""
    loss_law: str
    tokens_ratio: float
    """This run's tokens / the compute-optimal tokens: < 1 under-trained, > 1 over-trained."""
    training: str


class FitsResult(_Result):
    fits: bool
    """Compute and memory both fit."""
    ok: bool
    """The plan passes: it fits and every gate passes (the exit status is 0 exactly when this is true)."""
    verdict: str
    model: ModelInfo
    gpu: GpuInfo
    assumptions: Assumptions
    compute: ComputeResult
    memory: MemoryResult
    optimal: OptimalSection | None
    """None for fine-tunes: scaling laws describe pre-training."""
    cost: CostResult
    gates: tuple[GateResult, ...]
    warnings: tuple[str, ...] = ()
    """Inputs that are allowed but probably not meant (a sequence longer than the model's context)."""
    layout: LayoutResult | None = None
    """The model-parallel layout: given with --tp/--pp/..., or the fastest found above one node; None for plain
    data parallelism."""
