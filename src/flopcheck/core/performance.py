"""Step time of a training run from its configuration: each operation's time from the GPU's peak FLOP/s and
memory bandwidth (a roofline, as Calculon does: Isaev et al., SC'23), with a few efficiencies fitted on
published measurements (``Efficiency``). Pure arithmetic, cheap enough for searches over thousands of layouts.

Per micro-batch of m = b·s tokens on one GPU, layer by layer:
- GEMMs: QKV, output projection, the MLP (gated: gate and up fused), and the output layer once; forward
  2·m·n·k FLOP each, backward twice that for trained weights (input and weight gradients) and once for frozen
  ones (LoRA/QLoRA: input gradients only). Time = FLOP / (peak × achievable matmul fraction × the stack's
  efficiency) + a fixed time per kernel.
- attention core: 4·m·s·d_attn FLOP forward (QKᵀ and the product with V), half of it under a causal fused
  kernel; backward 2.5× the forward (FlashAttention-2 recomputes the scores: Dao 2023, Sec. 3.2), at the rate
  the chip's fused kernels reach (FlashAttention-2 reaches 73 % of peak on A100 but 35 % on H100; Hopper-native
  kernels more: ``answers.throughput.ATTENTION_PEAK``). Eager attention also moves the s×s scores through memory,
  and in PyTorch's [b, s, h, d] layout copies its heads for the batched matmuls (``eager.head_copy_elements``).
- memory-bound work: norms, residual adds (an fp32 stream under autocast over fp32 weights), rotary embedding,
  activation functions, the loss over the vocabulary (kernel by kernel where a stack's loss code is counted:
  ``activations.loss_traffic_per_logit``), QLoRA's dequantization, fp8 casts, and the optimizer step;
  bytes / bandwidth.
- recomputation repeats the forward (full) or the attention core (selective).
- mixture-of-experts: the routed experts' GEMMs at a fitted fraction of the dense rate, one GEMM kernel per local
  expert and weight matrix (Transformer Engine's ``GroupedLinear`` runs a GEMM per group), and the permutation of
  each token's k copies to its experts and back (Megatron-Core's token dispatcher ``permute``/``unpermute``).
Per optimizer step: the micro-batches, then data-parallel gradient reduction (ring all-reduce, 2·(n−1)/n of the
gradient bytes; ZeRO-3/FSDP all-gathers the weights forward and backward and reduce-scatters gradients for
each micro-batch) on the NVLink/PCIe link within a node or the network between nodes, partly hidden behind
compute, and optimizer offload's PCIe transfers.

Model parallelism (``Run.layout``, Megatron-LM's): each GPU runs its stage's L/p layers with every GEMM, the
attention heads and the vocabulary split over tp, on s/cp of the sequence's tokens; it waits for the tensor-,
context-, expert- and pipeline-parallel communication ``core.communication`` prices, and the pipeline adds its
bubble. Tensor-parallel collectives of the forward pass (and of full recomputation's repeated forward) are on the
critical path; the backward pass's run under its weight-gradient GEMMs (Megatron-LM's asynchronous
input-gradient all-reduce: Korthikanti et al. 2022, Sec. 6.2, on why full recomputation costs 39 % there, not
33 %), except for frozen weights, which have no weight-gradient GEMM; ``Layout.tp_comm_overlap`` hides them all.
Data-parallel traffic is then the GPU's own shard of the weights over the dp × cp ranks.
"""

from __future__ import annotations

from flopcheck.core import communication as comm
from flopcheck.core import layout as parallel
from flopcheck.core.activations import Attention, eager_score_bytes
from flopcheck.core.eager import head_copy_elements
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.memory import Shape
from flopcheck.core.step_inputs import Efficiency, Machine, Run, StepTime

__all__ = ["ELEMENTWISE_EFFICIENCY", "Efficiency", "Machine", "Run", "StepTime", "attention_efficiency", "step_time"]

COLLECTIVE_LATENCY_S = comm.COLLECTIVE_LATENCY_S
ELEMENTWISE_EFFICIENCY = 0.8
"""Fraction of the memory bandwidth streaming kernels reach: STREAM-like copies measure about 89 % of HBM peak
on an A800 (Stas Bekman, ml-engineering); 0.8 leaves room for the short kernels of a training step."""


def attention_efficiency(machine: Machine, eff: Efficiency) -> float:
    """A fused attention kernel's FLOP rate relative to the GEMM rate on ``machine``: the fitted scale times the
    chip's kernel-to-GEMM ratio, the faster of FlashAttention-2's and, for a stack that runs them, the native
    kernels'."""
    native = machine.native_attention_ratio * eff.native_attention
    return eff.attention * max(machine.attention_ratio, native)


def _gemm_shapes(shape: Shape, tp: int = 1) -> list[tuple[float, float]]:
    """(n, k) of each weight GEMM of one layer on one GPU (n outputs, k inputs): column-parallel QKV and MLP-up
    split their outputs over tp, row-parallel output projection and MLP-down their inputs (Shoeybi et al. 2019,
    Sec. 3)."""
    h, q, kv, ff = float(shape.d_model), float(shape.q_dim) / tp, float(shape.kv_dim) / tp, float(shape.ff) / tp
    experts = float(shape.n_expert_per_token)
    mlp = [(2 * ff, h), (h, ff)] if shape.gated_mlp else [(ff, h), (h, ff)]
    return [(q + 2 * kv, h), (h, q), *[(n * experts, k) for n, k in mlp]]


