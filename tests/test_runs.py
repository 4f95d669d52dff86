"""Published runs and calibration: implied MFU by hand, predictions, round trips, and the runs catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from flopcheck import catalog, runs_plan
from flopcheck.model_ref import ModelRef
from flopcheck.specs import Precision
from tests.conftest import RunCli

SYNTHETIC = """\
runs:
  - id: synthetic
    name: A run made up for the test
    params: 1000000000
    tokens: 20000000000
    gpu: a100-sxm-80gb
    gpu_count: 8
    wall_time_days: 2.5
    precision: bf16
    source: https://example.com/run
    where: nowhere
"""


def test_implied_mfu_by_hand() -> None:
    # 6 × 1e9 × 20e9 = 1.2e20 FLOP over 8 × 2.5 days = 480 GPU-hours at 312 TFLOP/s:
    # 1.2e20 / (480 × 3600 × 312e12) = 0.2226
    assert runs_plan.implied_mfu(1.2e20, 480, 312e12) == pytest.approx(1.2e20 / (480 * 3600 * 312e12))
    assert runs_plan.implied_mfu(1.2e20, 480, 312e12) == pytest.approx(0.2226, abs=1e-4)


def test_a_run_from_a_user_catalog(cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "runs.yaml"
    path.write_text(SYNTHETIC, encoding="utf-8")
    data = cli("runs", "--catalog", str(path), "--json").json()
    run = next(r for r in data["runs"] if r["id"] == "synthetic")
    assert run["gpu_hours"] == pytest.approx(480)
    assert run["gpu_hours_basis"] == "accelerators × reported wall-clock time"
    assert run["implied_mfu"] == pytest.approx(0.2226, abs=1e-4)
    assert run["predicted_gpu_hours"] == pytest.approx(1.2e20 / (312e12 * 0.4) / 3600)
    assert run["error"] == pytest.approx(run["predicted_gpu_hours"] / 480 - 1)
    # --mfu-from uses that MFU for a plan
    fits = cli(
        "fits",
        "1B",
        "--tokens",
        "20B",
        "--gpu",
        "a100",
        "--count",
        "8",
        "--mfu-from",
        "synthetic",
        "--catalog",
        str(path),
        "--json",
    ).json()
    assert fits["assumptions"]["mfu"] == pytest.approx(run["implied_mfu"])
    assert fits["compute"]["time_s"] == pytest.approx(2.5 * 86400)


def test_calibration_round_trips() -> None:
    # calibrate -> fits with that MFU reproduces the measured throughput
    model = ModelRef.from_spec(catalog.models().get("gpt2"))
    gpu = catalog.gpus().get("rtx4090")
    result = runs_plan.calibrate(model, gpu, 1, Precision.BF16, 150_000)
    assert result.achieved_flop_per_s == pytest.approx(6 * 124_439_808 * 150_000)
    assert result.mfu == pytest.approx(result.achieved_flop_per_s / 165.2e12)


def test_calibrate_and_project_on_the_command_line(cli: RunCli) -> None:
    data = cli(
        "calibrate", "gpt2", "--gpu", "rtx4090", "--step-time", "3.2", "--batch-tokens", "524288", "--json"
    ).json()
    assert data["tokens_per_second"] == pytest.approx(524288 / 3.2)
    assert data["mfu"] == pytest.approx(6 * 124_439_808 * 524288 / 3.2 / 165.2e12)
    projected = cli("fits", "gpt2", "--gpu", "rtx4090", "--tokens-per-second", str(524288 / 3.2), "--json").json()
    assert projected["compute"]["time_s"] == pytest.approx(1e10 / (524288 / 3.2))
    assert projected["assumptions"]["mfu"] == pytest.approx(data["mfu"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["calibrate", "gpt2", "--gpu", "t4"], "give --tokens-per-second T, or --step-time S"),
        (["calibrate", "gpt2", "--tokens-per-second", "1000"], "give --gpu"),
        (["calibrate", "gpt2", "--gpu", "t4", "--tokens-per-second", "1", "--step-time", "1"], "not both"),
        (["fits", "gpt2", "--gpu", "t4", "--tokens-per-second", "1e12"], "check the measurement"),
        (["fits", "gpt2", "--gpu", "t4", "--tokens-per-second", "1000", "--mfu", "0.3"], "only one"),
        (["fits", "gpt2", "--gpu", "t4", "--mfu", "0.3", "--mfu-from", "x"], "give --mfu or --mfu-from"),
        (["fits", "gpt2", "--gpu", "t4", "--mfu-from", "no-such-run"], "unknown run 'no-such-run'"),
        (["runs", "--mfu", "2"], "--mfu must be at most 1"),
    ],
)
def test_bad_runs_input(cli: RunCli, args: list[str], message: str) -> None:
    run = cli(*args)
    assert run.code == 2
    assert message in run.err
