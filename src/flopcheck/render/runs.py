"""Published runs against flopcheck's predictions, and calibration from a measured throughput."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flopcheck.core import fitted
from flopcheck.core.units import format_count, format_percent, format_sci, format_tokens_per_s
from flopcheck.render.document import Blank, Bullets, Document, Heading, Prose, bold, table

if TYPE_CHECKING:
    from flopcheck.answers.results import CalibrationResult, RunsResult


def _pct(value: float | None) -> str:
    return "-" if value is None else format_percent(value)


def runs_document(result: RunsResult, explain: bool) -> Document:
    rows = table("run", "n", "gpu", "tokens", "GPU-h", "MFU", "+attn", "stated", "pred. MFU", "pred. GPU-h", "error")
    notes: list[str] = []
    for r in result.runs:
        rows.add(
            r.id,
            "-" if r.gpu_count is None else f"{r.gpu_count:,}",
            r.gpu_id,
            format_count(r.tokens),
            format_count(r.gpu_hours),
            _pct(r.implied_mfu),
            _pct(r.implied_mfu_attention),
            _pct(r.reported_mfu),
            _pct(r.predicted_mfu) + ("*" if r.predicted_from == "configuration" else ""),
            format_count(r.predicted_gpu_hours),
            f"{r.error:+.0%}",
        )
        if r.note:
            notes.append(f"{r.id}: {r.note}")
    summary = "no runs"
    if result.median_abs_error is not None and result.worst_error is not None:
        basis = "at predicted MFU" if result.mfu is None else f"at MFU {format_percent(result.mfu)}"
        summary = (
            f"{basis}: median |error| {result.median_abs_error:.0%}, worst "
            f"{result.worst_error:+.0%} ({result.worst_run}); median implied MFU "
            f"{format_percent(result.median_implied_mfu or 0)}"
        )
        parts = [
            (result.configured_runs, result.configured_median_abs_error, "at the configuration they published (*)"),
            (result.searched_runs, result.searched_median_abs_error, "at the layout flopcheck chooses"),
        ]
        split = [
            f"{n} {'run' if n == 1 else 'runs'} {what}: median |error| {e:.0%}" for n, e, what in parts if e is not None
        ]
        if result.mfu is None and len(split) == 2:
            summary += "; " + "; ".join(split)
    legend = [
        "n: accelerators; GPU-h: accelerator-hours, reported or n × wall-clock time",
        "MFU: 6·N·D / (GPU-h × 3600 × dense peak) (PaLM, Appendix B); +attn: with PaLM's 12·L·H·Q·T term; "
        "stated: the MFU the source reports",
        "pred.: the MFU flopcheck predicts from each run's model, GPUs, precision and sequence length, at the layout "
        "and batch the run published (marked *; its row of data/throughput-measured.yaml) or else the fastest layout "
        f"flopcheck layout finds above one node at {fitted.SEARCH_RATIO:.2f}× its speed (the median of published "
        "layouts' measured throughput over the searched best), ZeRO-3 data parallelism where no layout is searched "
        "(one node; TPUs), 40 % for a run that names no architecture, or --mfu, and the GPU-hours at it with the "
        "goodput expected at the run's size (none where the source computed its hours from steady throughput); "
        "error: pred. / reported − 1; reported hours include restarts, evaluation and idle time that a prediction "
        "of steady training does not",
        "sources and where in them: flopcheck runs --json",
    ]
    return [Heading("Published training runs", 1), rows, Prose(summary), Blank(), Bullets((*notes, *legend))]


def calibration_document(result: CalibrationResult, explain: bool) -> Document:
    rows = table("calibration", "value")
    rows.add("measured", f"{format_tokens_per_s(result.tokens_per_second)} on {result.count} × {result.gpu_id}")
    rows.add("achieved", f"{format_sci(result.achieved_flop_per_s)} FLOP/s (6·N × tokens/s)")
    rows.add("peak", f"{format_sci(result.peak_flop_per_s)} FLOP/s ({result.precision}, dense)")
    rows.add("MFU", bold(format_percent(result.mfu)))
    lines = [
        f"use it: flopcheck fits {result.model_id} --gpu {result.gpu_id} --count {result.count} "
        f"--precision {result.precision} --mfu {format_percent(result.mfu)}"
    ]
    if not result.plausible:
        lines.append("over 100 % of peak: check the measurement (tokens counted per GPU or per step?)")
    return [Heading(f"MFU of {result.model_id} from a measured throughput", 1), rows, Blank(), Bullets(tuple(lines))]
