"""Predicted throughput of a run: the catalog GPU and the memory configuration turned into the performance
model's inputs, the step time, MFU and the range the model's measured errors give. Pure."""

from __future__ import annotations

from flopcheck.answers.gemm import MATMUL_EFFICIENCY, matmul_efficiency, measured
from flopcheck.catalog.entries import GpuSpec, Precision
from flopcheck.core import fitted, memory
from flopcheck.core.activations import compiled_loss_path, loss_traffic_per_logit
from flopcheck.core.frozen import frozen_dataclass
from flopcheck.core.memory import Finetune, Offload, Optimizer, TrainPrecision
from flopcheck.core.performance import Efficiency, Machine, Run, StepTime, attention_efficiency, step_time
from flopcheck.core.stacks import STACKS

ATTENTION_PEAK: dict[str, float] = {
    # The best fraction of dense peak a fused attention kernel reaches, by chip. FlashAttention-2 (Dao 2023,
    # arXiv 2307.08691, abstract): "50-73% of the theoretical maximum FLOPs/s on A100"; on H100 "FlashAttention-2
    # achieving only 35% utilization" (Shah et al. 2024, FlashAttention-3, arXiv 2407.08608, abstract).
    "GA100": 0.73,
    "GH100": 0.35,
}
NATIVE_CHIPS = ("GH100",)
"""Chips whose native attention kernels (FlashAttention-3, cuDNN's fused attention) outrun FlashAttention-2:
FlashAttention-3 "FP16 reaching up to 740 TFLOPs/s (75% utilization)" on H100 (Shah et al. 2024, abstract).
How close Transformer Engine's kernels come is fitted (``fitted.NATIVE_ATTENTION``, between 35 % and 75 %)."""
REFERENCE_CHIP = "GA100"
"""Chips without a published attention figure keep the ratio of attention to GEMM rate measured on this one."""


def _per_gemm(gpu: GpuSpec) -> float:
    """1 / (the GPU's best GEMM fraction × the reference chip's attention-to-GEMM ratio)."""
    reference = ATTENTION_PEAK[REFERENCE_CHIP] / MATMUL_EFFICIENCY["a100-sxm-80gb"]
    return 1.0 / (matmul_efficiency(gpu) * reference)


def attention_ratio(gpu: GpuSpec) -> float:
    """FlashAttention-2's best rate over the GPU's best GEMM rate, relative to the reference chip's (the fitted
    ``ATTENTION`` carries that one): the published kernel fraction (``ATTENTION_PEAK``) over the GPU's matmul
    efficiency; 1 where no figure is published."""
    chip = _chip(gpu)
    return 1.0 if chip not in ATTENTION_PEAK else ATTENTION_PEAK[chip] * _per_gemm(gpu)


def native_attention_ratio(gpu: GpuSpec) -> float:
    """Per unit of the native kernels' fraction of peak, the same ratio on ``NATIVE_CHIPS``; 0 elsewhere."""
    return _per_gemm(gpu) if _chip(gpu) in NATIVE_CHIPS else 0.0


def _chip(gpu: GpuSpec) -> str | None:
    """The die named in the catalog's architecture, e.g. "Hopper (GH100)" -> GH100."""
    text = gpu.architecture or ""
    return text[text.find("(") + 1 : text.find(")")] if "(" in text and ")" in text else None


LINKS: dict[str, tuple[float, float, int]] = {
    # (collective bus bandwidth inside a node, per GPU between nodes, GPUs per node), bytes/s, from nccl-tests:
    # A100 8×SXM all-reduce busbw 232.5 GB/s (nccl-tests#175) with 8 × 200 Gb/s HDR on DGX A100 (~23 GB/s);
    # H100 8-GPU NVLink ~370 GB/s effective (nccl-tests#212), NDR 400 Gb/s 46-48 GB/s per NIC (nccl-tests#290);
    # B200 one node 735 GB/s (ml-engineering network/README); MI300X 8 GPUs 313 GB/s (same).
    "a100-sxm-40gb": (232.5e9, 23e9, 8),
    "a100-sxm-80gb": (232.5e9, 23e9, 8),
    "h100-sxm": (370e9, 47e9, 8),
    "h200-sxm": (370e9, 47e9, 8),
    "b200": (735e9, 47e9, 8),
    "gb200-gpu": (735e9, 47e9, 72),
    "mi300x": (313e9, 47e9, 8),
}
NVLINK_DOMAIN: dict[str, int] = {
    # GB200 NVL72: "72 Blackwell GPUs ... in a single NVLink domain" (NVIDIA GB200 NVL72 product page); its hosts
    # (compute trays) hold 4 GPUs each, which measured rows list as GPUs per node.
    "gb200-gpu": 72,
}
"""GPUs sharing NVLink where that domain is larger than a host."""
PCIE_BW = 25e9
"""Host-to-GPU bandwidth per direction over PCIe Gen4 x16, pinned memory (~25 GB/s measured); also the
link between GPUs that have no NVLink."""


