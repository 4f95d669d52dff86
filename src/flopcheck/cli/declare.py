"""How a command declares its options to Typer: ``takes`` gives it the run options ``COMMANDS`` lists and the
output options; ``narrowed`` is the same command declaring only the options a command line mentions.

Typer reads a command's signature when it builds the command, and on each run prepares every option the
command declares, given or not (a TypeAdapter each; fits declares 69). So a signature is built only when Typer
asks for it (a run builds one command), and a run declares only the options on its line.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from flopcheck.api.options import COMMANDS, RunOptions
from flopcheck.cli.options import DECLARED, OUTPUT, Output, for_command, output_format

OWN_EXCLUDED = ("options", "out")
"""Parameters of the decorated function that ``Command`` fills in itself."""


class Command:
    """The callback Typer runs for a command made by ``takes``: ``function`` with the run options ``names``
    (all of ``COMMANDS[command]`` unless narrowed) and the output options; ``entered`` is not empty once it
    ran. ``__signature__`` and ``__annotations__`` are made when first read."""

    def __init__(self, function: Callable[..., None], command: str | None, names: Sequence[str] | None = None) -> None:
        self.function = function
        self.command = command
        self.all_names = () if command is None else COMMANDS[command]
        self.declared_names = self.all_names if names is None else tuple(names)
        self.entered: list[bool] = []
        self.__wrapped__ = function
        self.__name__ = function.__name__
        self.__qualname__ = function.__qualname__
        self.__doc__ = function.__doc__
        self.__module__ = function.__module__

    def __getattr__(self, name: str) -> Any:
        if name not in ("__signature__", "__annotations__"):
            raise AttributeError(name)
        signature = inspect.signature(self.function)
        hints = typing.get_type_hints(self.function, include_extras=True)
        own = [p.replace(annotation=hints[p.name]) for p in signature.parameters.values() if p.name not in OWN_EXCLUDED]
        declared = [(name, for_command(self.command or "", name), None) for name in self.declared_names]
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
            for name, kind, default in (*declared, *OUTPUT)
        ]
        self.__signature__ = signature.replace(parameters=[*own, *added])
        self.__annotations__ = {p.name: p.annotation for p in (*own, *added)}
        return getattr(self, name)

    def __call__(self, **kwargs: Any) -> None:
        from flopcheck.cli import config

        self.entered.append(True)
        fmt = output_format(kwargs.pop("json"), kwargs.pop("format"))
        explain = bool(kwargs.pop("explain"))
        given = {name: _plain(kwargs.pop(name, None)) for name in self.all_names}
        options: RunOptions = {name: value for name, value in given.items() if value is not None}  # type: ignore[assignment]
        notes: tuple[str, ...] = ()
        if self.command is not None:
            options, notes = config.fill(self.command, options)
        extra = {"options": options} if "options" in inspect.signature(self.function).parameters else {}
        self.function(**kwargs, **extra, out=Output(fmt, explain, notes))


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def takes(command: str | None) -> Callable[[Callable[..., None]], Command]:
    """Give a command the run options ``COMMANDS[command]`` lists (none for ``None``) and the output options.

    The command declares its own parameters plus ``options: RunOptions`` (the run options given, by name,
    with the user's defaults file filled in, ready for the API) and ``out: Output``."""

    def decorate(function: Callable[..., None]) -> Command:
        return Command(function, command)

    return decorate


def narrowed(callback: object, args: Sequence[str]) -> Command | None:
    """``callback`` (a command ``takes`` made) declaring only the run options that ``args`` mentions, or None.

    An option not on the line is None either way, so the narrowed command answers the same. What could differ
    is a usage error (the options "did you mean" offers), so the caller runs the full command again when this
    one fails before it is ``entered``. A token that may be an option matches generously: ``--name``,
    ``--name=...``, and any short-option token for every option with a short flag."""
    if not isinstance(callback, Command):
        return None
    names = [name for name in callback.all_names if _mentioned(DECLARED[name].names, args)]
    return Command(callback.function, callback.command, names)


def _mentioned(flags: Sequence[str], args: Sequence[str]) -> bool:
    for arg in args:
        if arg.startswith("--"):
            if any(arg == flag or arg.startswith(f"{flag}=") for flag in flags):
                return True
        elif arg.startswith("-") and any(not flag.startswith("--") for flag in flags):
            return True
    return False
