"""The command line as a script and a person meet it: exit statuses for every command, help, shell
completion, the user's defaults file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flopcheck.api.options import COMMANDS
from flopcheck.cli.application import COMMAND_MODULES
from tests.conftest import RunCli

# (command line, exit status): 0 yes/success, 1 no (does not fit, a gate failed), 2 bad input.
EXIT_STATUSES = [
    (["fits", "gpt2", "--gpu", "h100"], 0),
    (["fits", "gpt2-xl", "--gpu", "rtx4070ti"], 1),
    (["fits", "gpt2-xl", "--gpu", "h100", "--max-days", "1"], 1),
    (["fits", "gpt2", "--gpu", "rtx4070ti", "--max-cost", "10"], 2),
    (["fits", "gpt2", "--gpu", "h1000"], 2),
    (["memory", "gpt2", "--gpu", "rtx4090"], 0),
    (["memory", "gpt2-xl", "--gpu", "rtx4070ti"], 1),
    (["memory", "gpt2", "--gpu-memory", "16"], 2),
    (["optimal", "--gpu", "rtx4070ti"], 0),
    (["optimal", "--gpu-flops", "1T", "--gpu-memory", "1GB", "--flop", "1e24", "--overhead", "2GB"], 1),
    (["optimal"], 2),
    (["budget", "--gpu", "h100"], 0),
    (["budget", "--gpu", "h100", "--mfu", "40"], 2),
    (["flops", "gpt2"], 0),
    (["flops", "gpt2", "--tokens", "1,5B"], 2),
    (["compare", "gpt2", "--gpus", "t4,h100"], 0),
    (["compare", "llama-2-70b", "--gpus", "t4,rtx4090"], 1),
    (["compare", "gpt2", "--gpus", "t4,a10", "--max-days", "1"], 1),
    (["compare", "gpt2"], 2),
    (["matrix", "--models", "gpt2,llama-2-70b", "--gpus", "t4"], 0),
    (["matrix", "--models", ""], 2),
    (["runs"], 0),
    (["runs", "--mfu", "0"], 2),
    (["accuracy", "memory"], 0),
    (["accuracy", "speed"], 2),
    (["calibrate", "gpt2", "--gpu", "h100", "--tokens-per-second", "100k"], 0),
    (["calibrate", "gpt2", "--tokens-per-second", "100k"], 2),
    (["gpus"], 0),
    (["gpus", "h1000"], 2),
    (["models", "gpt2"], 0),
    (["models", "gpt9"], 2),
    (["validate", "/no/such/file.yaml"], 2),
    (["layout", "llama-2-70b", "--gpu", "h100", "--count", "64", "--seq-len", "4096", "--top", "1"], 0),
    (["layout", "llama-3.1-405b", "--gpu", "rtx4090", "--count", "2"], 1),
    (["layout", "llama-2-70b", "--count", "64"], 2),
    (["schema", "fits"], 0),
    (["schema", "nope"], 2),
    (["fits", "gpt2", "--gpu", "h100", "--no-such-option"], 2),
    ([], 2),
]


@pytest.mark.parametrize(("args", "status"), EXIT_STATUSES, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_exit_status(cli: RunCli, args: list[str], status: int) -> None:
    run = cli(*args)
    assert run.code == status, (run.out[-500:], run.err)
    if status == 2 and args and args[0] != "validate":  # validate prints its problems as its answer
        assert run.err.startswith("flopcheck: error: ") and run.err.count("\n") == 1, run.err
        assert len(run.err.strip()) > len("flopcheck: error:")


def test_every_command_has_exit_statuses_tested() -> None:
    tested = {args[0] for args, _ in EXIT_STATUSES if args}
    assert tested == set(COMMAND_MODULES)


def test_exit_statuses_are_documented_in_one_table() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    for command in COMMAND_MODULES:
        assert f"`{command}`" in table, command


def test_flopcheck_alone_prints_help_without_an_empty_error(cli: RunCli) -> None:
    run = cli()
    assert "Usage" in run.out and "fits" in run.out
    assert run.err == ""


def test_help_says_what_an_option_does_on_each_command(cli: RunCli) -> None:
    helps = {
        name: " ".join(cli(name, "--help").out.replace("│", " ").split())
        for name in ("fits", "memory", "optimal", "budget")
    }
    assert "accelerator to train on" in helps["fits"]
    assert "list the ways to make the run fit" in helps["memory"]
    assert "limits the model" in helps["optimal"]
    assert "compute is counted" in helps["budget"]
    for text in helps.values():
        assert "[default:" not in text  # defaults are stated once, in words
    fits = helps["fits"]
    assert "catalog id or alias" in fits and "parameter count" in fits and "config.json" in fits
    assert "<str>" not in fits.split("Arguments")[1].split("Options")[1]


def test_run_commands_share_the_run_options() -> None:
    """Every command that computes a run takes the run's options, with the same names."""
    run = set(COMMANDS["fits"]) - {"gpu", "gpu_flops", "gpu_memory", "tokens_per_second"}
    assert run - set(COMMANDS["compare"]) == set()
    assert run - set(COMMANDS["matrix"]) == {"max_days", "max_cost", "max_kwh"}


