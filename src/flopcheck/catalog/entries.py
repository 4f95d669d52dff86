"""Catalog entries: accelerators and language models, as frozen pydantic models.

Units live in field names. Unknown keys are rejected, every entry carries at least one source, and a figure
the vendor or paper does not publish is absent (None), never derived from another.

Two strictnesses, chosen by the validation context: packaged entries (``context={"packaged": True}``) cite
web sources (URLs), accelerators give their year and prices their offer, and numbers are YAML numbers; a
user's own entries may cite a source in words ("measured on my card"), leave out a GPU's year, and write
numbers as ``1.1e9``, ``1.1B`` or ``7,000``.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from flopcheck.catalog.relations import architecture_problems
from flopcheck.core import architecture as core_architecture
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


class Peaks(_Entry):
    """Dense peak TFLOP/s by precision (no 2:4 sparsity)."""

    fp32: PositiveFloat | None = None
    tf32: PositiveFloat | None = None
    bf16: PositiveFloat | None = None
    fp16: PositiveFloat | None = None
    fp8: PositiveFloat | None = None


PriceKind = Literal["on-demand", "spot", "marketplace", "committed-1y", "committed-3y"]


class Price(_Entry):
    """A rental price per GPU-hour from a public list (instance price / its GPUs), with the provider, the offer,
    the month it applies to and where it was read. ``kind``: on-demand list price (the default rule's), spot,
    a marketplace listing, or a 1- or 3-year commitment."""

    provider: Text
    usd_per_gpu_hour: PositiveFloat
    offer: Text | None = None
    date: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    kind: PriceKind = "on-demand"
    source: Source | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _dated_offer(self, info: ValidationInfo) -> Price:
        listed = self.offer is not None and bool(_URL.match(self.source or ""))
        if packaged(info) and not listed:
            raise ValueError("a packaged price gives its offer and the URL of its list")
        return self


class Platform(_Entry):
    """The server a data-centre accelerator is sold in: GPUs per node, the node's maximum power draw as its
    vendor prints it (CPUs, NICs, fans and power supplies included) and its interconnect."""

    name: Text
    gpus_per_node: PositiveInt
    node_power_w: PositiveFloat | None = None
    interconnect: Text | None = None
    source: Url
    note: Text | None = None


class GpuSpec(CatalogEntry):
    """One accelerator. Capacity is recorded in the unit the vendor prints (``memory_gb``, 1e9 bytes, or where
    the vendor states GiB, ``memory_gib``), and where a device report is published, as the device reports it
    (``memory_total_bytes``: the total nvidia-smi, rocm-smi or JAX show, with ``memory_total_source``)."""

    vendor: Text
    name: Text
    architecture: Text | None = None
    year: Annotated[int, _Number, Field(ge=2000, le=2100, strict=True)] | None = None
    memory_gb: PositiveFloat | None = None
    memory_gib: PositiveFloat | None = None
    memory_total_bytes: PositiveInt | None = None
    memory_total_source: Text | None = None
    memory_type: Text | None = None
    memory_bandwidth_gb_per_s: PositiveFloat | None = None
    board_power_w: PositiveFloat | None = None
    peak_tflop_per_s: Peaks
    derived_peaks: tuple[Precision, ...] = ()
    """Precisions whose peak is derived from published figures (the derivation is in ``notes``)."""
    prices: tuple[Price, ...] = ()
    platform: Platform | None = None
    sources: Annotated[tuple[Source, ...], Field(min_length=1)]
    notes: Text | None = None

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> GpuSpec:
        if (self.memory_gb is None) == (self.memory_gib is None):
            raise ValueError("give exactly one of memory_gb or memory_gib")
        if (self.memory_total_bytes is None) != (self.memory_total_source is None):
            raise ValueError("give memory_total_bytes together with memory_total_source")
        if self.memory_total_bytes is not None and not 0.5 < self.memory_total_bytes / self.vendor_memory_bytes < 1.5:
            raise ValueError("memory_total_bytes is not near the vendor's capacity")
        for precision in self.derived_peaks:
            if self.peak_flop_per_s(precision) is None:
                raise ValueError(f"derived_peaks names {precision.value}, which has no peak")
        if self.derived_peaks and not self.notes:
            raise ValueError("derived peaks need their derivation in notes")
        if packaged(info) and self.year is None:
            raise ValueError("year: a packaged entry gives its year")
        _web_sources(self.sources, info)
        return self

    @property
    def memory_known(self) -> bool:
        """False only for hardware given on the command line without --gpu-memory."""
        return self.memory_gb is not None or self.memory_gib is not None

    @property
    def vendor_memory_bytes(self) -> float:
        """The capacity the vendor prints, in bytes (GB = 1e9, GiB = 2**30)."""
        if self.memory_gib is not None:
            return self.memory_gib * 2**30
        if self.memory_gb is None:
            raise ValueError(f"{self.id} has no memory figure")
        return self.memory_gb * 1e9

    @property
    def memory_bytes(self) -> float:
        """Device memory in bytes: the total the device reports where published, else the vendor's figure."""
        return float(self.memory_total_bytes) if self.memory_total_bytes is not None else self.vendor_memory_bytes

    def peak_flop_per_s(self, precision: Precision) -> float | None:
        """Dense peak FLOP/s at ``precision``, or None where the vendor publishes none."""
        tflop: float | None = getattr(self.peak_tflop_per_s, precision.value)
        return None if tflop is None else tflop * 1e12

    @property
    def precisions(self) -> tuple[Precision, ...]:
        return tuple(p for p in Precision if self.peak_flop_per_s(p) is not None)


StrictBool = Annotated[bool, Field(strict=True)]


class ArchitectureEntry(_Entry):
    """Transformer shape, from the released config.json or the paper, validated. Absent figures are
    unpublished or not present; ``flopcheck.core.architecture.Architecture`` documents every field and the
    layout defaults."""

    model_config = ConfigDict(title="Architecture")

    n_layer: PositiveInt
    d_model: PositiveInt
    n_head: PositiveInt
    n_kv_head: PositiveInt | None = None
    d_head: PositiveInt | None = None
    d_ff: PositiveInt | None = None
    vocab_size: PositiveInt | None = None
    n_ctx: PositiveInt
    tied_embeddings: StrictBool | None = None
    mlp: Literal["gelu", "swiglu", "relu", "geglu"] | None = None
    norm: Literal["layernorm", "rmsnorm", "layernorm-noaffine"] | None = None
    norms_per_layer: PositiveInt | None = None
    post_norm: StrictBool | None = None
    qk_norm: Literal["head", "full"] | None = None
    bias: StrictBool | None = None
    qkv_bias: StrictBool | None = None
    position: Literal["learned", "rotary", "alibi", "relative"] | None = None
    position_embeddings: PositiveInt | None = None
    embedding_norm: StrictBool | None = None
    attention_sinks: StrictBool | None = None
    sliding_window: PositiveInt | None = None
    sliding_window_pattern: Annotated[int, Field(ge=2, strict=True)] | None = None
    attn_logit_softcap: PositiveFloat | None = None
    final_logit_softcap: PositiveFloat | None = None
    n_expert: PositiveInt | None = None
    n_expert_per_token: PositiveInt | None = None
    moe_d_ff: PositiveInt | None = None
    n_shared_expert: PositiveInt | None = None
    shared_expert_d_ff: PositiveInt | None = None
    shared_expert_gate: StrictBool | None = None
    n_dense_layers: PositiveInt | None = None
    router_score_bias: StrictBool | None = None
    q_lora_rank: PositiveInt | None = None
    kv_lora_rank: PositiveInt | None = None
    qk_nope_head_dim: PositiveInt | None = None
    qk_rope_head_dim: PositiveInt | None = None
    v_head_dim: PositiveInt | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ArchitectureEntry:
        for problem in architecture_problems(self):
            raise ValueError(problem)
        return self

    def to_core(self) -> core_architecture.Architecture:
        """The plain description the arithmetic reads."""
        return core_architecture.Architecture(**dict(self))


class ModelSpec(CatalogEntry):
    """One language model. ``params`` is the released checkpoint's exact count where published."""

    name: Text
    family: Text
    organization: Text
    year: Annotated[int, _Number, Field(ge=2000, le=2100, strict=True)]
    params: PositiveInt
    params_note: Text | None = None
    active_params: PositiveInt | None = None
    architecture: ArchitectureEntry | None = None
    training_tokens: PositiveInt | None = None
    training_tokens_estimated: Annotated[bool, Field(strict=True)] = False
    """True where the trainers did not publish the figure and the catalog carries a cited estimate."""
    training_tokens_note: Text | None = None
    sources: Annotated[tuple[Source, ...], Field(min_length=1)]
    notes: Text | None = None

    @model_validator(mode="after")
    def _active_le_total(self, info: ValidationInfo) -> ModelSpec:
        if self.active_params is not None and self.active_params > self.params:
            raise ValueError("active_params cannot exceed params")
        _web_sources(self.sources, info)
        return self


class RunSpec(CatalogEntry):
    """A published training run: what was trained, on what, and the time or accelerator-hours it took."""

    name: Text
    model: Id | None = None
    """A catalog model id; else ``params``."""
    params: PositiveInt | None = None
    tokens: PositiveInt
    gpu: Id
    gpu_count: PositiveInt | None = None
    precision: Precision | None = None
    gpu_hours: PositiveFloat | None = None
    """Accelerator-hours as reported (GPU-hours, or TPU chip-hours)."""
    wall_time_days: PositiveFloat | None = None
    reported_mfu: Annotated[float, Field(gt=0, le=1, strict=True, allow_inf_nan=False)] | None = None
    seq_len: PositiveInt | None = None
    source: Url
    where: Text
    """Where in the source each figure is: table, section, quote."""
    notes: Text | None = None

    @model_validator(mode="after")
    def _enough_to_compare(self) -> RunSpec:
        if self.model is None and self.params is None:
            raise ValueError("give model (a catalog id) or params")
        if self.gpu_hours is None and (self.gpu_count is None or self.wall_time_days is None):
            raise ValueError("give gpu_hours, or gpu_count and wall_time_days")
        return self


class CatalogFile(_Entry):
    """A catalog file: accelerators, language models, published runs, or any of them (``flopcheck schema catalog``)."""

    gpus: tuple[GpuSpec, ...] = ()
    models: tuple[ModelSpec, ...] = ()
    runs: tuple[RunSpec, ...] = ()