@frozen_dataclass
class _Micro:
    """One micro-batch through one pipeline stage on one GPU."""

    gemm_s: float
    attention_s: float
    memory_s: float
    kernels_s: float
    communication_s: float


def _micro(run: Run, machine: Machine, eff: Efficiency, links: comm.Links, dp: int) -> _Micro:
    """Forward, backward and recomputation of one micro-batch on the fullest stage (its layers and the output
    layer), with the tensor-, context-, expert- and pipeline-parallel communication it waits for."""
    lay, shape = run.layout, run.shape
    t, c = lay.tp, lay.cp
    s, m = float(run.seq_len), float(run.micro_batch) * run.seq_len / c
    rate = machine.peak_flop_per_s * machine.matmul_efficiency * eff.stack
    bw = machine.memory_bw * ELEMENTWISE_EFFICIENCY
    e, layers = run.element_bytes, float(parallel.stage_layers(shape.n_layer, lay))
    h, ff, q = float(shape.d_model), float(shape.ff * shape.n_expert_per_token) / t, float(shape.q_dim) / t
    full = run.recompute == "full"

    gemms = _gemm_shapes(shape, t)
    layer_flop = sum(2.0 * m * n * k for n, k in gemms)
    backward_passes = 1.0 if run.frozen else 2.0
    lora_flop = 6.0 * m * run.lora_rank * 2.0 * h * run.lora_matrices / t
    vocab = float(shape.vocab_size or 0) / t
    head_flop = 2.0 * m * vocab * h
    recompute_forward = 1.0 if full else 0.0
    passes = 1.0 + backward_passes + recompute_forward
    gemm_flop = layers * (layer_flop * passes + lora_flop)
    gemm_flop += head_flop * (1.0 + backward_passes)
    expert_s = 0.0
    if shape.n_expert > 1:  # the experts' grouped GEMMs run at their own, fitted, efficiency
        expert_flop = layers * passes * sum(2.0 * m * n * k for n, k in gemms[2:])
        gemm_flop -= expert_flop
        expert_s = expert_flop / (rate * eff.expert)

    flash = run.attention is Attention.FLASH
    attn_forward = 4.0 * m * s * q * (0.5 if flash else 1.0)
    backward = 2.5 if flash else 2.0  # eager: dP, dV, dQ, dK are four GEMMs to the forward's two
    attn_passes = 1.0 + backward + (1.0 if run.recompute in ("full", "selective") else 0.0)
    fused = attention_efficiency(machine, eff)
    attn_rate = rate * (fused if flash else 1.0) * (0.5 if machine.fp8 else 1.0)  # attention stays bf16
    attention_s = layers * attn_forward * attn_passes / attn_rate

    replicated = 1.0 / t if lay.sp else 1.0  # norms and residuals: whole on every rank unless sequence-parallel
    # the norms' and residual adds' elements: half of them the residual stream itself, half the 16-bit branch inputs
    # and outputs (the norms' outputs, the projections' results)
    wide = (run.residual_bytes or e) / e
    per_token = (8.0 if run.compiled else 16.0) * h * replicated * (1.0 + wide) / 2.0
    per_token += (2.0 if run.compiled else 3.0) * ff
    traffic = layers * e * m * per_token * (3.0 + recompute_forward)
    if not flash:
        heads = float(shape.n_head) / t
        forward, backward = eager_score_bytes(e, shape.dropout, run.compiled or eff.fused_softmax)
        # selective recomputation repeats this core: QKᵀ, softmax, its dropout (Korthikanti et al. 2022, Sec. 5)
        per_score = forward * (1.0 + (1.0 if run.recompute in ("full", "selective") else 0.0)) + backward
        traffic += layers * float(run.micro_batch) * heads * (s / c) * s * per_score
        if eff.head_copies:
            repeats = 2.0 + (1.0 if run.recompute in ("full", "selective") else 0.0)
            traffic += layers * e * m * head_copy_elements(q, float(shape.kv_dim) / t) * repeats
    eager_count = eff.loss_traffic if eff.loss_traffic and not run.loss_compiled else 0.0
    traffic += m * vocab * (eager_count or run.loss_traffic_per_logit)
    if run.quantized:
        traffic += 2.5 * (run.params - shape.embedding_params) / (t * lay.pp) * (2.0 + recompute_forward)
    if machine.fp8:
        traffic += layers * 3.0 * m * sum(k for _, k in gemms) * (3.0 + recompute_forward)
    if shape.n_expert > 1:  # permuting each token's k copies to its experts and back: read and write, twice
        traffic += layers * e * m * shape.n_expert_per_token * h * 4.0 * (3.0 + recompute_forward)
    kernels = layers * (3.0 + recompute_forward) * ((10.0 if run.compiled else 24.0) + 6.0 * run.lora_matrices)
    if shape.n_expert > 1:  # a grouped GEMM launches one GEMM per local expert and weight matrix
        local_experts = shape.n_expert / lay.ep
        kernels += layers * (3.0 + recompute_forward) * local_experts * (3.0 if shape.gated_mlp else 2.0)

    activation = float(run.micro_batch) * (s / c) * h * e
    tp_s, tp_count = comm.tensor_parallel_s(activation, t, layers, full, links)
    if lay.tp_comm_overlap:
        tp_s = 0.0
    elif not run.frozen:  # the backward pass's two collectives per layer run under its weight-gradient GEMMs
        tp_s *= (4.0 if full else 2.0) / (6.0 if full else 4.0)
    kv_chunk = float(run.micro_batch) * (s / c) * 2.0 * float(shape.kv_dim) / t * e
    cp_s = max(0.0, comm.context_parallel_s(kv_chunk, c, t, layers, links) - attention_s)
    routed = activation * shape.n_expert_per_token / (t if lay.sp else 1.0)
    ep_s = comm.expert_parallel_s(routed, lay.ep, t, layers, full, links)
    ep_s += (layers * (4.0 + 2.0 * recompute_forward) if lay.ep > 1 else 0.0) * comm.COLLECTIVE_LATENCY_S
    p2p_s = 0.0
    if lay.pp > 1:
        p2p_s = comm.pipeline_p2p_s(activation / (t if lay.sp else 1.0), lay.vp, 2 * t * c * dp, links)
    exposed = tp_s + tp_count * comm.COLLECTIVE_LATENCY_S + cp_s + ep_s + p2p_s
    return _Micro(gemm_flop / rate + expert_s, attention_s, traffic / bw, kernels * eff.kernel_s, exposed)