@frozen_dataclass
class Prediction:
    """The performance model's step time for a run, as MFU (with its likely range) and tokens per second."""

    step: StepTime
    mfu: float
    """Model FLOPs (the run's formula) per second over the GPUs' dense peak."""
    mfu_low: float
    mfu_high: float
    tokens_per_s: float
    """All GPUs."""


NIC_EFFICIENCY = 47.0 / 50.0
"""Bus bandwidth NCCL reaches over a node's network per NIC, as a fraction of the line rate: 46-48 GB/s on
400 Gb/s (50 GB/s) NDR InfiniBand (NVIDIA, nccl-tests#290); applied to ``--network-gbps``."""


def machine(
    gpu: GpuSpec, precision: Precision, gpus_per_node: int | None, network_gbps: float | None = None
) -> Machine:
    """The performance model's GPU: peaks and memory bandwidth from the catalog; links from ``LINKS``; GPUs per
    node from the flag, else the catalog platform, else ``LINKS``; the network from ``--network-gbps`` (per GPU,
    between nodes) at ``NIC_EFFICIENCY`` of its line rate."""
    peak = gpu.peak_flop_per_s(precision)
    if peak is None:
        raise ValueError(f"{gpu.id} has no {precision.value} peak")
    bandwidth = (gpu.memory_bandwidth_gb_per_s or 0.0) * 1e9 or peak / 150.0
    link, network, per_node = LINKS.get(gpu.id, (PCIE_BW, PCIE_BW / 2, 8))
    if gpu.platform is not None:
        per_node = gpu.platform.gpus_per_node
    if network_gbps is not None:
        network = network_gbps * 1e9 / 8.0 * NIC_EFFICIENCY
    return Machine(
        peak_flop_per_s=peak,
        memory_bw=bandwidth,
        matmul_efficiency=matmul_efficiency(gpu, precision),
        link_bw=link,
        network_bw=network,
        gpus_per_node=gpus_per_node or per_node,
        host_bw=PCIE_BW,
        fp8=precision is Precision.FP8,
        fp16=precision is Precision.FP16,
        attention_ratio=attention_ratio(gpu),
        native_attention_ratio=native_attention_ratio(gpu),
    )


def _optimizer_bytes(config: memory.Config) -> float:
    """Bytes the optimizer step streams per trained parameter: read weight, gradient and states, write weight and
    states (and the 16-bit copy of an fp32 master)."""
    master = config.precision is TrainPrecision.MIXED
    weight = 4.0 if config.precision is not TrainPrecision.PURE16 else 2.0
    state = 1.0 if config.optimizer is Optimizer.ADAMW_8BIT else weight
    states = len(memory.OPTIMIZER_STATES[config.optimizer])
    return 2.0 * weight + (2.0 if master else 0.0) + 2.0 * states * state + (4.0 if master else 2.0)


def default_global_batch(config: memory.Config) -> int:
    """Sequences per optimizer step when none is given: one micro-batch per data-parallel GPU, and under pipeline
    parallelism one per stage (a pipeline needs at least p micro-batches to fill)."""
    batches = config.micro_batches or (config.layout.pp if config.layout.pp > 1 else 1)
    return config.micro_batch * config.gpus * batches


