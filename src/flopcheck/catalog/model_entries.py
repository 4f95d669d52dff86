"""Catalog entries for language models: the architecture and the model, validated."""

from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from flopcheck.catalog.entry_types import (
    AUTO_PRECISION_ORDER as AUTO_PRECISION_ORDER,
)
from flopcheck.catalog.entry_types import (
    CatalogEntry as CatalogEntry,
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
    StrictBool as StrictBool,
)
from flopcheck.catalog.entry_types import (
    Text as Text,
)
from flopcheck.catalog.entry_types import (
    _Entry,
    _Number,
    _web_sources,
)
from flopcheck.catalog.entry_types import (
    packaged as packaged,
)
from flopcheck.core import architecture as core_architecture


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
    def _consistent(self) -> "ArchitectureEntry":
        from flopcheck.catalog.relations import architecture_problems

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
    def _active_le_total(self, info: ValidationInfo) -> "ModelSpec":
        if self.active_params is not None and self.active_params > self.params:
            raise ValueError("active_params cannot exceed params")
        _web_sources(self.sources, info)
        return self
