"""Goodput at scale: the share of a run's wall-clock time that trains, given how often large runs are interrupted,
what a restart costs, and the checkpoints that bound the work an interruption loses. Pure.

A run interrupted at λ per hour that checkpoints every τ hours, each checkpoint pausing training for w, and
restarting in u after each interruption, spends per hour of training w/τ writing checkpoints and λ·(u + τ/2)
restarting and redoing the work since the last checkpoint (Young 1974, "A first order approximation to the optimum
checkpoint interval"; Daly 2006; the effective-training-time model of Kokolis et al. 2024, arXiv 2410.21680).
The interval that minimises the loss is τ* = √(2w/λ) (Young), where the loss is λ·u + √(2·w·λ).

Inputs, each published:
- λ: Llama 3 405B (Dubey et al. 2024, "The Llama 3 Herd of Models", Sec. 3.3.4, Table 5): 466 job interruptions
  (47 planned, 419 unexpected) in a 54-day snapshot on 16,384 H100 GPUs: 2.19e-5 per GPU-hour, a fleet rate, so
  a job's rate grows with its size. BLOOM's "1-2 GPU failures a week" on 384 A100s (BigScience, "The Technology
  Behind BLOOM Training", Hugging Face blog, 2022) is 1.6e-5 to 3.1e-5.
- u: ByteRobust (Wan et al. 2025, arXiv 2509.16293, Table 7): a requeued restart of a 2,048- to 16,384-GPU job
  takes 454-768 s; Kokolis et al. put the restart overhead at 5-20 minutes.
- w: ByteRobust, Table 8: Megatron-LM's checkpoint save blocks training for 6.77-13.02 s.

Checked against published effective time, not fitted to it: Llama 3 reports "higher than 90% effective training
time" on 16,384 GPUs (this model: 90.5 %); MegaScale (Jiang et al. 2024, arXiv 2402.15627, Sec. 6.3) "over 90%"
on more than 10,000 GPUs (93 %).
"""

from __future__ import annotations

import math

from flopcheck.core.frozen import frozen_dataclass

LLAMA3_GPUS = 16_384
LLAMA3_HOURS = 54 * 24
LLAMA3_INTERRUPTIONS = 466

INTERRUPTIONS_PER_GPU_HOUR = LLAMA3_INTERRUPTIONS / (LLAMA3_GPUS * LLAMA3_HOURS)
"""2.19e-5: every interruption Llama 3's 54-day snapshot counts, planned or not, over its GPU-hours."""

RESTART_S = 600.0
"""Time from an interruption to training again: ByteRobust's requeued restarts, 454-768 s (Table 7)."""

CHECKPOINT_PAUSE_S = 10.0
"""Time a checkpoint save blocks training: Megatron-LM's, 6.77-13.02 s in ByteRobust's Table 8."""


@frozen_dataclass
class Goodput:
    """The share of wall-clock time a run trains, after its expected interruptions and checkpoints."""

    fraction: float
    """Expected effective training time over wall-clock time."""
    interruptions_per_hour: float
    """Expected interruptions per wall-clock hour for the whole run."""
    checkpoint_interval_s: float
    """The checkpoint interval that loses least (Young's τ*), at which ``fraction`` holds."""
    source: str


SOURCE = (
    "the goodput expected at this many GPUs: interruptions at Llama 3's rate (466 in 54 days on 16,384 H100, "
    "2.19e-5 per GPU-hour; Dubey et al. 2024, Sec. 3.3.4), 10-minute restarts and 10-second checkpoint pauses "
    "(ByteRobust, Wan et al. 2025, Tables 7-8), checkpoints at Young's optimum interval (1974)"
)


def goodput(
    gpus: int,
    per_gpu_hour: float = INTERRUPTIONS_PER_GPU_HOUR,
    checkpoint_interval_s: float | None = None,
) -> Goodput:
    """Effective time fraction of a run on ``gpus`` GPUs interrupted at ``per_gpu_hour`` per GPU-hour, checkpointing
    every ``checkpoint_interval_s`` (None: Young's optimum, √(2w/λ)): 1 / (1 + λ·(u + τ/2) + w/τ), with the
    restart u = ``RESTART_S`` and checkpoint pause w = ``CHECKPOINT_PAUSE_S`` (the module docstring). The run's
    length does not change the expected fraction."""
    rate = per_gpu_hour * gpus / 3600.0  # per second
    pause = CHECKPOINT_PAUSE_S
    interval = math.sqrt(2.0 * pause / rate) if checkpoint_interval_s is None else checkpoint_interval_s
    lost = rate * (RESTART_S + interval / 2.0) + pause / interval
    return Goodput(1.0 / (1.0 + lost), rate * 3600.0, interval, SOURCE)
