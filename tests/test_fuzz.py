"""Fuzzing as an outside tester would: argument vectors built from the CLI's own grammar (every command, option
and choice Typer knows), hostile catalogs and config.json files among the values, and faults in the output
stream. Every run exits 0, 1 or 2, never with an internal error or a traceback; bad input is one line on stderr
with no raw control characters; every JSON answer parses and validates against its schema.

FLOPCHECK_FUZZ_EXAMPLES sets how many vectors each test runs (default 150, a size that keeps CI quick); a long
run: FLOPCHECK_FUZZ_EXAMPLES=10000 .venv/bin/pytest tests/test_fuzz.py
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flopcheck.cli import main
from flopcheck.cli.application import app, load_commands
from flopcheck.cli.catalog_cmds import SCHEMAS

EXAMPLES = int(os.environ.get("FLOPCHECK_FUZZ_EXAMPLES", "150"))
SCHEMA_COMMANDS = set(SCHEMAS) - {"catalog"}


@dataclass(frozen=True)
class Option:
    names: tuple[str, ...]
    flag: bool
    choices: tuple[str, ...]


@cache
def grammar() -> dict[str, tuple[tuple[Option, ...], int]]:
    """Every command with its options and the number of its arguments, read from the Typer app itself."""
    import typer.main

    load_commands([])
    group: Any = typer.main.get_command(app)
    commands: dict[str, tuple[tuple[Option, ...], int]] = {}
    for name, command in group.commands.items():
        options = []
        arguments = 0
        for param in command.params:
            if param.param_type_name == "argument":
                arguments += 1
                continue
            kind = param.type_descriptor
            choices = tuple(str(getattr(c, "value", c)) for c in (kind.choices or ())) if kind.is_choice else ()
            names = (*param.opts, *param.secondary_opts)
            options.append(Option(names, bool(getattr(param, "is_flag", False)), choices))
        commands[name] = (tuple(options), arguments)
    return commands


# ----------------------------------------------------------------------------- hostile files

CATALOGS = {
    "user.yaml": "gpus:\n  - {id: my-card, vendor: v, name: n, year: 2024, memory_gb: 10, "
    "peak_tflop_per_s: {bf16: 100}, sources: [https://example.com]}\n",
    "override.yaml": "gpus:\n  - {id: h100-sxm, vendor: v, name: n, year: 2024, memory_gb: 10, "
    "peak_tflop_per_s: {bf16: 1.0e-300}, sources: [https://example.com]}\n",
    "alias-clash.yaml": "gpus:\n  - {id: mine, aliases: [h100], vendor: v, name: n, year: 2024, memory_gb: 1, "
    "peak_tflop_per_s: {bf16: 1}, sources: [https://a.b]}\n",
    "laughs.yaml": "a: &a [x, x]\nb: &b [*a, *a]\ngpus: [*b]\n",
    "deep.yaml": "gpus: " + "[" * 5000 + "]" * 5000 + "\n",
    "escape.yaml": 'gpus:\n  - {id: x, name: "\\e[2J\\e[31m", vendor: "\\0"}\n',
    "huge-int.yaml": "models:\n  - {id: x, params: 1" + "0" * 400 + "}\n",
    "many.yaml": "gpus:\n" + "- {}\n" * 6000,
    "not-a-catalog.yaml": "just text\n",
    "binary.yaml": "\x00\x01\x02",
    "run-unknown-gpu.yaml": "runs:\n  - {id: r, name: r, params: 1000, tokens: 1000, gpu: nope, gpu_hours: 1, "
    "source: https://a.b, where: x}\n",
}
LLAMA = (
    '{"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, '
    '"intermediate_size": 128, "vocab_size": 1000%s}'
)
CONFIGS = {
    "ok.json": LLAMA % "",
    "type-list.json": LLAMA.replace('"llama"', '["llama"]') % "",
    "ctx-null.json": LLAMA % ', "max_position_embeddings": null',
    "ctx-text.json": LLAMA % ', "max_position_embeddings": "4096"',
    "kv-zero.json": LLAMA % ', "num_key_value_heads": 0',
    "kv-3.json": LLAMA % ', "num_key_value_heads": 3',
    "heads-5.json": LLAMA.replace('"num_attention_heads": 4', '"num_attention_heads": 5') % "",
    "huge.json": LLAMA % (', "vocab_size": 1' + "0" * 400),
    "deep.json": '{"x": ' + "[" * 3000 + "]" * 3000 + "}",
    "nan.json": LLAMA % ', "rope_theta": NaN',
    "name-escape.json": LLAMA % ', "_name_or_path": "\\u001b[31mred\\nline"',
    "broken.json": '{"model_type":',
}


@cache
def files() -> dict[str, str]:
    """The hostile files, written once per test session; also a directory, a missing file, a long name."""
    root = Path(tempfile.mkdtemp(prefix="flopcheck-fuzz-"))
    paths: dict[str, str] = {}
    for name, text in {**CATALOGS, **CONFIGS}.items():
        (root / name).write_text(text, encoding="utf-8")
        paths[name] = str(root / name)
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "fifo.json")
        paths["fifo.json"] = str(root / "fifo.json")
    paths["dir"] = str(root)
    paths["missing.yaml"] = str(root / "missing.yaml")
    paths["long.json"] = str(root / ("x" * 300 + ".json"))
    paths["newline.json"] = str(root / "a\nb.json")
    return paths


# ----------------------------------------------------------------------------- values and vectors

NUMBERS = [
    *"0 -1 1 0.5 40% 1e308 1e-308 5e-324 1e-320 nan inf -inf 1e400 10B 1.5T 7 100 0x10 1,5 ½ 1e NaN% 0.99999".split(),
    "",
    " ",
    "2" * 40,
    "1" + "0" * 400,
]
WORDS = [
    *"gpt2 gpt2-xl llama-2-7b 1.5B 350M rtx4070ti h100 tpu-v4 t4 nope ü -- - mixtral h100,t4 gpt2,gpt2-xl".split(),
    "",
    "\x1b[31m",
    "a\nb",
]


@st.composite
def vectors(draw: st.DrawFn) -> list[str]:
    """A command, its arguments and options from the grammar, each option with a value of its kind (its
    choices, a number, a name or a hostile file), now and then a stray token or a global option."""
    commands = grammar()
    name = draw(st.sampled_from([*sorted(commands), "nope", "--version", "--help"]))
    if name not in commands:
        return [name]
    options, arguments = commands[name]
    paths = list(files().values())
    values = st.sampled_from(NUMBERS) | st.sampled_from(WORDS) | st.sampled_from(paths) | st.text(max_size=6)
    args = [name, *draw(st.lists(values, min_size=0, max_size=arguments + 1))]
    for option in draw(st.lists(st.sampled_from(options), max_size=6)) if options else []:
        args.append(draw(st.sampled_from(option.names)))
        if not option.flag:
            choose = bool(option.choices) and draw(st.booleans())
            args.append(draw(st.sampled_from(option.choices)) if choose else draw(values))
    if draw(st.integers(0, 4)) == 0:
        args.insert(draw(st.integers(0, len(args))), draw(st.sampled_from(["--catalog", "--json", "--help", "--"])))
    if draw(st.integers(0, 3)) == 0:
        args += ["--catalog", draw(st.sampled_from(paths))]
    return args


@cache
def schema(name: str) -> Any:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(["schema", name])
    return json.loads(buffer.getvalue())


def _command(args: list[str]) -> str:
    """The command the CLI runs: the first word that is not an option, a --catalog file or after ``--``."""
    words = iter(args)
    for arg in words:
        if arg == "--catalog":
            next(words, None)
        elif arg == "--":
            return next(words, "")
        elif not arg.startswith("-"):
            return arg if arg in grammar() else ""
    return ""


def _check(args: list[str], code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2), (args, code, err)
    assert "internal error" not in err and "Traceback" not in err, (args, err)
    assert not any(ch in err for ch in "\x1b\x00\r"), (args, err)
    lines = err.splitlines()
    assert all(line.startswith("flopcheck: ") for line in lines), (args, err)
    command = _command(args)
    errors = sum(line.startswith("flopcheck: error: ") for line in lines)
    if code == 2:  # validate reports its problems on stdout, as its answer; no command at all prints the help
        assert errors == 1 or (errors == 0 and command in ("validate", "")), (args, err)
    asked_json = "--json" in args and "--format" not in args and "-f" not in args and "--help" not in args
    if asked_json and code in (0, 1) and command in SCHEMA_COMMANDS and out.strip():
        jsonschema.validate(json.loads(out), schema(command))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=vectors())
def test_vectors_from_the_grammar(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(args)
    out, err = capsys.readouterr()
    _check(args, code, out, err)


@st.composite
def misspelled(draw: st.DrawFn) -> list[str]:
    """A vector from the grammar, often with one of its command's options misspelled somewhere in it."""
    args = draw(vectors())
    commands = grammar()
    if args[0] in commands and commands[args[0]][0] and draw(st.booleans()):
        name = draw(st.sampled_from([n for option in commands[args[0]][0] for n in option.names if n[1] == "-"]))
        typo = draw(st.sampled_from([name[:-1], name + "s", name.replace("-", "_", 2)[1:], "-" + name[2:]]))
        args.insert(draw(st.integers(1, len(args))), typo)
    return args


