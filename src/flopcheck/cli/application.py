"""The command line: parse options, load the catalog, call the planner, render. Nothing else.

``main`` is the one boundary that turns errors into exit statuses: 0 yes/success, 1 "does not fit", 2 bad
input, each bad input reported as one line on stderr (``--debug`` adds the traceback).
"""

import contextlib
import copy
import gc
import importlib
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import Annotated

import typer

from flopcheck import __version__
from flopcheck.catalog import store as catalog
from flopcheck.cli import config, declare, streams
from flopcheck.cli.declare import Command
from flopcheck.core.errors import ExitStatus, FlopcheckError, InputError, printable

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


Version = Annotated[
    bool,
    typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.", show_default=False),
]


@app.callback()
def _root(
    version: Version = False,
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


def _root_run(version: Version = False) -> None:
    """``_root`` as a run declares it: ``main`` takes --debug, --no-config and --catalog off the line first."""


def _take_catalog_files(args: list[str]) -> tuple[list[str], list[str]]:
    """Split ``--catalog FILE`` and ``--catalog=FILE`` off the line (anywhere before a ``--``)."""
    rest: list[str] = []
    files: list[str] = []
    position = 0
    while position < len(args):
        arg = args[position]
        position += 1
        if arg == "--":
            rest += args[position - 1 :]
            break
        if arg == "--catalog":
            if position == len(args) or args[position].startswith("--"):
                raise InputError("--catalog needs a FILE: --catalog my-gpus.yaml")
            files.append(args[position])
            position += 1
        elif arg.startswith("--catalog="):
            value = arg.removeprefix("--catalog=")
            if not value:
                raise InputError("--catalog needs a FILE: --catalog=my-gpus.yaml")
            files.append(value)
        else:
            rest.append(arg)
    return rest, files


def _is_usage_error(exc: BaseException) -> bool:
    """Typer's (vendored click) usage errors: they carry an exit code and a one-line message."""
    return isinstance(getattr(exc, "exit_code", None), int) and callable(getattr(exc, "format_message", None))


def _fail(message: str, status: int, debug: bool) -> int:
    if debug:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            traceback.print_exc()
    streams.write_error(f"flopcheck: error: {printable(message)}\n")
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
    "layout": "layout_cmd",
}
"""Which module defines each command. ``main`` imports only the one it needs: Typer then builds one command's
options instead of all of them, which is most of the start-up time a command spends before its answer."""


def _command_name(args: Sequence[str]) -> str | None:
    return next((arg for arg in args if not arg.startswith("-")), None)


def load_commands(args: Sequence[str]) -> None:
    """Register the command named in ``args`` (all of them for help, no command or an unknown one)."""
    name = _command_name(args)
    modules = [COMMAND_MODULES[name]] if name in COMMAND_MODULES else list(dict.fromkeys(COMMAND_MODULES.values()))
    for module in modules:
        importlib.import_module(f"flopcheck.cli.{module}")


@contextlib.contextmanager
def only_command(args: Sequence[str], narrow: bool = False) -> Iterator[Command | None]:
    """While a known command runs, Typer sees only that one: it builds the options of every command it holds
    (a module defines several), and the one named is all a run needs. With ``narrow``, that command declares
    only the options the line mentions (``declare.narrowed``), and the root only --version (``_root_run``).
    Yields the narrowed command, if it is one."""
    name = _command_name(args)
    held, root = app.registered_commands, app.registered_callback
    chosen: Command | None = None
    if name in COMMAND_MODULES:
        infos = [info for info in held if _name_of(info) == name] or held
        if narrow and len(infos) == 1:
            chosen = declare.narrowed(infos[0].callback, args)
            if chosen is not None:
                infos = [copy.copy(infos[0])]
                infos[0].callback = chosen
        app.registered_commands = infos
    if chosen is not None and root is not None:  # with no command named, Typer may print the root's help
        app.registered_callback = copy.copy(root)
        app.registered_callback.callback = _root_run
    try:
        yield chosen
    finally:
        app.registered_commands, app.registered_callback = held, root


def _lists_options(args: Sequence[str]) -> bool:
    """Help and shell completion show every option of the command."""
    return "--help" in args or any(key.startswith("_FLOPCHECK_COMPLETE") for key in os.environ)


