"""Cost, energy, CO2, CI gates, compare, matrix and the CSV/Markdown formats."""

from __future__ import annotations

import csv
import io
import re

import pytest

from flopcheck.core import economics, goodput
from flopcheck.render.flat import GPU_COLUMNS, MODEL_COLUMNS
from tests.conftest import RunCli


def test_cost_and_energy_arithmetic_by_hand() -> None:
    # 100 GPU-hours at $2/GPU-hour = $200; at 700 W and PUE 1.2: 100 × 0.7 kW × 1.2 = 84 kWh;
    # 84 kWh × $0.16 = $13.44; 84 kWh × 0.48 kg/kWh = 40.32 kg CO2.
    assert economics.cost_usd(100, 2.0) == pytest.approx(200)
    assert economics.energy_kwh(100, 700, 1.2) == pytest.approx(84)
    assert economics.electricity_usd(84, 0.16) == pytest.approx(13.44)
    assert economics.co2_kg(84, 0.48) == pytest.approx(40.32)


def test_defaults_are_sourced() -> None:
    # Ember, Global Electricity Review 2024: 480 g CO2/kWh in 2023; EIA: 16 cents/kWh US residential in 2023.
    assert economics.GRID_INTENSITY.value == 0.48
    assert economics.ELECTRICITY_PRICE.value == 0.16
    assert economics.GRID_INTENSITY.source.startswith("https://ember-climate.org/")
    assert economics.ELECTRICITY_PRICE.source.startswith("https://www.eia.gov/")


def test_fits_cost_follows_the_gpu_hours(cli: RunCli) -> None:
    data = cli("fits", "gpt2-xl", "--gpu", "h100", "--pue", "1.1", "--json").json()
    hours = data["compute"]["gpu_hours"]
    cost = data["cost"]
    assert cost["gpu_hours"] == pytest.approx(hours)
    assert cost["price_source"] == "median" and "median of" in cost["price_basis"]
    assert cost["price_low_usd"] <= cost["price_usd_per_gpu_hour"] <= cost["price_high_usd"]
    assert cost["cost_usd"] == pytest.approx(hours * cost["price_usd_per_gpu_hour"])
    assert cost["site"] == "home" and cost["power_basis"] == "full board power"
    assert cost["energy_kwh"] == pytest.approx(hours * 0.7 * 1.1)  # H100 SXM: 700 W board power
    assert cost["co2_kg"] == pytest.approx(cost["energy_kwh"] * 0.48)
    assert cost["electricity_cost_usd"] == pytest.approx(cost["energy_kwh"] * 0.16)


def test_overrides_and_missing_figures(cli: RunCli) -> None:
    data = cli(
        "budget",
        "--gpu",
        "rtx4090",
        "--days",
        "10",
        "--price",
        "0.5",
        "--power",
        "300",
        "--electricity-price",
        "0.3",
        "--grid-intensity",
        "0",
        "--json",
    ).json()["cost"]
    assert data["gpu_hours"] == pytest.approx(240)
    assert data["cost_usd"] == pytest.approx(120) and data["price_source"] == "--price"
    assert data["energy_kwh"] == pytest.approx(72) and data["electricity_cost_usd"] == pytest.approx(21.6)
    assert data["co2_kg"] == 0
    tpu = cli("budget", "--gpu", "tpu-v4", "--json").json()["cost"]
    assert tpu["energy_kwh"] is None and any("--power" in note for note in tpu["notes"])
    unpriced = cli("budget", "--gpu", "rtx-4070-ti", "--json").json()["cost"]
    assert unpriced["cost_usd"] is None and any("--price" in note for note in unpriced["notes"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["budget", "--gpu", "h100", "--pue", "0.9"], "--pue must be between 1 and 10"),
        (["budget", "--gpu", "h100", "--price", "-2"], "--price must be greater than zero"),
        (["budget", "--gpu", "h100", "--power", "nan"], "--power must be a finite number"),
        (["fits", "gpt2", "--gpu", "h100", "--max-days", "0"], "--max-days must be greater than zero"),
        (["fits", "gpt2", "--gpu", "h100", "--json", "--format", "csv"], "--json and --format csv disagree"),
        (["compare", "gpt2"], "give --gpus a,b,c or --all"),
        (["compare", "gpt2", "--gpus", "h100,nope"], "unknown gpu 'nope'"),
        (["schema", "fits", "--format", "csv"], "a schema is JSON only"),
    ],
)
def test_bad_economics_input(cli: RunCli, args: list[str], message: str) -> None:
    run = cli(*args)
    assert run.code == 2
    assert message in run.err


