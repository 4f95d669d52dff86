"""Fit flopcheck's few efficiency parameters on the published measurements in data/, and write them to
src/flopcheck/core/fitted.py.

    .venv/bin/python -m scripts.calibrate          # fit, print fit and holdout errors, write fitted.py
    .venv/bin/python -m scripts.calibrate --check  # fit and fail if fitted.py differs

Only rows of the 'fit' split are used; 'holdout' rows (whole sources) are reported, never fitted. Throughput
parameters minimise the mean absolute log error with each source weighted equally, by coordinate descent
(golden-section search on each parameter in turn); the allocator reserve is the median excess of measured
reserved memory over the predicted allocated peak.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from flopcheck.answers import accuracy, throughput
from flopcheck.answers import layout as layout_plan
from flopcheck.answers import memory as memory_plan
from flopcheck.answers.layout import Candidate
from flopcheck.catalog import measurements
from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import GpuSpec, Precision
from flopcheck.catalog.measurements import ThroughputMeasurement
from flopcheck.core.layout import Layout
from flopcheck.core.performance import Efficiency, Machine, Run, step_time
from flopcheck.core.stacks import STACKS

FITTED = Path(__file__).resolve().parent.parent / "src" / "flopcheck" / "core" / "fitted.py"
Case = tuple[str, str, str, Run, Machine, float]
"""(source, split, stack, run, machine, measured tokens/s per GPU)."""


def _cases() -> list[Case]:
    cases: list[Case] = []
    for row in measurements.throughput_measurements():
        gpu = None if row.gpu_id is None else catalog.gpus().find(row.gpu_id)
        if gpu is None or not accuracy.expressible(row) or not accuracy.has_peak(gpu, row.compute):
            continue
        if row.quality == "low" or row.model.params is None or row.compute is None:
            continue
        run, machine = accuracy.case(row, gpu)
        cases.append((row.source, row.split, row.stack, run, machine, row.tokens_per_s_per_gpu))
    return cases


Params = dict[str, float]


def _predict(case: Case, p: Params) -> float:
    _, _, stack, run, machine, _ = case
    return step_time(run, machine, _efficiency(p, stack)).tokens_per_s


def _median_stack(p: Params) -> float:
    """A stack without fit rows: the median of the fitted stacks (``fitted.STACK_DEFAULT``)."""
    return statistics.median(v for k, v in p.items() if k.startswith("stack:"))


def _efficiency(p: Params, stack: str) -> Efficiency:
    """The stack's efficiency (``throughput.efficiency``: its unfitted habits) at fitted parameters ``p``."""
    return dataclasses.replace(
        throughput.efficiency(stack),
        kernel_s=p["kernel_s"],
        attention=p["attention"],
        overlap=p["overlap"],
        stack=p[f"stack:{stack}"] if f"stack:{stack}" in p else _median_stack(p),
        expert=p["expert"],
        native_attention=p["native"] if throughput.native_kernels(stack) else 0.0,
    )


SEARCH_MIN_GPUS = 16


def search_rows(split: str | None = None) -> Iterator[tuple[ThroughputMeasurement, GpuSpec]]:
    """The measured multi-GPU pre-training rows (dense, bf16, expressible, not low quality) of ``split`` (None:
    both) whose layouts the search can be compared with, each with its catalog GPU."""
    for row in measurements.throughput_measurements():
        usable = row.gpus >= SEARCH_MIN_GPUS and row.method == "pretrain" and row.compute == "bf16"
        if not usable or row.gpu_id is None or row.model.n_experts or row.quality == "low":
            continue
        if split is not None and row.split != split:
            continue
        gpu = catalog.gpus().find(row.gpu_id)
        if gpu is not None and accuracy.expressible(row) and row.model.params is not None and row.seq_len:
            yield row, gpu


