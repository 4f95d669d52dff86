"""Prediction cost: how many step-time predictions (core.performance) and memory estimates run per second
in-process, against a baseline in the same run (a loop that builds the same dataclasses and does nothing).

    .venv/bin/python benchmarks/predict.py [--seconds S]

The layout search evaluates thousands of configurations per answer; one prediction must stay well under a
millisecond.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import replace

from flopcheck.answers import throughput
from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import Precision
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core import memory
from flopcheck.core.performance import step_time


def _rate(work: Callable[[int], object], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        work(count)
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    seconds = parser.parse_args().seconds
    model = ModelRef.from_spec(catalog.models().get("llama-2-70b"))
    assert model.shape is not None
    shape = model.shape
    config = memory.Config(seq_len=4096, gpus=512, zero=3, micro_batch=1)
    machine = throughput.machine(catalog.gpus().get("h100-sxm"), Precision.BF16, None)
    efficiency = throughput.efficiency("torchtitan")

    def baseline(i: int) -> object:
        return replace(config, micro_batch=1 + i % 8)

    def predict(i: int) -> object:
        cfg = replace(config, micro_batch=1 + i % 8)
        run = throughput.run(shape, model.params, model.params, cfg, 1024)
        return step_time(run, machine, efficiency)

    def estimate(i: int) -> object:
        return memory.estimate(model.params, shape, replace(config, micro_batch=1 + i % 8))

    floor = _rate(baseline, seconds)
    for name, work in (("step-time prediction", predict), ("memory estimate", estimate)):
        rate = _rate(work, seconds)
        print(f"{name:22} {rate:>10,.0f}/s  {1e6 / rate:6.1f} µs each  ({floor / rate:.1f}× the baseline loop)")


if __name__ == "__main__":
    main()
