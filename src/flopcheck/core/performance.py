"""Step time of a training run from its configuration: each operation's time from the GPU's peak FLOP/s and
memory bandwidth (a roofline, as Calculon does: Isaev et al., SC'23), with a few efficiencies fitted on
published measurements (``Efficiency``). Pure arithmetic, cheap enough for searches over thousands of layouts.

Per micro-batch of m = b·s tokens on one GPU, layer by layer:
- GEMMs: QKV, output projection, the MLP (gated: gate and up fused), and the output layer once; forward
  2·m·n·k FLOP each, backward twice that for trained weights (input and weight gradients) and once for frozen
  ones (LoRA/QLoRA: input gradients only). Time = FLOP / (peak × achievable matmul fraction × the stack's
  efficiency) + a fixed time per kernel.
- attention core: 4·m·s·d_attn FLOP forward (QKᵀ and the product with V), half of it under a causal fused
  kernel; backward 2.5× the forward (FlashAttention-2 recomputes the scores: Dao 2023, Sec. 3.2). Eager
  attention also moves the s×s scores through memory.
- memory-bound work: norms, residual adds, rotary embedding, activation functions, the loss over the
  vocabulary, QLoRA's dequantization, fp8 casts, and the optimizer step; bytes / bandwidth.
- recomputation repeats the forward (full) or the attention core (selective).
Per optimizer step: the micro-batches, then data-parallel gradient reduction (ring all-reduce, 2·(n−1)/n of the
gradient bytes; ZeRO-3/FSDP all-gathers the weights forward and backward and reduce-scatters gradients for
each micro-batch) on the NVLink/PCIe link within a node or the network between nodes, partly hidden behind
compute, and optimizer offload's PCIe transfers.
"""

from __future__ import annotations

from dataclasses import dataclass

from flopcheck.core.activations import Attention
from flopcheck.core.memory import Shape

COLLECTIVE_LATENCY_S = 47e-6
"""Latency of one small NCCL all-reduce across 8 GPUs (nccl-tests, ~47 µs); paid per collective."""
ELEMENTWISE_EFFICIENCY = 0.8
"""Fraction of the memory bandwidth streaming kernels reach: STREAM-like copies measure about 89 % of HBM peak
on an A800 (Stas Bekman, ml-engineering); 0.8 leaves room for the short kernels of a training step."""


@dataclass(frozen=True)
class Machine:
    """One GPU and its links."""

    peak_flop_per_s: float
    """Dense peak at the compute precision (GEMMs); bf16 for everything else under fp8."""
    memory_bw: float
    """HBM/GDDR bytes per second."""
    matmul_efficiency: float
    """The largest fraction of peak a big GEMM reaches on this GPU."""
    link_bw: float
    """Bytes per second per GPU for collectives inside a node (NVLink, or PCIe)."""
    network_bw: float
    """Bytes per second per GPU between nodes."""
    gpus_per_node: int
    host_bw: float
    """Bytes per second per direction between host and GPU (PCIe)."""
    fp8: bool = False


@dataclass(frozen=True)
class Efficiency:
    """The fitted parameters: few, each with a physical meaning."""

    kernel_s: float
    """Fixed time per kernel (launch and tail), seconds."""
    attention: float
    """A fused attention kernel's FLOP rate relative to the GEMM rate."""
    overlap: float
    """Fraction of communication hidden behind compute."""
    stack: float
    """The stack's GEMM efficiency relative to the best achievable."""


@dataclass(frozen=True)
class Run:
    """A training step's configuration on one GPU."""

    shape: Shape
    params: float
    trainable: float
    micro_batch: int
    seq_len: int
    grad_accum: int
    gpus: int
    attention: Attention = Attention.FLASH
    recompute: str = "none"
    compiled: bool = False
    frozen: bool = False
    quantized: bool = False
    lora_matrices: int = 0
    lora_rank: int = 0
    zero: int = 0
    offload_optimizer: bool = False
    element_bytes: float = 2.0
    grad_bytes: float = 4.0
    optimizer_bytes_per_param: float = 30.0
    """Bytes the optimizer step reads and writes per trained parameter (AdamW with an fp32 master: ~30)."""
    loss_bytes_per_logit: float = 14.0


@dataclass(frozen=True)
class StepTime:
    gemm_s: float
    attention_s: float
    memory_s: float
    kernels_s: float
    communication_s: float
    """Exposed communication, after overlap."""
    optimizer_s: float
    offload_s: float
    step_s: float
    tokens_per_s: float
    """Per GPU."""


