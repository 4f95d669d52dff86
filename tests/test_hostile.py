"""Hostile catalog files and extreme numbers: clear errors, quickly, never a hang, a crash or a traceback."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopcheck.catalog import files as catalog_file
from tests.conftest import RunCli

BILLION_LAUGHS = (
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))
    + "gpus: [*i]\n"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BILLION_LAUGHS.encode(), "anchors and aliases are not allowed"),
        (("x: " + "[" * 50_000 + "]" * 50_000 + "\n").encode(), "nest"),
        (("x: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n").encode(), "nested deeper than 12 levels"),
        (b"gpus:\n  - id: a\n    id: b\n", "duplicate key"),
        (b"gpus: [\xff\xfe\xfd]\n", "not UTF-8"),
        (b"\x00\x01\x02binary\x00", "invalid YAML"),
        (b"gpus:\n  - !!python/object/apply:os.system ['echo pwned']\n", "invalid YAML"),
        (b"gpus:\n  - !!python/name:os.system\n", "invalid YAML"),
        (b"# " + b"x" * 6_000_000 + b"\n", "larger than 5,000,000 bytes"),
        (("gpus:\n" + "- {}\n" * 1_240_000).encode(), "larger than 5,000,000 bytes"),
        (("gpus: [" + "{}," * 1_600_000 + "{}]\n").encode(), "more than 50,000 values"),
        (("gpus:\n" + "- 1\n" * 6_000).encode(), "more than 5,000 entries"),
        (("gpus:\n" + "- {}\n" * 4_000).encode(), "stopped after 200 problems"),
        (b'gpus:\n  - {id: x, vendor: "\\e[2J\\e[31m", name: n}\n', "control characters are not allowed"),
        (b'gpus:\n  - {id: x, vendor: "a\\0b", name: n}\n', "control characters are not allowed"),
        (b"models:\n  - {id: x, params: 1" + b"0" * 400 + b"}\n", "params: must be ≤ 1000000000000000000"),
    ],
    ids=[
        "billion-laughs",
        "deep-lists",
        "deep-maps",
        "duplicate-keys",
        "non-utf8",
        "binary",
        "object-tag",
        "name-tag",
        "huge",
        "million-empty-entries",
        "1.6M-values",
        "6000-entries",
        "4000-bad-entries",
        "escape-codes",
        "nul",
        "400-digit-integer",
    ],
)
def test_hostile_catalogs_fail_fast_and_clearly(cli: RunCli, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    start = time.perf_counter()
    run = cli("validate", str(path))
    assert time.perf_counter() - start < 3.0  # < 1 s outside a test runner; see test_hostile_files_are_cheap
    assert run.code == 2
    assert message in run.out
    assert all(line.startswith(str(path)) for line in run.out.splitlines()), run.out
    used = cli("gpus", "--catalog", str(path))
    assert used.code == 2 and used.err.count("\n") == 1 and "Traceback" not in used.err
    assert used.err.startswith(f"flopcheck: error: {path}"), used.err
    assert "\x1b" not in used.err + run.out and "\x00" not in used.err + run.out


def test_numbers_beyond_the_float_range_in_a_catalog() -> None:
    text = "gpus:\n  - {id: x, vendor: v, name: n, year: 2024, memory_gb: 1.0e+400, peak_tflop_per_s: {}, sources: [https://a]}\n"
    problems = [str(p) for p in catalog_file.parse("gpus.yaml", text).problems]
    assert problems == ["gpus.yaml:2: x: memory_gb: must be a finite number"]


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=1e10, max_value=1e30))
def test_budgets_from_1e10_to_1e30_plan_and_format(flop: float) -> None:
    import contextlib
    import io
    import json

    from flopcheck.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["optimal", "--flop", repr(flop), "--json"])
    assert code == 0
    data = json.loads(buffer.getvalue())
    assert data["budget_flop"] == pytest.approx(flop)
    # params and tokens are whole numbers: at 1e10 FLOP the optimum has ~9,000 parameters, so rounding moves
    # 6·N·D by up to ~1e-4
    assert 6 * data["params"] * data["tokens"] == pytest.approx(flop, rel=1e-3)
    assert all(math.isfinite(alt["loss"]) for alt in data["alternatives"])


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=1_000_000))
def test_counts_up_to_a_million_gpus(count: int) -> None:
    import contextlib
    import io
    import json

    from flopcheck.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(["budget", "--gpu", "h100", "--count", str(count), "--json"])
    data = json.loads(buffer.getvalue())
    one_gpu_year = 989.4e12 * 0.4 * 31_557_600
    assert data["available_flop"] == pytest.approx(count * one_gpu_year)
    assert data["gpu_hours"] == pytest.approx(count * 8766)


# ----------------------------------------------------------------------------- files the OS or the size refuses


def _flopcheck(*args: str, timeout: float = 20.0, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """The installed entry point in a child process: what a user's shell sees."""
    env = {**os.environ, "NO_COLOR": "1", **kwargs.pop("env", {})}
    command = [sys.executable, "-m", "flopcheck", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False, **kwargs)


