"""The command line: parse options, load the catalog, call the planner, render. Nothing else.

``main`` is the one boundary that turns errors into exit statuses: 0 yes/success, 1 "does not fit", 2 bad
input, each bad input reported as one line on stderr (``--debug`` adds the traceback).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Annotated

import typer

from flopcheck import __version__
from flopcheck.catalog import store as catalog
from flopcheck.cli import config
from flopcheck.core.errors import ExitStatus, FlopcheckError

app = typer.Typer(
    name="flopcheck",
    help="Can I train this model on this hardware? Training FLOPs (6·N·D), GPU budgets, time and memory.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flopcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit.", show_default=False
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show the traceback of an error (anywhere on the line).", show_default=False),
    ] = False,
    no_config: Annotated[
        bool,
        typer.Option(
            "--no-config",
            help="Ignore the defaults file, ~/.config/flopcheck/config.yaml (anywhere on the line).",
            show_default=False,
        ),
    ] = False,
    catalog_file: Annotated[
        list[str] | None,
        typer.Option(
            "--catalog",
            metavar="FILE",
            help="A catalog file merged over the packaged catalogs by id (repeatable, anywhere on the line; "
            "also FLOPCHECK_CATALOG, a path list).",
        ),
    ] = None,
) -> None:
    """Can I train this model on this hardware?"""


def _take_catalog_files(args: list[str]) -> tuple[list[str], list[str]]:
    rest: list[str] = []
    files: list[str] = []
    taking = False
    for arg in args:
        if taking:
            files.append(arg)
            taking = False
        elif arg == "--catalog":
            taking = True
        elif arg.startswith("--catalog="):
            files.append(arg.removeprefix("--catalog="))
        else:
            rest.append(arg)
    if taking:
        rest.append("--catalog")  # let the parser report the missing value
    return rest, files


def _is_usage_error(exc: BaseException) -> bool:
    """Typer's (vendored click) usage errors: they carry an exit code and a one-line message."""
    return isinstance(getattr(exc, "exit_code", None), int) and callable(getattr(exc, "format_message", None))


def _fail(message: str, status: int, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    sys.stderr.write(f"flopcheck: error: {message}\n")
    return status


COMMAND_MODULES = {
    "fits": "run",
    "memory": "run",
    "optimal": "run",
    "budget": "run",
    "flops": "run",
    "compare": "compare",
    "matrix": "compare",
    "gpus": "catalog_cmds",
    "models": "catalog_cmds",
    "validate": "catalog_cmds",
    "schema": "catalog_cmds",
    "runs": "runs_cmds",
    "accuracy": "runs_cmds",
    "calibrate": "runs_cmds",
}
"""Which module defines each command. ``main`` imports only the one it needs: Typer then builds one command's
options instead of all of them, which is most of the start-up time a command spends before its answer."""


def load_commands(args: Sequence[str]) -> None:
    """Register the command named in ``args`` (all of them for help, no command or an unknown one)."""
    name = next((arg for arg in args if not arg.startswith("-")), None)
    modules = [COMMAND_MODULES[name]] if name in COMMAND_MODULES else list(dict.fromkeys(COMMAND_MODULES.values()))
    for module in modules:
        importlib.import_module(f"flopcheck.cli.{module}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status. (When stdout is closed early, as in ``| head``, Typer exits
    with status 1 by itself, quietly.)"""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("FLOPCHECK_DEBUG"))
    # --debug, --no-config and --catalog work anywhere on the line, before or after the command.
    config.disable("--no-config" in args)
    args = [arg for arg in args if arg not in ("--debug", "--no-config")]
    args, files = _take_catalog_files(args)
    env_files = [p for p in os.environ.get("FLOPCHECK_CATALOG", "").split(os.pathsep) if p]
    catalog.use_files([*env_files, *files])
    load_commands(args)
    try:
        status = app(args=args, prog_name="flopcheck", standalone_mode=False)
    except FlopcheckError as exc:
        return _fail(str(exc), exc.exit_status, debug)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if _is_usage_error(exc):
            message = " ".join(str(exc.format_message()).split())  # type: ignore[attr-defined]
            if not message:  # `flopcheck` alone: the help was printed, and that says it all
                return ExitStatus.BAD_INPUT
            return _fail(message, ExitStatus.BAD_INPUT, debug)
        return _fail(f"internal error: {exc!r} (please report it; --debug shows the traceback)", 70, debug)
    return status if isinstance(status, int) else ExitStatus.OK
