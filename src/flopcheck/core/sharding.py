"""How sharded data parallelism (ZeRO / FSDP) holds gradients and weights beyond the ZeRO paper's even split:
gradient accumulation without syncing, FSDP units that mix frozen and trainable weights, FSDP inside pipeline
stages, FSDP1's reserved memory. Pure."""

from __future__ import annotations

from flopcheck.core import layout as parallel
from flopcheck.core.training import Config, Finetune, Shape, TrainPrecision

FSDP1_RESERVED_RATIO = 19.36 / 15.22
"""Peak reserved over peak active memory of FSDP1 training with c10d's ``record_stream``: Llama-2-7B LoRA in pure
bf16 on 4 A100 40GB with llama-recipes' FSDP1 (meta-llama/llama-cookbook#41, A. Gu, 2023-07-25) measured 32.67 /
25.86 GB with ``limit_all_gathers=False``, 27.36 / 20.20 GB with it, 19.36 / 15.22 GB with it and the logits not
kept alive: ratios 1.263, 1.354 and 1.272, of which this is the median. FSDP1 allocates each all-gathered
``FlatParameter`` in its own unshard stream, whose cached blocks the default stream cannot reuse, and frees it
through ``record_stream``, so a block returns to the cache only once the streams that used it have passed
(A. Gu, pytorch/torchtitan#735: FSDP1's CPU rate limiter keeps that from stacking up, not from happening).
Active memory counts such pending blocks, so the ratio to the allocated peak is at least this."""


def gradient_params(params: float, shape: Shape | None, config: Config, trainable: float, local: float) -> float:
    """Elements with a gradient buffer: the trainable ones, or with LoRA in FSDP1 units that hold whole blocks
    (``use_orig_params=True``) every weight of the blocks, frozen or not: PyTorch's FSDP documentation, "FSDP
    supports mixing frozen and non-frozen, but we recommend not doing so since then the gradient memory usage
    will be higher than expected (namely, equivalent to not freezing those parameters)"."""
    if not config.frozen_unit_gradients or config.finetune is Finetune.FULL or config.zero < 2 or shape is None:
        return trainable
    return max(trainable, (params - shape.embedding_params) * local)


def pipelined_fsdp(config: Config, shards: float) -> bool:
    """FSDP (ZeRO-3) inside pipeline stages, as torchtitan runs it: the stage's weights are not resharded after
    forward ("For PP, do not reshard after forward to avoid per-microbatch all-gathers", torchtitan
    ``apply_fsdp``), and torch.distributed.pipelining runs every micro-batch's backward but the last with
    ``set_requires_gradient_sync(False)`` and ``set_reshard_after_backward(False)`` (``stage.py``,
    ``backward_maybe_with_nosync``)."""
    return config.zero >= 3 and config.layout.pp > 1 and shards > 1


def accumulates_unsharded(config: Config, shards: float) -> bool:
    """Gradient accumulation under FSDP's ``no_sync()``: "FSDP will accumulate the full model gradients (instead
    of gradient shards) until the eventual sync" (``FullyShardedDataParallel.no_sync`` docstring), so every
    rank holds unsharded gradients between optimizer steps; likewise over a pipeline's micro-batches."""
    steps = config.micro_batches or 1
    if pipelined_fsdp(config, shards):
        return True
    return config.unsharded_accumulation and config.zero >= 2 and config.layout.pp == 1 and steps > 1


def accumulation_steps(global_batch: int | None, micro_batch: int, data_parallel: int) -> int | None:
    """Micro-batches per optimizer step on each data-parallel replica: the global batch over micro-batch ×
    replicas, rounded as the throughput model rounds it (``answers.throughput.run``); None without a global batch.
    The memory model reads it where accumulation changes what is held: unsharded FSDP gradients
    (``accumulates_unsharded``) and a pipeline's micro-batches in flight (``layout.stored_layers``)."""
    if global_batch is None:
        return None
    return max(1, round(global_batch / (micro_batch * data_parallel)))


def reserve_fraction(config: Config, fitted: float) -> float:
    """The caching allocator's reserve above the allocated peak: FSDP1 with ``record_stream`` sharded over more
    than one GPU reserves ``FSDP1_RESERVED_RATIO`` of it; anything else the fitted single-stream ``fitted``."""
    if config.fsdp1_record_stream and config.zero >= 3 and config.gpus > 1:
        return FSDP1_RESERVED_RATIO - 1.0
    return fitted


