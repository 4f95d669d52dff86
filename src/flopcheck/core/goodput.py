"""Goodput at scale: the share of a run's wall-clock time that trains, given how often large runs are interrupted
and what each interruption costs. Pure.

Published large runs:
- Llama 3 405B (Dubey et al. 2024, "The Llama 3 Herd of Models", Sec. 3.3.4 and Table 5): 466 job interruptions
  (47 planned, 419 unexpected) in a 54-day snapshot on 16,384 H100 GPUs, with "higher than 90% effective
  training time".
- BLOOM 176B (BigScience, "The Technology Behind BLOOM Training", Hugging Face blog, 2022): about 400 A100s,
  "1-2 GPU failures a week", a checkpoint every 3 hours, "on average we would lose 1.5h of training on hardware
  crash" - 1.5 / (384 × 168) ≈ 2.3e-5 failures per GPU-hour, the same rate as Llama 3's.
"""

from __future__ import annotations

from flopcheck.core.frozen import frozen_dataclass

LLAMA3_GPUS = 16_384
LLAMA3_HOURS = 54 * 24
LLAMA3_INTERRUPTIONS = 466
LLAMA3_EFFECTIVE = 0.90

INTERRUPTIONS_PER_GPU_HOUR = LLAMA3_INTERRUPTIONS / (LLAMA3_GPUS * LLAMA3_HOURS)
"""2.19e-5: every interruption Llama 3's 54-day snapshot counts, planned or not, over its GPU-hours."""

HOURS_PER_INTERRUPTION = (1.0 - LLAMA3_EFFECTIVE) / LLAMA3_EFFECTIVE / (INTERRUPTIONS_PER_GPU_HOUR * LLAMA3_GPUS)
"""Training time each interruption costs (restart, and the work since the last checkpoint): what makes Llama 3's
interruption rate give its 90 % effective time, (1/0.9 − 1) / (466 / 1,296 h) ≈ 0.31 h. The paper's "higher than
90 %" makes this an upper bound; BLOOM's 1.5 h lost per crash (3-hourly checkpoints) is a run that checkpointed
less often."""


@frozen_dataclass
class Goodput:
    """The share of wall-clock time a run trains, after its expected interruptions."""

    fraction: float
    """Expected effective training time over wall-clock time."""
    interruptions_per_hour: float
    """Expected interruptions per wall-clock hour for the whole run."""
    hours_per_interruption: float
    source: str


SOURCE = (
    "Llama 3 (Dubey et al. 2024, Sec. 3.3.4): 466 interruptions in 54 days on 16,384 H100, over 90 % effective "
    "training time: 2.19e-5 interruptions per GPU-hour, 0.31 h lost per interruption (BLOOM measured the same rate)"
)


def goodput(gpus: int) -> Goodput:
    """Effective time fraction of a run on ``gpus`` GPUs: interruptions arrive at ``INTERRUPTIONS_PER_GPU_HOUR``
    per GPU-hour (a fleet rate, so a job's rate grows with its size), each costing ``HOURS_PER_INTERRUPTION`` of
    training: fraction = 1 / (1 + rate × GPUs × cost). The run's length does not change the expected fraction."""
    rate = INTERRUPTIONS_PER_GPU_HOUR * gpus
    return Goodput(1.0 / (1.0 + rate * HOURS_PER_INTERRUPTION), rate, HOURS_PER_INTERRUPTION, SOURCE)
