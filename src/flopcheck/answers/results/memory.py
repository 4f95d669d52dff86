"""Typed results about memory: the breakdown per GPU, its assumptions, the ways to fit, the memory answer."""

from flopcheck.answers.results.base import _Result


class MemoryBreakdown(_Result):
    """Bytes per GPU by component."""

    weights_bytes: int
    gradients_bytes: int
    master_weights_bytes: int
    optimizer_bytes: int
    optimizer_states_bytes: dict[str, int]
    """Each optimizer state separately (e.g. exp_avg, exp_avg_sq)."""
    activations_bytes: int | None
    """None when the model's shape is unknown (a bare parameter count without --layers/--hidden/--heads)."""
    recompute_buffer_bytes: int | None
    """With full recomputation: the activations of the one layer being recomputed."""
    output_bytes: int | None
    """Final norm, output-layer input and the loss path's logits; None when the vocabulary is unknown."""
    workspace_bytes: int
    """Gathered ZeRO-3/FSDP weights in flight, QLoRA's dequantized weight, and the 4-bit inputs a stack holds from the
    previous micro-step (``core.quantized.held_bytes``)."""
    reserve_bytes: int
    """The caching allocator's reserve above its allocated peak (fitted on measured runs)."""
    overhead_bytes: int
    """The stack's fixed overhead (NCCL buffers on several GPUs), or --overhead."""


class MemoryAssumptions(_Result):
    training_precision: str
    optimizer: str
    bytes_per_param: dict[str, float]
    """Bytes per trainable parameter for weights, gradients, master weights and each optimizer state (for
    LoRA/QLoRA, ``weights`` is the frozen base's)."""
    micro_batch: int
    gradient_accumulation: int
    """Micro-batches per optimizer step on each data-parallel replica (from --global-batch; 1 without it)."""
    seq_len: int | None
    recompute: str
    zero_stage: int
    data_parallel_gpus: int
    offload: str
    finetune: str
    lora_rank: int | None
    lora_targets: str | None
    trainable_params: int
    overhead_bytes: int
    attention: str
    loss: str
    compiled: bool
    optimizer_in_backward: bool
    paged_optimizer: bool
    offload_activations: bool
    stack: str
    """The stack preset the switches come from (--stack), and what it rests on in ``stack_source``."""
    stack_source: str


class StrategyResult(_Result):
    name: str
    required_bytes: int
    """Per GPU."""
    host_bytes: int
    fits: bool
    slowdown: float
    """Predicted time per token relative to the run as given (≥ 1.0 means slower)."""
    settings: dict[str, str | int | bool]
    flags: tuple[str, ...]
    """The arguments to add to the command to run this way."""


class MemoryResult(_Result):
    required_bytes: int
    """Per GPU."""
    available_bytes: int | None
    """Usable per GPU: the device's memory less the CUDA context; None without a GPU."""
    device_bytes: int | None
    """The device's memory as the driver reports it; None without a GPU."""
    fits: bool | None
    host_bytes: int
    """Host (CPU) RAM per GPU for offloaded states."""
    paged_bytes: int
    """Paged optimizer states in unified memory: on the GPU while it has room, paged to the host when not."""
    breakdown: MemoryBreakdown
    assumptions: MemoryAssumptions
    max_micro_batch: int | None
    """The largest micro-batch that fits with these settings; None without a GPU or a shape."""
    min_gpus_zero3: int | None
    """The smallest GPU count at which ZeRO-3 without offload fits; None without a GPU or when none does."""
    min_gpus_zero3_by_recompute: dict[str, int | None]
    """The same at each recomputation setting (none, selective, full)."""
    strategies: tuple[StrategyResult, ...]
    """Ways to make the run fit, ranked; empty when it already fits."""
    notes: tuple[str, ...]
    modelled: tuple[str, ...]
    not_modelled: tuple[str, ...]
