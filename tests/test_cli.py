"""The command line: exit statuses, the JSON contract, stdout/stderr separation, plain output."""

from __future__ import annotations

import json

import pytest

from flopcheck.core.units import format_bytes, format_energy
from tests.conftest import RunCli

FITS_KEYS = [
    "fits",
    "model.id",
    "model.params",
    "model.tokens",
    "gpu.id",
    "gpu.count",
    "gpu.precision",
    "gpu.peak_flop_per_s",
    "gpu.memory_bytes",
    "assumptions.mfu",
    "assumptions.uptime",
    "assumptions.duration_s",
    "compute.required_flop",
    "compute.available_flop",
    "compute.ratio",
    "compute.time_s",
    "compute.fits",
    "memory.required_bytes",
    "memory.available_bytes",
    "memory.fits",
]


def dig(data: dict[str, object], dotted: str) -> object:
    value: object = data
    for part in dotted.split("."):
        assert isinstance(value, dict), dotted
        assert part in value, dotted
        value = value[part]
    return value


# ----------------------------------------------------------------------------- fits


def test_fits_gpt2_xl_on_4070_ti_says_no_with_exit_1(cli: RunCli) -> None:
    run = cli("fits", "gpt2-xl", "--gpu", "rtx4070ti", "--json")
    assert run.code == 1, run.err
    assert run.err == ""
    data = run.json()
    for key in FITS_KEYS:
        dig(data, key)
    assert data["fits"] is False
    assert data["compute"]["fits"] is True  # ~11× the compute in a year...
    assert data["memory"]["fits"] is False  # ...but not the memory
    assert data["model"]["id"] == "gpt2-xl"
    assert data["model"]["params"] == 1_557_611_200
    assert data["model"]["tokens"] == 10_000_000_000
    assert data["gpu"]["id"] == "rtx-4070-ti"
    assert data["gpu"]["precision"] == "bf16"
    assert data["gpu"]["memory_bytes"] == 12_000_000_000
    assert data["assumptions"]["duration_s"] == 31_557_600
    assert data["compute"]["mfu_source"] == "predicted"
    assert data["assumptions"]["mfu"] == data["compute"]["mfu"]
    assert data["compute"]["mfu_low"] <= data["compute"]["mfu"] <= data["compute"]["mfu_high"]
    assert data["compute"]["required_flop"] == pytest.approx(6 * 1_557_611_200 * 1e10)
    assert data["compute"]["ratio"] == pytest.approx(
        data["compute"]["available_flop"] / data["compute"]["required_flop"]
    )


