"""The ranked layouts of ``flopcheck layout``: a document (text tables, Markdown) and flat rows (CSV). No
arithmetic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flopcheck.core.units import format_bytes, format_count, format_percent
from flopcheck.render.document import Blank, Bullets, Document, Heading, Prose, table

if TYPE_CHECKING:
    from flopcheck.answers.results import LayoutResult, LayoutSearchResult

COLUMNS = ["rank", "tp", "pp", "vp", "cp", "ep", "dp", "micro_batch", "recompute", "zero", "step_time_s", "mfu"]
COLUMNS += ["tokens_per_s", "memory_bytes", "flags"]


def _split(r: LayoutResult) -> str:
    parts = [f"tp {r.tp}", f"pp {r.pp}" + (f"×{r.vp}" if r.vp > 1 else ""), f"cp {r.cp}", f"ep {r.ep}"]
    return " ".join(p for p in parts if not p.endswith(" 1")) or "data parallel"


def layout_document(result: LayoutSearchResult, explain: bool) -> Document:
    title = f"Layouts for {result.model_name} on {result.count:,} × {result.gpu_name}"
    rows = table("#", "split", "dp", "mb", "recompute", "ZeRO", "step", "MFU", "tokens/s", "memory/GPU")
    for rank, r in enumerate(result.layouts, start=1):
        rows.add(
            str(rank),
            _split(r),
            f"{r.dp:,}",
            str(r.micro_batch),
            r.recompute,
            str(r.zero),
            f"{r.step_time_s:.3g} s",
            format_percent(r.mfu),
            format_count(r.tokens_per_s),
            format_bytes(r.memory_bytes),
        )
    summary = (
        f"{len(result.layouts)} fastest of the layouts that fit {format_bytes(result.usable_bytes)} per GPU; "
        f"{result.evaluated:,} configurations evaluated; global batch {result.global_batch:,} sequences of "
        f"{result.seq_len:,} tokens; stack {result.stack}"
    )
    if not result.layouts:
        return [Heading(title, 1), Prose("No layout fits: " + summary), Blank(), Bullets(result.notes)]
    flags = tuple(f"{rank}. {' '.join(r.flags)}" for rank, r in enumerate(result.layouts, start=1))
    doc: Document = [
        Heading(title, 1),
        rows,
        Prose(summary),
        Blank(),
        Heading("Flags (fits takes them)"),
        Bullets(flags),
    ]
    if explain:
        doc += [Blank(), Bullets((f"global batch: {result.global_batch_source}", *result.notes))]
    return doc


def flat_rows(result: LayoutSearchResult) -> tuple[list[str], list[list[Any]]]:
    body: list[list[Any]] = []
    for rank, r in enumerate(result.layouts, start=1):
        body.append([rank, r.tp, r.pp, r.vp, r.cp, r.ep, r.dp, r.micro_batch, r.recompute, r.zero])
        body[-1] += [r.step_time_s, r.mfu, r.tokens_per_s, r.memory_bytes, " ".join(r.flags)]
    return list(COLUMNS), body
