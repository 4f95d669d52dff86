"""Layout search cost: configurations evaluated per second by ``flopcheck layout`` (answers.layout.search), and
the whole search's time, against one bare step-time prediction measured in the same run.

    .venv/bin/python benchmarks/layout.py [--repeat N]

The issue's bar: the search over every valid layout of Llama 3.1 405B on 16,384 GPUs answers in under a second
on one core.
"""

from __future__ import annotations

import argparse
import time

from flopcheck.answers import layout, throughput
from flopcheck.answers import memory as memory_plan
from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import Precision
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core.performance import step_time

CASES = (("llama-3.1-405b", 16_384, 8192), ("llama-3.1-405b", 16_384, 131_072), ("llama-3.1-70b", 512, 8192))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    gpu = catalog.gpus().get("h100")
    machine = throughput.machine(gpu, Precision.BF16, None)
    usable = memory_plan.usable_bytes(gpu.memory_bytes)
    for name, count, seq_len in CASES:
        model = ModelRef.from_spec(catalog.models().get(name))
        assert model.shape is not None
        resolved = memory_plan.resolve(
            model.shape, model.n_ctx, count, "bf16", memory_plan.MemoryOptions(seq_len=seq_len)
        )
        eff = throughput.efficiency(resolved.stack.id)
        batch = layout.default_global_batch(seq_len, count)
        run = throughput.run(model.shape, model.params, model.params, resolved.config, batch)
        start, calls = time.perf_counter(), 0
        while time.perf_counter() - start < 0.3:
            step_time(run, machine, eff)
            calls += 1
        one = (time.perf_counter() - start) / calls
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            found = layout.search(model.params, model.shape, resolved.config, count, batch, machine, eff, usable)
            best = min(best, time.perf_counter() - start)
        rate = found.evaluated / best
        print(
            f"{name} on {count:,} GPUs, s={seq_len:,}: {best * 1e3:6.0f} ms, {found.evaluated:,} evaluated, "
            f"{rate:,.0f}/s ({1e6 / rate:.1f} µs each, {1 / (rate * one):.1f}× one step-time prediction of "
            f"{one * 1e6:.1f} µs)"
        )


if __name__ == "__main__":
    main()
