"""The model a question is about: a catalog entry, a local config.json, or a bare parameter count."""

from __future__ import annotations

from flopcheck.catalog.entries import ModelSpec
from flopcheck.core import memory
from flopcheck.core.architecture import Architecture, count_params, widths
from flopcheck.core.errors import InputError
from flopcheck.core.flops import AttentionCost
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.units import format_count


def shape_of(arch: Architecture) -> memory.Shape:
    """The figures the memory and throughput models need. Dropout: the layouts that train with it (GPT-2,
    OPT, BLOOM: LayerNorm with biases) unless the architecture says; RMSNorm models (Llama family) use none.
    MLP width: ``d_ff × n_expert_per_token`` is the width one token passes through, averaged over the layers
    (``core.architecture.widths``: dense layers their d_ff; mixture-of-experts layers the routed experts used
    plus the shared ones), so d_ff is that width per routed expert. Latent attention is described by its
    query/key head size on n_head heads; its narrower values (v_head_dim) and latents are in ``widths``."""
    norm = arch.norm or "layernorm"
    w = widths(arch)
    per_token = arch.n_expert_per_token or 1
    return memory.Shape(
        n_layer=arch.n_layer,
        d_model=arch.d_model,
        n_head=arch.n_head,
        vocab_size=arch.vocab_size,
        n_kv_head=arch.n_head if arch.latent_attention else arch.n_kv_head,
        d_ff=None if arch.d_ff is None and not arch.n_expert else round(w.mlp / per_token),
        gated_mlp=arch.mlp in ("swiglu", "geglu"),
        d_head=arch.d_head,
        rmsnorm=norm == "rmsnorm",
        dropout=norm == "layernorm" and arch.bias is not False,
        tied_embeddings=bool(arch.tied_embeddings),
        n_expert=arch.n_expert or 1,
        n_expert_per_token=arch.n_expert_per_token or 1,
        attn_softcap=arch.attn_logit_softcap is not None,
    )


def attention_of(shape: memory.Shape) -> AttentionCost:
    """A shape given by its layers, width and heads attends globally in every layer."""
    return AttentionCost(n_layer=shape.n_layer, qk_width=shape.q_dim, v_width=shape.q_dim, global_layers=shape.n_layer)


@frozen_dataclass
class ModelRef:
    """A model to train. ``active_params`` is what a token uses (mixture-of-experts), ``params`` what memory
    holds. ``named`` is False for a bare parameter count, which has no published tokens."""

    id: str
    name: str
    params: int
    active_params: int
    shape: memory.Shape | None = None
    n_ctx: int | None = None
    training_tokens: int | None = None
    training_tokens_estimated: bool = False
    named: bool = False
    origin: str = "parameter count"
    architecture: Architecture | None = None
    shape_note: str | None = None
    """For a bare parameter count whose shape was not given: the shape assumed, in words."""

    @property
    def n_layer(self) -> int | None:
        return None if self.shape is None else self.shape.n_layer

    @property
    def d_attn(self) -> int | None:
        return None if self.shape is None else self.shape.q_dim

    @property
    def attention(self) -> AttentionCost | None:
        """What the attention FLOPs depend on: from the architecture where known (latent attention's widths,
        sliding windows), else from the shape."""
        if self.architecture is not None:
            return AttentionCost.of(self.architecture)
        return None if self.shape is None else attention_of(self.shape)

    @classmethod
    def from_spec(cls, spec: ModelSpec, origin: str = "catalog") -> ModelRef:
        arch = None if spec.architecture is None else spec.architecture.to_core()
        return cls(
            id=spec.id,
            name=spec.name,
            params=spec.params,
            active_params=spec.active_params or spec.params,
            shape=None if arch is None else shape_of(arch),
            n_ctx=None if arch is None else arch.n_ctx,
            training_tokens=spec.training_tokens,
            training_tokens_estimated=spec.training_tokens_estimated,
            named=True,
            origin=origin,
            architecture=arch,
        )

    @classmethod
    def from_architecture(cls, model_id: str, name: str, arch: Architecture, origin: str) -> ModelRef:
        """A model known only by its architecture (a config.json): counts are computed exactly."""
        counts = count_params(arch)
        return cls(
            id=model_id,
            name=name,
            params=counts.total,
            active_params=counts.active,
            shape=shape_of(arch),
            n_ctx=arch.n_ctx,
            named=True,
            origin=origin,
            architecture=arch,
        )

    @classmethod
    def from_count(
        cls,
        params: float,
        shape: memory.Shape | None = None,
        n_ctx: int | None = None,
        shape_note: str | None = None,
    ) -> ModelRef:
        """A model known only by its parameter count; ``shape`` (and ``n_ctx``) given or assumed, and then
        ``shape_note`` says so."""
        count = round(params)
        if count < 1:
            raise InputError(f"a model of {params:g} parameters is not a model; give at least one parameter")
        label = format_count(count)
        return cls(
            id=label,
            name=f"a {label}-parameter model",
            params=count,
            active_params=count,
            shape=shape,
            n_ctx=n_ctx,
            shape_note=shape_note,
        )
