"""Training memory per GPU: model states, activations, the loss, sharding, offload and fine-tuning. Pure.

Every term names its source. Bytes, not GB. ``estimate`` gives the peak the PyTorch caching allocator hands
out (``max_memory_allocated``) plus the stack's fixed overhead; what is not modelled is in ``NOT_MODELLED``.
"""

from __future__ import annotations

from dataclasses import field

from flopcheck.core import activations, quantized, sharding
from flopcheck.core import layout as parallel
from flopcheck.core.activations import Saving
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.training import (
    LORA_MATRICES as LORA_MATRICES,
)
from flopcheck.core.training import (
    LORA_TARGETS as LORA_TARGETS,
)
from flopcheck.core.training import (
    OPTIMIZER_STATES as OPTIMIZER_STATES,
)
from flopcheck.core.training import (
    Config as Config,
)
from flopcheck.core.training import (
    Finetune as Finetune,
)
from flopcheck.core.training import (
    Offload as Offload,
)
from flopcheck.core.training import (
    Optimizer as Optimizer,
)
from flopcheck.core.training import (
    Recompute as Recompute,
)
from flopcheck.core.training import (
    Shape as Shape,
)
from flopcheck.core.training import (
    TrainPrecision as TrainPrecision,
)

EIGHT_BIT_STATE_BYTES = 1.0 + 4.0 / 256
"""8-bit block-wise states (Dettmers et al. 2021): 1 byte per value plus one fp32 absmax per block of 256, as
bitsandbytes' Optimizer2State allocates them (``blocksize = 256``): 2.03125 bytes per parameter for AdamW."""

QLORA_BYTES_PER_PARAM = quantized.QLORA_BYTES_PER_PARAM

CUDA_CONTEXT_BYTES = 0.4e9
"""The CUDA context a PyTorch process holds on each GPU with lazy module loading (CUDA ≥ 11.7): "around 400MB"
(PyTorch maintainer, pytorch/pytorch#109888); measured 256-426 MiB elsewhere. Not in allocator statistics, so
it comes off the device's capacity."""

MODELLED = (
    "model states by precision and optimizer (ZeRO, Rajbhandari et al. 2019, Sec. 3.1; 8-bit states: "
    "Dettmers et al. 2021); paged optimizer states in unified memory, outside the GPU peak",
    "activations per layer, term by term after Korthikanti et al. 2022, Sec. 4.1: fused attention (FlashAttention/"
    "SDPA) stores output and log-sum-exp, eager attention the s×s scores; dropout masks only for models trained "
    "with dropout; grouped-query attention, gated MLPs, float32 copies in eager RMSNorm; frozen linears keep no "
    "input (LoRA)",
    "the loss: standard cross-entropy 14 bytes per logit (bf16 logits, fp32 upcast, log-softmax and its "
    "gradient; Cut Cross-Entropy's measured baseline), chunked 6 (torchtune), fused 0 (Liger, CCE)",
    "recomputation: selective drops the s×s scores, full keeps each layer's input plus one layer being rebuilt "
    "(Korthikanti Sec. 4.2); activation offload keeps two layers on the GPU",
    "ZeRO 1-3 / FSDP shard optimizer states, gradients, parameters over the data-parallel GPUs, with two layers "
    "of gathered weights in flight (a pipeline stage's all of them); FSDP's root unit (embedding, final norm, output "
    "layer, where the stack wraps only the blocks) gathered from forward through backward, and its flat gradient "
    "assembled twice over at the end of the backward pass; unsharded gradients while accumulating under "
    "FSDP no_sync and over pipeline micro-batches; offload keeps states in host RAM (ZeRO-Offload, Ren et al. 2021)",
    "tensor/pipeline/context/expert parallelism (Megatron-LM): weights split over tp and the pipeline stages "
    "(each end stage holds a vocabulary matrix), experts over ep; activations per Korthikanti et al. 2022 Table 2 "
    "with and without sequence parallelism, s/cp tokens per GPU, the first stage's in-flight micro-batches "
    "(1F1B: L layers' worth; interleaved: L·(1 + (p−1)/(p·v)))",
    "LoRA/QLoRA: frozen base in 16-bit, or NF4 (with or without double quantization) for linear layers with the "
    "embedding and output layer in 16-bit (bitsandbytes/PEFT; LitGPT quantizes its output layer too and keeps it "
    "untied); one layer's weight dequantized at a time; bitsandbytes' saved 4-bit inputs held into the next "
    "forward where the loop keeps the last graph (LitGPT)",
)
NOT_MODELLED = (
    "allocator fragmentation beyond the stack's reserve, DDP gradient buckets, NCCL and fused-kernel scratch",
    "pipeline stages of unequal size (layers split evenly; the embedding and loss stages are not rebalanced)",
)


