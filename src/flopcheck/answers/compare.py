"""Side-by-side answers: one model on many GPUs (compare) and many models on many GPUs (matrix). Pure: each
row is ``plan.fits`` for one pair, so the numbers are the ones ``fits`` prints."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from flopcheck.answers import run as plan
from flopcheck.answers.results import CompareMemory, CompareResult, CompareRow, FitsResult, MatrixCell, MatrixResult
from flopcheck.answers.settings import SORT_KEYS as SORT_KEYS
from flopcheck.answers.settings import Settings, resolve_tokens
from flopcheck.catalog.entries import GpuSpec
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core.errors import InputError


def compare(
    model: ModelRef, gpus: Sequence[GpuSpec], settings: Settings, tokens: int, source: str, sort: str
) -> CompareResult:
    """``model`` on each of ``gpus`` (× settings.count, or the fewest that fit: ``_fitting``), sorted by time,
    cost or energy (unknown values last). Every row is priced by the same rule (``pricing.choose``), so costs
    compare; each row says which price it uses. A GPU the run cannot be computed on (no peak at the precision,
    a gate without its figure) is left out with the reason; when that is every GPU, the first reason is the
    error."""
    rows: list[CompareRow] = []
    skipped: list[str] = []
    for gpu in gpus:
        try:
            result = _fitting(model, gpu, settings, tokens, source)
        except InputError as exc:
            skipped.append(f"{gpu.id}: {exc}")
            continue
        rows.append(
            CompareRow(
                gpu=result.gpu,
                compute=result.compute,
                memory=CompareMemory(
                    fits=bool(result.memory.fits),
                    required_bytes=result.memory.required_bytes,
                    available_bytes=result.memory.available_bytes,
                    min_gpus_zero3=result.memory.min_gpus_zero3,
                ),
                cost=result.cost,
                gates=result.gates,
                fits=result.fits,
                ok=result.ok,
            )
        )
    if not rows and skipped:
        raise InputError(f"no GPU could be compared: {skipped[0]}")

    def key(row: CompareRow) -> tuple[bool, float]:
        value = {"time": row.compute.time_s, "cost": row.cost.cost_usd, "energy": row.cost.energy_kwh}[sort]
        return value is None, value or 0.0

    return CompareResult(
        model=plan.model_info(model, tokens, source),
        ok=any(row.ok for row in rows),
        rows=tuple(sorted(rows, key=key)),
        skipped=tuple(skipped),
        sort=sort,
    )


def _fitting(model: ModelRef, gpu: GpuSpec, settings: Settings, tokens: int, source: str) -> FitsResult:
    """``fits`` on settings.count GPUs, or, where the run does not fit their memory, on the fewest GPUs of the
    kind that fit it with ZeRO-3: the configuration whose time and cost the row can honestly show."""
    result = plan.fits(model, gpu, settings, tokens, source)
    sharded = replace(settings.memory, zero=3)
    count = settings.count
    for _ in range(8):  # the estimate on N GPUs can ask for one more (per-GPU buffers): follow it a few steps
        needed = result.memory.min_gpus_zero3
        if result.memory.fits or needed is None:
            return result
        count = max(needed, count + 1)
        result = plan.fits(model, gpu, replace(settings, count=count, memory=sharded), tokens, source)
    return result


def matrix(
    models: Sequence[ModelRef],
    gpus: Sequence[GpuSpec],
    settings: Settings,
    tokens: Callable[[ModelRef], tuple[int, str]] | None = None,
) -> MatrixResult:
    """A verdict for every model × GPU: yes, compute-only (memory does not fit), memory-only, or no;
    ``tokens`` gives each model's training tokens (default: published, else 20 per parameter; a fine-tune's
    reference size without a data size)."""
    cells: list[MatrixCell] = []
    for model in models:
        for gpu in gpus:
            try:
                if tokens is None:
                    count, source = resolve_tokens(model, None, None, finetune=settings.memory.finetune is not None)
                else:
                    count, source = tokens(model)
                result = plan.fits(model, gpu, settings, count, source)
            except InputError as exc:
                cells.append(
                    MatrixCell(
                        model_id=model.id,
                        gpu_id=gpu.id,
                        verdict="n/a",
                        time_s=None,
                        compute_fits=None,
                        memory_fits=None,
                        note=str(exc),
                    )
                )
                continue
            c, m = result.compute.fits, bool(result.memory.fits)
            verdict = "yes" if c and m else "compute-only" if c else "memory-only" if m else "no"
            cells.append(
                MatrixCell(
                    model_id=model.id,
                    gpu_id=gpu.id,
                    verdict=verdict,
                    time_s=result.compute.time_s,
                    compute_fits=c,
                    memory_fits=m,
                    note=None,
                    tokens=count,
                    tokens_source=source,
                    mfu=result.compute.mfu,
                )
            )
    return MatrixResult(
        ok=any(cell.verdict == "yes" for cell in cells),
        models=tuple(m.id for m in models),
        gpus=tuple(g.id for g in gpus),
        cells=tuple(cells),
    )