def test_fits_gpt2_small_says_yes_with_exit_0(cli: RunCli) -> None:
    run = cli("fits", "gpt2", "--gpu", "rtx-4070-ti", "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert data["fits"] is True
    assert data["memory"]["required_bytes"] < data["memory"]["available_bytes"]


def test_fits_compute_short_says_no(cli: RunCli) -> None:
    run = cli("fits", "gpt3-175b", "--gpu", "rtx4070ti", "--json")
    assert run.code == 1
    data = run.json()
    assert data["compute"]["fits"] is False
    assert data["compute"]["time_s"] > data["assumptions"]["duration_s"]


def test_fits_table_prints_verdict_and_assumptions(cli: RunCli) -> None:
    run = cli("fits", "gpt2-xl", "--gpu", "rtx4070ti", "--explain")
    assert run.code == 1
    for text in ("Verdict: No", "% predicted (likely", "365.25 days", "bf16", "AdamW", "micro-batch 1", "Not modelled"):
        assert text in run.out
    assert run.err == ""
    assert cli("fits", "gpt2-xl", "--gpu", "rtx4070ti", "-v").out == run.out


def test_fits_is_compact_by_default(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    """About 25 lines at 80 columns: verdict, compute, memory against capacity, the top ways to fit with their
    flags, cost, one line of key assumptions; sources and what is not modelled only with --explain."""
    monkeypatch.setenv("COLUMNS", "80")
    run = cli("fits", "gpt2-xl", "--gpu", "rtx4070ti")
    lines = run.out.splitlines()
    assert len(lines) <= 30, run.out
    data = cli("fits", "gpt2-xl", "--gpu", "rtx4070ti", "--json").json()
    needed, capacity = (format_bytes(data["memory"][k]) for k in ("required_bytes", "available_bytes"))
    first_way = data["memory"]["strategies"][0]["flags"]
    energy = format_energy(data["cost"]["energy_kwh"])
    for text in ("Verdict: No", needed, capacity, "Cost:", energy, "Assumes:", "MFU", "--explain"):
        assert text in run.out, text
    assert all(flag in run.out for flag in first_way)  # the exact options of the best way to fit
    assert "Not modelled" not in run.out and "Kaplan" not in run.out


def test_fits_bare_parameter_count(cli: RunCli) -> None:
    run = cli(
        "fits",
        "1.5B",
        "--gpu",
        "rtx4070ti",
        "--tokens",
        "10B",
        "--precision",
        "fp32",
        "--mfu",
        "90%",
        "--json",
    )
    data = run.json()
    assert data["compute"]["required_flop"] == pytest.approx(9e19)
    assert data["compute"]["ratio"] == pytest.approx(12.65, abs=0.01)
    # A bare count gets the shape optimal assumes for its size, and says so: activations are counted.
    assert data["memory"]["breakdown"]["activations_bytes"] > 0
    assert data["memory"]["assumptions"]["seq_len"] == 2048
    assert "shape assumed: 20 layers, d_model 2,560" in data["model"]["shape_note"]
    table = cli("fits", "1.5B", "--gpu", "rtx4070ti", "--tokens", "10B")
    assert "shape assumed" in table.out


def test_tokens_per_param_and_default_rule(cli: RunCli) -> None:
    data = cli("fits", "gpt2", "--gpu", "h100", "--tokens-per-param", "20", "--json").json()
    assert data["model"]["tokens"] == 20 * 124_439_808
    # Mistral 7B's training tokens are unpublished: the default is 20 per parameter, and it says so.
    data = cli("flops", "mistral-7b", "--json").json()
    assert data["model"]["tokens"] == 20 * 7_241_732_096
    assert "20 per parameter" in data["model"]["tokens_source"]


def test_time_window_and_count(cli: RunCli) -> None:
    year = cli("budget", "--gpu", "h100", "--json").json()
    days = cli("budget", "--gpu", "h100", "--days", "365.25", "--json").json()
    hours = cli("budget", "--gpu", "h100", "--hours", "8766", "--count", "8", "--json").json()
    assert days["available_flop"] == pytest.approx(year["available_flop"])
    assert hours["available_flop"] == pytest.approx(8 * year["available_flop"])
    assert hours["gpu"]["count"] == 8


# ----------------------------------------------------------------------------- budget, flops, catalogs


def test_budget_seed_figure(cli: RunCli) -> None:
    run = cli("budget", "--gpu", "rtx4070ti", "--precision", "fp32", "--mfu", "0.9", "--years", "1")
    assert run.code == 0
    assert "1.14e21" in run.out
    data = cli("budget", "--gpu", "rtx4070ti", "--precision", "fp32", "--mfu", "0.9", "--json").json()
    assert data["available_flop"] == pytest.approx(1.14e21, abs=0.005e21)
    assert data["gpu"]["precision"] == "fp32"
    assert data["assumptions"]["year_s"] == 31_557_600
    assert data["gpu_hours"] == pytest.approx(8766)


def test_flops_json(cli: RunCli) -> None:
    data = cli("flops", "gpt3-175b", "--json").json()
    assert data["train_flop"] == pytest.approx(3.14e23, rel=0.005)  # GPT-3 Table D.1
    assert data["model"]["params"] == 174_600_000_000
    assert data["model"]["tokens"] == 300_000_000_000


def test_gpus_and_models_lists(cli: RunCli) -> None:
    gpus = cli("gpus", "--json").json()
    models = cli("models", "--json").json()
    assert len(gpus) >= 25 and len(models) >= 30
    assert all("sources" in entry and "id" in entry for entry in [*gpus, *models])
    assert {g["id"] for g in gpus} >= {"rtx-4070-ti", "h100-sxm"}
    table = cli("gpus")
    assert table.code == 0 and "rtx-4070-ti" in table.out


def test_single_entries(cli: RunCli) -> None:
    (gpu,) = cli("gpus", "4070ti", "--json").json()
    assert gpu["id"] == "rtx-4070-ti" and gpu["memory_bytes"] == 12_000_000_000
    run = cli("models", "llama2-7b")
    assert run.code == 0 and "6738415616" in run.out and "arxiv.org" in run.out


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fits", "gpt2-xxl", "--gpu", "rtx4070ti"], "unknown model 'gpt2-xxl'; did you mean gpt2-xl"),
        (["fits", "gpt2", "--gpu", "rtx4070"], "unknown gpu 'rtx4070'; did you mean rtx-4070-ti"),
        (["fits", "gpt2", "--gpu", "h100", "--stack", "neox"], "did you mean 'gpt-neox'?"),
        (["fits", "gpt2", "--gpu", "h100", "--recompute", "ful"], "did you mean 'full'?"),
        (["fits", "gpt2", "--gpu", "h100", "--tokens", "10X"], "cannot read --tokens '10X'"),
        (["fits", "gpt2", "--gpu", "h100", "--tokens", "0"], "--tokens must be greater than zero"),
        (["fits", "gpt2", "--gpu", "h100", "--tokens", "-1B"], "--tokens must be greater than zero"),
        (["fits", "gpt2", "--gpu", "h100", "--tokens", "nan"], "--tokens must be a finite number"),
        (["fits", "gpt2", "--gpu", "h100", "--tokens", "inf"], "--tokens must be a finite number"),
        (["fits", "gpt2", "--gpu", "h100", "--mfu", "1.5"], "--mfu must be at most 1"),
        (["fits", "gpt2", "--gpu", "h100", "--mfu", "0"], "--mfu must be greater than zero"),
        (["fits", "gpt2", "--gpu", "h100", "--uptime", "120%"], "--uptime must be at most 1"),
        (["fits", "gpt2", "--gpu", "h100", "--days", "-3"], "time window must be greater than zero"),
        (
            ["fits", "gpt2", "--gpu", "h100", "--days", "3", "--hours", "2"],
            "only one of --years, --days, --hours",
        ),
        (["fits", "gpt2", "--gpu", "v100", "--precision", "bf16"], "no published bf16 peak"),
        (["fits", "gpt2", "--gpu", "tpu-v4", "--precision", "fp32"], "no published fp32 peak"),
        (["fits", "1.5B", "--gpu", "h100"], "needs --tokens or --tokens-per-param"),
        (["fits", "gpt2", "--gpu", "h100", "--tokens", "1B", "--tokens-per-param", "20"], "give one of --tokens"),
        (["fits", "gpt2", "--gpu", "h100", "--count", "0"], "--count"),
        (["fits", "gpt2", "--gpu", "h100", "--count", "two"], "--count"),
        (["fits", "gpt2", "--gpu", "h100", "--precision", "fp64"], "--precision"),
        (["fits", "gpt2", "--gpux", "h100"], "No such option: --gpux"),
        (["fits", "gpt2"], "--gpu"),
        (["fits"], "Missing argument"),
        (["frobnicate"], "No such command"),
        (["budget", "--gpu", ""], "unknown gpu ''"),
        (["budget", "--gpu", "h100", "--years", "1e302"], "time window must be between 3.17e-08 and 1e+04 years"),
        (["flops", "0.4", "--tokens", "1B"], "a parameter count must be between 1 and 1e+15"),
        (["flops", "gpt2", "--tokens", "0.4"], "--tokens must be between 1 and 1e+16 tokens"),
        (["flops", "gpt2", "--tokens-per-param", "1e305"], "--tokens-per-param must be between 1e-06 and 1e+08"),
        (["budget", "--gpu", "h100", "--years", "1e300", "--count", "1000000"], "time window must be between"),
        (["fits", "gpt2", "--gpu", "h100", "--tokens", "1e300"], "--tokens must be between 1 and 1e+16 tokens"),
        (["flops", "1e300", "--tokens", "1e300"], "a parameter count must be between 1 and 1e+15"),
        (["fits", "gpt2", "--gpu", "h100", "--count", "1" + "0" * 400], "--count"),
        (["fits", "gpt2", "--gpu", "h100", "--seq-len", "1" + "0" * 400], "--seq-len"),
        (["fits", "gpt2", "--gpu", "h100", "--micro-batch", "-1"], "--micro-batch"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(cli: RunCli, args: list[str], message: str) -> None:
    run = cli(*args)
    assert run.code == 2
    assert run.out == ""
    assert run.err.count("\n") == 1, run.err
    assert run.err.startswith("flopcheck: error: ")
    assert message in run.err
    assert "Traceback" not in run.err


def test_debug_shows_the_traceback(cli: RunCli) -> None:
    for args in (["--debug", "fits", "gpt2", "--gpu", "nope"], ["fits", "gpt2", "--gpu", "nope", "--debug"]):
        run = cli(*args)
        assert run.code == 2
        assert "Traceback" in run.err and "NotFoundError" in run.err
        assert run.err.splitlines()[-1].startswith("flopcheck: error: unknown gpu 'nope'")


# ----------------------------------------------------------------------------- terminal manners


def test_every_command_prints_one_json_document(cli: RunCli) -> None:
    for args in (
        ["fits", "gpt2", "--gpu", "h100"],
        ["budget", "--gpu", "h100"],
        ["flops", "gpt2"],
        ["memory", "gpt2-xl", "--gpu", "rtx4070ti", "--zero", "2", "--offload", "optimizer", "--recompute", "full"],
        ["memory", "gpt2"],
        ["optimal", "--gpu", "h100", "--count", "8"],
        ["optimal", "--flop", "1e24"],
        ["gpus"],
        ["gpus", "h100"],
        ["models"],
        ["models", "gpt2"],
    ):
        run = cli(*args, "--json")
        assert run.code == 0, (args, run.err)
        json.loads(run.out)  # exactly one document: trailing data would raise
        assert run.err == ""


@pytest.mark.parametrize(
    "args",
    [
        ["fits", "gpt2-xl", "--gpu", "rtx4070ti"],
        ["gpus"],
        ["models", "gpt2"],
        ["budget", "--gpu", "t4"],
        ["memory", "gpt2-xl", "--gpu", "t4"],
    ],
)
def test_no_ansi_codes_when_piped(cli: RunCli, args: list[str]) -> None:
    assert "\x1b[" not in cli(*args).out


def test_colour_only_when_forced_and_never_with_no_color(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in cli("fits", "gpt2-xl", "--gpu", "rtx4070ti").out  # a terminal gets styles
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("fits", "gpt2-xl", "--gpu", "rtx4070ti").out


def test_version(cli: RunCli) -> None:
    from flopcheck import __version__

    run = cli("--version")
    assert run.code == 0 and run.out == f"flopcheck {__version__}\n"


def test_help(cli: RunCli) -> None:
    run = cli("fits", "--help")
    assert run.code == 0 and "--gpu" in run.out


def test_closed_pipe_is_quiet(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # `flopcheck gpus --json | head -1`: the reader leaves early. A closed pipe is not an error: no traceback,
    # nothing on stderr, status 0.
    import io
    import sys

    from flopcheck.cli import main

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["gpus", "--json"]) == 0
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- memory


MEMORY_KEYS = [
    "required_bytes",
    "available_bytes",
    "fits",
    "host_bytes",
    "breakdown.weights_bytes",
    "breakdown.gradients_bytes",
    "breakdown.optimizer_bytes",
    "breakdown.activations_bytes",
    "breakdown.master_weights_bytes",
    "breakdown.optimizer_states_bytes",
    "breakdown.output_bytes",
    "breakdown.overhead_bytes",
    "assumptions.optimizer",
    "assumptions.training_precision",
    "assumptions.micro_batch",
    "assumptions.seq_len",
    "assumptions.recompute",
    "assumptions.zero_stage",
    "assumptions.offload",
    "assumptions.finetune",
    "max_micro_batch",
    "min_gpus_zero3",
    "strategies",
    "model.id",
    "gpu.id",
]


def test_memory_command_json_and_exit_status(cli: RunCli) -> None:
    run = cli("memory", "gpt2-xl", "--gpu", "rtx4070ti", "--json")
    assert run.code == 1, run.err
    data = run.json()
    for key in MEMORY_KEYS:
        dig(data, key)
    assert data["fits"] is False
    # usable memory: the card's 12 GB less the CUDA context (~0.4 GB, pytorch/pytorch#109888)
    assert data["device_bytes"] == 12_000_000_000
    assert data["available_bytes"] == 12_000_000_000 - 400_000_000
    assert data["breakdown"]["weights_bytes"] == 2 * 1_557_611_200
    assert data["breakdown"]["optimizer_states_bytes"] == {
        "exp_avg": 4 * 1_557_611_200,
        "exp_avg_sq": 4 * 1_557_611_200,
    }
    assert data["strategies"], "ways to fit are listed when it does not fit"


def test_memory_without_gpu_has_no_verdict(cli: RunCli) -> None:
    run = cli("memory", "llama-2-7b", "--json")
    assert run.code == 0
    data = run.json()
    assert data["available_bytes"] is None and data["fits"] is None and data["gpu"] is None
    assert data["required_bytes"] > 16 * 6_738_415_616


def test_memory_recipe_that_fits(cli: RunCli) -> None:
    args = (
        "memory",
        "gpt2-xl",
        "--gpu",
        "rtx4070ti",
        "--zero",
        "2",
        "--offload",
        "optimizer",
        "--recompute",
        "selective",
    )
    run = cli(*args, "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert data["fits"] is True
    assert data["host_bytes"] == 14 * 1_557_611_200
    assert cli(*args).code == 0


def test_fits_lists_ways_to_fit(cli: RunCli) -> None:
    data = cli("fits", "gpt2-xl", "--gpu", "rtx4070ti", "--json").json()
    ways = data["memory"]["strategies"]
    assert ways
    for way in ways:
        assert set(way) >= {"name", "required_bytes", "fits", "slowdown"}
        assert way["fits"] is True and way["required_bytes"] <= data["memory"]["available_bytes"]
        assert way["slowdown"] > 0 and way["flags"]
        if way["name"] == "full recomputation":
            assert way["slowdown"] > 1.0  # recomputing the forward pass costs time
    assert data["memory"]["min_gpus_zero3"] >= 2
    assert data["memory"]["max_micro_batch"] == 0


def test_full_recomputation_costs_8nd(cli: RunCli) -> None:
    plain = cli("fits", "gpt2", "--gpu", "rtx4070ti", "--mfu", "0.4", "--json").json()["compute"]
    full = cli("fits", "gpt2", "--gpu", "rtx4070ti", "--mfu", "0.4", "--recompute", "full", "--json").json()["compute"]
    assert full["model_flop"] == pytest.approx(6 * 124_439_808 * 1e10)
    assert full["required_flop"] == pytest.approx(8 * 124_439_808 * 1e10)
    assert full["time_s"] == pytest.approx(plain["time_s"] * 4 / 3)


def test_bare_count_with_shape_models_activations(cli: RunCli) -> None:
    shape = "memory 7.5B --layers 32 --hidden 4096 --heads 32 --seq-len 2048 --no-compile".split()
    data = cli(*shape, "--json").json()
    # Korthikanti et al. 2022's s·b·h·(34 + 5as/h) without dropout (no masks: 32) and with a fused attention
    # kernel, which keeps a float32 log-sum-exp per head and token instead of the s×s scores.
    s, h, a = 2048, 4096, 32
    assert data["breakdown"]["activations_bytes"] == 32 * (32 * s * h + 4 * a * s)
    scores = cli(*shape, "--attention", "eager", "--json")
    assert scores.json()["breakdown"]["activations_bytes"] == 32 * (32 * s * h + 2 * a * s * s)
    assert data["breakdown"]["output_bytes"] is None  # no --vocab


def test_optimizer_offload_alone_implies_zero_offload(cli: RunCli) -> None:
    # ZeRO-Offload (Ren et al. 2021) builds on ZeRO-2: --offload optimizer alone selects it.
    data = cli("memory", "gpt2", "--offload", "optimizer", "--json").json()
    assert data["assumptions"]["zero_stage"] == 2 and data["assumptions"]["offload"] == "optimizer"


def test_zero_3_on_one_gpu_is_allowed_and_says_so(cli: RunCli) -> None:
    run = cli("memory", "gpt2", "--zero", "3", "--json")
    assert run.code == 0
    assert any("shards nothing" in note for note in run.json()["notes"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["memory", "llama-2-7b", "--finetune", "qlora", "--precision", "fp32"], "QLoRA"),
        (["memory", "gpt2", "--offload", "optimizer", "--zero", "1"], "needs ZeRO stage 2"),
        (["memory", "gpt2", "--offload", "all", "--zero", "2"], "--offload all needs ZeRO stage 3"),
        (["memory", "gpt2", "--lora-rank", "16"], "go with --finetune lora or qlora"),
        (["memory", "gpt2", "--layers", "12"], "are for a parameter count"),
        (["memory", "7B", "--layers", "12"], "--layers, --hidden and --heads together"),
        (["memory", "7B", "--layers", "2", "--hidden", "100", "--heads", "3"], "not a multiple"),
        (["memory", "gpt2", "--micro-batch", "-1"], "--micro-batch"),
        (["memory", "gpt2", "--micro-batch", "0"], "--micro-batch"),
        (["memory", "gpt2", "--zero", "4"], "--zero"),
        (["memory", "gpt2", "--optimizer", "adam9"], "--optimizer"),
        (["memory", "gpt2", "--overhead", "-1GB"], "--overhead must be zero or more"),
        (["memory", "gpt2", "--no-master-weights", "--precision", "fp32"], "--no-master-weights"),
        (["fits", "gpt2", "--gpu", "h100", "--finetune", "qlora", "--precision", "tf32"], "QLoRA"),
    ],
)
def test_invalid_memory_combinations(cli: RunCli, args: list[str], message: str) -> None:
    run = cli(*args)
    assert run.code == 2, run.out
    assert message in run.err
    assert run.err.count("\n") == 1


# ----------------------------------------------------------------------------- optimal


def test_optimal_json_with_a_flop_budget(cli: RunCli) -> None:
    run = cli("optimal", "--flop", "5.76e23", "--json")
    assert run.code == 0, run.err
    data = run.json()
    for key in ("budget_flop", "params", "tokens", "loss", "law", "alternatives", "nearest_models"):
        dig(data, key)
    assert data["law"] == "chinchilla"
    assert data["budget_flop"] == 5.76e23
    assert data["params"] == pytest.approx(69.3e9, rel=0.01)  # sqrt(5.76e23 / 120)
    laws = {alt["law"]: alt for alt in data["alternatives"]}
    assert set(laws) == {"hoffmann-fit", "epoch"}
    assert laws["hoffmann-fit"]["params"] == pytest.approx(40e9, rel=0.03)
    assert all({"law", "params", "tokens", "loss"} <= set(alt) for alt in data["alternatives"])
    assert data["feasible"] is None


def test_optimal_with_a_gpu_has_a_feasible_optimum(cli: RunCli) -> None:
    data = cli("optimal", "--gpu", "rtx4070ti", "--json").json()
    for key in ("feasible.params", "feasible.tokens", "feasible.loss", "feasible.max_params"):
        dig(data, key)
    feasible = data["feasible"]
    assert feasible["params"] <= data["params"]
    # a 12 GB card cannot train a billion parameters with plain mixed-precision AdamW ...
    assert feasible["max_params_as_given"] < 1e9
    # ... but can with the ways to fit that fits lists, and the two commands agree on it
    assert feasible["max_params"] > 1.56e9
    # the compute-optimal 2.9B fits only with a way to fit, which the answer names with its options
    assert feasible["limited_by_memory"] is False
    assert feasible["way"] is not None and feasible["flags"].startswith("--")
    # the budget is what the card delivers at the MFU fits predicts for the compute-optimal model
    assert data["budget_flop"] == pytest.approx(80.2e12 * data["assumptions"]["mfu"] * 31_557_600)
    assert "predicted" in data["budget_source"]
    given = cli("optimal", "--gpu", "rtx4070ti", "--mfu", "0.4", "--json").json()
    assert given["budget_flop"] == pytest.approx(80.2e12 * 0.4 * 31_557_600)
    fits = cli("fits", "gpt2-xl", "--gpu", "rtx4070ti", "--json").json()
    assert fits["memory"]["strategies"]  # gpt2-xl (1.56B) fits only through a way to fit: both say so


def test_optimal_and_fits_count_the_same_hardware_flops(cli: RunCli) -> None:
    """With full recomputation a run costs 8·N·D for 6·N·D (Narayanan et al. 2021): optimal's best run must
    be one that fits says takes the whole window, not 4/3 of it."""
    flags = ["--gpu", "rtx4070ti", "--zero", "2", "--offload", "optimizer", "--recompute", "full", "--mfu", "40%"]
    best = cli("optimal", *flags, "--json").json()
    assert best["recompute_factor"] == pytest.approx(4 / 3)
    n, d = best["params"], best["tokens"]
    assert 6 * n * d == pytest.approx(best["budget_flop"] * 3 / 4, rel=1e-3)
    fits = cli("fits", f"{n}", "--tokens", f"{d}", *flags, "--json").json()
    assert fits["compute"]["time_s"] == pytest.approx(fits["assumptions"]["duration_s"], rel=1e-3)
    assert "MFU 40%" in best["budget_source"]


def test_optimal_laws(cli: RunCli) -> None:
    data = cli("optimal", "--flop", "1e21", "--law", "tokens-per-param", "--ratio", "100", "--json").json()
    assert data["tokens_per_param"] == pytest.approx(100)
    assert cli("optimal", "--flop", "1e21", "--law", "epoch", "--json").json()["loss_law"] == "epoch"


def test_fits_optimal_section(cli: RunCli) -> None:
    data = cli("fits", "gpt2-xl", "--gpu", "rtx4070ti", "--json").json()["optimal"]
    for key in ("tokens", "required_flop", "fits", "loss", "loss_at_tokens"):
        assert key in data
    assert data["tokens"] == 20 * 1_557_611_200
    assert data["fits"] is True
    assert data["loss_at_tokens"] > data["loss"]  # 10B tokens is under-trained
    assert data["tokens_ratio"] == pytest.approx(10e9 / (20 * 1_557_611_200))
    chinchilla = cli("fits", "gpt2-xl", "--gpu", "rtx4070ti", "--chinchilla", "--json").json()
    assert chinchilla["model"]["tokens"] == 20 * 1_557_611_200
    assert chinchilla["optimal"]["tokens_ratio"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["optimal"], "give a budget"),
        (["optimal", "--flop", "nan"], "--flop must be a finite number"),
        (["optimal", "--flop", "1"], "--flop must be between 1e+03 and 1e+40 FLOP"),
        (["optimal", "--flop", "1e21", "--ratio", "30", "--law", "epoch"], "--ratio sets the tokens per parameter"),
        (["optimal", "--flop", "1e21", "--law", "kaplan"], "--law"),
        (["fits", "gpt2", "--gpu", "h100", "--chinchilla", "--tokens", "1B"], "give one of"),
    ],
)
def test_invalid_optimal_input(cli: RunCli, args: list[str], message: str) -> None:
    run = cli(*args)
    assert run.code == 2, run.out
    assert message in run.err


# ----------------------------------------------------------------------------- FLOP formulas


def test_flop_formulas_on_the_command_line(cli: RunCli) -> None:
    n, d = 174_600_000_000, 300_000_000_000
    palm = cli("flops", "gpt3-175b", "--flop-formula", "palm", "--json").json()
    assert palm["train_flop"] == pytest.approx((6 * n + 12 * 96 * 12288 * 2048) * d)
    assert "PaLM" in palm["flop_formula"]
    kaplan = cli("flops", "gpt3-175b", "--flop-formula", "kaplan", "--causal", "--json").json()
    assert kaplan["train_flop"] == pytest.approx((6 * n + 0.5 * 6 * 96 * 2048 * 12288) * d)
    fits = cli("fits", "gpt2", "--gpu", "h100", "--flop-formula", "palm", "--json").json()
    assert fits["compute"]["model_flop"] > 6 * 124_439_808 * 1e10
    assert "PaLM" in fits["assumptions"]["flop_formula"]


def test_mixture_of_experts_trains_on_active_parameters(cli: RunCli) -> None:
    data = cli("flops", "mixtral-8x7b", "--tokens", "1T", "--json").json()
    assert data["model"]["params"] == 46_702_792_704
    assert data["model"]["active_params"] == 12_900_000_000
    assert data["train_flop"] == pytest.approx(6 * 12.9e9 * 1e12)


def test_ratio_alone_means_the_tokens_per_param_law(cli: RunCli) -> None:
    data = cli("optimal", "--flop", "1e21", "--ratio", "30", "--json").json()
    assert data["law"] == "tokens-per-param"
    assert data["tokens_per_param"] == pytest.approx(30)


def test_attention_formulas_use_the_stated_shape_of_a_parameter_count(cli: RunCli) -> None:
    run = cli("flops", "7B", "--tokens", "1T", "--flop-formula", "palm", "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert data["train_flop"] > 6 * 7e9 * 1e12
    assert "shape assumed" in data["model"]["shape_note"]


# ----------------------------------------------------------------------------- ad-hoc hardware


def test_hardware_described_on_the_command_line(cli: RunCli) -> None:
    # The seed's card, described by hand: 40.09 TFLOP/s FP32 for a year at 90 % -> 1.14e21 FLOP.
    data = cli("budget", "--gpu-flops", "40.09T", "--precision", "fp32", "--mfu", "0.9", "--json").json()
    assert data["available_flop"] == pytest.approx(1.14e21, abs=0.005e21)
    assert data["gpu"]["id"] == "custom" and data["gpu"]["memory_bytes"] is None
    fits = cli("fits", "gpt2-xl", "--gpu-flops", "40T", "--gpu-memory", "12GB", "--json")
    assert fits.code == 1
    assert fits.json()["memory"]["device_bytes"] == 12_000_000_000
    memory = cli("memory", "gpt2", "--gpu-memory", "24GiB", "--json").json()
    assert memory["device_bytes"] == 24 * 2**30 and memory["fits"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fits", "gpt2", "--gpu-flops", "40T"], "--gpu-memory is needed"),
        (["fits", "gpt2", "--gpu-memory", "12GB"], "--gpu-flops is needed"),
        (["budget", "--gpu-flops", "88"], "did you mean 88T FLOP/s?"),
        (["fits", "gpt2", "--gpu-flops", "88T", "--gpu-memory", "16"], "did you mean 16GB?"),
        (["fits", "1,5B", "--gpu", "h100"], "write decimals with a point (1.5B)"),
        (["fits", "gpt2", "--gpu", "h100", "--mfu", "40"], "did you mean 40%?"),
        (["budget"], "give --gpu GPU"),
        (["budget", "--gpu-flops", "-1T"], "--gpu-flops must be greater than zero"),
        (["memory", "gpt2", "--gpu-memory", "lots"], "cannot read --gpu-memory"),
    ],
)
def test_bad_hardware_descriptions(cli: RunCli, args: list[str], message: str) -> None:
    run = cli(*args)
    assert run.code == 2
    assert message in run.err


def test_every_command_is_routed_to_its_module() -> None:
    import typer

    from flopcheck.cli.application import COMMAND_MODULES, app, load_commands

    load_commands([])  # all of them
    names = {info.name or (info.callback.__name__ if info.callback else "") for info in app.registered_commands}
    assert names == set(COMMAND_MODULES)
    assert isinstance(typer.main.get_command(app), typer.core.TyperGroup)