def test_shell_completion_is_installable(cli: RunCli) -> None:
    assert "--install-completion" in cli("--help").out


# ----------------------------------------------------------------------------- the defaults file


def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    home = tmp_path / "xdg"
    (home / "flopcheck").mkdir(parents=True)
    path = home / "flopcheck" / "config.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return path


def test_defaults_file_fills_options_and_says_so(cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, monkeypatch, "gpu: rtx4090\nprice: 0.45\nelectricity_price: 0.30\n")
    data = cli("fits", "gpt2", "--json").json()
    assert data["gpu"]["id"] == "rtx-4090"
    assert data["cost"]["price_usd_per_gpu_hour"] == 0.45 and data["cost"]["electricity_usd_per_kwh"] == 0.30
    table = cli("fits", "gpt2")
    assert f"Defaults from {path}" in " ".join(table.out.split()) and "gpu rtx4090" in table.out
    # a flag wins, over its whole group: --gpu-flops/--gpu-memory drop the file's gpu
    assert cli("fits", "gpt2", "--gpu", "h100", "--json").json()["gpu"]["id"] == "h100-sxm"
    custom = cli("fits", "gpt2", "--gpu-flops", "100T", "--gpu-memory", "24GB", "--json").json()
    assert custom["gpu"]["id"] == "custom"
    # --no-config ignores the file, anywhere on the line
    assert cli("fits", "gpt2", "--no-config").code == 2
    # a command uses the keys it takes: memory has no price
    assert cli("memory", "gpt2", "--json").json()["gpu"]["id"] == "rtx-4090"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gpu: h1000\n", r"config.yaml: gpu: unknown gpu 'h1000'; did you mean"),
        ("prise: 0.45\n", r"config.yaml: prise: not an option of flopcheck; did you mean price\?"),
        ("mfu: 40\n", r"config.yaml: mfu: --mfu must be at most 1 \(100%\), got '40'; did you mean 40%\?"),
        ("- gpu\n", r"config.yaml: expected a mapping"),
        ("gpu: [a, b]\n", r"config.yaml: gpu: expected one value"),
        ("gpu: 'x\n", r"config.yaml:\d+: invalid YAML"),
    ],
)
def test_a_bad_defaults_file_is_one_line_naming_file_and_key(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    write_config(tmp_path, monkeypatch, text)
    run = cli("fits", "gpt2", "--gpu", "h100" if "gpu" not in text else "t4")
    if "gpu:" in text and "gpu: [" not in text and "'x" not in text:
        run = cli("fits", "gpt2")
    assert run.code == 2
    assert run.err.count("\n") == 1 and re.search(message, run.err), run.err


def test_the_defaults_file_is_never_written(cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, monkeypatch, "count: 2\n")
    before = path.stat().st_mtime_ns, path.read_bytes()
    assert cli("budget", "--gpu", "h100", "--json").json()["gpu"]["count"] == 2
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before
