"""The command line. ``main`` runs it; each command registers itself on ``app`` when its module is imported,
and ``main`` imports only the module of the command it runs."""

from flopcheck.cli.application import app, main

__all__ = ["app", "main"]
