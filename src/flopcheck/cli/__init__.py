"""The command line. ``main`` runs it; the commands register themselves on ``app`` when imported."""

from flopcheck.cli import catalog_cmds, compare, run
from flopcheck.cli.app import app, main

__all__ = ["app", "catalog_cmds", "compare", "main", "run"]
