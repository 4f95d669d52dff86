"""Streams and locales: the answer under any encoding, a closed or broken stdout, a failing stderr. Each runs the
CLI as a child process, as a shell would, since these faults are in the file descriptors themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

FLOPCHECK = [sys.executable, "-m", "flopcheck"]
ASKED = [
    ["fits", "gpt2-xl", "--gpu", "rtx4070ti"],
    ["compare", "gpt2", "--gpus", "h100,t4"],
    ["flops", "gpt2"],
    ["memory", "gpt2-xl", "--gpu", "rtx4070ti"],
    ["runs"],
    ["fits", "--help"],
]


def _run(args: list[str], env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", **(env or {})}
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*FLOPCHECK, *args], env=full_env, stderr=subprocess.PIPE, timeout=60, check=False, **kwargs
    )


@pytest.mark.parametrize("args", ASKED, ids=lambda a: " ".join(a))
@pytest.mark.parametrize(
    "env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "PYTHONUTF8": "0"}, {"PYTHONIOENCODING": "latin-1"}]
)
def test_any_encoding_prints_the_answer(args: list[str], env: dict[str, str]) -> None:
    result = _run(args, env)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == b""
    encoding = env.get("PYTHONIOENCODING", "ascii")
    text = result.stdout.decode(encoding)  # every byte is in the stream's encoding
    if encoding == "ascii" and args[0] in ("fits", "flops", "compare"):
        assert "x" in text and "·" not in text and "×" not in text


@pytest.mark.parametrize("args", [["fits", "gpt2-xl", "--gpu", "rtx4070ti", "--json"], ["flops", "gpt2", "--json"]])
def test_json_under_ascii_is_the_same_document(args: list[str]) -> None:
    plain = _run(args, {"PYTHONIOENCODING": "ascii"})
    utf8 = _run(args, {"PYTHONIOENCODING": "utf-8"})
    assert plain.stdout.isascii() and b"\\u00b7" in plain.stdout
    assert json.loads(plain.stdout) == json.loads(utf8.stdout)


@pytest.mark.parametrize(
    "args", [["models"], ["compare", "gpt2", "--all"], ["fits", "gpt2", "--gpu", "h100", "--json"]]
)
def test_a_closed_stdout_is_one_line_and_exit_2(args: list[str]) -> None:
    result = _run(args, stdout=None, preexec_fn=lambda: os.close(1))
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1 and b"cannot write to stdout" in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("args", [["models"], ["compare", "gpt2", "--all"], ["gpus", "--json"]])
def test_a_full_disk_is_one_line_and_exit_2(args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        result = _run(args, stdout=full)
    assert result.returncode == 2
    assert result.stderr == b"flopcheck: error: cannot write to stdout: No space left on device\n"


@pytest.mark.parametrize("args", [["compare", "gpt2", "--all"], ["gpus", "--json"], ["models", "--format", "csv"]])
def test_a_pipe_closed_by_its_reader_ends_quietly(args: list[str]) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([*FLOPCHECK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # `| head -c 10`
    status = proc.wait(timeout=60)
    assert proc.stderr.read() == b""  # no "Exception ignored", no traceback
    assert status == 0


def test_a_closed_stderr_does_not_change_the_status() -> None:
    result = _run(["fits", "gpt2", "--gpu", "nope"], preexec_fn=lambda: os.close(2))
    assert result.returncode == 2
    fits = _run(["fits", "gpt2", "--gpu", "h100"], preexec_fn=lambda: os.close(2))
    assert fits.returncode == 0 and fits.stdout
