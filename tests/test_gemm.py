"""The GEMM fraction of peak per precision: published torch.mm measurements, and what they do to a prediction."""

from __future__ import annotations

import statistics
from dataclasses import replace

import pytest

from flopcheck.answers import accuracy, gemm, throughput
from flopcheck.catalog import measurements
from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import Precision
from flopcheck.core.performance import step_time


def test_fp32_and_tf32_fractions_are_the_published_runs_over_the_catalog_peaks() -> None:
    # zzc0721/torch-performance-test-data database.md at commit 9d828276, torch.mm at the best square size:
    # RTX 3090 fp32 24.46, 24.84, 24.79 TFLOP/s (allow_tf32 False); RTX 3080 10GB fp32 21.07, tf32 32.03;
    # RTX 4090 tf32 85.65; A100 SXM4 80GB fp32 19.18; H100 80GB HBM3 fp32 51.88 and 52.11, tf32 402.15
    gpus = catalog.gpus()
    peak = {p: gpus.get("rtx-3090").peak_flop_per_s(p) for p in (Precision.FP32, Precision.TF32)}
    assert peak == {Precision.FP32: 35.6e12, Precision.TF32: 35.6e12}  # GA102: tf32 no faster than fp32 on GeForce
    assert gemm.matmul_efficiency(gpus.get("rtx-3090"), Precision.FP32) == pytest.approx(
        statistics.median([24.46, 24.84, 24.79]) / 35.6
    )
    assert gemm.matmul_efficiency(gpus.get("rtx-3080"), Precision.FP32) == pytest.approx(21.07 / 29.8)
    # its issues #130 and #145 and database.md's 16GB run: RTX 4060 Ti fp32 11.92, 15.62, 11.50
    assert gemm.matmul_efficiency(gpus.get("rtx-4060-ti-16gb"), Precision.FP32) == pytest.approx(
        statistics.median([11.92, 15.62, 11.50]) / 22
    )
    assert gemm.matmul_efficiency(gpus.get("rtx-3080"), Precision.TF32) == pytest.approx(32.03 / 29.8)
    assert gemm.matmul_efficiency(gpus.get("rtx-4090"), Precision.TF32) == pytest.approx(85.65 / 82.6)
    assert gemm.matmul_efficiency(gpus.get("a100-sxm-80gb"), Precision.FP32) == pytest.approx(19.18 / 19.5)
    assert gemm.matmul_efficiency(gpus.get("h100-sxm"), Precision.FP32) == pytest.approx((51.88 + 52.11) / 2 / 67)
    assert gemm.matmul_efficiency(gpus.get("h100-sxm"), Precision.TF32) == pytest.approx(402.15 / 494.7)


def test_16_and_8_bit_precisions_keep_the_bf16_fraction() -> None:
    # bf16 torch.mm at the best shape (mag-/gpu_benchmark, 93322b7f): RTX 3090 78.0 TFLOP/s over 71
    h100, rtx3090 = catalog.gpus().get("h100-sxm"), catalog.gpus().get("rtx-3090")
    for precision in (Precision.BF16, Precision.FP16):
        assert gemm.matmul_efficiency(rtx3090, precision) == pytest.approx(78.0 / 71)
    assert gemm.matmul_efficiency(h100, Precision.FP8) == gemm.matmul_efficiency(h100, Precision.BF16)
    # a chip without bf16 is measured in fp16 (zzc0721 database.md at 9d828276): T4 41.91, 42.71 and 41.93 TFLOP/s
    # over its 65 dense fp16 peak; V100-SXM2 94.84 over 125
    t4, v100 = catalog.gpus().get("t4"), catalog.gpus().get("v100-sxm2-32gb")
    assert gemm.matmul_efficiency(t4, Precision.FP16) == pytest.approx(41.93 / 65)
    assert gemm.matmul_efficiency(v100, Precision.FP16) == pytest.approx(94.84 / 125)


def test_an_unmeasured_gpu_takes_its_class_median_at_that_precision() -> None:
    gpus = catalog.gpus()
    for precision in (Precision.FP32, Precision.TF32):
        table = gemm.table(precision)
        assert all(gpus.get(k).peak_flop_per_s(precision) is not None for k in table)
        geforce = [v for k, v in table.items() if k in gemm.GEFORCE]
        others = [v for k, v in table.items() if k not in gemm.GEFORCE]
        assert all("GeForce" in gpus.get(k).name for k in table if k in gemm.GEFORCE)
        assert not any("GeForce" in gpus.get(k).name for k in table if k not in gemm.GEFORCE)
        assert "rtx-4070-ti" not in table and "a10" not in table
        assert gemm.matmul_efficiency(gpus.get("rtx-4070-ti"), precision) == pytest.approx(statistics.median(geforce))
        assert gemm.matmul_efficiency(gpus.get("a10"), precision) == pytest.approx(statistics.median(others))


def test_an_fp32_run_on_an_rtx_3090_is_slower_than_its_tf32_run_as_measured() -> None:
    # Giles Thomas, 'Writing an LLM from scratch' part 32h: GPT-2 small on one RTX 3090, plain fp32 12,599 tokens/s,
    # TF32 15,402. With bf16's fraction for both the model predicted the two alike (equal fp32 and tf32 peaks)
    rtx3090 = catalog.gpus().get("rtx-3090")
    rows = {r.id: r for r in measurements.throughput_measurements()}
    fp32 = rows["gilesthomas-gpt2small-163m-1x3090-fp32"]
    tf32 = rows["gilesthomas-gpt2small-163m-1x3090-tf32"]
    measured = 15402 / 12599
    now = accuracy.predicted_tokens_per_s(tf32, rtx3090) / accuracy.predicted_tokens_per_s(fp32, rtx3090)

    def with_bf16_fraction(row: measurements.ThroughputMeasurement) -> float:
        run, machine = accuracy.case(row, rtx3090)
        before = replace(machine, matmul_efficiency=gemm.matmul_efficiency(rtx3090, Precision.BF16))
        return step_time(run, before, throughput.efficiency(row.stack)).tokens_per_s

    before = with_bf16_fraction(tf32) / with_bf16_fraction(fp32)
    assert before == pytest.approx(1.0)
    assert now > 1.1 and abs(now - measured) < abs(before - measured)
    assert accuracy.predicted_tokens_per_s(fp32, rtx3090) < with_bf16_fraction(fp32)


def test_explain_names_the_precision_whose_gemm_figure_was_used() -> None:
    gpus = catalog.gpus()
    for gpu_id, precision, text in [
        ("rtx-3090", Precision.FP32, "published best matmul, fp32"),
        ("rtx-3090", Precision.TF32, "no tf32 measurement: the median of its class"),
        ("h100-sxm", Precision.FP8, "published best matmul, bf16"),
    ]:
        gpu = gpus.get(gpu_id)
        machine = throughput.machine(gpu, precision, None)
        words = throughput.basis(gpu, machine, "hf", precision)
        assert text in words and f"GEMMs at {machine.matmul_efficiency:.0%} of peak" in words
