"""The measured-data files: they load and validate, their splits are clean, and rows match their sources."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
import yaml

from flopcheck.catalog import store
from flopcheck.catalog.measurements import (
    MEMORY_FILE,
    Measurement,
    MemoryMeasurement,
    ThroughputMeasurement,
    memory_measurements,
    parse,
    throughput_measurements,
)
from flopcheck.core.errors import CatalogError

GIB = 2**30


def _by_id(rows: tuple[Measurement, ...]) -> dict[str, Measurement]:
    return {row.id: row for row in rows}


def _memory(row_id: str) -> MemoryMeasurement:
    row = _by_id(memory_measurements())[row_id]
    assert isinstance(row, MemoryMeasurement)
    return row


def _throughput(row_id: str) -> ThroughputMeasurement:
    row = _by_id(throughput_measurements())[row_id]
    assert isinstance(row, ThroughputMeasurement)
    return row


def test_sizes_and_sources() -> None:
    memory, throughput = memory_measurements(), throughput_measurements()
    assert len(memory) >= 40
    assert len({row.source for row in memory}) >= 6
    assert len(throughput) >= 150
    assert len({row.source for row in throughput}) >= 6


@pytest.mark.parametrize("rows", [memory_measurements, throughput_measurements], ids=["memory", "throughput"])
def test_every_row_says_where_it_comes_from(rows: Any) -> None:
    for row in rows():
        assert row.url.startswith(("https://", "http://")), row.id
        assert row.where.strip(), row.id
        assert row.split in ("fit", "holdout"), row.id


@pytest.mark.parametrize("rows", [memory_measurements, throughput_measurements], ids=["memory", "throughput"])
def test_whole_sources_are_held_out(rows: Any) -> None:
    splits: dict[str, set[str]] = defaultdict(set)
    for row in rows():
        splits[row.source].add(row.split)
    assert {split for found in splits.values() for split in found} == {"fit", "holdout"}
    assert not [source for source, found in splits.items() if len(found) > 1]


@pytest.mark.parametrize("rows", [memory_measurements, throughput_measurements], ids=["memory", "throughput"])
def test_gpu_ids_are_catalog_gpus(rows: Any) -> None:
    known = {gpu.id for gpu in store.gpus()}
    unknown = {row.gpu_id for row in rows() if row.gpu_id is not None} - known
    assert not unknown


def test_torchtune_llama31_8b_full_finetune_on_rtx4090() -> None:
    # torchtune README 'Memory and training speed' table (pytorch/torchtune @0031bfb0):
    # "Llama 3.1 8B | Full finetune | 1x 4090 | 18.9 GiB | 1650"; batch 2, packed to 2048, compile on.
    memory = _memory("tt2409-llama31-8b-full-4090")
    assert memory.measured_bytes == round(18.9 * GIB)
    assert (memory.gpu_id, memory.gpus, memory.method) == ("rtx-4090", 1, "full")
    assert (memory.micro_batch, memory.seq_len, memory.compile) == (2, 2048, True)
    # Recipe 8B_full_single_device: bitsandbytes PagedAdamW8bit with the step fused into the backward.
    assert (memory.optimizer, memory.paged, memory.in_backward) == ("adamw-8bit", True, True)
    speed = _throughput("torchtune-llama3.1-8b-full-1x4090")
    assert speed.tokens_per_s_per_gpu == 1650
    assert not speed.derived


def test_torchtune_llama32_3b_baseline() -> None:
    # torchtune README 'Optimization flags' table (pytorch/torchtune @1814feb1), row Baseline:
    # peak memory active 25.5 GiB, 2091 tokens per second.
    assert _memory("tt2411-llama32-3b-full-baseline").measured_bytes == round(25.5 * GIB)
    assert _memory("tt2411-llama32-3b-full-baseline").metric == "allocated"
    assert _throughput("torchtune-llama3.2-3b-baseline-1xa100").tokens_per_s_per_gpu == 2091


def test_torchtune_2024_03_llama2_7b_table() -> None:
    # torchtune README 'Finetuning resource requirements' (pytorch/torchtune @a95c6b93): 14.17, 17.18, 27.15 and
    # 12.01 GB, "as reported by torch.cuda.max_memory_allocated()" on A100s limited with
    # set_per_process_memory_fraction; utils/memory.py divides by 1e9.
    published = {
        "tt2403-llama2-7b-lora-2x4090": (14_170_000_000, 2, "lora", "adamw"),
        "tt2403-llama2-7b-lora-4090": (17_180_000_000, 1, "lora", "adamw"),
        "tt2403-llama2-7b-full-a6000": (27_150_000_000, 1, "full", "sgd"),
        "tt2403-llama2-7b-full-4x4090": (12_010_000_000, 4, "full", "sgd"),
    }
    for row_id, (measured, gpus, method, optimizer) in published.items():
        row = _memory(row_id)
        assert (row.measured_bytes, row.gpus, row.method, row.optimizer) == (measured, gpus, method, optimizer)
        assert (row.metric, row.split, row.gpu_id) == ("allocated", "fit", None)
        # _alpaca.py at a95c6b93 does not truncate: each batch is as long as its longest sample.
        assert row.seq_len is None


def test_litgpt_phi15_lora() -> None:
    # LitGPT tutorials/resource-tables.md (2023-10), 'Finetuning with LoRA on 1 GPU', phi-1.5, microbatch 1:
    # 4.82 GB, printed as torch.cuda.max_memory_allocated() / 1e9 on an A100-SXM4-40GB.
    row = _memory("lg-rt-phi-1.5-lora-mb1")
    assert row.measured_bytes == 4_820_000_000
    assert (row.metric, row.gpu_id, row.split) == ("allocated", "a100-sxm-40gb", "holdout")


def test_torchtitan_llama31_8b_fsdp_on_8_gpus() -> None:
    # torchtitan benchmarks/llama3_h100_202412_torchtitan.md, Table 1, row FSDP: 5762 TPS/GPU, 82.4 GiB.
    assert _memory("titan2412-8b-8gpu-fsdp").measured_bytes == round(82.4 * GIB)
    speed = _throughput("torchtitan-202412-llama31-8B-g8-FSDP")
    assert speed.tokens_per_s_per_gpu == 5762
    # The 96 GB HBM2e, 500 W H100 of these runs is not the catalog's H100 SXM.
    assert speed.gpu_id is None
    assert speed.parallel.zero == 3


def test_llm_foundry_mpt70b_on_512_h100() -> None:
    # LLM Foundry scripts/train/benchmarking/README.md, "H100 80GB BF16 (Large Scale)", 70b, 2048, 512 GPUs:
    # 1007 tokens/s/GPU (515636 tokens/s in total), global batch 4096, micro-batch 8, FULL_SHARD.
    row = _throughput("llmfoundry-h100_large-mpt70b-s2048-g512-mb8")
    assert row.tokens_per_s_per_gpu == 1007
    assert (row.gpus, row.global_batch, row.micro_batch, row.seq_len) == (512, 4096, 8, 2048)
    assert row.tokens_per_s_per_gpu * row.gpus == pytest.approx(515_636, rel=1e-3)
    assert (row.gpu_id, row.stack, row.parallel.zero) == ("h100-sxm", "foundry", 3)


def test_megatron_2021_row_reproduces_the_published_tflops() -> None:
    # Narayanan et al. 2021, Table 1, 1.7B on 32 A100: 137 TFLOP/s per GPU counted with their eq. 3,
    # 96·B·s·l·h²·(1 + s/6h + V/16lh) FLOP per batch (full recomputation included).
    row = _throughput("megatron2021-t1-1.7B-g32")
    layers, hidden, vocab, seq = row.model.layers, row.model.hidden, row.model.vocab, row.seq_len
    assert (layers, hidden, vocab, seq) == (24, 2304, 51200, 2048)
    assert vocab is not None and seq is not None
    per_token = 96 * layers * hidden**2 * (1 + seq / (6 * hidden) + vocab / (16 * layers * hidden))
    assert row.tokens_per_s_per_gpu * per_token == pytest.approx(137e12, rel=1e-3)
    assert row.derived


# Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models" (arXiv 2205.05198v1).
# Table 3: size -> (attention heads, hidden, layers, tensor / pipeline parallel, GPUs, global batch, micro-batch)
KORTHIKANTI_TABLE_3 = {
    "22B": (64, 6144, 48, 8, 1, 8, 4, 4),
    "175B": (96, 12288, 96, 8, 8, 64, 64, 1),
    "530B": (128, 20480, 105, 8, 35, 280, 280, 1),
    "1T": (160, 25600, 128, 8, 64, 512, 512, 1),
}
# Table 5: size -> (iteration time s, full recompute; present work; throughput increase; model and hardware FLOPs
# utilization of the present work)
KORTHIKANTI_TABLE_5 = {
    "22B": (1.42, 1.10, 0.290, 0.415, 0.437),
    "175B": (18.13, 13.75, 0.318, 0.514, 0.528),
    "530B": (49.05, 37.83, 0.297, 0.560, 0.570),
    "1T": (94.42, 71.49, 0.321, 0.563, 0.570),
}
A100_PEAK = 312e12  # the paper's footnote 5


def _korthikanti_utilization(row: ThroughputMeasurement, recompute_term: int) -> float:
    """The row's rate over the A100 peak by Appendix A, per token 72·L·h²·(1 + s/6h + V/12hL) model FLOPs (Eq. 7)
    or, with s/3h, hardware FLOPs (Eq. 8)."""
    layers, h, vocab, seq = row.model.layers, row.model.hidden, row.model.vocab, row.seq_len
    assert vocab is not None and seq is not None
    per_token = 72 * layers * h**2 * (1 + seq / (recompute_term * h) + vocab / (12 * h * layers))
    return row.tokens_per_s_per_gpu * per_token / A100_PEAK


@pytest.mark.parametrize("size", list(KORTHIKANTI_TABLE_3))
def test_korthikanti_2022_table_5_rows(size: str) -> None:
    # Table 5: end-to-end iteration time with full recomputation (no sequence parallelism) and with the present work
    # (sequence parallelism + selective recomputation) on Table 3's configurations; Sec. 6: s = 2048, v = 51200,
    # the interleaved schedule with m = 3 for 175B and 530B
    heads, hidden, layers, tp, pp, gpus, batch, micro = KORTHIKANTI_TABLE_3[size]
    full_s, present_s, increase, mfu, hfu = KORTHIKANTI_TABLE_5[size]
    full = _throughput(f"korthikanti2022-t5-{size}-g{gpus}-full")
    present = _throughput(f"korthikanti2022-t5-{size}-g{gpus}-sp-selective")
    for row, seconds in ((full, full_s), (present, present_s)):
        assert (row.model.heads, row.model.hidden, row.model.layers) == (heads, hidden, layers)
        layout = (row.parallel.tp, row.parallel.pp, row.gpus, row.global_batch, row.micro_batch)
        assert layout == (tp, pp, gpus, batch, micro)
        assert (row.seq_len, row.model.vocab, row.parallel.vp) == (2048, 51200, 3 if size in ("175B", "530B") else None)
        assert row.tokens_per_s_per_gpu * row.gpus * seconds == pytest.approx(batch * 2048, rel=1e-3)
        assert (row.split, row.gpu_id, row.derived) == ("holdout", "a100-sxm-80gb", True)
    assert (full.recompute, full.parallel.sequence_parallel) == ("full", False)
    assert (present.recompute, present.parallel.sequence_parallel) == ("selective", True)
    assert present.tokens_per_s_per_gpu / full.tokens_per_s_per_gpu - 1 == pytest.approx(increase, abs=2e-3)
    # the published MFU and HFU follow from the published iteration time by Appendix A's counts (to their rounding)
    assert _korthikanti_utilization(present, 6) == pytest.approx(mfu, abs=2e-3)
    assert _korthikanti_utilization(present, 3) == pytest.approx(hfu, abs=2e-3)


def test_korthikanti_2022_530b_on_2240_gpus() -> None:
    # Sec. 6.3: 530B with 8-way data parallelism (2240 GPUs, batch per model instance kept): 37.83 s -> 39.15 s per
    # iteration, MFU 56.0 % -> 54.2 %; abstract: "54.2%, which is 29% faster than the 42.1% we achieve using
    # recomputation"
    present = _throughput("korthikanti2022-s63-530B-g2240-sp-selective")
    full = _throughput("korthikanti2022-abstract-530B-g2240-full")
    for row in (present, full):
        assert (row.gpus, row.global_batch, row.parallel.tp, row.parallel.pp) == (2240, 2240, 8, 35)
    assert present.tokens_per_s_per_gpu * present.gpus * 39.15 == pytest.approx(2240 * 2048, rel=1e-3)
    assert _korthikanti_utilization(present, 6) == pytest.approx(0.542, abs=2e-3)
    assert _korthikanti_utilization(full, 6) == pytest.approx(0.421, rel=1e-3)
    assert present.tokens_per_s_per_gpu / full.tokens_per_s_per_gpu == pytest.approx(1.29, abs=5e-3)
    assert (full.recompute, full.parallel.sequence_parallel, full.quality) == ("full", False, "medium")


def _first_row() -> dict[str, Any]:
    """The first packaged row as plain data, to be broken in one place."""
    row: dict[str, Any] = memory_measurements()[0].model_dump(mode="json")
    return row


def _text(rows: list[dict[str, Any]]) -> bytes:
    return yaml.safe_dump({"measurements": rows}, sort_keys=False).encode()


def test_a_valid_row_round_trips() -> None:
    row = _first_row()
    assert parse(MEMORY_FILE, _text([row]), MemoryMeasurement)[0] == memory_measurements()[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda row: row.pop("url"), r"^memory-measured\.yaml: tt2409-llama31-8b-full-4090: url: Field required"),
        (lambda row: row.update(url="ftp://x"), r": tt2409-llama31-8b-full-4090: url: String should match"),
        (lambda row: row.update(split="test"), r": tt2409-llama31-8b-full-4090: split: Input should be 'fit' or"),
        (lambda row: row.update(measured_bytes="20 GB"), r": measured_bytes: Input should be a valid integer"),
        (lambda row: row.update(measured_bytes=0), r": measured_bytes: Input should be greater than 0"),
        (lambda row: row["model"].update(layers=32.5), r": model\.layers: Input should be a valid integer"),
        (lambda row: row["parallel"].update(tp=3), r"-full-4090: parallel: tp x pp x cp = 3 does not"),
        (lambda row: row.update(stack="nemo"), r": stack: Input should be"),
        (lambda row: row["model"].update(kv_heads=5), r": model: kv_heads must divide heads"),
        (lambda row: row.update(lora=None, method="lora"), r": lora: given exactly when method is lora or qlora"),
        (lambda row: row.update(extra=1), r": extra: Extra inputs are not permitted"),
        (lambda row: row.pop("id"), r"^memory-measured\.yaml: row #1: id: Field required"),
    ],
)
def test_malformed_rows_name_file_row_and_field(change: Any, message: str) -> None:
    row = _first_row()
    change(row)
    with pytest.raises(CatalogError, match=message):
        parse(MEMORY_FILE, _text([row]), MemoryMeasurement)


def test_malformed_files_are_catalog_errors() -> None:
    with pytest.raises(CatalogError, match=r"^memory-measured\.yaml: expected a mapping with a 'measurements' list"):
        parse(MEMORY_FILE, b"- id: x\n", MemoryMeasurement)
    with pytest.raises(CatalogError, match=r"^memory-measured\.yaml:\d+: invalid YAML"):
        parse(MEMORY_FILE, b"measurements:\n  - id: [unclosed\n", MemoryMeasurement)
    with pytest.raises(CatalogError, match=r": tt2409-llama31-8b-full-4090: id: used by an earlier row"):
        parse(MEMORY_FILE, _text([_first_row(), _first_row()]), MemoryMeasurement)
