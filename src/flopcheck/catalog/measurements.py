"""Published measurements of training runs, the ground truth flopcheck's accuracy is checked against.

``data/memory-measured.yaml`` holds measured peak GPU memory, ``data/throughput-measured.yaml`` measured training
tokens per second per GPU; each file's header explains every field, its unit and the fit / hold-out split. Both
are read with YAML's safe loader through ``importlib.resources`` on first use, never at import time, and every
row is validated: a malformed file raises :class:`CatalogError` naming the file, the row and the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from flopcheck.core.errors import CatalogError

MEMORY_FILE = "memory-measured.yaml"
THROUGHPUT_FILE = "throughput-measured.yaml"

PosInt = Annotated[int, Field(strict=True, gt=0)]
PosFloat = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
Text = Annotated[str, Field(strict=True, min_length=1)]
Url = Annotated[str, Field(strict=True, pattern=r"^https?://\S+$")]
Flag = Annotated[bool, Field(strict=True)]

Split = Literal["fit", "holdout"]
Stack = Literal[
    "hf",
    "torchtune",
    "unsloth",
    "litgpt",
    "torchtitan",
    "megatron",
    "deepspeed",
    "gpt-neox",
    "nanogpt",
    "foundry",
    "other",
]
Method = Literal["pretrain", "full", "lora", "qlora"]
Target = Literal["q", "k", "v", "o", "mlp"]
Precision = Literal["mixed", "pure-bf16", "fp32"]
Compute = Literal["bf16", "fp16", "fp8", "fp4", "fp32", "tf32"]
Optimizer = Literal["adamw", "adamw-8bit", "adafactor", "sgd", "lion", "muon"]
Recompute = Literal["none", "selective", "full"]
Attention = Literal["flash", "eager"]
Loss = Literal["standard", "chunked", "fused"]
Offload = Literal["none", "optimizer", "all"]
Metric = Literal["allocated", "reserved", "unknown"]
Quality = Literal["high", "medium", "low"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Architecture(_Frozen):
    """The measured model's shape, as its config (or the source's table) gives it; null = not fixed there."""

    name: Text
    hf_id: Text | None
    params: PosInt | None
    active_params: PosInt | None
    layers: PosInt
    hidden: PosInt
    heads: PosInt
    kv_heads: PosInt
    head_dim: PosInt | None
    ffn: PosInt | None
    vocab: PosInt | None
    tied_embeddings: Flag | None
    gated_mlp: Flag | None
    norm: Literal["rmsnorm", "layernorm"] | None
    dropout: Flag | None
    n_experts: PosInt | None
    experts_per_token: PosInt | None
    attn_logit_softcap: Flag | None = None
    """Attention scores soft-capped with tanh (Gemma 2's attn_logit_softcapping); null: none."""

    @model_validator(mode="after")
    def _consistent(self) -> Architecture:
        if (self.n_experts is None) != (self.experts_per_token is None):
            raise ValueError("n_experts and experts_per_token are given together (MoE) or not at all")
        if self.n_experts is not None and (self.experts_per_token or 0) > self.n_experts:
            raise ValueError("experts_per_token exceeds n_experts")
        if self.active_params is not None and self.n_experts is None:
            raise ValueError("active_params is for mixture-of-experts models only")
        if self.kv_heads > self.heads or self.heads % self.kv_heads:
            raise ValueError("kv_heads must divide heads")
        return self


class Lora(_Frozen):
    rank: PosInt | None
    targets: tuple[Target, ...] | None
    output: Flag | None


class Parallel(_Frozen):
    zero: Annotated[int, Field(strict=True, ge=0, le=3)] | None
    offload: Offload
    tp: PosInt
    pp: PosInt
    vp: PosInt | None
    cp: PosInt
    ep: PosInt
    sequence_parallel: Flag | None
    schedule: Literal["1f1b", "interleaved"] | None = None
    """The pipeline schedule where the source names it; interleaved with vp null: virtual stages not published."""
    tp_comm_overlap: Flag = False
    """Tensor-parallel communication overlapped with the forward GEMMs too, where the source says so (Megatron-LM
    ``--tp-comm-overlap``, NeMo ``tp_comm_overlap``, torchtitan async TP)."""


class Measurement(_Frozen):
    """What every measured row carries: where it was published and the run's full configuration."""

    id: Text
    source: Text
    url: Url
    where: Text
    split: Split
    gpu: Text | None
    gpu_id: Text | None
    gpus: PosInt
    stack: Stack
    model: Architecture
    method: Method
    lora: Lora | None
    precision: Precision | None
    compute: Compute | None
    optimizer: Optimizer | None
    paged: Flag
    in_backward: Flag
    micro_batch: PosInt | None
    grad_accum: PosInt | None
    """Micro-batches per optimizer step on each data-parallel rank (gradient accumulation); None: not stated."""
    seq_len: PosInt | None
    recompute: Recompute | None
    offload_activations: Flag | None
    attention: Attention | None
    loss: Loss | None
    compile: Flag | None
    parallel: Parallel
    notes: Text

    @model_validator(mode="after")
    def _layout(self) -> Measurement:
        model_parallel = self.parallel.tp * self.parallel.pp * self.parallel.cp
        if self.gpus % model_parallel:
            raise ValueError(f"parallel: tp x pp x cp = {model_parallel} does not divide gpus = {self.gpus}")
        if (self.method in ("lora", "qlora")) != (self.lora is not None):
            raise ValueError("lora: given exactly when method is lora or qlora")
        return self


class MemoryMeasurement(Measurement):
    """A published peak of GPU memory per GPU, in bytes, and what the source measured (allocated or reserved)."""

    measured_bytes: PosInt
    metric: Metric


class ThroughputMeasurement(Measurement):
    """A published training throughput in tokens per second per GPU, with how it was obtained."""

    gpus_per_node: PosInt | None
    network_busbw_gb_per_s: PosFloat | None = None
    """Measured NCCL bus bandwidth per GPU between nodes on the row's cluster, GB/s: a node's busbw over its GPUs
    (each GPU's data-parallel ring shares the node's NICs); its measurement is quoted in ``network_source``. None:
    the GPU's platform default (``answers.throughput.LINKS``)."""
    network_source: Text | None = None
    global_batch: PosInt | None
    tokens_per_s_per_gpu: PosFloat
    derived: Flag
    quality: Quality
    reported: Text


RowT = TypeVar("RowT", bound=Measurement)
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _rows(filename: str, raw: bytes) -> list[Any]:
    try:
        document = yaml.load(raw.decode("utf-8"), Loader=_LOADER)
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{filename}: not UTF-8 text (byte {exc.start})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark is not None else filename
        raise CatalogError(f"{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    rows = document.get("measurements") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise CatalogError(f"{filename}: expected a mapping with a 'measurements' list")
    return rows


def _problem(error: Any) -> str:
    """``field: message``; a check across fields names its field at the start of its message."""
    message = str(error["msg"]).removeprefix("Value error, ")
    loc: Sequence[int | str] = error["loc"]
    return f"{'.'.join(str(part) for part in loc)}: {message}" if loc else message


def parse(filename: str, raw: bytes, spec: type[RowT]) -> tuple[RowT, ...]:
    """Every row of one measured-data file validated as ``spec``; the first problem raises ``CatalogError``
    as ``FILE: ROW-ID: FIELD: message`` (``row #N`` when the row has no usable id)."""
    parsed: list[RowT] = []
    seen: set[str] = set()
    for number, row in enumerate(_rows(filename, raw), start=1):
        row_id = row.get("id") if isinstance(row, dict) else None
        name = row_id if isinstance(row_id, str) and row_id else f"row #{number}"
        if not isinstance(row, dict):
            raise CatalogError(f"{filename}: {name}: expected a mapping")
        try:
            entry = spec.model_validate(row)
        except ValidationError as exc:
            raise CatalogError(f"{filename}: {name}: {_problem(exc.errors()[0])}") from None
        if entry.id in seen:
            raise CatalogError(f"{filename}: {name}: id: used by an earlier row")
        seen.add(entry.id)
        parsed.append(entry)
    return tuple(parsed)


def _packaged(filename: str) -> bytes:
    try:
        return (resources.files("flopcheck") / "data" / filename).read_bytes()
    except OSError as exc:
        raise CatalogError(f"{filename}: cannot read the packaged file ({exc.strerror or exc})") from None


@cache
def memory_measurements() -> tuple[MemoryMeasurement, ...]:
    """The packaged measured peak-memory rows (``data/memory-measured.yaml``), read once on first use."""
    return parse(MEMORY_FILE, _packaged(MEMORY_FILE), MemoryMeasurement)


@cache
def throughput_measurements() -> tuple[ThroughputMeasurement, ...]:
    """The packaged measured-throughput rows (``data/throughput-measured.yaml``), read once on first use."""
    return parse(THROUGHPUT_FILE, _packaged(THROUGHPUT_FILE), ThroughputMeasurement)