# ----------------------------------------------------------------------------- gates


def test_gates_pass_and_fail_with_one_line(cli: RunCli) -> None:
    ok = cli(
        "fits", "gpt2-xl", "--gpu", "h100", "--mfu", "0.4", "--max-days", "3", "--max-cost", "1000", "--max-kwh", "100"
    )
    assert ok.code == 0, ok.err
    assert ok.err == ""
    slow = cli("fits", "gpt2-xl", "--gpu", "h100", "--mfu", "0.4", "--max-days", "2", "--json")
    assert slow.code == 1
    assert slow.err.count("\n") == 1
    assert slow.err.startswith("flopcheck: gate failed: --max-days 2: training takes 2.73 days")
    gates = slow.json()["gates"]
    assert gates == [
        {
            "name": "--max-days",
            "limit": 2.0,
            # 6·N·D for GPT-2 XL's 1,557,611,200 parameters and 10B tokens, at 40 % of the H100's 989.4 TFLOP/s and
            # one GPU's expected goodput
            "value": pytest.approx(6 * 1_557_611_200 * 1e10 / (989.4e12 * 0.4 * goodput.goodput(1).fraction) / 86400),
            "passed": False,
            "reason": "training takes 2.73 days, over 2 days",
        }
    ]
    # a gate that cannot be evaluated is bad input (exit 2) naming what is missing, not a failed plan
    unpriced = cli("fits", "gpt2", "--gpu", "rtx4070ti", "--max-cost", "100")
    assert unpriced.code == 2
    assert unpriced.err == (
        "flopcheck: error: --max-cost cannot be checked: no price for rtx-4070-ti: give --price USD_PER_GPU_HOUR\n"
    )
    priced = cli("fits", "gpt2", "--gpu", "rtx4070ti", "--max-cost", "100", "--price", "0.5", "--json")
    assert priced.json()["gates"][0]["passed"] is (priced.json()["cost"]["cost_usd"] <= 100)


def test_ok_is_fits_and_every_gate(cli: RunCli) -> None:
    run = cli("fits", "gpt2-xl", "--gpu", "h100", "--mfu", "40%", "--max-days", "2", "--json")
    data = run.json()
    assert data["fits"] is True and data["ok"] is False and run.code == 1
    passing = cli("fits", "gpt2-xl", "--gpu", "h100", "--mfu", "40%", "--max-days", "3", "--json")
    assert passing.json()["ok"] is True and passing.code == 0


def test_compare_gates(cli: RunCli) -> None:
    run = cli("compare", "gpt2", "--gpus", "t4,h100", "--mfu", "0.4", "--max-days", "1", "--json")
    assert run.code == 0  # the H100 does it in hours
    none = cli("compare", "gpt2", "--gpus", "t4,a10", "--mfu", "0.4", "--max-days", "1")
    assert none.code == 1 and "no GPU that fits meets" in none.err
    # GPUs a gate cannot be checked on are left out with the reason; all of them: exit 2
    mixed = cli("compare", "gpt2", "--gpus", "rtx4080,h100", "--max-cost", "1000", "--json")
    assert mixed.code == 0 and [r["gpu"]["id"] for r in mixed.json()["rows"]] == ["h100-sxm"]
    assert "no price for rtx-4080" in mixed.json()["skipped"][0]
    unpriced = cli("compare", "gpt2", "--gpus", "rtx4080,rtx4070ti", "--max-cost", "1000")
    assert unpriced.code == 2 and "--max-cost cannot be checked" in unpriced.err


# ----------------------------------------------------------------------------- compare and matrix