def root_unit_params(shape: Shape | None, config: Config) -> float:
    """Parameters FSDP keeps in the root unit when each transformer block is a unit of its own
    (``Config.root_unit``): the embedding, the output layer (when untied) and the final norm. Zero without
    sharded parameters, without the architecture, or with model parallelism."""
    if not config.root_unit or config.zero < 3 or config.gpus <= 1 or shape is None or not config.layout.trivial:
        return 0.0
    return shape.embedding_params + shape.d_model * (1.0 if shape.rmsnorm else 2.0)


def root_gathered_bytes(root_params: float, config: Config, weight: float) -> float:
    """The root unit's all-gathered weights, held from the forward pass through the backward pass: FSDP1 frees a
    unit's unsharded flat parameter after forward only if it is not the root ("Do not free the root's parameters
    in the post-forward for ``FULL_SHARD`` with the intention that they are immediately used for backward",
    ``torch/distributed/fsdp/_runtime_utils.py`` ``_post_forward_reshard``) and reshards it in its post-backward
    hook, after the embedding's gradient; FSDP2 keeps the root unsharded the same way (pytorch/pytorch#131965).
    The gathered copy is a tensor of its own beside the local shard, ``weight`` bytes per parameter. LoRA's frozen
    root is gathered the same way. (The multi-GPU LoRA measurements, LitGPT's 2023-10 resource tables, force the
    longest sample into the first batch, before any gradient has accumulated, so their peak is not the repeating
    batch the model assumes; those rows come out a few per cent high with it.)"""
    if root_params <= 0.0:
        return 0.0
    return weight * root_params


def root_gradient_tail_bytes(shape: Shape, config: Config, weight: float) -> float:
    """What the end of a backward pass holds beyond the model states when the root unit trains: its new flat
    gradient twice. Under ``use_orig_params`` (Lightning Fabric sets it: ``FSDPStrategy.__init__``,
    ``self._fsdp_kwargs.setdefault("use_orig_params", True)``) each parameter is a ``torch.split`` view of the
    unsharded flat parameter (``FlatParamHandle._get_unflat_views_*``), so autograd's ``SplitWithSizesBackward``
    waits for every view's gradient (the output layer's, the first of the backward pass, and the embedding's, the
    last) and concatenates them (``split_with_sizes_backward``: ``at::cat``) into the flat gradient before
    ``AccumulateGrad`` adds it to what ``no_sync()`` accumulated, or FSDP reduce-scatters it. Activations, the loss
    and the blocks' gathered weights are gone by then; the training loop may still hold the last logits
    (``Config.holds_last_graph``: LitGPT's ``fit`` rebinds ``logits`` only with the next ``model(...)``)."""
    root = root_unit_params(shape, config)
    if root <= 0.0 or config.finetune is not Finetune.FULL:
        return 0.0
    element = 4.0 if config.precision is TrainPrecision.FP32 else 2.0
    held = element * float(config.seq_len) * config.micro_batch * float(shape.vocab_size or 0)
    return 2.0 * weight * root + (held if config.holds_last_graph else 0.0)


def gathered_bytes(shape: Shape | None, config: Config, weight: float, unsharded: float, cap: float) -> float:
    """Gathered weights under ZeRO-3/FSDP: two blocks' worth of the ``unsharded`` model (the block in use and the
    next, which FSDP prefetches), never more than ``cap``, plus the root unit's weights where the stack keeps them
    there (``root_gathered_bytes``), which are then not among the blocks'."""
    root = root_gathered_bytes(root_unit_params(shape, config), config, weight)
    layers = 1.0 if shape is None else parallel.stage_layers(shape.n_layer, config.layout)
    return root + min(2.0 * max(0.0, unsharded - root) / layers, cap)


def root_tail_excess_bytes(shape: Shape | None, config: Config, weight: float, front: float) -> float:
    """How far the end of the backward pass (``root_gradient_tail_bytes``) rises above ``front``, the transient
    bytes of the forward pass and the start of the backward pass (gathered weights, activations, the loss): the
    peak is the larger of the two, with the root unit's gathered weights in both."""
    if shape is None:
        return 0.0
    root = root_gathered_bytes(root_unit_params(shape, config), config, weight)
    return max(0.0, root_gradient_tail_bytes(shape, config, weight) - (front - root))
