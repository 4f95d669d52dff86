"""Model parallelism: how a layout splits a model over GPUs, and what each GPU then holds. Pure.

A layout is Megatron-LM's: tensor parallelism (tp) inside a layer, pipeline parallelism (pp) over layers with
``vp`` virtual stages per rank (the interleaved schedule), context parallelism (cp) over the sequence, expert
parallelism (ep) over a mixture-of-experts' experts, and data parallelism (dp) over what remains of the GPUs:
count = tp × pp × cp × dp (Narayanan et al. 2021, "Efficient Large-Scale Language Model Training on GPU
Clusters Using Megatron-LM", Sec. 2-3; expert parallelism spans the data- and context-parallel ranks of a stage,
as Megatron-Core places it). The communication these layouts add is priced in ``core.communication``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from flopcheck.core.frozen import frozen_dataclass

if TYPE_CHECKING:
    from flopcheck.core.training import Shape


@frozen_dataclass
class Layout:
    """How each model replica is split. All 1: plain data parallelism (the run as flopcheck modelled it before)."""

    tp: int = 1
    pp: int = 1
    vp: int = 1
    """Virtual pipeline stages (model chunks) per pipeline rank; 1 = the non-interleaved 1F1B schedule."""
    cp: int = 1
    ep: int = 1
    sequence_parallel: bool = False
    """Megatron's sequence parallelism (Korthikanti et al. 2022, Sec. 4.2.2): norms and dropouts split over the
    sequence across the tensor-parallel ranks; no effect at tp = 1."""
    tp_comm_overlap: bool = False
    """Tensor-parallel communication split into chunks that run under the GEMMs of the forward pass too
    (Transformer Engine's userbuffers, Megatron-LM ``--tp-comm-overlap``; torchtitan's async TP); without it only
    the backward pass's collectives are hidden (``performance``)."""

    @property
    def model_parallel(self) -> int:
        """GPUs per model replica: tp × pp × cp."""
        return self.tp * self.pp * self.cp

    @property
    def trivial(self) -> bool:
        return self.model_parallel == 1 and self.ep == 1

    @property
    def sp(self) -> bool:
        return self.sequence_parallel and self.tp > 1


