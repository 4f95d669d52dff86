"""Compute-optimal answers: the optimum by law, the catalog models nearest to it, the best run that fits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flopcheck.core.units import format_count, format_percent, format_ratio, format_sci
from flopcheck.render.document import Blank, Bullets, Document, Heading, Prose, bold, table
from flopcheck.render.memory import assumption_blocks

if TYPE_CHECKING:
    from flopcheck.answers.results import FeasibleResult, OptimalResult, OptimalSection


def _feasible_lines(f: FeasibleResult) -> list[str]:
    if f.max_params is None or f.params is None or f.tokens is None or f.loss is None:
        return ["no model fits: even 1M parameters exceed the memory with these settings and every way to fit"]
    given = "none" if f.max_params_as_given is None else format_count(f.max_params_as_given)
    lines = [f"largest model whose training fits: {given} parameters as asked"]
    if f.max_params_as_given != f.max_params:
        lines[0] += f", {format_count(f.max_params)} with a way to make it fit"
    state = "limited by memory" if f.limited_by_memory else "the optimal size fits"
    run = f"best run that fits: {format_count(f.params)} params × {format_count(f.tokens)} tokens"
    if f.way is not None:
        run += f" with {f.way} ({f.flags}; {format_ratio(f.recompute_factor)} the FLOPs)"
    lines.append(f"{run}, predicted loss {f.loss:.4g} ({state})")
    m = f.memory
    lines.append(
        f"memory: {m.training_precision} {m.optimizer}, micro-batch {m.micro_batch}, sequence {m.seq_len}, "
        f"recompute {m.recompute}, ZeRO {m.zero_stage}, offload {m.offload}; shape {f.shape}"
    )
    return lines


def optimal_document(result: OptimalResult, explain: bool) -> Document:
    rows = table("law", "params", "tokens", "tokens/param", "predicted loss")
    laws = [
        (f"{result.law} (chosen)", result.params, result.tokens, result.tokens_per_param, result.loss, result.loss_law)
    ]
    laws += [(e.law, e.params, e.tokens, e.tokens_per_param, e.loss, e.loss_law) for e in result.alternatives]
    for position, (label, params, tokens, per_param, loss, loss_law) in enumerate(laws):
        cells = (label, format_count(params), format_count(tokens), f"{per_param:.3g}", f"{loss:.4g} ({loss_law})")
        rows.add(*(bold(c) for c in cells) if position == 0 else cells)
    title = f"Compute-optimal model for {format_sci(result.budget_flop)} FLOP ({result.budget_source})"
    doc: Document = [Heading(title, 1)]
    if result.recompute_factor != 1.0:
        doc.append(
            Prose(
                f"recomputation takes {format_ratio(result.recompute_factor)} the model FLOP, so the laws split "
                f"{format_sci(result.model_flop)} FLOP of 6·N·D"
            )
        )
    nearest = ", ".join(f"{m.id} ({format_count(m.params)})" for m in result.nearest_models)
    doc += [rows, Blank(), Prose(f"Catalog models nearest in size: {nearest}")]
    if result.feasible is not None:
        gpu = result.gpu
        where = "" if gpu is None else f" of {gpu.count} × {gpu.name}"
        doc += [Blank(), Heading(f"Within the memory{where}"), Bullets(tuple(_feasible_lines(result.feasible)))]
    budget = []
    if result.assumptions is not None and result.gpu is not None:
        a, g = result.assumptions, result.gpu
        budget.append(
            f"budget: {g.count} × {g.id} at {g.precision} {g.peak_flop_per_s / 1e12:.4g} TFLOP/s peak, "
            f"MFU {format_percent(a.mfu)}, uptime {format_percent(a.uptime)}, {a.duration_s:,.0f} s"
        )
    if not explain:
        keys = "; ".join([*budget, "C = 6·N·D"])
        return [*doc, Blank(), Prose(f"{keys}; the laws' sources: --explain", lead="Assumes: ")]
    lines = [f"{name}: {source}" for name, source in result.laws.items()]
    lines.append(
        "C = 6·N·D; losses are predicted final training losses (nats per token) on the data the fits were made on"
        " (MassiveText)"
    )
    return doc + assumption_blocks([*lines, *budget])


def optimal_lines(section: OptimalSection) -> list[str]:
    """``fits``' compute-optimality lines."""
    budget = "covers" if section.fits else "does not cover"
    return [
        f"compute-optimal tokens ({section.law}): {format_count(section.tokens)} ({section.tokens_per_param:.3g} per "
        f"parameter); that run needs {format_sci(section.required_flop)} FLOP, which the budget {budget}",
        f"this run: {section.training}",
        f"predicted loss ({section.loss_law}): {section.loss_at_tokens:.4g} at these tokens, {section.loss:.4g} at "
        f"the compute-optimal tokens; {section.loss_gap:.3g} above the best split of this run's FLOPs",
    ]
