"""The answer of ``flopcheck layout``: the ranked layouts with their MFU, memory and flags. Pure."""

from __future__ import annotations

from flopcheck.answers import layout as layout_plan
from flopcheck.answers import memory as memory_plan
from flopcheck.answers.results import LayoutSearchResult
from flopcheck.answers.run import flop_per_token
from flopcheck.answers.settings import Settings
from flopcheck.catalog.entries import GpuSpec
from flopcheck.catalog.model_ref import ModelRef

DEFAULT_BATCH = (
    "default: 4M tokens (Llama 2's global batch), or one sequence per 8 GPUs if more (Llama 3 405B: 2,048 on "
    "16,384 GPUs); --global-batch sets it"
)
NOTES = (
    "tensor parallelism is kept inside the NVLink domain; layers split evenly over pp × vp; sequence parallelism on "
    "with tp > 1",
    "a layout is kept when its memory (the first pipeline stage, its in-flight micro-batches counted) fits",
)


def layout(model: ModelRef, gpu: GpuSpec, settings: Settings, top: int) -> LayoutSearchResult:
    """The ``top`` fastest layouts of ``model`` on ``settings.count`` × ``gpu``."""
    found, resolved, peak = layout_plan.run_search(model, gpu, settings, settings.global_batch, keep=top)
    per_token = flop_per_token(model, settings)
    return LayoutSearchResult(
        model_id=model.id,
        model_name=model.name,
        gpu_id=gpu.id,
        gpu_name=gpu.name,
        count=settings.count,
        seq_len=resolved.config.seq_len,
        global_batch=found.global_batch,
        global_batch_source="--global-batch" if settings.global_batch else DEFAULT_BATCH,
        stack=resolved.stack.id,
        layouts=tuple(layout_plan.result(c, "searched", per_token, peak, settings.count) for c in found.candidates),
        evaluated=found.evaluated,
        usable_bytes=round(memory_plan.usable_bytes(gpu.memory_bytes)),
        notes=NOTES,
    )
