"""The ``memory`` command's answer: the memory result with the model and GPU it is about (its own module, so
that an answer that only includes a memory result builds none of these)."""

from flopcheck.answers.results.base import _Result
from flopcheck.answers.results.memory import MemoryResult


class ModelBrief(_Result):
    id: str
    name: str
    params: int
    shape_note: str | None = None
    """For a bare parameter count: the shape assumed for its activations."""


class GpuBrief(_Result):
    id: str
    name: str
    count: int
    memory_bytes: int


class MemoryReport(MemoryResult):
    """The ``memory`` command's answer: the memory result with the model and GPU it is about."""

    model: ModelBrief
    gpu: GpuBrief | None
    warnings: tuple[str, ...] = ()
