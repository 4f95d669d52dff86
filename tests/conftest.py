"""Shared fixtures: run the CLI in-process with captured streams, a fixed width and no colour."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import settings

from flopcheck.catalog import store as catalog
from flopcheck.cli import main

# CI runs the property and fuzz tests derandomized, so a gate never fails on a case it has not seen before;
# local runs explore new examples every time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


RunCli = Callable[..., Run]


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests see what a pipe sees: fixed width, no colour forced either way, no user defaults file, and the
    packaged catalogs (a --catalog file one test merges in for the process is dropped after it)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("FLOPCHECK_CONFIG", raising=False)
    monkeypatch.delenv("FLOPCHECK_CATALOG", raising=False)
    for name in ("FORCE_COLOR", "NO_COLOR", "FLOPCHECK_DEBUG", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "xterm-256color")
    yield
    catalog.use_files([])


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    def run(*args: str) -> Run:
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
