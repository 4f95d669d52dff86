"""Memory tables: the per-GPU breakdown, the ways to make a run fit, and the memory assumptions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flopcheck.core.units import format_bytes, format_percent, format_ratio
from flopcheck.render.document import Blank, Block, Bullets, Document, Heading, Prose, Table, bold, table, yes_no

if TYPE_CHECKING:
    from flopcheck.answers.results import MemoryReport, MemoryResult

COMPACT_WAYS = 3
"""Ways to fit shown without --explain."""


def _bytes(value: int | None) -> str:
    return "not modelled" if value is None else format_bytes(value)


def memory_table(mem: MemoryResult, gpu_id: str | None) -> Table:
    b, a = mem.breakdown, mem.assumptions
    per_param = a.bytes_per_param
    rows = table("memory per GPU", "bytes (1 GB = 1e9)", "share", "bytes/param")
    entries: list[tuple[str, int | None, str]] = [
        ("weights", b.weights_bytes, f"{per_param['weights']:.4g}"),
        ("gradients", b.gradients_bytes, f"{per_param['gradients']:g}"),
        ("fp32 master weights", b.master_weights_bytes, f"{per_param['master_weights']:g}"),
        *((f"optimizer: {name}", value, f"{per_param[name]:g}") for name, value in b.optimizer_states_bytes.items()),
        ("activations", b.activations_bytes, ""),
    ]
    if b.recompute_buffer_bytes is not None:
        entries.append(("layer being recomputed", b.recompute_buffer_bytes, ""))
    entries.append(("embedding + output/logits", b.output_bytes, ""))
    if b.workspace_bytes:
        entries.append(("workspace (gathered, dequantized, held)", b.workspace_bytes, ""))
    entries.append(("overhead allowance", b.overhead_bytes, ""))
    for name, value, bpp in entries:
        share = "" if value is None or not mem.required_bytes else format_percent(value / mem.required_bytes)
        rows.add(name, _bytes(value), share, bpp)
    rows.add(bold("total needed"), bold(format_bytes(mem.required_bytes)), "", "")
    if mem.host_bytes:
        rows.add("host RAM (offload)", format_bytes(mem.host_bytes), "", "")
    if mem.available_bytes is not None:
        rows.add(f"available ({gpu_id})", format_bytes(mem.available_bytes), "", "")
        rows.add("memory fits", yes_no(mem.fits), "", "")
    if mem.max_micro_batch is not None:
        rows.add("largest micro-batch that fits", str(mem.max_micro_batch), "", "")
    if mem.available_bytes is not None:
        zero3 = "none" if mem.min_gpus_zero3 is None else str(mem.min_gpus_zero3)
        rows.add("fewest GPUs with ZeRO-3", zero3, "", "")
    return rows


def where_it_goes(mem: MemoryResult, parts: int | None = None) -> str:
    """The breakdown in one line, largest first (the ``parts`` largest)."""
    b = mem.breakdown
    named = [
        ("weights", b.weights_bytes),
        ("gradients", b.gradients_bytes),
        ("fp32 master", b.master_weights_bytes),
        ("optimizer states", b.optimizer_bytes),
        ("activations", b.activations_bytes),
        ("layer being recomputed", b.recompute_buffer_bytes),
        ("embedding + logits", b.output_bytes),
        ("workspace", b.workspace_bytes),
        ("allowance", b.overhead_bytes),
    ]
    shown = sorted(((v, n) for n, v in named if v), reverse=True)
    text = ", ".join(f"{name} {format_bytes(value)}" for value, name in shown[:parts])
    if parts is not None and len(shown) > parts:
        text += ", …"
    if b.activations_bytes is None:
        text += "; activations not counted (the model's shape is unknown)"
    return text


def strategies_table(mem: MemoryResult, limit: int | None = None, names: bool = True) -> Table:
    """The ways to fit, each with the options that turn it on (and its name, unless compact)."""
    head = "ways to make it fit (add these flags)" if names else "to make it fit, add"
    rows = table(head, "per GPU", "host RAM", "time", wrap=[head])
    for strategy in mem.strategies[:limit]:
        host = format_bytes(strategy.host_bytes) if strategy.host_bytes else "-"
        flags = " ".join(strategy.flags)
        way = f"{strategy.name}\n  {flags}" if names else flags
        rows.add(way, format_bytes(strategy.required_bytes), host, format_ratio(strategy.slowdown))
    return rows


OPTIMIZER_NAMES = {
    "adamw": "AdamW",
    "adamw-8bit": "8-bit AdamW",
    "adafactor": "Adafactor",
    "sgd": "SGD with momentum",
    "lion": "Lion",
}


def memory_assumption_lines(mem: MemoryResult) -> list[str]:
    a = mem.assumptions
    seq = "unknown" if a.seq_len is None else f"{a.seq_len:,}"
    training = {
        "mixed": "mixed precision (16-bit weights and gradients, fp32 master)",
        "fp32": "fp32",
        "pure-bf16": "pure bf16 (no master copy, 16-bit optimizer states)",
    }[a.training_precision]
    tune = a.finetune if a.lora_rank is None else f"{a.finetune} (rank {a.lora_rank} on {a.lora_targets})"
    optimizer = OPTIMIZER_NAMES.get(a.optimizer, a.optimizer)
    switches = [
        f"attention {a.attention}",
        f"loss {a.loss}",
        "compiled" if a.compiled else "not compiled",
        *(["optimizer step in the backward pass"] if a.optimizer_in_backward else []),
        *(["paged optimizer states"] if a.paged_optimizer else []),
        *(["activations offloaded"] if a.offload_activations else []),
    ]
    return [
        f"stack {a.stack}: {a.stack_source}",
        f"training: {training}; optimizer {optimizer}; {a.trainable_params:,} trainable parameters ({tune})",
        f"micro-batch {a.micro_batch}{_accumulation(a.gradient_accumulation)}, sequence length {seq}, recomputation "
        f"{a.recompute}; " + ", ".join(switches),
        (
            f"ZeRO stage {a.zero_stage} over {a.data_parallel_gpus} data-parallel GPU(s)"
            if a.zero_stage
            else f"plain data parallelism over {a.data_parallel_gpus} GPU(s): a full replica on each"
        )
        + f"; offload: {a.offload}",
        f"fixed overhead {format_bytes(a.overhead_bytes)} (NCCL buffers on several GPUs; --overhead); usable memory is "
        "the device's less the CUDA context (0.4 GB)",
        *mem.notes,
        *mem.modelled,
    ]


def _accumulation(steps: int) -> str:
    return f" × {steps} accumulated" if steps > 1 else ""


def key_memory_assumptions(mem: MemoryResult) -> str:
    """The memory settings in a few words, for the one line of key assumptions."""
    a = mem.assumptions
    training = {"mixed": "mixed-precision", "fp32": "fp32", "pure-bf16": "pure bf16"}[a.training_precision]
    seq = "unknown sequence" if a.seq_len is None else f"sequence {a.seq_len:,}"
    recompute = "no recomputation" if a.recompute == "none" else f"{a.recompute} recomputation"
    batch = f"micro-batch {a.micro_batch}{_accumulation(a.gradient_accumulation)}"
    parts = [f"stack {a.stack}", f"{training} {a.optimizer}", batch, seq, recompute]
    if a.zero_stage:
        parts.append(f"ZeRO-{a.zero_stage}")
    if a.offload != "none":
        parts.append(f"offload {a.offload}")
    if a.finetune != "full":
        parts.append(a.finetune)
    return ", ".join(parts)


def memory_sections(mem: MemoryResult, explain: bool) -> Document:
    """The ways to fit, when there are some: the first few, or all with --explain."""
    if not mem.strategies:
        return []
    limit = None if explain else COMPACT_WAYS
    note = "time: predicted time per step relative to the run as given (communication and offload included)"
    hidden = len(mem.strategies) - COMPACT_WAYS
    if not explain:
        note = "time: per step, relative to the run as given" + (
            f"; {hidden} more ways: --explain" if hidden > 0 else ""
        )
    return [Blank(), strategies_table(mem, limit, names=explain), Prose(note)]


def assumption_blocks(lines: list[str], not_modelled: tuple[str, ...] = ()) -> Document:
    blocks: list[Block] = [Blank(), Heading("Assumptions"), Bullets(tuple(lines))]
    if not_modelled:
        blocks += [Heading("Not modelled"), Bullets(not_modelled)]
    return blocks


def memory_document(report: MemoryReport, explain: bool) -> Document:
    title = f"Training memory of {report.model.name}"
    if report.gpu is not None:
        title += f" on {report.gpu.count} × {report.gpu.name}"
    doc: Document = [Heading(title, 1), memory_table(report, None if report.gpu is None else report.gpu.id)]
    doc += memory_sections(report, explain)
    if report.warnings:
        doc += [Blank(), *(Prose(w, lead="Warning: ") for w in report.warnings)]
    if explain:
        return doc + assumption_blocks(memory_assumption_lines(report), report.not_modelled)
    shape = [] if report.model.shape_note is None else [report.model.shape_note]
    keys = "; ".join([key_memory_assumptions(report), *shape])
    return [*doc, Blank(), Prose(f"{keys}; sources: --explain", lead="Assumes: ")]