@frozen_dataclass
class Estimate:
    """Bytes on each GPU by component, and host RAM per GPU. Activation terms are None when the shape is
    unknown; ``output_bytes`` also when the vocabulary is."""

    weights_bytes: float
    gradients_bytes: float
    master_weights_bytes: float
    optimizer_bytes: float
    optimizer_state_bytes: dict[str, float]
    activations_bytes: float | None
    recompute_buffer_bytes: float | None
    output_bytes: float | None
    workspace_bytes: float
    overhead_bytes: float
    host_bytes: float
    paged_bytes: float
    trainable_params: float
    bytes_per_param: dict[str, float] = field(default_factory=dict)

    @property
    def total_bytes(self) -> float:
        parts = (self.weights_bytes, self.gradients_bytes, self.master_weights_bytes, self.optimizer_bytes)
        extra = (self.activations_bytes, self.recompute_buffer_bytes, self.output_bytes)
        return sum(parts) + sum(x or 0.0 for x in extra) + self.workspace_bytes + self.overhead_bytes


def lora_params(shape: Shape, rank: int, targets: frozenset[str] | str) -> float:
    """Trainable LoRA parameters: r·(d_in + d_out) for each adapted matrix (Hu et al. 2021, Sec. 4.1), on
    every expert of a mixture-of-experts MLP."""
    chosen = LORA_TARGETS[targets] if isinstance(targets, str) else targets
    h, q, kv, ff = shape.d_model, shape.q_dim, shape.kv_dim, shape.ff
    sizes = {"q": [(h, q)], "k": [(h, kv)], "v": [(h, kv)], "o": [(q, h)], "mlp": [(h, ff), (ff, h)]}
    if shape.gated_mlp:
        sizes["mlp"].append((h, ff))
    per_layer = 0.0
    for name in chosen:
        copies = shape.n_expert if name == "mlp" else 1
        per_layer += copies * sum(rank * (d_in + d_out) for d_in, d_out in sizes[name])
    return float(shape.n_layer * per_layer)


def _saving(config: Config, shape: Shape) -> Saving:
    return Saving(
        attention=config.attention,
        element_bytes=4.0 if config.precision is TrainPrecision.FP32 else 2.0,
        compiled=config.compiled,
        compiled_loss=config.compiled_loss,
        adapted=None if config.finetune is Finetune.FULL else config.lora_targets,
        lora_rank=0 if config.finetune is Finetune.FULL else config.lora_rank,
        lora_dropout=config.lora_dropout,
        frozen_keep_inputs=config.quantized_keep_inputs and config.finetune is Finetune.QLORA,
        expanded_kv=config.expanded_kv,
    )


