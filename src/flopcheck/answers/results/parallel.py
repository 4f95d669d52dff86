"""Typed results about model-parallel layouts: the layout a run uses, and the ranked layouts of ``layout``.

Keys are a contract (issue: the best layout): ``layouts[i].tp``, ``.pp``, ``.vp``, ``.cp``, ``.ep``, ``.dp``,
``.micro_batch``, ``.recompute``, ``.zero``, ``.step_time_s``, ``.mfu``, ``.memory_bytes``, ``.flags``.
"""

from pydantic import BaseModel, ConfigDict


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class LayoutResult(_Result):
    """One layout: how the GPUs split the model, the step settings, and what it is predicted to do."""

    tp: int
    pp: int
    vp: int
    cp: int
    ep: int
    dp: int
    sequence_parallel: bool
    tp_comm_overlap: bool
    """Tensor-parallel communication overlapped with the forward GEMMs too (--tp-comm-overlap)."""
    micro_batch: int
    recompute: str
    zero: int
    global_batch: int
    step_time_s: float
    mfu: float
    tokens_per_s: float
    """All GPUs."""
    memory_bytes: int
    """Per GPU, with the allocator's reserve: what must fit."""
    flags: tuple[str, ...]
    """The arguments that select this layout in ``fits``, ``memory`` and ``compare``."""
    source: str
    """given (the run's flags) or searched (the fastest layout ``flopcheck layout`` finds)."""


class LayoutSearchResult(_Result):
    model_id: str
    model_name: str
    gpu_id: str
    gpu_name: str
    count: int
    seq_len: int
    global_batch: int
    global_batch_source: str
    stack: str
    layouts: tuple[LayoutResult, ...]
    """Fitting layouts, fastest first."""
    evaluated: int
    """Configurations whose memory or step time was computed."""
    usable_bytes: int
    notes: tuple[str, ...]
