"""How sharded data parallelism (ZeRO / FSDP) holds gradients and weights beyond the ZeRO paper's even split:
gradient accumulation without syncing, FSDP units that mix frozen and trainable weights, FSDP inside pipeline
stages, FSDP1's reserved memory. Pure."""

from __future__ import annotations

from flopcheck.core.training import Config, Finetune, Shape

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
