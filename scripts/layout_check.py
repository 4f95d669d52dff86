"""The layout search against measured configurations: for every measured multi-GPU pre-training row of
data/throughput-measured.yaml that ``scripts.calibrate`` compares the search with (``search_rows``), the throughput
flopcheck predicts at the row's own configuration and at the fastest layout the search finds for the same model,
GPUs, global batch, sequence length and stack (``searched_best``), with the fitted parameters in use.

    .venv/bin/python -m scripts.layout_check [--rows]

A search that ranks well finds layouts at least as fast as the ones practitioners published; a ratio far above 1
at the median says the model rates layouts outside the measured ones too highly (or that the published ones
were not the fastest). Prints the median ratio of the searched layout's throughput to the measured one.
"""

from __future__ import annotations

import argparse
import statistics

from flopcheck.answers import accuracy, throughput
from scripts.calibrate import search_rows, searched_best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", action="store_true", help="print every row")
    every = parser.parse_args().rows
    ratios: list[float] = []
    for row, gpu in search_rows():
        best = searched_best(row, gpu, throughput.efficiency)
        if best is None:
            continue
        searched = best.tokens_per_s / row.gpus / row.tokens_per_s_per_gpu
        ratios.append(searched)
        if every:
            at_config = accuracy.predicted_tokens_per_s(row, gpu) / row.tokens_per_s_per_gpu
            lay = best.layout
            split = f"tp {lay.tp} pp {lay.pp}×{lay.vp} cp {lay.cp} mb {best.micro_batch} {best.recompute.value}"
            errors = f"at its configuration {at_config - 1:+.0%}  searched {searched - 1:+.0%}"
            print(f"{row.id[:52]:52} {row.split:8} {errors}  {split} z{best.zero}")
    if not ratios:
        raise SystemExit("no rows")
    print(f"{len(ratios)} rows: searched layout / measured throughput, median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
