"""Side-by-side answers: one model on many GPUs (compare) and many models on many GPUs (matrix). Pure: each
row is ``plan.fits`` for one pair, so the numbers are the ones ``fits`` prints."""

from __future__ import annotations

from collections.abc import Sequence

from flopcheck.answers import run as plan
from flopcheck.answers.results import CompareMemory, CompareResult, CompareRow, MatrixCell, MatrixResult
from flopcheck.answers.settings import Settings, resolve_tokens
from flopcheck.catalog.entries import GpuSpec
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core.errors import InputError

SORT_KEYS = ("time", "cost", "energy")


def compare(
    model: ModelRef, gpus: Sequence[GpuSpec], settings: Settings, tokens: int, source: str, sort: str
) -> CompareResult:
    """``model`` on each of ``gpus`` (× settings.count), sorted by time, cost or energy (unknown values last)."""
    rows: list[CompareRow] = []
    skipped: list[str] = []
    for gpu in gpus:
        try:
            result = plan.fits(model, gpu, settings, tokens, source)
        except InputError as exc:
            skipped.append(f"{gpu.id}: {exc}")
            continue
        rows.append(
            CompareRow(
                model_id=model.id,
                gpu=result.gpu,
                compute=result.compute,
                memory=CompareMemory(
                    fits=bool(result.memory.fits),
                    required_bytes=result.memory.required_bytes,
                    available_bytes=result.memory.available_bytes,
                    min_gpus_zero3=result.memory.min_gpus_zero3,
                ),
                fits=result.fits,
                cost_usd=result.cost.cost_usd,
                energy_kwh=result.cost.energy_kwh,
                co2_kg=result.cost.co2_kg,
                gates_passed=all(gate.passed for gate in result.gates),
            )
        )

    def key(row: CompareRow) -> tuple[bool, float]:
        value = {"time": row.compute.time_s, "cost": row.cost_usd, "energy": row.energy_kwh}[sort]
        return value is None, value or 0.0

    return CompareResult(rows=tuple(sorted(rows, key=key)), skipped=tuple(skipped), sort=sort)


def matrix(models: Sequence[ModelRef], gpus: Sequence[GpuSpec], settings: Settings) -> MatrixResult:
    """A verdict for every model × GPU: yes, compute-only (memory does not fit), memory-only, or no."""
    cells: list[MatrixCell] = []
    for model in models:
        for gpu in gpus:
            try:
                tokens, source = resolve_tokens(model, None, None, finetune=settings.memory.finetune is not None)
                result = plan.fits(model, gpu, settings, tokens, source)
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
                )
            )
    return MatrixResult(models=tuple(m.id for m in models), gpus=tuple(g.id for g in gpus), cells=tuple(cells))
