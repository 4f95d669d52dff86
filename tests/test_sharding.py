"""Sharded data parallelism beyond the ZeRO paper's even split, against published measurements."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flopcheck.answers import accuracy
from flopcheck.answers import memory as memory_plan
from flopcheck.catalog import measurements
from flopcheck.catalog import store as catalog
from flopcheck.catalog.measurements import MemoryMeasurement
from flopcheck.core import fitted, memory, sharding
from tests.conftest import RunCli

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


def test_accumulation_steps_from_the_global_batch() -> None:
    # 128 sequences per step over micro-batch 1 on 4 data-parallel GPUs: 32 backward passes per optimizer step
    # (LitGPT's train.gradient_accumulation_iters: global_batch_size // devices // micro_batch_size).
    assert sharding.accumulation_steps(128, 1, 4) == 32
    assert sharding.accumulation_steps(4, 1, 4) == 1
    assert sharding.accumulation_steps(2, 1, 4) == 1
    assert sharding.accumulation_steps(None, 1, 4) is None


LITGPT_FSDP = ("memory", "llama-2-7b", "--finetune", "lora", "--count", "4", "--zero", "3", "--seq-len", "512")


def test_the_memory_answer_accumulates_unsharded_where_the_stack_does(cli: RunCli) -> None:
    # Fabric's no_backward_sync calls FSDP's no_sync(): between optimizer steps every rank holds unsharded
    # gradients, in fp32 under mixed precision; one micro-batch per step syncs every backward.
    accumulated = cli(*LITGPT_FSDP, "--stack", "litgpt", "--global-batch", "64", "--json").json()
    synced = cli(*LITGPT_FSDP, "--stack", "litgpt", "--global-batch", "4", "--json").json()
    assert accumulated["assumptions"]["gradient_accumulation"] == 16
    assert synced["assumptions"]["gradient_accumulation"] == 1
    ratio = accumulated["breakdown"]["gradients_bytes"] / synced["breakdown"]["gradients_bytes"]
    assert ratio == pytest.approx(4 * 2, rel=1e-3)
    # a stack that reshards gradients after every backward (torchtitan's FSDP2 outside pipelines) is unchanged
    titan = [cli(*LITGPT_FSDP, "--stack", "torchtitan", "--global-batch", b, "--json").json() for b in ("64", "4")]
    assert titan[0]["breakdown"]["gradients_bytes"] == titan[1]["breakdown"]["gradients_bytes"]


def test_fits_carries_the_accumulation_into_its_memory_answer(cli: RunCli) -> None:
    args = ("fits", "llama-2-7b", "--gpu", "a100", "--count", "4", "--finetune", "lora", "--stack", "litgpt")
    data = cli(*args, "--zero", "3", "--seq-len", "512", "--global-batch", "64", "--json").json()
    assert data["memory"]["assumptions"]["gradient_accumulation"] == 16
    assert "16 accumulated" in cli(*args, "--zero", "3", "--seq-len", "512", "--global-batch", "64").out


def test_fsdp1_reserved_ratio_is_the_median_of_the_published_runs() -> None:
    # meta-llama/llama-cookbook#41 (2023-07-25): Llama-2-7B LoRA, pure bf16, FSDP1 on 4 A100 40GB, peak reserved /
    # peak active: 32.67 / 25.86 GB (limit_all_gathers=False), 27.36 / 20.20 GB (True), 19.36 / 15.22 GB (True,
    # logits not kept alive).
    ratios = sorted([32.67 / 25.86, 27.36 / 20.20, 19.36 / 15.22])
    assert pytest.approx(ratios[1]) == sharding.FSDP1_RESERVED_RATIO
    # well above the single-stream reserve fitted on reserved-memory rows
    assert sharding.FSDP1_RESERVED_RATIO - 1.0 > 3 * fitted.ALLOCATOR_RESERVE


def test_fsdp1_reserve_needs_sharding_over_gpus() -> None:
    config = accuracy.config(_row("tt2404-llama2-7b-lora-2x4090"))
    assert config.fsdp1_record_stream
    assert sharding.reserve_fraction(config, 0.05) == pytest.approx(sharding.FSDP1_RESERVED_RATIO - 1.0)
    assert sharding.reserve_fraction(replace(config, gpus=1), 0.05) == 0.05
    assert sharding.reserve_fraction(replace(config, zero=2), 0.05) == 0.05
    assert sharding.reserve_fraction(replace(config, fsdp1_record_stream=False), 0.05) == 0.05


@pytest.mark.parametrize(
    ("row_id", "published"),
    [
        # torchtune README at fef3ed10 (2024-04-16), 'Peak Memory per GPU': 2 x RTX 4090 LoRA
        # (lora_finetune_distributed, llama2/7B_lora) 20.95 GB; 4 x RTX 4090 full finetune
        # (full_finetune_distributed, llama2/7B_full) 22.9 GB. Both FSDP1 without TORCH_NCCL_AVOID_RECORD_STREAMS.
        ("tt2404-llama2-7b-lora-2x4090", 20.95e9),
        ("tt2404-llama2-7b-full-4x4090", 22.9e9),
    ],
)
def test_torchtune_fsdp1_rows_reserve_as_fsdp1_does(row_id: str, published: float) -> None:
    row = _row(row_id)
    assert row.measured_bytes == published
    predicted = accuracy.predicted_memory(row, fitted.ALLOCATOR_RESERVE)
    assert predicted == pytest.approx(published, rel=0.25)
    plain = row.model_copy(update={"notes": row.notes.replace("FSDP1 with record_stream", "FSDP1")})
    assert accuracy.predicted_memory(plain, fitted.ALLOCATOR_RESERVE) < 0.85 * predicted


def test_litgpt_fsdp_full_finetune_keeps_the_root_unit_gathered() -> None:
    # LitGPT config_hub/finetune/README.md at 5895df10, row 'gemma-2b/full.yaml | 4xA10G': 17.43 GB peak
    # (torch.cuda.max_memory_allocated after fit). Gemma 2B's 256,000 x 2048 embedding and LitGPT's own lm_head sit
    # in FSDP's root unit (auto_wrap_policy={Block}), gathered through forward and backward.
    row = _row("lg-hub-gemma-2b-full-4gpu")
    assert row.measured_bytes == 17_430_000_000
    assert accuracy.predicted_memory(row, fitted.ALLOCATOR_RESERVE) == pytest.approx(17.43e9, rel=0.05)
    without = replace(accuracy.config(row), root_unit=False)
    assert _estimate(row, without).total_bytes < 0.75 * 17.43e9


def test_the_root_units_flat_gradient_at_the_end_of_the_backward_pass() -> None:
    # Gemma 2B (LitGPT config gemma-2b): vocab 256,000, d 2048, RMSNorm; untied in LitGPT, so the root unit holds
    # 2 x 256,000 x 2048 + 2048 parameters. At the end of an accumulating backward pass its views' gradients and
    # their concatenation are both alive (2 bf16 copies), with the last bf16 logits (512 x 256,000) still held.
    row = _row("lg-hub-gemma-2b-full-4gpu")
    config = accuracy.config(row)
    shape = replace(accuracy.shape(row), tied_embeddings=False)
    root = 2 * 256_000 * 2048 + 2048
    assert sharding.root_unit_params(shape, config) == root
    assert sharding.root_gradient_tail_bytes(shape, config, 2.0) == 2 * 2 * root + 2 * 512 * 256_000
    assert sharding.root_gathered_bytes(root, config, 2.0) == 2 * root


def test_the_root_unit_needs_sharded_weights_and_a_trained_root() -> None:
    row = _row("lg-hub-gemma-2b-full-4gpu")
    config, shape = accuracy.config(row), accuracy.shape(row)
    assert sharding.root_unit_params(shape, replace(config, gpus=1)) == 0.0
    assert sharding.root_unit_params(shape, replace(config, zero=2)) == 0.0
    assert sharding.root_unit_params(shape, replace(config, root_unit=False)) == 0.0
    lora = replace(config, finetune=memory.Finetune.LORA)
    assert sharding.root_gradient_tail_bytes(shape, lora, 2.0) == 0.0


@pytest.mark.parametrize(
    ("row_id", "published", "within"),
    [
        # LitGPT config_hub/finetune/README.md at 5895df10: 'stablelm-base-alpha-3b/full.yaml' 21.23 GB and
        # 'phi-2/full.yaml' 14.44 GB (both FSDP over 2 GPUs by their configs)
        ("lg-hub-stablelm-base-alpha-3b-full-2gpu", 21.23e9, 0.05),
        ("lg-hub-phi-2-full-2gpu", 14.44e9, 0.10),
    ],
)
def test_litgpt_fsdp_full_finetunes_with_the_root_unit(row_id: str, published: float, within: float) -> None:
    row = _row(row_id)
    assert row.measured_bytes == published
    assert accuracy.predicted_memory(row, fitted.ALLOCATOR_RESERVE) == pytest.approx(published, rel=within)
