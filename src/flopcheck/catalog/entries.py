"""Catalog entries: accelerators and language models, as frozen pydantic models.

Units live in field names. Unknown keys are rejected, every entry carries at least one source, and a figure
the vendor or paper does not publish is absent (None), never derived from another.

Two strictnesses, chosen by the validation context: packaged entries (``context={"packaged": True}``) cite
web sources (URLs), accelerators give their year and prices their offer, and numbers are YAML numbers; a
user's own entries may cite a source in words ("measured on my card"), leave out a GPU's year, and write
numbers as ``1.1e9``, ``1.1B`` or ``7,000``.
"""

from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from flopcheck.catalog.entry_types import (
    _URL,
    _Entry,
    _Number,
    _web_sources,
)
from flopcheck.catalog.entry_types import (
    AUTO_PRECISION_ORDER as AUTO_PRECISION_ORDER,
)
from flopcheck.catalog.entry_types import (
    CatalogEntry as CatalogEntry,
)
from flopcheck.catalog.entry_types import (
    Id as Id,
)
from flopcheck.catalog.entry_types import (
    PositiveFloat as PositiveFloat,
)
from flopcheck.catalog.entry_types import (
    PositiveInt as PositiveInt,
)
from flopcheck.catalog.entry_types import (
    Precision as Precision,
)
from flopcheck.catalog.entry_types import (
    Source as Source,
)
from flopcheck.catalog.entry_types import (
    Text as Text,
)
from flopcheck.catalog.entry_types import (
    Url as Url,
)
from flopcheck.catalog.entry_types import (
    packaged as packaged,
)
from flopcheck.catalog.model_entries import ArchitectureEntry as ArchitectureEntry
from flopcheck.catalog.model_entries import ModelSpec as ModelSpec


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
    def _dated_offer(self, info: ValidationInfo) -> "Price":
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
    def _consistent(self, info: ValidationInfo) -> "GpuSpec":
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
    hours_from_throughput: bool = False
    """The source computed its hours from steady-state throughput (iteration time × iterations, or tokens over
    tokens per second), not from the calendar: they hold no interruptions, and the prediction takes no goodput."""
    configuration: Text | None = None
    """The id of the row of data/throughput-measured.yaml that records the configuration this run published
    (layout, batch, recomputation, each with its source); the prediction then uses it instead of a search."""
    source: Url
    where: Text
    """Where in the source each figure is: table, section, quote."""
    notes: Text | None = None

    @model_validator(mode="after")
    def _enough_to_compare(self) -> "RunSpec":
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