def test_compare_rows_sorted_and_keyed(cli: RunCli) -> None:
    data = cli("compare", "gpt2-xl", "--gpus", "rtx4070ti,rtx4090,a100,h100,t4", "--json").json()
    assert data["model"]["id"] == "gpt2-xl" and data["ok"] is True  # the same model object as fits
    rows = data["rows"]
    assert rows[0]["gpu"]["id"] == "h100-sxm"
    times = [r["compute"]["time_s"] for r in rows]
    assert times == sorted(times)
    fits = cli("fits", "gpt2-xl", "--gpu", "h100", "--json").json()
    for row in rows:
        assert {"gpu", "compute", "memory", "cost", "gates", "fits", "ok"} == set(row)
        assert set(row["compute"]) == set(fits["compute"]) and set(row["cost"]) == set(fits["cost"])
        assert set(row["memory"]) <= set(fits["memory"])
    by_cost = cli("compare", "gpt2-xl", "--gpus", "rtx4090,a100,h100,t4", "--sort", "cost", "--json").json()
    costs = [r["cost"]["cost_usd"] for r in by_cost["rows"]]
    known = [c for c in costs if c is not None]
    assert known == sorted(known) and costs[: len(known)] == known  # unknown costs last
    rtx = next(r for r in rows if r["gpu"]["id"] == "rtx-4070-ti")
    assert rtx["memory"]["fits"] is True and rtx["gpu"]["count"] == rtx["memory"]["min_gpus_zero3"] >= 2


def test_compare_all_and_the_table(cli: RunCli) -> None:
    rows = cli("compare", "gpt2", "--all", "--json").json()["rows"]
    assert len(rows) >= 30  # GPUs without a published bf16/fp16/fp32 peak are left out
    table = cli("compare", "gpt2", "--gpus", "t4,h100")
    assert table.code == 0 and "█" in table.out and "Time to train" in table.out


def test_matrix(cli: RunCli) -> None:
    data = cli("matrix", "--models", "gpt2,gpt2-xl,llama-2-70b", "--gpus", "rtx4070ti,h100", "--json").json()
    cells = {(c["model_id"], c["gpu_id"]): c for c in data["cells"]}
    assert cells[("gpt2", "rtx-4070-ti")]["verdict"] == "yes"
    assert cells[("gpt2-xl", "rtx-4070-ti")]["verdict"] == "compute-only"
    assert cells[("llama-2-70b", "h100-sxm")]["verdict"] == "no"
    assert len(data["cells"]) == 6


# ----------------------------------------------------------------------------- CSV and Markdown

FORMAT_COMMANDS = [
    ("fits", ["fits", "gpt2-xl", "--gpu", "h100"], 1),
    ("budget", ["budget", "--gpu", "h100"], 1),
    ("flops", ["flops", "gpt3-175b"], 1),
    ("memory", ["memory", "gpt2-xl", "--gpu", "rtx4070ti"], 1),
    ("optimal", ["optimal", "--flop", "1e21"], 3),
    ("compare", ["compare", "gpt2", "--gpus", "t4,h100,a100"], 3),
    ("matrix", ["matrix", "--models", "gpt2,gpt2-xl", "--gpus", "t4,h100"], 4),
    ("gpus", ["gpus"], None),
    ("models", ["models"], None),
]


@pytest.mark.parametrize(("name", "args", "count"), FORMAT_COMMANDS, ids=[c[0] for c in FORMAT_COMMANDS])
def test_csv_parses_with_one_header_row(cli: RunCli, name: str, args: list[str], count: int | None) -> None:
    run = cli(*args, "--format", "csv")
    assert run.code in (0, 1), run.err
    table = list(csv.reader(io.StringIO(run.out)))
    header, body = table[0], table[1:]
    assert len(set(header)) == len(header)
    assert all(len(row) == len(header) for row in body)
    if count is not None:
        assert len(body) == count
    if name == "gpus":
        assert header == GPU_COLUMNS
    if name == "models":
        assert header == MODEL_COLUMNS
    if name == "fits":
        assert header[:4] == ["model_id", "gpu_id", "gpu_count", "precision"] and "time_s" in header


NUMBER = re.compile(r"\d[\d,.]*(?:e-?\d+)?")


