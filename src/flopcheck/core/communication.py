"""Collective communication times on a machine's links, and what each kind of parallelism sends. Pure.

Times use NCCL's bus bandwidth (nccl-tests ``doc/PERFORMANCE.md``): a collective over n ranks moving S bytes per
rank takes S × factor / busbw with factor 2(n−1)/n for all-reduce (ring) and (n−1)/n for reduce-scatter,
all-gather and all-to-all; a point-to-point send takes S / bw. The machine's link and network figures are
measured bus bandwidths (``answers.throughput.LINKS``), so the factor is all that is added.
"""

from __future__ import annotations

from flopcheck.core.frozen import frozen_dataclass

COLLECTIVE_LATENCY_S = 47e-6
"""Latency of one small NCCL all-reduce across 8 GPUs (nccl-tests, ~47 µs); paid per collective."""


def all_reduce_s(size: float, ranks: float, bandwidth: float) -> float:
    """Ring all-reduce: 2(n−1)/n × bytes over the bus bandwidth."""
    return 0.0 if ranks <= 1 else 2.0 * (ranks - 1.0) / ranks * size / bandwidth


def all_to_all_s(size: float, ranks: float, bandwidth: float) -> float:
    """All-to-all (and reduce-scatter, all-gather): (n−1)/n × bytes over the bus bandwidth."""
    return 0.0 if ranks <= 1 else (ranks - 1.0) / ranks * size / bandwidth


@frozen_dataclass
class Links:
    """The bandwidth each parallel group sees: NVLink inside the node, the network between nodes."""

    link_bw: float
    network_bw: float
    gpus_per_node: int

    def within(self, span: int) -> float:
        """Bandwidth of a group whose ranks lie ``span`` consecutive GPUs apart at most (Megatron orders ranks
        tp, cp, ep/dp, pp from the fastest-varying): the node's link if they share a node, else the network."""
        return self.link_bw if span <= self.gpus_per_node else self.network_bw


def tensor_parallel_s(
    activation_bytes: float, tp: int, layers: float, recompute_full: bool, links: Links
) -> tuple[float, float]:
    """Per micro-batch and pipeline stage: (seconds, collectives) of Megatron's tensor parallelism. Each layer
    all-reduces its b·s·h activations twice in the forward pass (after attention and after the MLP) and twice in
    the backward pass (Shoeybi et al. 2019, Sec. 3, the f and g operators); sequence parallelism replaces each
    all-reduce with a reduce-scatter and an all-gather of the same total volume (Korthikanti et al. 2022,
    Sec. 4.2.2). Full recomputation repeats the forward's two."""
    if tp <= 1:
        return 0.0, 0.0
    count = layers * (4.0 + (2.0 if recompute_full else 0.0))
    return count * all_reduce_s(activation_bytes, tp, links.within(tp)), count


def context_parallel_s(kv_bytes: float, cp: int, tp: int, layers: float, links: Links) -> float:
    """Per micro-batch: ring attention passes each rank's K and V chunk (b·s/cp tokens) around the cp ranks,
    cp − 1 sends in the forward pass, and K, V with their gradients in the backward: 3(cp − 1) chunk sends per
    layer (Liu et al. 2023, "Ring Attention", Sec. 3; Megatron-Core context parallelism). The sends overlap the
    attention blocks; the caller keeps what the attention time does not hide."""
    if cp <= 1:
        return 0.0
    return layers * 3.0 * (cp - 1) * kv_bytes / links.within(tp * cp)


def expert_parallel_s(token_bytes: float, ep: int, tp: int, layers: float, recompute_full: bool, links: Links) -> float:
    """Per micro-batch: each MoE layer sends its routed tokens (b·s·k × h values) to the experts' ranks and back,
    forward and backward: four all-to-alls (GShard, Lepikhin et al. 2020, Sec. 3.2; DeepSeek-V3 report
    Sec. 3.2.2), six with full recomputation."""
    if ep <= 1:
        return 0.0
    count = layers * (4.0 + (2.0 if recompute_full else 0.0))
    return count * all_to_all_s(token_bytes, ep, links.within(tp * ep))


