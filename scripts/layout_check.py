"""The layout search against measured configurations: for every measured multi-GPU pre-training row in
data/throughput-measured.yaml, the throughput flopcheck predicts at the row's own configuration and at the
fastest layout ``flopcheck layout`` finds for the same model, GPUs, global batch, sequence length and stack.

    .venv/bin/python -m scripts.layout_check [--rows]

A search that ranks well finds layouts at least as fast as the ones practitioners published; a ratio far above 1
at the median says the model rates layouts outside the measured ones too highly (or that the published ones
were not the fastest). Prints the median ratio of the searched layout's throughput to the measured one.
"""

from __future__ import annotations

import argparse
import statistics

from flopcheck.answers import accuracy
from flopcheck.answers import layout as layout_plan
from flopcheck.answers.memory import MemoryOptions
from flopcheck.answers.settings import Settings
from flopcheck.catalog import measurements
from flopcheck.catalog import store as catalog
from flopcheck.catalog.model_ref import ModelRef
from flopcheck.core.stacks import STACKS

MIN_GPUS = 16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", action="store_true", help="print every row")
    every = parser.parse_args().rows
    gpus = catalog.gpus()
    ratios: list[float] = []
    for row in measurements.throughput_measurements():
        usable = row.gpus >= MIN_GPUS and row.method == "pretrain" and row.compute == "bf16" and row.gpu_id
        if not usable or row.model.n_experts or not accuracy.expressible(row):
            continue
        assert row.gpu_id is not None and row.model.params is not None
        gpu = gpus.get(row.gpu_id)
        model = ModelRef.from_count(row.model.params, accuracy.shape(row), row.seq_len)
        stack = row.stack if row.stack in STACKS else None
        options = MemoryOptions(seq_len=row.seq_len, stack=stack)
        settings = Settings(count=row.gpus, precision="bf16", global_batch=row.global_batch, memory=options)
        found, _, _ = layout_plan.run_search(model, gpu, settings, row.global_batch, keep=1)
        if not found.candidates:
            continue
        best = found.candidates[0]
        searched = best.tokens_per_s / row.gpus / row.tokens_per_s_per_gpu
        at_config = accuracy.predicted_tokens_per_s(row, gpu) / row.tokens_per_s_per_gpu
        ratios.append(searched)
        if every:
            lay = best.layout
            split = f"tp {lay.tp} pp {lay.pp}×{lay.vp} cp {lay.cp} mb {best.micro_batch} {best.recompute.value}"
            errors = f"at its configuration {at_config - 1:+.0%}  searched {searched - 1:+.0%}"
            print(f"{row.id[:52]:52} {errors}  {split} z{best.zero}")
    if not ratios:
        raise SystemExit("no rows")
    print(f"{len(ratios)} rows: searched layout / measured throughput, median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