def markdown_tables(text: str) -> list[list[list[str]]]:
    tables: list[list[list[str]]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("| "):
            assert line.endswith(" |"), line
            if not previous.startswith("| "):
                tables.append([])
            tables[-1].append(line[2:-2].replace("\\|", "").split(" | "))
        previous = line
    return tables


@pytest.mark.parametrize(("name", "args", "count"), FORMAT_COMMANDS, ids=[c[0] for c in FORMAT_COMMANDS])
def test_markdown_renders_the_terminal_tables(
    cli: RunCli, monkeypatch: pytest.MonkeyPatch, name: str, args: list[str], count: int | None
) -> None:
    """The same tables as the terminal, as GitHub pipe tables: every table well formed, and every number the
    terminal shows is in the Markdown."""
    run = cli(*args, "--format", "markdown")
    assert run.code in (0, 1), run.err
    tables = markdown_tables(run.out)
    assert tables
    for table in tables:
        header, rule, *body = table
        assert all(cell.strip("- ") == "" for cell in rule)
        assert all(len(row) == len(header) for row in (rule, *body))
    monkeypatch.setenv("COLUMNS", "300")
    terminal = cli(*args)
    assert sorted(NUMBER.findall(terminal.out)) == sorted(NUMBER.findall(run.out.replace("<br>", " ")))
    assert "required_bytes" not in run.out  # not the flat CSV fields


def test_compare_costs_the_configuration_that_fits(cli: RunCli) -> None:
    data = cli("compare", "gpt2-xl", "--gpus", "rtx4070ti,h100", "--json").json()
    rows = {r["gpu"]["id"]: r for r in data["rows"]}
    # 35 GB of training state does not fit one 12 GB card: the row is the fewest cards that fit with ZeRO-3.
    small = rows["rtx-4070-ti"]
    assert small["memory"]["fits"] and small["gpu"]["count"] == small["memory"]["min_gpus_zero3"] > 1
    assert rows["h100-sxm"]["gpu"]["count"] == 1


def test_compare_by_cost_says_which_price_each_row_uses(cli: RunCli) -> None:
    rows = cli("compare", "gpt2", "--all", "--sort", "cost", "--json").json()["rows"]
    priced = [r for r in rows if r["cost"]["cost_usd"] is not None]
    assert len(priced) >= 20
    costs = [r["cost"]["cost_usd"] for r in priced]
    assert costs == sorted(costs)
    for row in priced:
        basis = row["cost"]["price_basis"]
        assert basis.startswith("median of") or "the only list" in basis
    table = cli("compare", "gpt2", "--gpus", "h100,t4", "--sort", "cost").out
    assert "med/" in table and "median of N providers" in table


def test_default_price_is_the_median_of_current_on_demand_lists() -> None:
    from flopcheck.answers import pricing
    from flopcheck.catalog import store

    gpu = store.gpus().get("h100-sxm")
    current = pricing.current_prices(gpu)
    # one price per provider, each its latest on-demand one, spot/committed/marketplace left out
    assert len({p.provider for p in current}) == len(current) >= 3
    assert all(p.kind == "on-demand" for p in current)
    for p in current:
        assert all(q.date <= p.date for q in gpu.prices if q.provider == p.provider and q.kind == "on-demand")
    choice = pricing.choose(gpu, None, None)
    values = sorted(p.usd_per_gpu_hour for p in current)
    middle = len(values) // 2
    expected = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    assert choice.usd_per_gpu_hour == pytest.approx(expected)
    assert (choice.low_usd, choice.high_usd) == (values[0], values[-1])


def test_provider_and_site(cli: RunCli) -> None:
    google = cli("fits", "gpt2", "--gpu", "h100", "--provider", "google cloud", "--json").json()["cost"]
    # Google Cloud a3-highgpu-8g, us-central1: $88.49/hour for 8 GPUs (Cloud Billing Catalog, 2026-07).
    assert google["price_source"] == "--provider" and google["price_usd_per_gpu_hour"] == pytest.approx(88.49 / 8, 1e-3)
    assert google["price_url"].startswith("https://")
    bad = cli("fits", "gpt2", "--gpu", "h100", "--provider", "nope")
    assert bad.code == 2 and "listed for h100-sxm" in bad.err
    cluster = cli("fits", "gpt2", "--gpu", "h100", "--count", "64", "--json").json()["cost"]
    # DGX H100: ~10.2 kW max for 8 GPUs; Uptime Institute 2023 PUE 1.58; US industrial 8.06 cents/kWh (EIA).
    assert cluster["site"] == "datacenter" and cluster["board_power_w"] == pytest.approx(10_200 / 8)
    assert cluster["pue"] == 1.58 and cluster["electricity_usd_per_kwh"] == 0.0806
    assert cluster["energy_kwh"] == pytest.approx(cluster["gpu_hours"] * 1.275 * 1.58)
    home = cli("fits", "gpt2", "--gpu", "h100", "--count", "64", "--site", "home", "--json").json()["cost"]
    assert home["site"] == "home" and home["board_power_w"] == 700 and home["pue"] == 1.0
    assert cli("fits", "gpt2", "--gpu", "h100", "--site", "moon").code == 2