@settings(
    max_examples=max(EXAMPLES // 3, 20), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=misspelled())
@example(args=["fits", "gpt2", "--gpuu", "h100"])  # "did you mean" lists the full command's options
@example(args=["budget", "--gp"])
@example(args=["fits", "gpt2", "--gpu", "h100", "--versio"])  # and the root's
@example(args=["--catalog", str(Path(__file__).parents[1] / "data" / "gpus.yaml")])  # the root's help, once
@example(args=["memory", "gpt2", "-g", "h100", "--seq-len", "0"])
def test_a_command_declaring_only_the_options_given_answers_as_the_full_one(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A run declares only the options its line mentions (``declare.narrowed``, ``application._root_run``): the
    same status, stdout and stderr as the command with every option, usage errors ("did you mean") included."""
    from flopcheck.cli import application

    narrowed = (main(args), *capsys.readouterr())
    with mock.patch.object(application, "_lists_options", return_value=True):  # as for help: every option
        full = (main(args), *capsys.readouterr())
    assert narrowed == full, args
    assert narrowed[1].count("Usage: ") <= 1, args  # a run that fails is not printed twice


# ----------------------------------------------------------------------------- faults in the output stream


class Faulty(io.TextIOWrapper):
    """A stdout that accepts ``room`` characters, then fails with ``error`` (EPIPE: the reader left; ENOSPC:
    the disk is full); written in ``encoding``."""

    def __init__(self, encoding: str, room: int, error: int | None) -> None:
        super().__init__(io.BytesIO(), encoding=encoding)
        self.room, self.error = room, error

    def write(self, text: str) -> int:
        if self.error is not None:
            self.room -= len(text)
            if self.room < 0:
                raise (BrokenPipeError if self.error == errno.EPIPE else OSError)(self.error, os.strerror(self.error))
        return super().write(text)


@contextlib.contextmanager
def stdout_as(stream: io.TextIOWrapper) -> Iterator[None]:
    saved = sys.stdout
    sys.stdout = stream
    try:
        yield
    finally:
        sys.stdout = saved


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    args=vectors(),
    encoding=st.sampled_from(["ascii", "latin-1", "utf-8", "cp1252"]),
    room=st.integers(0, 5000),
    error=st.sampled_from([None, errno.EPIPE, errno.ENOSPC, errno.EIO]),
)
def test_stream_and_locale_faults(
    args: list[str], encoding: str, room: int, error: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = Faulty(encoding, room, error)
    with stdout_as(stream):
        code = main(args)
    _, err = capsys.readouterr()
    _check([*args, "--format", "table"], code, "", err)  # the JSON went to the faulty stream
    if error == errno.EPIPE:
        assert "cannot write" not in err, err
    if code == 2 and error is not None and "cannot write to stdout" in err:
        assert error != errno.EPIPE
