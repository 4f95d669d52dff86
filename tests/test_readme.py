"""The README's examples are real: every ``$ flopcheck …`` line in a ``console`` block is run, and its
output must match what the README shows. Refresh them with ``python -m tests.test_readme``."""

from __future__ import annotations

import doctest
import io
import os
import re
import shlex
import sys
from contextlib import redirect_stdout
from pathlib import Path

from flopcheck.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(```console\n)(.*?)(```)", re.DOTALL)
WIDTH = "100"


def run_example(command: str) -> str:
    args = shlex.split(command)
    assert args[0] == "flopcheck", command
    saved = {k: os.environ.get(k) for k in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "FLOPCHECK_CONFIG")}
    os.environ.update(COLUMNS=WIDTH, NO_COLOR="1", FLOPCHECK_CONFIG=os.devnull)  # no user defaults
    os.environ.pop("FORCE_COLOR", None)
    try:
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            main(args[1:])
        return buffer.getvalue()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def refresh_block(body: str) -> str:
    out: list[str] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            out.append(line + "\n")
            out.append(run_example(line[2:]))
    return "".join(out)


OPTIONS = re.compile(r"(<!-- options:begin -->\n)(.*?)(<!-- options:end -->)", re.DOTALL)


def options_table() -> str:
    """The run options as the command line declares them: each option, the commands that take it, what it
    does (its generic help; ``COMMAND --help`` has each command's own)."""
    import typer

    from flopcheck.cli.application import COMMAND_MODULES, app, load_commands
    from flopcheck.cli.help_texts import GENERIC

    load_commands([])
    group = typer.main.get_command(app)
    rows: dict[str, tuple[list[str], str]] = {}
    for name in COMMAND_MODULES:
        command = group.commands[name]  # type: ignore[attr-defined]
        for param in command.params:
            if param.name not in GENERIC or not getattr(param, "opts", None):
                continue
            spelled = " / ".join(f"`{flag}`" for flag in (*param.opts, *param.secondary_opts))
            rows.setdefault(spelled, ([], GENERIC[param.name]))[0].append(f"`{name}`")
    lines = ["| option | commands | what it does |", "| --- | --- | --- |"]
    for flags, (commands, text) in rows.items():
        escaped = text.replace("|", "\\|")
        lines.append(f"| {flags} | {', '.join(commands)} | {escaped} |")
    return "\n".join(lines) + "\n"


def refresh(text: str) -> str:
    text = OPTIONS.sub(lambda m: m.group(1) + options_table() + m.group(3), text)
    return BLOCK.sub(lambda m: m.group(1) + refresh_block(m.group(2)) + m.group(3), text)


def test_readme_option_table_is_generated_from_the_cli() -> None:
    text = README.read_text(encoding="utf-8")
    match = OPTIONS.search(text)
    assert match, "the README has no generated option table"
    assert match.group(2) == options_table(), "README options are stale: run `python -m tests.test_readme`"


def test_readme_examples_match_the_cli() -> None:
    text = README.read_text(encoding="utf-8")
    assert BLOCK.search(text), "the README has no console examples"
    assert refresh(text) == text, "README examples are stale: run `python -m tests.test_readme`"


PYTHON_BLOCK = re.compile(r"```pycon\n(.*?)```", re.DOTALL)


def test_readme_python_examples_run() -> None:
    """The Python section's session runs as written (doctest)."""
    blocks = PYTHON_BLOCK.findall(README.read_text(encoding="utf-8"))
    assert blocks, "the README has no Python example"
    for number, block in enumerate(blocks):
        test = doctest.DocTestParser().get_doctest(block, {}, f"README python block {number}", str(README), 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        output = io.StringIO()
        runner.run(test, out=output.write)
        assert runner.failures == 0, output.getvalue()


def test_ci_runs_the_readme_test_command() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"To run the checks.*?```sh\n(.+?)\n```", text, re.DOTALL)
    assert match, "the README has no test command"
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert match.group(1) in ci.splitlines()


if __name__ == "__main__":
    README.write_text(refresh(README.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"refreshed {README}\n")
