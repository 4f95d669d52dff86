"""The step-time model's inputs and output: one GPU and its links (``Machine``), the fitted efficiencies and a
stack's unfitted habits (``Efficiency``), a training step's configuration (``Run``) and its time term by term
(``StepTime``). Pure data; ``core.performance`` computes with it."""

from __future__ import annotations

from dataclasses import field

from flopcheck.core.activations import Attention
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.layout import Layout
from flopcheck.core.memory import Shape


@frozen_dataclass
class Machine:
    """One GPU and its links."""

    peak_flop_per_s: float
    """Dense peak at the compute precision (GEMMs); bf16 for everything else under fp8."""
    memory_bw: float
    """HBM/GDDR bytes per second."""
    matmul_efficiency: float
    """The largest fraction of peak a big GEMM reaches on this GPU at the compute precision (plain fp32 on CUDA
    cores reaches a smaller one than the tensor-core precisions: ``answers.gemm``)."""
    link_bw: float
    """Bytes per second per GPU for collectives inside a node (NVLink, or PCIe)."""
    network_bw: float
    """Bytes per second per GPU between nodes."""
    gpus_per_node: int
    host_bw: float
    """Bytes per second per direction between host and GPU (PCIe)."""
    fp8: bool = False
    fp16: bool = False
    """Compute in fp16 (not bf16): DeepSpeed's fp16 optimizers keep and reduce 16-bit gradients."""
    dp_network_bw: float | None = None
    """A cluster's measured bus bandwidth per GPU for data-parallel collectives between nodes when every GPU of a
    node is in a different data-parallel group (None: ``network_bw``). Groups with k ranks on a node share its
    links among fewer groups: k times this."""
    attention_ratio: float = 1.0
    """A fused attention kernel's best FLOP rate over the best GEMM rate on this GPU, relative to an A100's
    (``answers.throughput.attention_ratio``)."""
    native_attention_ratio: float = 0.0
    """The same per unit of the native kernels' fraction of peak (FlashAttention-3, cuDNN); 0: none."""


@frozen_dataclass
class Efficiency:
    """The fitted parameters: few, each with a physical meaning."""

    kernel_s: float
    """Fixed time per kernel (launch and tail), seconds."""
    attention: float
    """A fused attention kernel's FLOP rate relative to the GEMM rate, on a GPU with an A100's ratio of the two
    kernels' published peaks (``Machine.attention_ratio`` scales it per chip)."""
    overlap: float
    """Fraction of communication hidden behind compute."""
    stack: float
    """The stack's GEMM efficiency relative to the best achievable."""
    expert: float = 1.0
    """Mixture-of-experts grouped GEMMs' FLOP rate relative to dense GEMMs (routing skew, small per-expert
    batches)."""
    native_attention: float = 0.0
    """The fraction of dense peak the architecture's native attention kernels reach (fitted), for a stack that
    runs them (``Stack.native_attention``); 0: the stack runs FlashAttention-2-class kernels."""
    pipeline_engine: bool = False
    """Not fitted: the stack pipelines with DeepSpeed's ``PipelineEngine``, which reduces data-parallel gradients
    after the whole schedule (``comm.deepspeed_pipeline_tail_s``)."""
    pipeline_module: bool = False
    """Not fitted: the engine runs even without pipeline parallelism (a one-stage ``PipelineModule``)."""
    head_copies: bool = False
    """Not fitted: eager attention copies Q, K, V into the batched-matmul layout and its output back
    (``head_copy_elements``)."""
    fused_softmax: bool = False
    """Not fitted: eager attention's scale, mask and softmax are one kernel (``Stack.fused_softmax``)."""
    loss_traffic: float = 0.0
    """Not fitted: bytes per logit the stack's eager loss moves, counted kernel by kernel (``Stack.loss_traffic``);
    0: the loss kind's (``Run.loss_traffic_per_logit``)."""


@frozen_dataclass
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
    loss_traffic_per_logit: float = 28.0
    """Bytes each logit moves through memory in the loss, forward and backward (``activations.loss_traffic_per_logit``;
    an eager loss a stack counts kernel by kernel: ``Efficiency.loss_traffic``). The default is the standard loss's:
    twice its 14 bytes per logit at the peak."""
    loss_compiled: bool = False
    """The loss runs compiled (``activations.compiled_loss_path``): a stack's eager count does not apply."""
    residual_bytes: float = 0.0
    """Bytes per element of the residual stream (0: ``element_bytes``). PyTorch autocast over fp32 weights keeps it
    fp32 (``eager.residual_element_bytes``)."""
    layout: Layout = field(default_factory=Layout)
    """Model parallelism; ``gpus`` is then the data-parallel replicas and ``grad_accum`` the micro-batches each
    pipeline runs per step."""


@frozen_dataclass
class StepTime:
    """One optimizer step's time, term by term, in seconds."""

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
