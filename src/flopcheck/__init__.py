"""flopcheck: can I train this model on this hardware — how long, and does it fit?

The Python API answers the same questions as the command line, with the same options and defaults::

    import flopcheck
    result = flopcheck.fits("gpt2-xl", gpu="rtx4070ti", tokens="10B")
    result.fits, result.compute.time_s, result.memory.required_bytes

Each function returns the result model the CLI prints with ``--json`` (``result.model_dump(mode="json")`` is
that document). Bad input raises ``FlopcheckError`` whose message is the line the CLI prints. Importing
flopcheck is cheap: the functions, the catalogs and their dependencies load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flopcheck.core.errors import CatalogError, FlopcheckError, InputError, NotFoundError

__version__ = "0.1.0"

_QUESTIONS = (
    "fits",
    "memory",
    "optimal",
    "budget",
    "flops",
    "compare",
    "matrix",
    "runs",
    "calibrate",
    "accuracy",
    "layout",
)
_CATALOG = ("gpus", "models", "gpu", "model")

__all__ = [
    "CatalogError",
    "FlopcheckError",
    "InputError",
    "NotFoundError",
    "__version__",
    "accuracy",
    "budget",
    "calibrate",
    "compare",
    "fits",
    "flops",
    "gpu",
    "gpus",
    "layout",
    "matrix",
    "memory",
    "model",
    "models",
    "optimal",
    "runs",
    "use_catalog_files",
]

if TYPE_CHECKING:
    from flopcheck.api.questions import (
        accuracy,
        budget,
        calibrate,
        compare,
        fits,
        flops,
        gpu,
        gpus,
        layout,
        matrix,
        memory,
        model,
        models,
        optimal,
        runs,
    )
    from flopcheck.catalog.store import use_files as use_catalog_files


def __getattr__(name: str) -> Any:
    """The API functions, imported on first use (PEP 562) so that ``import flopcheck`` stays cheap."""
    if name in _QUESTIONS or name in _CATALOG:
        from flopcheck.api import questions

        return getattr(questions, name)
    if name == "use_catalog_files":
        from flopcheck.catalog.store import use_files

        return use_files
    raise AttributeError(f"module 'flopcheck' has no attribute {name!r}")