MEASURE = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss)
"""
"""Runs the command from a small parent: a child forked from the test runner itself would count the runner's
memory as its own peak."""


def _cost(*args: str) -> tuple[int, float, float]:
    """Exit status, wall seconds and peak RSS (MiB) of one run."""
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "flopcheck", *args],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    code, seconds, kib = measured.stdout.split()
    return int(code), float(seconds), int(kib) / 1024


HOSTILE_CATALOGS = {
    "million-empty-entries.yaml": "gpus:\n" + "- {}\n" * 1_240_000,
    "1.6M-scalars.yaml": "gpus: [" + "1," * 1_600_000 + "1]\n",
    "4999-bad-entries.yaml": "gpus:\n" + "- {id: x, vendor: v, year: 1}\n" * 4_999,
    "deep.yaml": "x: " + "[" * 100_000 + "]" * 100_000 + "\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CATALOGS))
def test_hostile_files_are_cheap(tmp_path: Path, name: str) -> None:
    """Every hostile file is refused in < 1 s and < 100 MB of memory, start-up included."""
    path = tmp_path / name
    path.write_text(HOSTILE_CATALOGS[name], encoding="utf-8")
    for args in (("validate", str(path)), ("gpus", "--catalog", str(path), "--json")):
        code, seconds, mib = _cost(*args)
        assert code == 2
        assert seconds < 1.0 and mib < 100, (args, seconds, mib)


def test_a_sparse_gigabyte_config_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    with path.open("wb") as handle:
        handle.truncate(2**30)
    code, seconds, mib = _cost("memory", str(path))
    assert code == 2 and seconds < 1.0 and mib < 100, (seconds, mib)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("args", [("gpus", "--catalog", "{}"), ("validate", "{}"), ("memory", "{}.json")])
def test_a_fifo_is_refused_not_waited_on(tmp_path: Path, args: tuple[str, ...]) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    if args[-1].endswith(".json"):
        os.rename(fifo, tmp_path / "pipe.json")
    result = _flopcheck(*(arg.format(fifo) for arg in args), timeout=10)
    assert result.returncode == 2
    assert "not a regular file" in result.stderr + result.stdout


@pytest.mark.parametrize(
    "path",
    ["x" * 300 + ".json", "a\nb.json", "\x1b[2J\x1b[31mred.json", "a\x00b.json", "/".join(["d" * 200] * 30) + ".yaml"],
    ids=["long-name", "newline", "escape-codes", "nul", "long-path"],
)
def test_paths_the_os_refuses_are_one_escaped_line(cli: RunCli, path: str) -> None:
    for args in (("memory", path), ("gpus", "--catalog", path), ("validate", path)):
        run = cli(*args)
        assert run.code == 2, (args, run)
        text = run.err or run.out
        assert text.count("\n") == 1 and "\x1b" not in text and "\x00" not in text, (args, text)
        assert "internal error" not in text


# ----------------------------------------------------------------------------- hostile config.json files

LLAMA = {
    "model_type": "llama",
    "num_hidden_layers": 2,
    "hidden_size": 64,
    "num_attention_heads": 4,
    "intermediate_size": 128,
    "vocab_size": 1000,
}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({**LLAMA, "model_type": ["llama"]}, "model_type list is not supported"),
        ({**LLAMA, "model_type": {"a": 1}}, "model_type dict is not supported"),
        ({**LLAMA, "max_position_embeddings": None}, None),  # null: the default context
        ({**LLAMA, "max_position_embeddings": "4096"}, "max_position_embeddings must be a whole number"),
        ({**LLAMA, "max_position_embeddings": [4096]}, "max_position_embeddings must be a whole number"),
        ({**LLAMA, "hidden_size": "1" + "0" * 5000}, "4300 digits"),
        ({**LLAMA, "hidden_size": 10**400}, "an integer of more than 12 digits"),
        ({**LLAMA, "hidden_size": 64.0}, "hidden_size must be a whole number"),
        ({**LLAMA, "hidden_size": True}, "hidden_size must be a whole number"),
        ({**LLAMA, "num_attention_heads": 5}, "5 attention heads do not divide the hidden size 64"),
        ({**LLAMA, "num_key_value_heads": 0}, "num_key_value_heads must be a whole number"),
        ({**LLAMA, "num_key_value_heads": 8}, "8 key/value heads are not a divisor of the 4 attention heads"),
        ({**LLAMA, "num_key_value_heads": 3}, "3 key/value heads are not a divisor"),
        (
            {**LLAMA, "model_type": "mixtral", "num_local_experts": 2, "num_experts_per_tok": 3},
            "3 experts per token is more than the 2 experts",
        ),
        ({**LLAMA, "tie_word_embeddings": "yes"}, "tie_word_embeddings must be true or false"),
        ({**LLAMA, "_name_or_path": "\x1b[31mevil\nname"}, None),
    ],
    ids=lambda value: None if isinstance(value, (dict, type(None))) else str(value)[:30],
)
def test_hostile_configs(cli: RunCli, tmp_path: Path, config: dict[str, Any], message: str | None) -> None:
    path = tmp_path / "config.json"
    text = json.dumps(config)
    if str(config["hidden_size"]).startswith("1" + "0" * 4000):  # an integer too long for Python to read
        text = text.replace(f'"{config["hidden_size"]}"', config["hidden_size"])
    path.write_text(text, encoding="utf-8")
    run = cli("memory", str(path), "--gpu", "h100")
    if message is None:  # valid: the answer, with nothing raw in it
        assert run.code in (0, 1), run.err
        assert "\x1b" not in run.out
        return
    assert run.code == 2, run
    assert run.err.count("\n") == 1 and str(path) in run.err and message in run.err, run.err


def test_deeply_nested_config(cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"model_type": "llama", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    run = cli("memory", str(path))
    assert run.code == 2 and "nested too deeply" in run.err, run


# ----------------------------------------------------------------------------- numbers out of range


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["budget", "--gpu-flops", "1e-320"], "far below any GPU"),
        (["runs", "--mfu", "5e-324", "--json"], "--mfu must be between"),
        (["optimal", "--flop", "5e-324"], "--flop must be between"),
        (["fits", "gpt2", "--gpu", "h100", "--power", "1e308"], "--power must be between"),
        (["fits", "gpt2", "--gpu", "h100", "--price", "1e300"], "--price must be between"),
        (["fits", "gpt2", "--gpu", "h100", "--uptime", "1e-300"], "--uptime must be between"),
        (["fits", "gpt2", "--gpu", "h100", "--hours", "1e-300"], "time window must be between"),
        (["budget", "--gpu-flops", "1e300"], "--gpu-flops must be between"),
        (["memory", "gpt2", "--gpu-memory", "1e-300"], "far below any GPU"),
        (["memory", "gpt2", "--gpu-memory", "1e300"], "--gpu-memory must be between"),
        (["fits", "gpt2", "--gpu", "h100", "--max-cost", "1e-300"], "--max-cost must be between"),
        (["fits", "gpt2", "--gpu", "h100", "--tokens-per-second", "1e9"], "more than they can do"),
        (["fits", "gpt2", "--gpu", "h100", "--tokens-per-second", "1e-300"], "--tokens-per-second must be"),
        (["calibrate", "gpt2", "--gpu", "h100", "--tokens-per-second", "1e9"], "more than they can do"),
        (["calibrate", "gpt2", "--gpu", "h100", "--step-time", "1e-6", "--batch-tokens", "1e9"], "more than"),
        (["calibrate", "gpt2-xl", "--gpu", "h100", "--tokens-per-second", "1e-3"], "under 1e-06"),
    ],
)
def test_numbers_outside_their_range_are_bad_input(cli: RunCli, args: list[str], message: str) -> None:
    run = cli(*args)
    assert run.code == 2, run
    assert run.err.count("\n") == 1 and message in run.err, run.err


def test_calibrate_suggests_a_command_fits_accepts(cli: RunCli) -> None:
    # 12,000 tokens/s of GPT-2 XL on 4 A100s: 6 × 1.56e9 × 1.2e4 / (4 × 312e12) = 9.0 % MFU
    shown = cli("calibrate", "gpt2-xl", "--gpu", "a100", "--count", "4", "--precision", "fp16",
                "--tokens-per-second", "12000")  # fmt: skip
    assert shown.code == 0, shown.err
    line = next(line for line in shown.out.splitlines() if "use it: flopcheck " in line)
    suggested = line.split("use it: flopcheck ", 1)[1].split()
    assert suggested[suggested.index("--count") + 1] == "4" and "fp16" in suggested
    assert float(suggested[suggested.index("--mfu") + 1].rstrip("%")) / 100 == pytest.approx(
        6 * 1_557_611_200 * 12_000 / 4 / 312e12, rel=1e-3
    )
    assert cli(*suggested, "--json").code in (0, 1)


# ----------------------------------------------------------------------------- user catalogs against the packaged

GPU = (
    "{{id: {id}, {aliases}vendor: v, name: {name}, year: 2024, memory_gb: 10, peak_tflop_per_s: {{bf16: 100}}, "
    "sources: [https://example.com]}}"
)


def _user_gpu(tmp_path: Path, entry_id: str, aliases: str = "", name: str = "mine") -> Path:
    path = tmp_path / "mine.yaml"
    shown = f"aliases: [{aliases}], " if aliases else ""
    path.write_text("gpus:\n  - " + GPU.format(id=entry_id, aliases=shown, name=name) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("entry_id", "aliases", "message"),
    [
        ("my-card", "h100", "name 'h100' is already used by h100-sxm"),  # a packaged alias
        ("h100sxm", "", "name 'h100sxm' is already used by h100-sxm"),  # normalises to a packaged id
        ("H100-SXM", "", "id: lowercase letters and digits"),  # ids are lower case
        ("my-card", "rtx 4070_ti", "already used by rtx-4070-ti"),  # an alias that normalises to a packaged one
    ],
)
def test_names_are_unique_after_normalisation(
    cli: RunCli, tmp_path: Path, entry_id: str, aliases: str, message: str
) -> None:
    path = _user_gpu(tmp_path, entry_id, aliases)
    for run in (cli("validate", str(path)), cli("gpus", "--catalog", str(path))):
        assert run.code == 2
        text = run.out + run.err
        assert str(path) in text and message in text, text


def test_an_exact_id_replaces_the_packaged_entry_and_says_so(cli: RunCli, tmp_path: Path) -> None:
    path = _user_gpu(tmp_path, "h100-sxm", name="my H100")
    shown = cli("gpus", "h100", "--catalog", str(path), "--json")  # the packaged alias still leads to it
    assert shown.code == 0 and shown.json()[0]["name"] == "my H100"
    assert shown.err == f"flopcheck: note: {path}: replaces the packaged gpu h100-sxm\n"
    checked = cli("validate", str(path))
    assert checked.code == 0 and f"{path}: replaces the packaged gpu h100-sxm" in checked.out


def test_a_run_on_an_unknown_gpu_names_its_file_and_run(cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "runs.yaml"
    path.write_text(
        "runs:\n  - {id: my-run, name: r, params: 1000000, tokens: 1000000000, gpu: nope, gpu_hours: 10, "
        "source: https://example.com, where: here}\n",
        encoding="utf-8",
    )
    checked = cli("validate", str(path))
    assert checked.code == 2 and f"{path}: my-run: gpu: unknown gpu 'nope'" in checked.out
    used = cli("runs", "--catalog", str(path))
    assert used.code == 2 and used.err.startswith(f"flopcheck: error: {path}: my-run: gpu: unknown gpu 'nope'")


def test_catalog_without_a_value(cli: RunCli) -> None:
    for args in (["fits", "gpt2", "--catalog"], ["--catalog"], ["fits", "gpt2", "--catalog", "--json"]):
        run = cli(*args)
        assert run.code == 2 and run.err == "flopcheck: error: --catalog needs a FILE: --catalog my-gpus.yaml\n"
    assert cli("--catalog=", "gpus").code == 2


def test_every_quantity_option_has_a_range() -> None:
    """A quantity without a range would reach the arithmetic unchecked (and ``bounded`` would not know it)."""
    import typing

    from flopcheck.api.options import RunOptions
    from flopcheck.api.ranges import RANGES

    hints = typing.get_type_hints(RunOptions)
    quantities = {name for name, hint in hints.items() if float in typing.get_args(hint) or hint is float}
    quantities |= {n for n, h in hints.items() if any(float in typing.get_args(a) for a in typing.get_args(h))}
    assert quantities, hints
    assert quantities <= set(RANGES), quantities - set(RANGES)
