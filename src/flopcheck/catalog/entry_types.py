"""The value types and base models catalog entries share: validated numbers, ids, sources, the precisions,
and the two strictnesses (packaged entries and a user's own)."""

import re
from enum import Enum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
)

from flopcheck.core.errors import InputError
from flopcheck.core.units import parse_count


def packaged(info: ValidationInfo) -> bool:
    """Validating a packaged entry (strict) rather than a user's own (lenient)?"""
    return bool(info.context and info.context.get("packaged"))


def _number(value: object, info: ValidationInfo) -> object:
    """A user's number may be text with an SI suffix or e-notation (``1.1B``, ``1.1e9``; YAML reads ``1.1e9``
    as text), and a whole float may stand for an integer; packaged files write plain numbers."""
    if packaged(info):
        return value
    if isinstance(value, str):
        try:
            value = parse_count(value)
        except InputError:
            return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value) if info.field_name in _INTEGER_FIELDS else value
    return value


_INTEGER_FIELDS = frozenset(
    {"params", "active_params", "training_tokens", "tokens", "gpu_count", "seq_len", "year", "memory_total_bytes"}
)
_Number = BeforeValidator(_number)


class Precision(str, Enum):
    """Arithmetic precisions with a published dense peak. fp16 and bf16 mean tensor-core math with FP32
    accumulate (what mixed-precision training uses); fp32 means non-tensor FP32 (CUDA/vector cores)."""

    FP32 = "fp32"
    TF32 = "tf32"
    BF16 = "bf16"
    FP16 = "fp16"
    FP8 = "fp8"


AUTO_PRECISION_ORDER = (Precision.BF16, Precision.FP16, Precision.FP32)
"""``--precision auto``: bf16 where the chip has it, else fp16, else fp32."""


# strict: a quoted "12" in YAML is a mistake to report, not a number to coerce. The bounds are far outside any
# real figure (TFLOP/s, GB, W, USD, hours, counts) and keep every product of catalog figures finite and non-zero.
def _not_tiny(value: float) -> float:
    if value < 1e-6:
        raise ValueError("must be at least 1e-06: no real figure is this small")
    return value


PositiveFloat = Annotated[
    float, _Number, Field(gt=0, le=1e12, strict=True, allow_inf_nan=False), AfterValidator(_not_tiny)
]
PositiveInt = Annotated[int, _Number, Field(gt=0, le=10**18, strict=True)]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$", max_length=64)]
Alias = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9./_ -]*$", max_length=64)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500)]
Source = Annotated[str, StringConstraints(min_length=1, max_length=500)]
"""A URL in packaged entries (checked by ``_web_sources``); words are enough in a user's own."""
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
_URL = re.compile(r"^https?://\S+$")


def _web_sources(sources: tuple[str, ...], info: ValidationInfo) -> None:
    if packaged(info) and not all(_URL.match(source) for source in sources):
        raise ValueError("sources: a packaged entry cites web sources (https://...)")


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class CatalogEntry(_Entry):
    """What every catalog entry has: an id and the other names it is looked up by."""

    id: Id
    aliases: tuple[Alias, ...] = ()


StrictBool = Annotated[bool, Field(strict=True)]