def problem(layout: Layout, shape: Shape | None, count: int, seq_len: int, uneven: bool = False) -> str | None:
    """The first reason ``layout`` cannot run ``shape`` on ``count`` GPUs, as one line; None when it can. The
    rules are Megatron-LM's argument checks (``megatron/training/arguments.py``): attention heads and query
    groups split evenly over tp, layers over pp × vp, the sequence into 2·cp chunks (load-balanced ring
    attention), experts over ep, and the GPUs into tp × pp × cp × dp. ``uneven`` accepts layers that do not
    split evenly over the stages (Megatron's ``--decoder-first/last-pipeline-num-layers``, as published runs
    of 126-layer Llama 3 405B on 16 stages use)."""
    mp = layout.model_parallel
    if count % mp:
        return f"--count {count} is not a multiple of tp × pp × cp = {layout.tp} × {layout.pp} × {layout.cp} = {mp}"
    if layout.vp > 1 and layout.pp < 2:
        return f"--vp {layout.vp} interleaves pipeline stages: it needs --pp 2 or more"
    if layout.ep > 1 and (count // layout.pp) % layout.ep:
        return f"--ep {layout.ep} does not divide the {count // layout.pp} GPUs of a pipeline stage"
    if seq_len and layout.cp > 1 and seq_len % (2 * layout.cp):
        return f"--cp {layout.cp} splits the sequence into 2 × cp chunks; --seq-len {seq_len} does not divide"
    if shape is None:
        return None if layout.trivial else "tensor, pipeline, context and expert parallelism need the model's shape"
    kv = shape.n_kv_head or shape.n_head
    if shape.n_head % layout.tp:
        return f"--tp {layout.tp} does not divide the model's {shape.n_head} attention heads"
    if kv % layout.tp:
        return f"--tp {layout.tp} does not divide the model's {kv} key/value heads"
    if shape.n_layer % (layout.pp * layout.vp) and not uneven:
        stages = f"pp × vp = {layout.pp} × {layout.vp}" if layout.vp > 1 else f"--pp {layout.pp}"
        return f"{stages} does not divide the model's {shape.n_layer} layers"
    if layout.ep > 1 and shape.n_expert <= 1:
        return f"--ep {layout.ep} splits experts; the model has none (it is dense)"
    if shape.n_expert % layout.ep:
        return f"--ep {layout.ep} does not divide the model's {shape.n_expert} experts"
    return None


def expert_tp(layout: Layout, count: int) -> int:
    """Tensor-parallel ranks an expert is split over: tp when ep × tp fits in a pipeline stage's GPUs (Megatron-Core
    ``expert_tensor_parallel_size`` defaults to tp), else 1."""
    stage = count // layout.pp
    return layout.tp if stage % (layout.ep * layout.tp) == 0 else 1


@frozen_dataclass
class Split:
    """Parameters one GPU holds (the fullest pipeline stage) and the ranks their optimizer states shard over."""

    dense: float
    expert: float
    dense_shards: float
    """Data-parallel ranks a dense parameter is replicated on: dp × cp (Megatron's distributed optimizer)."""
    expert_shards: float
    """Ranks an expert parameter is replicated on: the stage's GPUs over ep × expert tp."""

    @property
    def params(self) -> float:
        return self.dense + self.expert

    @property
    def shards(self) -> float:
        """One shard count for both kinds: local parameters over the states each rank keeps under ZeRO."""
        kept = self.dense / self.dense_shards + self.expert / self.expert_shards
        return self.params / kept if kept > 0 else 1.0


def layer_params(shape: Shape) -> tuple[float, float]:
    """(attention and other dense weights, expert weights) of one layer, from the shape's matrices."""
    attention = sum(shape.matrix_params(name) for name in ("q", "k", "v", "o"))
    mlp = shape.matrix_params("mlp")
    return (attention, mlp) if shape.n_expert > 1 else (attention + mlp, 0.0)


def split(params: float, shape: Shape, layout: Layout, dp: int) -> Split:
    """What one GPU of the fullest stage holds. Layers split evenly over pp; inside a stage, tensor parallelism
    splits every weight matrix over tp (Megatron: column- and row-parallel linears, vocabulary-parallel
    embedding and output layer; Shoeybi et al. 2019, Sec. 3), and experts split over ep (then over expert tp).
    Each pipeline rank at the ends holds one vocabulary matrix: the embedding on the first, the output layer on
    the last (a tied embedding is copied there, Narayanan et al. 2021, Sec. 2.2); one stage holds both when pp is
    1. Weights the shape does not name (norms, routers, shared experts) are spread over the layers as dense."""
    attention, expert = layer_params(shape)
    vocab = float(shape.vocab_size or 0) * shape.d_model
    embeddings = shape.embedding_params if layout.pp == 1 else vocab
    rest = max(0.0, params - shape.n_layer * (attention + expert) - shape.embedding_params) / shape.n_layer
    layers = float(stage_layers(shape.n_layer, layout))
    count = layout.model_parallel * dp
    etp = expert_tp(layout, count)
    return Split(
        dense=(layers * (attention + rest) + embeddings) / layout.tp,
        expert=layers * expert / (layout.ep * etp),
        dense_shards=float(dp * layout.cp),
        expert_shards=float(count // layout.pp) / (layout.ep * etp),
    )


def stage_layers(n_layer: int, layout: Layout) -> int:
    """Layers on the fullest pipeline rank: its v model chunks of ⌈L/(p·v)⌉ layers (L/p when they divide)."""
    return ceil_div(n_layer, layout.pp * layout.vp) * layout.vp


def bubble_fraction(pp: int, vp: int, micro_batches: int) -> float:
    """Pipeline bubble over ideal compute time: (p − 1) / m for 1F1B, (p − 1) / (v·m) interleaved with v model
    chunks per rank (Narayanan et al. 2021, Sec. 2.2.1 and 2.2.2)."""
    return (pp - 1) / (vp * max(1, micro_batches))


def stored_layers(n_layer: int, layout: Layout, micro_batches: int | None) -> float:
    """Layers' worth of activations the first pipeline stage holds at its peak: with 1F1B it has at most p micro-
    batches in flight, each through L/p layers, so L in all (Korthikanti et al. 2022, Sec. 4.2.3); the
    interleaved schedule holds L·(1 + (p − 1)/(p·v)). Fewer micro-batches than stages leave fewer in flight."""
    p, v = layout.pp, layout.vp
    if p == 1:
        return float(n_layer)
    in_flight = p if micro_batches is None else min(p, micro_batches)
    factor = 1.0 + (p - 1) / (p * v) if v > 1 else 1.0
    return stage_layers(n_layer, layout) * in_flight * factor


def tp_activation_factor(full: float, replicated: float, layout: Layout) -> float:
    """Bytes per layer per GPU under tensor parallelism: the terms inside attention and the MLP split over tp,
    the layer's and its norms' inputs and the dropout masks after them stay whole on every rank, unless sequence
    parallelism splits them too (Korthikanti et al. 2022, Table 2: sbh(10 + 24/t + 5as/(ht)) with tp,
    sbh(34/t + 5as/(ht)) with tp and sp)."""
    t = layout.tp
    if t == 1:
        return full
    return full / t if layout.sp else replicated + (full - replicated) / t


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def divisors(n: int) -> list[int]:
    """The divisors of n, ascending."""
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted({*small, *(n // d for d in small)})