def searched_best(
    row: ThroughputMeasurement, gpu: GpuSpec, efficiency: Callable[[str], Efficiency]
) -> Candidate | None:
    """The fastest layout the search finds for a measured row's model, GPUs, global batch, sequence length and
    stack (``efficiency`` of the stack)."""
    assert row.model.params is not None and row.seq_len is not None
    stack = row.stack if row.stack in STACKS else "megatron"
    base = dataclasses.replace(accuracy.config(row), layout=Layout(), gpus=row.gpus, zero=0, micro_batches=None)
    machine = throughput.machine(gpu, Precision.BF16, row.gpus_per_node)
    batch = row.global_batch or layout_plan.default_global_batch(row.seq_len, row.gpus)
    usable_bytes = memory_plan.usable_bytes(gpu.memory_bytes) if gpu.memory_known else math.inf
    found = layout_plan.search(
        row.model.params, accuracy.shape(row), base, row.gpus, batch, machine, efficiency(stack), usable_bytes,
        keep=1, exact=row.global_batch is not None,
    )  # fmt: skip
    return found.candidates[0] if found.candidates else None


def search_ratios(p: Params, split: str = "fit") -> list[float]:
    """Measured throughput over the throughput of the fastest layout the search finds (``searched_best``) on the
    rows of ``search_rows(split)``: how the layouts teams published compare with the one flopcheck recommends, at
    parameters ``p``."""
    out = []
    for row, gpu in search_rows(split):
        best = searched_best(row, gpu, lambda stack: _efficiency(p, stack))
        if best is not None:
            out.append(row.tokens_per_s_per_gpu / (best.tokens_per_s / row.gpus))
    return sorted(out)


def _objective(cases: list[Case], p: Params) -> float:
    by_source: dict[str, list[float]] = defaultdict(list)
    for case in cases:
        by_source[case[0]].append(abs(math.log(_predict(case, p) / case[5])))
    return statistics.mean(statistics.mean(errors) for errors in by_source.values())


def _golden(f: Callable[[float], float], low: float, high: float, steps: int = 24) -> float:
    ratio = (math.sqrt(5) - 1) / 2
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(steps):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(d)
    return (a + b) / 2


BOUNDS = {
    "kernel_s": (0.0, 40e-6),
    "attention": (0.2, 1.0),
    "overlap": (0.0, 1.0),
    "expert": (0.1, 1.0),
    "native": (0.35, 0.75),
}


ROUNDS = 10
"""Passes of coordinate descent over the parameters (four left the objective about 3 % above ten)."""


def fit_throughput(cases: list[Case]) -> Params:
    stacks = sorted({case[2] for case in cases})
    p: Params = {"kernel_s": 5e-6, "attention": 0.6, "overlap": 0.7, "expert": 0.7, "native": 0.5}
    p.update({f"stack:{s}": 0.8 for s in stacks})
    bounds = {**BOUNDS, **{f"stack:{s}": (0.2, 1.0) for s in stacks}}
    for _ in range(ROUNDS):
        for name, (low, high) in bounds.items():

            def along(x: float, name: str = name) -> float:
                return _objective(cases, {**p, name: x})

            p[name] = _golden(along, low, high)
    return p


def fit_reserve() -> float:
    excess = []
    for row in measurements.memory_measurements():
        if row.split == "fit" and row.metric == "reserved" and accuracy.expressible(row):
            excess.append(row.measured_bytes / accuracy.predicted_memory(row, 0.0) - 1.0)
    return max(0.0, statistics.median(excess)) if excess else 0.0


def _errors(cases: list[Case], p: Params, split: str) -> tuple[int, float, float]:
    errors = [_predict(c, p) / c[5] - 1.0 for c in cases if c[1] == split]
    if not errors:
        return 0, math.nan, math.nan
    return len(errors), statistics.median(abs(e) for e in errors), max(errors, key=abs)