def _activations(config: Config, shape: Shape | None) -> tuple[float | None, float | None, float | None]:
    """Stored activations of all layers, the full-recomputation buffer, and the output layer with the loss, on
    the GPU that holds the most: under tensor parallelism per ``layout.tp_activation_factor``, under context
    parallelism for s/cp tokens, under pipeline parallelism on the first stage (``layout.stored_layers``) or the
    last (its layers for one micro-batch plus the loss), whichever is larger."""
    if shape is None or config.seq_len <= 0:
        return None, None, None
    lay = config.layout
    s, b, layer, saving = max(1, config.seq_len // lay.cp), config.micro_batch, shape.layer(), _saving(config, shape)
    whole = activations.layer_bytes(s, b, layer, saving)
    full = parallel.tp_activation_factor(whole, activations.replicated_bytes(s, b, layer, saving), lay)
    split_inputs = float(lay.tp) if lay.sp else 1.0
    buffer = None
    if config.recompute is Recompute.FULL:
        per_layer = activations.checkpoint_bytes(s, b, layer, saving) / split_inputs
        buffer = full  # one layer is rebuilt at a time in the backward pass
    elif config.recompute is Recompute.SELECTIVE and config.op_selective:
        per_layer = min(full, activations.op_selective_bytes(s, b, layer, saving) / lay.tp)
    elif config.recompute is Recompute.SELECTIVE:
        per_layer = full - activations.scores_bytes(s, b, layer, saving) / lay.tp
    else:
        per_layer = full
    stored = parallel.stored_layers(shape.n_layer, lay, config.micro_batches) * per_layer
    if config.offload_activations:
        stored = min(stored, 2.0 * per_layer)  # the layer in use and the next one being fetched
    output = None
    if shape.vocab_size is not None:
        vocab = parallel.ceil_div(shape.vocab_size, lay.tp)  # vocabulary-parallel logits and loss
        output = activations.output_bytes(s, b, shape.d_model, vocab, config.loss, saving, shape.dropout)
    if lay.pp > 1:
        own = parallel.stage_layers(shape.n_layer, lay) * per_layer
        if own + (output or 0.0) > stored:
            return own, buffer, output
        return stored, buffer, 0.0 if output is not None else None
    return stored, buffer, output


def _largest_matrix(shape: Shape | None, params: float) -> float:
    if shape is None:
        return params / 12.0
    per_expert_mlp = shape.matrix_params("mlp") / (3.0 if shape.gated_mlp else 2.0) / shape.n_expert
    return max(per_expert_mlp, float(shape.vocab_size or 0) * shape.d_model, shape.matrix_params("q"))


def estimate(params: float, shape: Shape | None, config: Config) -> Estimate:
    """Per-GPU and host bytes to train ``params`` parameters with ``config``.

    Model states (ZeRO, Rajbhandari et al. 2019, Sec. 3.1): weights and gradients 2 bytes each (4 in fp32),
    an fp32 master copy (4) in mixed precision, and each optimizer state at 4 bytes (2 without a master copy,
    1 for 8-bit states). ZeRO stage 1 shards master weights and optimizer states over the data-parallel GPUs,
    stage 2 also gradients, stage 3 also parameters (Sec. 5), with two layers of gathered 16-bit weights in
    flight (FSDP prefetches the next layer). Offload (ZeRO-Offload, Ren et al. 2021, Sec. 4) keeps gradients,
    master weights and optimizer states in host RAM; 'all' also the parameters, leaving two layers of weights on
    the GPU. Paged optimizer states (bitsandbytes) live in unified memory that the driver pages to the host under
    pressure: counted apart, not in the GPU peak. The optimizer step fused into the backward pass (torchtune
    ``optimizer_in_bwd``) frees each gradient as soon as it is applied: one matrix's gradient at a time.
    Accumulating under FSDP's ``no_sync()`` keeps gradients unsharded (``sharding.accumulates_unsharded``).
    QLoRA's base, its dequantized weight and what a 4-bit layer holds come from ``quantized``; a stack that keeps
    its own output layer where the checkpoint ties it trains one more vocabulary matrix (``quantized.untied``).
    """
    params, shape = quantized.untied(params, shape, config)
    full = config.precision is TrainPrecision.FP32
    weight = 4.0 if full else 2.0
    master = 4.0 if config.precision is TrainPrecision.MIXED else 0.0
    wide = 2.0 if master == 0 and not full else 4.0
    state = EIGHT_BIT_STATE_BYTES if config.optimizer is Optimizer.ADAMW_8BIT else wide
    states = OPTIMIZER_STATES[config.optimizer]

    n, local = float(config.gpus), 1.0
    if shape is not None and not config.layout.trivial:
        held = parallel.split(params, shape, config.layout, config.gpus)
        n, local = held.shards, held.params / params
    if config.finetune is Finetune.FULL:
        total_trainable, frozen_bytes = params, 0.0
    else:
        if shape is None:
            raise ValueError("LoRA needs the model's architecture")
        total_trainable = lora_params(shape, config.lora_rank, config.lora_targets)
        frozen_bytes = quantized.frozen_bytes(params, shape, config) * local
    trainable = total_trainable * local

    shard_optimizer = n if config.zero >= 1 else 1.0
    shard_gradients = n if config.zero >= 2 else 1.0
    shard_weights = n if config.zero >= 3 else 1.0

    weights = (frozen_bytes + trainable * weight) / shard_weights
    gradients = sharding.gradient_params(params, shape, config, trainable, local) * weight / shard_gradients
    if sharding.accumulates_unsharded(config, n):
        # unsharded, and in the reduce dtype: FSDP2 upcasts accumulated gradients to it (FSDPParam
        # .to_accumulated_grad_if_needed), float32 under mixed precision (torchtitan mixed_precision_reduce)
        gradients *= shard_gradients * (4.0 / weight if master else 1.0)
    if config.optimizer_in_backward:
        gradients = min(gradients, weight * _largest_matrix(shape, params))
    master_weights = trainable * master / shard_optimizer
    per_state = dict.fromkeys(states, trainable * state / shard_optimizer)
    host, paged = 0.0, 0.0
    if config.offload is not Offload.NONE:
        host = gradients + master_weights + sum(per_state.values())
        gradients = master_weights = 0.0
        per_state = dict.fromkeys(per_state, 0.0)
    elif config.paged_optimizer:
        paged = sum(per_state.values())
        per_state = dict.fromkeys(per_state, 0.0)
    stage_layers = 1.0 if shape is None else parallel.stage_layers(shape.n_layer, config.layout)
    layer_weights = 0.0 if shape is None else (frozen_bytes + trainable * weight) / stage_layers
    if config.offload is Offload.ALL:
        host += weights
        weights = 2.0 * layer_weights
    stored, buffer, output = _activations(config, shape)
    workspace = 0.0
    if sharding.pipelined_fsdp(config, n) and config.offload is not Offload.ALL:
        workspace += weights * (n - 1.0)  # the stage's weights stay gathered through the step
    elif config.zero >= 3 and config.gpus > 1 and config.offload is not Offload.ALL:
        # gathered weights of the block in use and the next, never more than the unsharded model, and the root unit's
        workspace += sharding.gathered_bytes(shape, config, weight, layer_weights * stage_layers, weights * (n - 1.0))
        front = workspace + sum(x or 0.0 for x in (stored, buffer, output))
        workspace += sharding.root_tail_excess_bytes(shape, config, weight, front)
    if config.finetune is Finetune.QLORA:
        workspace += quantized.dequantized_bytes(shape, params, config) + quantized.held_bytes(shape, config)

    return Estimate(
        weights_bytes=weights,
        gradients_bytes=gradients,
        master_weights_bytes=master_weights,
        optimizer_bytes=sum(per_state.values()),
        optimizer_state_bytes=per_state,
        activations_bytes=stored,
        recompute_buffer_bytes=buffer,
        output_bytes=output,
        workspace_bytes=workspace,
        overhead_bytes=config.overhead_bytes,
        host_bytes=host,
        paged_bytes=paged,
        trainable_params=total_trainable,
        bytes_per_param={
            "weights": weight if config.finetune is Finetune.FULL else frozen_bytes / (params * local),
            "gradients": weight,
            "master_weights": master,
            **dict.fromkeys(states, state),
        },
    )


def recompute_factor(recompute: Recompute, params: float, shape: Shape | None, seq_len: int) -> float:
    """Hardware FLOP per model FLOP (6·N·D) with recomputation.

    Full: one extra forward pass, 2N per token: (6N + 2N) / 6N = 4/3 (Narayanan et al. 2021, Megatron-LM,
    Sec. 5.1, count 8·N·D hardware FLOP with recomputation). Selective: only the attention core is recomputed
    (Korthikanti et al. 2022, Sec. 4.2), QKᵀ and the product with V, 4·s·h FLOP per token per layer:
    1 + 4·s·h·L / 6N.
    """
    if recompute is Recompute.FULL:
        return 4.0 / 3.0
    if recompute is Recompute.SELECTIVE and shape is not None and seq_len > 0:
        return 1.0 + 4.0 * seq_len * shape.d_model * shape.n_layer / (6.0 * params)
    return 1.0
