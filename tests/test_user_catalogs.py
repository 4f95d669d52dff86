"""User catalog files: merged over the packaged catalogs by id (later wins), origins shown, validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli

MY_GPU = """\
gpus:
  - id: my-card
    aliases: [mine]
    vendor: Example
    name: My Card
    year: 2026
    memory_gb: 48
    peak_tflop_per_s: {bf16: 200}
    sources: [https://example.com/my-card.pdf]
  - id: rtx-4070-ti
    vendor: NVIDIA
    name: GeForce RTX 4070 Ti (as measured)
    year: 2023
    memory_gb: 12
    peak_tflop_per_s: {bf16: 70}
    sources: [https://example.com/measured]
models:
  - id: my-model
    name: My Model
    family: Mine
    organization: Example
    year: 2026
    params: 2000000000
    training_tokens: 40000000000
    sources: [https://example.com/model-card]
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_user_entries_are_added_and_override_by_id(cli: RunCli, tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", MY_GPU)
    data = cli("fits", "my-model", "--gpu", "mine", "--catalog", path, "--json").json()
    assert data["gpu"]["id"] == "my-card"
    assert data["gpu"]["peak_flop_per_s"] == 200e12
    assert data["model"]["params"] == 2_000_000_000
    assert data["model"]["origin"] == path
    overridden = cli("--catalog", path, "budget", "--gpu", "rtx4070ti", "--json").json()
    assert overridden["gpu"]["peak_flop_per_s"] == 70e12
    # without the file, the packaged figure is back
    assert cli("budget", "--gpu", "rtx4070ti", "--json").json()["gpu"]["peak_flop_per_s"] == 80.2e12


def test_listings_show_where_entries_come_from(cli: RunCli, tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", MY_GPU)
    records = {r["id"]: r for r in cli("gpus", "--catalog", path, "--json").json()}
    assert records["my-card"]["origin"] == path
    assert records["rtx-4070-ti"]["origin"] == path
    assert "origin" not in records["h100-sxm"]
    table = cli("gpus", f"--catalog={path}")
    assert "from" in table.out and "packaged" in table.out


def test_later_files_win_and_the_environment_comes_first(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write(tmp_path, "first.yaml", MY_GPU)
    second = write(tmp_path, "second.yaml", MY_GPU.split("models:")[0].replace("bf16: 200", "bf16: 300"))
    assert (
        cli("budget", "--gpu", "my-card", "--catalog", first, "--catalog", second, "--json").json()["gpu"][
            "peak_flop_per_s"
        ]
        == 300e12
    )
    monkeypatch.setenv("FLOPCHECK_CATALOG", second)
    assert cli("budget", "--gpu", "my-card", "--catalog", first, "--json").json()["gpu"]["peak_flop_per_s"] == 200e12
    assert cli("budget", "--gpu", "my-card", "--json").json()["gpu"]["peak_flop_per_s"] == 300e12


def test_a_broken_user_catalog_is_one_line_and_exit_2(cli: RunCli, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", MY_GPU.replace("bf16: 200", "bf16: -5"))
    run = cli("fits", "gpt2", "--gpu", "h100", "--catalog", path)
    assert run.code == 2
    assert run.err == f"flopcheck: error: {path}:8: my-card: peak_tflop_per_s.bf16: must be > 0\n"
    missing = cli("gpus", "--catalog", str(tmp_path / "nope.yaml"))
    assert missing.code == 2 and "cannot read" in missing.err


def test_an_alias_taken_by_a_packaged_entry_is_rejected(cli: RunCli, tmp_path: Path) -> None:
    path = write(tmp_path, "clash.yaml", MY_GPU.replace("aliases: [mine]", "aliases: [h100]"))
    run = cli("gpus", "--catalog", path)
    assert run.code == 2
    assert "name 'h100' is already used by h100-sxm" in run.err


def test_validate(cli: RunCli, tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", MY_GPU)
    ok = cli("validate", good)
    assert ok.code == 0 and "valid" in ok.out
    bad = write(
        tmp_path,
        "bad.yaml",
        MY_GPU.replace("bf16: 200", "bf16: .nan")
        .replace("year: 2026\n    memory_gb: 48", "year: 2026\n    memory_gb: 'lots'")
        .replace("    sources: [https://example.com/model-card]\n", "    colour: blue\n"),
    )
    run = cli("validate", bad)
    assert run.code == 2
    lines = run.out.splitlines()
    assert f"{bad}:7: my-card: memory_gb: must be a number (1.5, 1.1e9 or 1.1B)" == lines[0]
    assert f"{bad}:8: my-card: peak_tflop_per_s.bf16: must be a finite number" in lines
    assert f"{bad}:18: my-model: sources: give at least one source" in lines
    assert f"{bad}:25: my-model: colour: unknown field" in lines
    problems = cli("validate", bad, good, "--json").json()
    assert {p["file"] for p in problems} == {bad}
    assert all({"file", "line", "entry", "field", "message"} <= set(p) for p in problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gpus:\n  - id: a\n    id: b\n", ":3: id: duplicate key"),
        ("a: &x [1]\nb: *x\n", "anchors and aliases are not allowed"),
        ("lol: " + "[" * 5000 + "]" * 5000 + "\n", "invalid YAML"),
    ],
)
def test_validate_hostile_files(cli: RunCli, tmp_path: Path, text: str, message: str) -> None:
    run = cli("validate", write(tmp_path, "x.yaml", text))
    assert run.code == 2
    assert message in run.out


def test_a_users_own_entry_may_cite_words_and_write_numbers_their_way(cli: RunCli, tmp_path: Path) -> None:
    """Only packaged entries need URLs, a year and plain YAML numbers."""
    text = """gpus:
  - id: my-card
    vendor: me
    name: My card
    memory_gb: 4.8e1
    peak_tflop_per_s: {bf16: 165.2}
    sources: [measured on my own card]
models:
  - id: my-model
    name: My model
    family: mine
    organization: me
    year: 2026
    params: 1.1B
    training_tokens: 2.2e10
    sources: [our training log]
"""
    path = write(tmp_path, "mine.yaml", text)
    assert cli("validate", path).code == 0
    data = cli("fits", "my-model", "--gpu", "my-card", "--catalog", path, "--json").json()
    assert data["model"]["params"] == 1_100_000_000 and data["model"]["tokens"] == 22_000_000_000
    assert data["gpu"]["memory_bytes"] == 48_000_000_000


def test_a_catalog_gpu_with_one_figure_replaced(cli: RunCli) -> None:
    """--gpu with --gpu-memory: the catalog entry with its memory replaced (a 48 GB RTX 4090), said so."""
    run = cli("fits", "llama-2-7b", "--gpu", "rtx4090", "--gpu-memory", "48GB", "--tokens", "1B", "--json")
    data = run.json()
    assert data["gpu"]["id"] == "rtx-4090" and data["gpu"]["memory_bytes"] == 48_000_000_000
    assert data["gpu"]["peak_flop_per_s"] == 165.2e12  # the catalog's bf16 peak, kept
    assert data["gpu"]["overrides"] == ["memory 48 GB (--gpu-memory; the catalog has 24 GB)"]
    table = cli("fits", "llama-2-7b", "--gpu", "rtx4090", "--gpu-memory", "48GB", "--tokens", "1B")
    text = " ".join(table.out.split())  # the line wraps where the terminal width puts it
    assert "(memory 48 GB)" in text and "--gpu-memory; the catalog has 24 GB" in text
    faster = cli("budget", "--gpu", "rtx4090", "--gpu-flops", "200T", "--json").json()
    assert faster["gpu"]["peak_flop_per_s"] == 200e12 and faster["gpu"]["memory_bytes"] == 24_000_000_000
