"""Training compute and what hardware delivers. Pure arithmetic on validated numbers; no I/O.

Every function names the source of its formula. Units: FLOP (floating-point operations, not per second),
FLOP/s, seconds.
"""

from __future__ import annotations

from flopcheck.core.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

FLOP_PER_PARAM_PER_TOKEN = 6.0
"""2 FLOP per parameter per token in the forward pass, 4 in the backward pass: Kaplan et al. 2020,
"Scaling Laws for Neural Language Models", Sec. 2.1 and Table 1; Brown et al. 2020 (GPT-3), Appendix D."""

DEFAULT_MFU = 0.40
"""Model FLOPs utilization (Chowdhery et al. 2022, PaLM, Appendix B). Published large runs report roughly
35-45 %: PaLM 540B 46.2 % (PaLM, Table 3), Llama 3 405B 38-43 % in BF16 (Dubey et al. 2024, "The Llama 3
Herd of Models", Table 4). 0.40 sits in that range; small models on a single consumer card often do worse."""

DEFAULT_UPTIME = 1.0
"""Fraction of wall-clock time the GPUs spend training (no failures, restarts or evaluation)."""

CHINCHILLA_TOKENS_PER_PARAM = 20.0
"""Compute-optimal tokens per parameter, approximately, from Hoffmann et al. 2022 ("Chinchilla"),
approaches 1 and 2 (Table 3: 1B parameters -> 20.2B tokens, 10B -> 205.1B)."""


def training_flop(params: float, tokens: float) -> float:
    """Training compute C = 6·N·D.

    Kaplan et al. 2020, Sec. 2.1 (C ≈ 6NBS, forward 2N + backward 4N per token, attention ignored);
    Brown et al. 2020 (GPT-3), Appendix D, Table D.1 counts training compute the same way.
    """
    return FLOP_PER_PARAM_PER_TOKEN * params * tokens


def delivered_flop_per_s(peak_flop_per_s: float, count: int, mfu: float, uptime: float) -> float:
    """Sustained useful throughput = GPUs × peak × MFU × uptime.

    MFU as defined in Chowdhery et al. 2022 (PaLM), Appendix B: observed model FLOP/s over peak FLOP/s.
    """
    return count * peak_flop_per_s * mfu * uptime


def delivered_flop(peak_flop_per_s: float, count: int, mfu: float, uptime: float, seconds: float) -> float:
    """FLOP delivered over a wall-clock period = GPUs × peak × MFU × uptime × seconds (PaLM Appendix B)."""
    return delivered_flop_per_s(peak_flop_per_s, count, mfu, uptime) * seconds


def time_to_train_s(required_flop: float, peak_flop_per_s: float, count: int, mfu: float, uptime: float) -> float:
    """Wall-clock seconds = required FLOP / (GPUs × peak × MFU × uptime) (PaLM Appendix B, inverted)."""
    return required_flop / delivered_flop_per_s(peak_flop_per_s, count, mfu, uptime)


def pf_days(flop: float) -> float:
    """FLOP in petaflop/s-days, GPT-3's unit (Brown et al. 2020, Appendix D): 1 PF-day = 1e15 × 86,400."""
    return flop / (1e15 * SECONDS_PER_DAY)


def gpu_hours(count: int, seconds: float) -> float:
    """GPU-hours of wall-clock time: GPUs × seconds / 3600."""
    return count * seconds / SECONDS_PER_HOUR
