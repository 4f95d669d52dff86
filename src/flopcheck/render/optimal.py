"""Compute-optimal answers: the optimum by law, the catalog models nearest to it, the best run that fits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flopcheck.core.units import format_count, format_percent, format_sci
from flopcheck.render._rich import bullets, emit, heading, plain, table

if TYPE_CHECKING:
    from flopcheck.answers.results import OptimalResult, OptimalSection


def print_optimal(result: OptimalResult) -> None:
    rows = table("law", "params", "tokens", "tokens/param", "predicted loss")
    laws = [
        (f"{result.law} (chosen)", result.params, result.tokens, result.tokens_per_param, result.loss, result.loss_law)
    ]
    laws += [(e.law, e.params, e.tokens, e.tokens_per_param, e.loss, e.loss_law) for e in result.alternatives]
    for label, params, tokens, per_param, loss, loss_law in laws:
        rows.add_row(label, format_count(params), format_count(tokens), f"{per_param:.3g}", f"{loss:.4g} ({loss_law})")
    sections: list[object] = [
        heading(f"Compute-optimal model for {format_sci(result.budget_flop)} FLOP ({result.budget_source})"),
        rows,
        "",
        plain(
            "Catalog models nearest in size: "
            + ", ".join(f"{m.id} ({format_count(m.params)})" for m in result.nearest_models)
        ),
    ]
    if result.feasible is not None:
        f = result.feasible
        gpu = result.gpu
        where = "" if gpu is None else f" of {gpu.count} × {gpu.name}"
        lines = []
        if f.max_params is None or f.params is None or f.tokens is None or f.loss is None:
            lines.append("no model fits: even 1M parameters exceed the memory with these settings")
        else:
            lines.append(f"largest model whose training fits: {format_count(f.max_params)} parameters")
            state = "limited by memory" if f.limited_by_memory else "the optimum fits"
            lines.append(
                f"best run that fits: {format_count(f.params)} params × {format_count(f.tokens)} tokens, "
                f"predicted loss {f.loss:.4g} ({state})"
            )
        m = f.memory
        lines.append(
            f"memory: {m.training_precision} {m.optimizer}, micro-batch {m.micro_batch}, sequence {m.seq_len}, "
            f"recompute {m.recompute}, ZeRO {m.zero_stage}, offload {m.offload}; shape {f.shape}"
        )
        sections += ["", heading(f"Within the memory{where}"), bullets(lines)]
    assumptions = [f"{name}: {source}" for name, source in result.laws.items()]
    assumptions.append(
        "C = 6·N·D; losses are predicted final training losses (nats per token) on the data the fits were made on"
        " (MassiveText)"
    )
    if result.assumptions is not None and result.gpu is not None:
        a, g = result.assumptions, result.gpu
        assumptions.append(
            f"budget: {g.count} × {g.id} at {g.precision} {g.peak_flop_per_s / 1e12:.4g} TFLOP/s peak, "
            f"MFU {format_percent(a.mfu)}, uptime {format_percent(a.uptime)}, {a.duration_s:,.0f} s"
        )
    sections += ["", heading("Assumptions"), bullets(assumptions)]
    emit(*sections)


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
