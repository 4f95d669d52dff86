"""Memory tables: the per-GPU breakdown, the ways to make a run fit, and the memory assumptions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flopcheck.core.units import format_bytes, format_percent
from flopcheck.render._rich import bullets, emit, heading, plain, table, yes_no

if TYPE_CHECKING:
    from rich.table import Table

    from flopcheck.answers.results import MemoryReport, MemoryResult


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
    entries += [("embedding + output/logits", b.output_bytes, ""), ("overhead allowance", b.overhead_bytes, "")]
    for name, value, bpp in entries:
        share = "" if value is None or not mem.required_bytes else format_percent(value / mem.required_bytes)
        rows.add_row(name, _bytes(value), share, bpp)
    rows.add_row("total needed", format_bytes(mem.required_bytes), "", "", style="bold")
    if mem.host_bytes:
        rows.add_row("host RAM (offload)", format_bytes(mem.host_bytes), "", "")
    if mem.available_bytes is not None:
        rows.add_row(f"available ({gpu_id})", format_bytes(mem.available_bytes), "", "")
        rows.add_row("memory fits", yes_no(mem.fits), "", "")
    if mem.max_micro_batch is not None:
        rows.add_row("largest micro-batch that fits", str(mem.max_micro_batch), "", "")
    if mem.available_bytes is not None:
        zero3 = "none" if mem.min_gpus_zero3 is None else str(mem.min_gpus_zero3)
        rows.add_row("fewest GPUs with ZeRO-3", zero3, "", "")
    return rows


def strategies_table(mem: MemoryResult) -> Table:
    rows = table("ways to make it fit (add these flags)", "per GPU", "host RAM", "time")
    for strategy in mem.strategies:
        host = format_bytes(strategy.host_bytes) if strategy.host_bytes else "-"
        rows.add_row(
            plain(" ".join(strategy.flags)), format_bytes(strategy.required_bytes), host, f"{strategy.slowdown:.3g}×"
        )
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
        f"micro-batch {a.micro_batch}, sequence length {seq}, recomputation {a.recompute}; " + ", ".join(switches),
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


def memory_sections(mem: MemoryResult) -> list[object]:
    """The strategies section, when there is one."""
    if not mem.strategies:
        return []
    note = "time: predicted time per step relative to the run as given (communication and offload included)"
    return ["", strategies_table(mem), plain(note)]


def print_memory(report: MemoryReport) -> None:
    title = f"Training memory of {report.model.name}"
    if report.gpu is not None:
        title += f" on {report.gpu.count} × {report.gpu.name}"
    emit(
        heading(title),
        memory_table(report, None if report.gpu is None else report.gpu.id),
        *memory_sections(report),
        "",
        heading("Assumptions"),
        bullets(memory_assumption_lines(report)),
        heading("Not modelled"),
        bullets(report.not_modelled),
    )