def run(shape: memory.Shape, params: float, trainable: float, config: memory.Config, global_batch: int | None) -> Run:
    """The performance model's view of a memory configuration; ``global_batch`` sequences per optimizer step
    (default: one micro-batch per GPU)."""
    per_step = global_batch or default_global_batch(config)
    accumulation = max(1, round(per_step / (config.micro_batch * config.gpus)))
    frozen = config.finetune is not Finetune.FULL
    return Run(
        shape=shape,
        params=params,
        trainable=trainable,
        micro_batch=config.micro_batch,
        seq_len=config.seq_len,
        grad_accum=accumulation,
        gpus=config.gpus,
        attention=config.attention,
        recompute=config.recompute.value,
        compiled=config.compiled,
        frozen=frozen,
        quantized=config.finetune is Finetune.QLORA,
        lora_matrices=len(config.lora_targets) if frozen else 0,
        lora_rank=config.lora_rank if frozen else 0,
        zero=config.zero,
        offload_optimizer=config.offload is not Offload.NONE,
        element_bytes=4.0 if config.precision is TrainPrecision.FP32 else 2.0,
        grad_bytes=2.0 if config.precision is TrainPrecision.PURE16 else 4.0,
        optimizer_bytes_per_param=_optimizer_bytes(config),
        loss_traffic_per_logit=loss_traffic_per_logit(config.loss, config.compiled, config.compiled_loss),
        loss_compiled=compiled_loss_path(config.loss, config.compiled, config.compiled_loss),
        layout=config.layout,
    )


def efficiency(stack: str) -> Efficiency:
    return Efficiency(
        kernel_s=fitted.KERNEL_S,
        attention=fitted.ATTENTION,
        overlap=fitted.OVERLAP,
        stack=fitted.STACK.get(stack, fitted.STACK_DEFAULT),
        expert=fitted.EXPERT,
        native_attention=fitted.NATIVE_ATTENTION if native_kernels(stack) else 0.0,
        pipeline_engine=(preset := STACKS.get(stack)) is not None and preset.pipeline_engine,
        pipeline_module=preset is not None and preset.pipeline_module,
        head_copies=preset is not None and preset.head_copies,
        fused_softmax=preset is not None and preset.fused_softmax,
        loss_traffic=0.0 if preset is None or preset.loss_traffic is None else preset.loss_traffic,
    )


def basis(gpu: GpuSpec, the_machine: Machine, stack: str, precision: Precision = Precision.BF16) -> str:
    """In words, the efficiencies a prediction rests on and where each comes from (for --explain): the GEMM
    fraction at ``precision`` (fp32 and tf32 have their own, 16- and 8-bit precisions bf16's)."""
    eff = efficiency(stack)
    matmul = the_machine.matmul_efficiency
    at = precision.value if precision in (Precision.FP32, Precision.TF32) else "bf16"
    known = measured(gpu, precision)
    where = f"published best matmul, {at}" if known else f"no {at} measurement: the median of its class"
    attention = matmul * eff.stack * attention_efficiency(the_machine, eff)
    chip = _chip(gpu)
    if the_machine.native_attention_ratio * eff.native_attention > the_machine.attention_ratio:
        kernel = f"Hopper-native kernels, fitted at {eff.native_attention:.0%} of peak at best"
    elif chip in ATTENTION_PEAK:
        kernel = f"FlashAttention-2, {ATTENTION_PEAK[chip]:.0%} of peak at best on {chip} (Dao 2023; Shah et al. 2024)"
    else:
        kernel = "an A100's ratio of FlashAttention-2 to GEMM peaks"
    return (
        f"GEMMs at {matmul:.0%} of peak ({where}) × stack {stack} {eff.stack:.2f} (fitted); fused attention at "
        f"{attention:.0%} of peak ({kernel}; fitted scale {eff.attention:.2f})"
    )


def native_kernels(stack: str) -> bool:
    """Whether ``stack`` runs the GPU architecture's native attention kernels: a preset that says so
    (``Stack.native_attention``), or a measured row's in-house stack ("other": Meta's, NVIDIA AutoModel's), which
    the fit (``scripts.calibrate``) matches better with them native than with FlashAttention-2 on Hopper."""
    preset = STACKS.get(stack)
    return preset.native_attention if preset is not None else stack == "other"


def predict(the_run: Run, the_machine: Machine, stack: str, flop_per_token: float, mfu_peak: float) -> Prediction:
    """Step time and MFU: ``flop_per_token`` model FLOPs per token over ``mfu_peak`` per GPU (the bf16 peak under
    fp8, so that fp8's gain shows as a higher MFU)."""
    step = step_time(the_run, the_machine, efficiency(stack))
    mfu = step.tokens_per_s * flop_per_token / mfu_peak
    return Prediction(
        step=step,
        mfu=mfu,
        mfu_low=mfu * fitted.RATIO_LOW,
        mfu_high=mfu * fitted.RATIO_HIGH,
        tokens_per_s=step.tokens_per_s * the_run.gpus * the_run.layout.model_parallel,
    )