def render(
    p: Params,
    reserve: float,
    config_range: tuple[float, float],
    search_range: tuple[float, float, float],
    notes: list[str],
) -> str:
    low, high = config_range
    stacks = {k.split(":", 1)[1]: round(v, 4) for k, v in p.items() if k.startswith("stack:")}
    default = round(statistics.median(stacks.values()), 4) if stacks else 0.8
    lines = [
        '"""Parameters fitted on published measurements. Generated by ``python -m scripts.calibrate``; do not edit.',
        "",
        "Each value is fitted on the 'fit' split of data/memory-measured.yaml or data/throughput-measured.yaml; the",
        "'holdout' split (whole sources) is never seen by the fit. tests/test_calibration.py checks that the fit",
        "reproduces these numbers.",
        "",
        *notes,
        '"""',
        "",
        f"ALLOCATOR_RESERVE = {reserve:.4f}",
        '"""PyTorch\'s caching allocator holds this fraction above its allocated peak (reserved / allocated - 1): the',
        'median over the fit rows measured as max_memory_reserved."""',
        "",
        f"KERNEL_S = {p['kernel_s']:.4g}",
        '"""Fixed time per kernel (launch and tail), seconds."""',
        f"ATTENTION = {p['attention']:.4f}",
        '"""A fused attention kernel\'s FLOP rate relative to the GEMM rate, on a GPU with an A100\'s ratio of',
        'FlashAttention-2 to GEMM peaks (answers.throughput.attention_ratio scales it per chip)."""',
        f"OVERLAP = {p['overlap']:.4f}",
        '"""Fraction of data-parallel communication hidden behind compute."""',
        f"EXPERT = {p['expert']:.4f}",
        '"""Mixture-of-experts grouped GEMMs\' FLOP rate relative to dense GEMMs."""',
        f"NATIVE_ATTENTION = {p['native']:.4f}",
        '"""Fraction of dense peak Hopper-native attention kernels (cuDNN through Transformer Engine) reach, between',
        'FlashAttention-2 (35 %) and FlashAttention-3 (75 %)."""',
        "STACK: dict[str, float] = {",
        *(f'    "{name}": {value},' for name, value in sorted(stacks.items())),
        "}",
        '"""Each stack\'s GEMM efficiency relative to the best achievable."""',
        f"STACK_DEFAULT = {default}",
        '"""For a stack without measurements: the median of the fitted stacks."""',
        f"RATIO_LOW = {low:.4f}",
        f"RATIO_HIGH = {high:.4f}",
        '"""The range printed around a predicted MFU: the 10th and 90th percentiles of measured / predicted',
        'throughput on the fit split."""',
        f"SEARCH_RATIO_LOW = {search_range[0]:.4f}",
        f"SEARCH_RATIO_HIGH = {search_range[1]:.4f}",
        '"""The range printed around the MFU of a searched layout: the 10th and 90th percentiles of measured',
        "throughput over the searched layout's predicted throughput, on the fit split's multi-GPU pre-training",
        'rows (the layouts teams published against the one flopcheck finds for the same model, GPUs and batch)."""',
        f"SEARCH_RATIO = {search_range[2]:.4f}",
        '"""The median of the same ratios: how fast a layout a team chose runs against the fastest one the search',
        'finds. ``flopcheck runs`` predicts a run that did not publish its layout at it."""',
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if fitted.py is not what the fit gives")
    args = parser.parse_args(argv)
    cases = _cases()
    fit_cases = [c for c in cases if c[1] == "fit"]
    p = fit_throughput(fit_cases)
    ratios = sorted(c[5] / _predict(c, p) for c in fit_cases)
    low, high = ratios[len(ratios) // 10], ratios[(9 * len(ratios)) // 10]
    searched = search_ratios(p)
    search_low, search_high = searched[len(searched) // 10], searched[(9 * len(searched)) // 10]
    held_out = search_ratios(p, "holdout")
    reserve = fit_reserve()
    notes = []
    for split in ("fit", "holdout"):
        n, median, worst = _errors(cases, p, split)
        notes.append(f"Throughput, {split}: {n} rows, median |error| {median:.1%}, worst {worst:+.1%}.")
    for split, ratios_of in (("fit", searched), ("holdout", held_out)):
        notes.append(
            f"Searched layouts, {split}: {len(ratios_of)} measured multi-GPU rows ran at "
            f"{statistics.median(ratios_of):.2f}x the fastest layout's predicted throughput (median)."
        )
    text = render(p, reserve, (low, high), (search_low, search_high, statistics.median(searched)), notes)
    sys.stdout.write("\n".join(notes) + "\n")
    if args.check:
        if FITTED.read_text(encoding="utf-8") != text:
            sys.stderr.write("fitted.py is stale: run python -m scripts.calibrate\n")
            return 1
        return 0
    FITTED.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {FITTED}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