def _gemm_shapes(shape: Shape) -> list[tuple[float, float]]:
    """(n, k) of each weight GEMM of one layer (n outputs, k inputs)."""
    h, q, kv, ff = float(shape.d_model), float(shape.q_dim), float(shape.kv_dim), float(shape.ff)
    experts = float(shape.n_expert_per_token)
    mlp = [(2 * ff, h), (h, ff)] if shape.gated_mlp else [(ff, h), (h, ff)]
    return [(q + 2 * kv, h), (h, q), *[(n * experts, k) for n, k in mlp]]


def _bandwidth(run: Run, machine: Machine) -> float:
    return machine.link_bw if run.gpus <= machine.gpus_per_node else machine.network_bw


def step_time(run: Run, machine: Machine, eff: Efficiency) -> StepTime:
    """Seconds per optimizer step and tokens per second per GPU (see the module docstring)."""
    s, m, shape = float(run.seq_len), float(run.micro_batch) * run.seq_len, run.shape
    rate = machine.peak_flop_per_s * machine.matmul_efficiency * eff.stack
    bw = machine.memory_bw * ELEMENTWISE_EFFICIENCY
    e, layers = run.element_bytes, float(shape.n_layer)
    h, ff, q = float(shape.d_model), float(shape.ff * shape.n_expert_per_token), float(shape.q_dim)

    layer_flop = sum(2.0 * m * n * k for n, k in _gemm_shapes(shape))
    backward_passes = 1.0 if run.frozen else 2.0
    lora_flop = 6.0 * m * run.lora_rank * 2.0 * h * run.lora_matrices
    vocab = float(shape.vocab_size or 0)
    head_flop = 2.0 * m * vocab * h
    recompute_forward = 1.0 if run.recompute == "full" else 0.0
    gemm_flop = layers * (layer_flop * (1.0 + backward_passes + recompute_forward) + lora_flop)
    gemm_flop += head_flop * (1.0 + backward_passes)

    flash = run.attention is Attention.FLASH
    attn_forward = 4.0 * m * s * q * (0.5 if flash else 1.0)
    attn_passes = 1.0 + 2.5 + (1.0 if run.recompute in ("full", "selective") else 0.0)
    attn_rate = rate * (eff.attention if flash else 1.0) * (0.5 if machine.fp8 else 1.0)  # attention stays bf16
    attention_s = layers * attn_forward * attn_passes / attn_rate

    per_token = (8.0 if run.compiled else 16.0) * h + (2.0 if run.compiled else 3.0) * ff
    traffic = layers * e * m * per_token * (3.0 + recompute_forward)
    if not flash:
        traffic += layers * e * float(run.micro_batch) * shape.n_head * s * s * (8.0 + 3.0 * recompute_forward)
    traffic += m * vocab * max(4.0, 2.0 * run.loss_bytes_per_logit)
    if run.quantized:
        traffic += 2.5 * (run.params - shape.embedding_params) * (2.0 + recompute_forward)
    if machine.fp8:
        traffic += layers * 3.0 * m * sum(k for _, k in _gemm_shapes(shape)) * (3.0 + recompute_forward)
    kernels = layers * (3.0 + recompute_forward) * ((10.0 if run.compiled else 24.0) + 6.0 * run.lora_matrices)
    micro_s = gemm_flop / rate + attention_s + traffic / bw + kernels * eff.kernel_s

    shards = float(run.gpus) if run.zero >= 1 else 1.0
    optimizer_s = run.trainable / shards * run.optimizer_bytes_per_param / bw if not run.offload_optimizer else 0.0
    n, link = float(run.gpus), _bandwidth(run, machine)
    comm, collectives = 0.0, 0.0
    if run.gpus > 1:
        ring = (n - 1.0) / n
        if run.zero >= 3:
            per_micro = (2.0 * 2.0 * run.params + run.grad_bytes * run.trainable) * ring
            comm = run.grad_accum * per_micro / link
            collectives = run.grad_accum * 3.0 * layers
        else:
            comm = 2.0 * ring * run.grad_bytes * run.trainable / link
            collectives = max(1.0, run.grad_bytes * run.trainable / 25e6)
    comm += collectives * COLLECTIVE_LATENCY_S
    compute_s = run.grad_accum * micro_s
    exposed = max(comm - eff.overlap * compute_s, (1.0 - eff.overlap) * comm)
    offload_s = 4.0 * run.trainable / machine.host_bw if run.offload_optimizer else 0.0
    step_s = compute_s + exposed + optimizer_s + offload_s
    tokens = float(run.grad_accum) * m
    return StepTime(
        gemm_s=run.grad_accum * gemm_flop / rate,
        attention_s=run.grad_accum * attention_s,
        memory_s=run.grad_accum * traffic / bw,
        kernels_s=run.grad_accum * kernels * eff.kernel_s,
        communication_s=exposed,
        optimizer_s=optimizer_s,
        offload_s=offload_s,
        step_s=step_s,
        tokens_per_s=tokens / step_s,
    )