def pipeline_p2p_s(activation_bytes: float, vp: int, span: int, links: Links) -> float:
    """Per micro-batch and stage: the activations sent to the next stage and their gradient sent back, once per
    model chunk under interleaving (Narayanan et al. 2021, Sec. 2.2.2: interleaving multiplies the communication
    by v)."""
    return 2.0 * vp * activation_bytes / links.within(span)


def deepspeed_pipeline_tail_s(
    trainable: float,
    grad_bytes: float,
    tied_bytes: float,
    dp: int,
    zero: int,
    dp_bandwidth: float,
    links: Links,
) -> float:
    """Seconds of data-parallel communication DeepSpeed's pipeline engine adds after its schedule, none of it hidden,
    for ``trainable`` parameters on one GPU.
    ``TrainSchedule.steps`` (deepspeed/runtime/pipe/schedule.py) issues ``ReduceTiedGrads``, ``ReduceGrads`` and
    ``OptimizerStep`` only after the last backward pass of the batch, and the engine turns the backward hooks'
    reduction off (``PipelineEngine._exec_reduce_tied_grads``/``_exec_reduce_grads``, pipe/engine.py, DeepSpeed
    2022-02). The tied embedding's gradient (``tied_bytes``, the first and last stages' shared weight) is
    all-reduced between those two stages (``PipelineModule.allreduce_tied_weight_gradients``), a 2-rank all-reduce
    on the network. ZeRO-1 (stage_1_and_2.py ``reduce_gradients``/``average_tensor``) then reduces each rank's
    partition of the 16-bit gradients to its owner with one NCCL reduce per partition (busbw = algbw for reduce,
    nccl-tests doc/PERFORMANCE.md: the whole gradient once over the bus) and, after the step, all-gathers the updated
    16-bit weights (``dist.all_gather`` in allgather_bucket_size shards): (n−1)/n of them. Without ZeRO the gradients
    are all-reduced (``buffered_allreduce_fallback``)."""
    tied_s = all_reduce_s(tied_bytes, 2, links.network_bw) if tied_bytes > 0 else 0.0
    if dp <= 1:
        return tied_s
    gradients = trainable * grad_bytes
    if zero >= 1:
        return tied_s + gradients / dp_bandwidth + all_to_all_s(2.0 * trainable, dp, dp_bandwidth)
    return tied_s + all_reduce_s(gradients, dp, dp_bandwidth)


def data_parallel_s(
    groups: list[tuple[float, float, float]],
    sharded: bool,
    pipelined: bool,
    micro_batches: int,
    grad_bytes: float,
    stage_layers: int,
    link: float,
) -> float:
    """Seconds of data-parallel communication per optimizer step, before any of it is hidden, for each group of
    (weights, trained parameters, ranks sharing them) on one GPU, over ``link`` bytes/s per GPU. Plain data
    parallelism and ZeRO-1/2 reduce the gradients once a step: a ring all-reduce moves 2·(n−1)/n of them, in
    ~25 MB buckets (PyTorch DDP's default ``bucket_cap_mb``). ZeRO-3/FSDP (``sharded``) all-gathers the 16-bit
    weights for the forward and again for the backward and reduce-scatters the gradients, each (n−1)/n of the
    bytes, every micro-batch, one collective per layer each; under pipelining (``pipelined``) FSDP gathers a
    stage's weights once per micro-batch and keeps them for its backward (torchtitan: reshard_after_forward off
    with PP) and reduce-scatters the gradients once a step."""
    seconds, collectives = 0.0, 0.0
    for weights, size, n in groups:
        if n <= 1 or size <= 0:
            continue
        ring = (n - 1.0) / n
        if sharded and not pipelined:
            seconds += micro_batches * (2.0 * 2.0 * weights + grad_bytes * size) * ring / link
            collectives += micro_batches * 3.0 * stage_layers
        elif sharded:
            seconds += (micro_batches * 2.0 * weights + grad_bytes * size) * ring / link
            collectives += (micro_batches + 1.0) * stage_layers
        else:
            seconds += 2.0 * ring * grad_bytes * size / link
            collectives += max(1.0, grad_bytes * size / 25e6)
    return seconds + collectives * COLLECTIVE_LATENCY_S
