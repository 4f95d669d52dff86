"""Typed results about many runs or models: compare, matrix, runs, calibrate, accuracy."""

from flopcheck.answers.results.base import _Result
from flopcheck.answers.results.run import (
    ComputeResult,
    CostResult,
    GateResult,
    GpuInfo,
    ModelInfo,
)


class CompareMemory(_Result):
    fits: bool
    required_bytes: int
    available_bytes: int | None
    min_gpus_zero3: int | None
    """The fewest GPUs of this kind that fit the run with ZeRO-3 (None when no count does)."""


class CompareRow(_Result):
    """One GPU (and count) in ``compare``: ``fits`` for it, with the same keys (``memory`` in brief)."""

    gpu: GpuInfo
    compute: ComputeResult
    memory: CompareMemory
    cost: CostResult
    gates: tuple[GateResult, ...]
    fits: bool
    ok: bool
    """Fits and passes every gate."""


class CompareResult(_Result):
    """``compare``: the model, then one row per GPU."""

    model: ModelInfo
    ok: bool
    """At least one GPU fits and passes every gate (the exit status is 0 exactly when this is true)."""
    rows: tuple[CompareRow, ...]
    skipped: tuple[str, ...]
    """GPUs left out, with the reason (no peak at the asked precision, a gate it cannot be checked on)."""
    sort: str


class MatrixCell(_Result):
    model_id: str
    gpu_id: str
    verdict: str
    """yes (compute and memory fit), compute-only, memory-only, or no."""
    time_s: float | None
    compute_fits: bool | None
    memory_fits: bool | None
    note: str | None
    tokens: int | None = None
    """The training tokens the cell was sized for."""
    tokens_source: str | None = None
    """Where they come from: --tokens, published, 20 per parameter, a fine-tune's reference size, ..."""
    mfu: float | None = None
    """The MFU the time rests on (predicted, or --mfu)."""


class MatrixResult(_Result):
    ok: bool
    """At least one pair is a yes."""
    models: tuple[str, ...]
    gpus: tuple[str, ...]
    cells: tuple[MatrixCell, ...]


class RunResult(_Result):
    """One published run: what it implies and what flopcheck would have predicted."""

    id: str
    name: str
    model_id: str
    params: int
    """N used: active parameters for mixture-of-experts."""
    tokens: int
    gpu_id: str
    gpu_count: int | None
    precision: str
    peak_flop_per_s: float
    gpu_hours: float
    gpu_hours_basis: str
    train_flop: float
    implied_mfu: float
    """6·N·D / (accelerator-hours × 3600 × peak)."""
    implied_mfu_attention: float | None
    """The same with PaLM's attention term (6N + 12·L·H·Q·T per token), where the shape is known."""
    reported_mfu: float | None
    """The MFU the source states, if it does."""
    predicted_gpu_hours: float
    """What flopcheck predicts: at its predicted MFU, or at --mfu."""
    predicted_mfu: float
    """The MFU the prediction uses: predicted from the run's configuration, or --mfu."""
    predicted_from: str = "searched"
    """``configuration`` (the layout and batch the run published, a row of data/throughput-measured.yaml),
    ``searched`` (the layout ``fits`` would choose), ``data-parallel`` (ZeRO-3 over the GPUs, where no layout is
    searched), ``default`` (the run names no architecture: flopcheck's default MFU) or ``--mfu``."""
    predicted_goodput: float = 1.0
    """The effective-time fraction the predicted GPU-hours assume (``core.goodput`` at the run's GPU count)."""
    error: float
    """predicted / reported − 1."""
    note: str | None
    """Where the source's numbers do not line up with 6·N·D."""
    source_notes: str | None
    """The catalog's notes on the source: restarts, repeated data, hours that include other work."""
    source: str
    where: str


class RunsResult(_Result):
    mfu: float | None
    """--mfu for every prediction, or None: each run's predicted MFU."""
    runs: tuple[RunResult, ...]
    median_abs_error: float | None
    worst_error: float | None
    worst_run: str | None
    median_implied_mfu: float | None
    configured_runs: int = 0
    """Runs predicted at the configuration they published (a row of the measured data)."""
    configured_median_abs_error: float | None = None
    searched_runs: int = 0
    """Runs whose layout is not published, predicted at the one flopcheck would choose."""
    searched_median_abs_error: float | None = None


class CalibrationResult(_Result):
    model_id: str
    gpu_id: str
    count: int
    precision: str
    tokens_per_second: float
    achieved_flop_per_s: float
    """6·N × tokens per second, over all the GPUs."""
    peak_flop_per_s: float
    """Dense peak of all the GPUs together."""
    mfu: float
    plausible: bool
    """False when the measurement implies more than 100 % of peak."""


class AccuracyRow(_Result):
    """One published measurement and what flopcheck predicts for its configuration."""

    id: str
    source: str
    split: str
    """fit (seen by the fitted parameters) or holdout (whole sources never seen)."""
    url: str
    predicted: float
    measured: float
    error: float
    """predicted / measured − 1."""
    consistent: bool = True
    """False when the measurement is below what the stated configuration's weights, gradients and optimizer
    states alone occupy: the run used a setting its source does not state. Listed, not counted in the errors."""
    model_parallel: bool = False
    """The run splits each model replica: tensor or pipeline parallelism above 1."""


class AccuracySummary(_Result):
    split: str
    rows: int
    sources: int
    median_abs_error: float | None
    worst_error: float | None
    worst_id: str | None
    within_10: int
    """Rows within ±10 %."""
    within_30: int


class RankingSummary(_Result):
    """How the model ranks configurations against each other: over the measured sweeps (several configurations of
    one model on the same GPUs, global batch, sequence length and precision, from one source), the measured
    throughput of the configuration flopcheck predicts fastest over the fastest measured one."""

    sweeps: int
    within_5: int
    """Sweeps whose predicted-fastest configuration measured within 5 % of the fastest."""
    median_ratio: float | None
    worst_ratio: float | None
    worst_sweep: str | None
    """The first row id of the sweep with the worst ratio."""


class AccuracyResult(_Result):
    kind: str
    """memory (peak bytes per GPU) or throughput (tokens/s per GPU)."""
    unit: str
    rows: tuple[AccuracyRow, ...]
    fit: AccuracySummary
    holdout: AccuracySummary
    skipped: int
    """Measured rows the model cannot express yet (tensor, pipeline, context or expert parallelism; GPUs not
    in the catalog)."""
    inconsistent: int = 0
    """Rows left out of the errors because the measurement contradicts the stated configuration."""
    model_parallel: tuple[AccuracySummary, ...] = ()
    """Throughput: the fit and holdout summaries over the rows with tensor or pipeline parallelism."""
    ranking: RankingSummary | None = None
    """Throughput: how the predicted ranking of measured configurations matches the measured one."""
    verdicts_right: int | None
    """Memory: measured runs (which fit their GPU) that flopcheck also says fit."""
    verdicts: int | None
