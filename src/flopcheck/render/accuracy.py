"""flopcheck against published measurements: a summary per source and split, or every row."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from flopcheck.core.units import format_bytes, format_count
from flopcheck.render.document import Blank, Bullets, Document, Heading, table

if TYPE_CHECKING:
    from flopcheck.answers.results import AccuracyResult, AccuracyRow, AccuracySummary


def _value(result: AccuracyResult, value: float) -> str:
    return format_bytes(value) if result.unit == "bytes" else f"{format_count(value)} tok/s"


def _summary_line(result: AccuracyResult, s: AccuracySummary) -> str:
    if s.median_abs_error is None or s.worst_error is None:
        return f"{result.kind}, {s.split}: no rows"
    return (
        f"{result.kind}, {s.split}: {s.rows} rows from {s.sources} sources; median |error| "
        f"{s.median_abs_error:.1%}, worst {s.worst_error:+.0%} ({s.worst_id}); "
        f"{s.within_10} within ±10 %, {s.within_30} within ±30 %"
    )


def _by_source(rows: tuple[AccuracyRow, ...]) -> dict[tuple[str, str], list[AccuracyRow]]:
    grouped: dict[tuple[str, str], list[AccuracyRow]] = defaultdict(list)
    for row in rows:
        grouped[(row.split, row.source)].append(row)
    return grouped


def accuracy_document(results: tuple[AccuracyResult, ...], every_row: bool) -> Document:
    parts: Document = []
    for result in results:
        parts.append(Heading(f"{result.kind.capitalize()}: predicted vs measured ({result.unit})", 1))
        if every_row:
            rows = table("row", "split", "predicted", "measured", "error")
            for row in sorted(result.rows, key=lambda r: (r.split, r.id)):
                rows.add(
                    row.id, row.split, _value(result, row.predicted), _value(result, row.measured), f"{row.error:+.0%}"
                )
        else:
            rows = table("source", "split", "rows", "median |error|", "worst", wrap=["source"])
            for (split, source), group in sorted(_by_source(result.rows).items()):
                errors = sorted(abs(r.error) for r in group)
                worst = max(group, key=lambda r: abs(r.error))
                rows.add(source, split, str(len(group)), f"{errors[len(errors) // 2]:.0%}", f"{worst.error:+.0%}")
        lines = [_summary_line(result, result.fit), _summary_line(result, result.holdout)]
        lines += [
            _summary_line(result, s).replace(f"{result.kind}, ", f"{result.kind} with tensor or pipeline parallelism, ")
            for s in result.model_parallel
        ]
        if result.inconsistent:
            lines.append(
                f"{result.inconsistent} rows measured below their stated configuration's own model states "
                "(weights, gradients, optimizer states): listed with --rows, not counted"
            )
        if result.ranking is not None and result.ranking.sweeps:
            r = result.ranking
            lines.append(
                f"ranking: in {r.sweeps} measured sweeps (configurations of one model on the same GPUs, batch, "
                f"sequence and precision), the one predicted fastest measured within 5 % of the fastest in "
                f"{r.within_5}; median {r.median_ratio:.0%} of the fastest, worst {r.worst_ratio:.0%} ({r.worst_sweep})"
            )
        if result.verdicts is not None:
            lines.append(f"fits verdicts right: {result.verdicts_right} of {result.verdicts} runs on catalog GPUs")
        lines.append(
            f"{result.skipped} rows not expressible yet (unpublished settings, GPUs outside the catalog, layers "
            "that do not split evenly over the pipeline stages of a memory row)"
        )
        parts += [rows, Blank(), Bullets(tuple(lines)), Blank()]
    return parts
