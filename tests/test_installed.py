"""The installed console script, run as a separate process from a directory with no checkout in it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _flopcheck() -> str:
    found = shutil.which("flopcheck", path=str(Path(sys.executable).parent)) or shutil.which("flopcheck")
    if found is None:
        pytest.fail("the flopcheck console script is not installed next to this Python")
    return found


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "NO_COLOR", "PYTHONPATH"}}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_console_script_outside_the_checkout(tmp_path: Path) -> None:
    proc = _run([_flopcheck(), "fits", "gpt2-xl", "--gpu", "rtx4070ti", "--json"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    data = json.loads(proc.stdout)
    assert data["fits"] is False
    assert data["gpu"]["id"] == "rtx-4070-ti"


def test_python_dash_m_and_pipe_manners(tmp_path: Path) -> None:
    version = _run([sys.executable, "-m", "flopcheck", "--version"], tmp_path)
    assert version.returncode == 0
    assert version.stdout.startswith("flopcheck ")
    table = _run([_flopcheck(), "fits", "gpt2", "--gpu", "h100"], tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Verdict: Yes" in table.stdout
    assert "\x1b[" not in table.stdout  # stdout is a pipe: no ANSI codes


def test_bad_input_in_a_real_process(tmp_path: Path) -> None:
    proc = _run([_flopcheck(), "fits", "gpt2", "--gpu", "rtx4070", "--json"], tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("flopcheck: error: unknown gpu 'rtx4070'")
    assert proc.stderr.count("\n") == 1