def step_time(run: Run, machine: Machine, eff: Efficiency) -> StepTime:
    """Seconds per optimizer step and tokens per second per GPU (see the module docstring). With pipeline
    parallelism the micro-batches flow through the stages in (m + (p − 1)/v) stage-times: the bubble of
    Narayanan et al. 2021, Sec. 2.2 (``layout.bubble_fraction``), at the pace of the fullest stage."""
    lay = run.layout
    dp = run.gpus
    links = comm.Links(machine.link_bw, machine.network_bw, machine.gpus_per_node)
    micro = _micro(run, machine, eff, links, dp)
    micro_s = micro.gemm_s + micro.attention_s + micro.memory_s + micro.kernels_s + micro.communication_s
    bw = machine.memory_bw * ELEMENTWISE_EFFICIENCY
    if lay.trivial:
        trainable, groups = run.trainable, [(run.params, run.trainable, float(dp))]
        shards, span = float(dp), dp
    else:
        held = parallel.split(run.params, run.shape, lay, dp)
        local = run.trainable / run.params
        trainable, shards, span = held.params * local, held.shards, lay.tp * lay.cp * dp
        groups = [
            (held.dense, held.dense * local, held.dense_shards),
            (held.expert, held.expert * local, held.expert_shards),
        ]
    optimizer_s = trainable / (shards if run.zero >= 1 else 1.0) * run.optimizer_bytes_per_param / bw
    if run.offload_optimizer:
        optimizer_s = 0.0
    link = links.within(span)
    if machine.dp_network_bw is not None and span > machine.gpus_per_node:
        ranks_per_node = max(1, machine.gpus_per_node // (lay.tp * lay.cp))
        link = machine.dp_network_bw * ranks_per_node
    stage_layers = parallel.stage_layers(run.shape.n_layer, lay)
    sharded = run.zero >= 3
    comm_s = comm.data_parallel_s(groups, sharded, lay.pp > 1, run.grad_accum, run.grad_bytes, stage_layers, link)
    passes = run.grad_accum + parallel.bubble_fraction(lay.pp, lay.vp, run.grad_accum) * run.grad_accum
    compute_s = passes * micro_s
    exposed = max(comm_s - eff.overlap * compute_s, (1.0 - eff.overlap) * comm_s)
    if eff.pipeline_engine and (lay.pp > 1 or eff.pipeline_module) and run.zero < 3:
        grad_bytes = 2.0 if machine.fp16 else run.grad_bytes
        tied = float(run.shape.vocab_size or 0) * run.shape.d_model / lay.tp if run.shape.tied_embeddings else 0.0
        exposed = comm.deepspeed_pipeline_tail_s(trainable, grad_bytes, tied * grad_bytes, dp, run.zero, link, links)
    offload_s = 4.0 * trainable / machine.host_bw if run.offload_optimizer else 0.0
    step_s = compute_s + exposed + optimizer_s + offload_s
    tokens = float(run.grad_accum) * run.micro_batch * run.seq_len / lay.model_parallel
    return StepTime(
        gemm_s=passes * micro.gemm_s,
        attention_s=passes * micro.attention_s,
        memory_s=passes * micro.memory_s,
        kernels_s=passes * micro.kernels_s,
        communication_s=exposed + passes * micro.communication_s,
        optimizer_s=optimizer_s,
        offload_s=offload_s,
        step_s=step_s,
        tokens_per_s=tokens / step_s,
    )