def _run(args: list[str]) -> object:
    """The command, declaring only the options the line mentions (all of them for help and completion); a
    usage error before the command ran is made again by the full command, whose message (its "did you mean"
    among all options) is the one to give."""
    narrow = not _lists_options(args)
    with only_command(args, narrow) as chosen:
        try:
            return app(args=args, prog_name="flopcheck", standalone_mode=False)
        except Exception as exc:
            if chosen is None or chosen.entered or not _is_usage_error(exc):
                raise
    with only_command(args):
        return app(args=args, prog_name="flopcheck", standalone_mode=False)


def _name_of(info: typer.models.CommandInfo) -> str:
    callback = info.callback.__name__.replace("_", "-") if info.callback is not None else ""
    return info.name or callback


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status: 0 yes, 1 no or a gate failed, 2 bad input (one line on stderr),
    70 an internal error (a bug). A pipe closed by its reader ends quietly with 0; a write error on stdout
    (a full disk, a closed descriptor) is one line and 2."""
    if argv is None:
        # The command line itself (not a caller in Python): skip pydantic's scan of every installed package's
        # entry points for plugins. Pydantic plugins (experimental) observe validation, e.g. for tracing; none
        # changes an answer. A value the user set wins. (PYDANTIC_DISABLE_PLUGINS: pydantic >= 2.7,
        # pydantic/plugin/_loader.py; older versions ignore it.)
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        # What the imports so far made (Typer, pydantic, the catalog models) lives until the process ends, so
        # the collector need not walk it again: not in its ~16 passes during the answer (~2 ms), nor in the
        # collection at interpreter exit (~22 ms, most of it over Typer's and pydantic's own objects).
        gc.freeze()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("FLOPCHECK_DEBUG"))
    # --debug, --no-config and --catalog work anywhere on the line, before or after the command.
    config.disable("--no-config" in args)
    real = sys.stdout
    with streams.guarded() as out:
        try:
            status = _answer([arg for arg in args if arg not in ("--debug", "--no-config")], debug)
            out.flush()
        except streams.StdoutFailed as exc:
            streams.quiet(real)
            if exc.broken:
                return ExitStatus.OK
            return _fail(f"cannot write to stdout: {exc}", ExitStatus.BAD_INPUT, debug)
    return status


def _answer(args: list[str], debug: bool) -> int:
    """The one boundary: every error becomes its exit status and one line on stderr."""
    try:
        args, files = _take_catalog_files(args)
        env_files = [p for p in os.environ.get("FLOPCHECK_CATALOG", "").split(os.pathsep) if p]
        catalog.use_files([*env_files, *files])
        load_commands(args)
        status = _run(args)
        for note in catalog.notes():
            streams.write_error(f"flopcheck: note: {printable(note)}\n")
    except streams.StdoutFailed:
        raise
    except FlopcheckError as exc:
        return _fail(str(exc), exc.exit_status, debug)
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        if exc.filename is None:
            return _internal(exc, debug)
        return _fail(f"{exc.filename}: {exc.strerror or exc}", ExitStatus.BAD_INPUT, debug)
    except Exception as exc:
        if _is_usage_error(exc):
            message = _suggest(" ".join(str(exc.format_message()).split()))  # type: ignore[attr-defined]
            if not message:  # `flopcheck` alone: the help was printed, and that says it all
                return ExitStatus.BAD_INPUT
            return _fail(message, ExitStatus.BAD_INPUT, debug)
        return _internal(exc, debug)
    return status if isinstance(status, int) else ExitStatus.OK


def _suggest(message: str) -> str:
    """A choice error with "did you mean" added: ``'neox' is not one of 'hf', 'gpt-neox', …``."""
    import difflib
    import re

    message = message.replace("Value error, ", "")
    found = re.search(r"'([^']*)' is not one of ((?:'[^']*'(?:, )?)+)", message)
    if found is None:
        return message
    value, choices = found.group(1), re.findall(r"'([^']*)'", found.group(2))
    close = [c for c in choices if value and value.lower() in c.lower()] or difflib.get_close_matches(value, choices, 1)
    return f"{message.rstrip('.')}; did you mean {close[0]!r}?" if close else message


def _internal(exc: BaseException, debug: bool) -> int:
    return _fail(f"internal error: {exc!r} (please report it; --debug shows the traceback)", 70, debug)
