"""Sharded data parallelism beyond the ZeRO paper's even split, against published measurements."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flopcheck.answers import accuracy
from flopcheck.answers import memory as memory_plan
from flopcheck.catalog import measurements
from flopcheck.catalog import store as catalog
from flopcheck.catalog.measurements import MemoryMeasurement
from flopcheck.core import fitted, memory

GIB = 2**30


def _row(row_id: str) -> MemoryMeasurement:
    found = {row.id: row for row in measurements.memory_measurements()}[row_id]
    assert found.model.params is not None
    return found


def _estimate(row: MemoryMeasurement, config: memory.Config) -> memory.Estimate:
    assert row.model.params is not None
    return memory.estimate(row.model.params, accuracy.shape(row), config)


def test_litgpt_fsdp_lora_accumulates_every_blocks_gradient_unsharded() -> None:
    # LitGPT tutorials/resource-tables.md (2023-10, commit 8641822), 'Finetuning with LoRA on Multiple GPUs':
    # Llama 2 13B, micro-batch 1, 4 x A100-SXM4-40GB: 35.57 GB per GPU; on 2 x A100: OOM.
    row = _row("lg-rt-llama2-13b-lora-mb1-4gpu")
    assert row.measured_bytes == 35_570_000_000
    config = accuracy.config(row)
    assert _estimate(row, config).total_bytes == pytest.approx(35.57e9, rel=0.10)
    gpu = catalog.gpus().find("a100-sxm-40gb")
    assert gpu is not None
    on_two = memory_plan.required_bytes(_estimate(row, replace(config, gpus=2)))
    assert on_two > memory_plan.usable_bytes(gpu.memory_bytes)
    # one micro-batch per step syncs every backward: only shards of the gradients stay
    synced = _estimate(row, replace(config, micro_batches=1)).gradients_bytes
    assert synced == pytest.approx(_estimate(row, config).gradients_bytes / 4)


def test_unsharded_accumulation_needs_the_stack_that_does_it() -> None:
    row = _row("lg-rt-llama2-7b-lora-mb1-2gpu")
    config = accuracy.config(row)
    plain = replace(config, unsharded_accumulation=False, frozen_unit_gradients=False)
    assert _estimate(row, plain).gradients_bytes < 0.01 * _estimate(row, config).gradients_bytes


def test_torchtitan_fsdp_inside_pipeline_stages() -> None:
    # torchtitan benchmarks/llama3_h100_202412_torchtitan.md, Table 5: Llama 3.1 405B on 512 H100s, FSDP 8 x TP 8
    # x PP 8, 1F1B: 82.5 GiB, the largest reserved peak over all GPUs.
    row = _row("titan2412-405b-512gpu-3d-1f1b")
    assert row.measured_bytes == round(82.5 * GIB)
    assert accuracy.predicted_memory(row, fitted.ALLOCATOR_RESERVE) == pytest.approx(row.measured_bytes, rel=0.25)
