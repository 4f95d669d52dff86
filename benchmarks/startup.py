"""Start-up benchmark: median wall time and peak memory of flopcheck commands, as ratios to baselines.

Run from the project's virtual environment:  .venv/bin/python benchmarks/startup.py [--runs N]

Each command runs N times as a separate process (stdout to /dev/null); the median wall time and the largest
peak RSS are reported, with ratios to ``python -c "import typer"`` (the floor for a Typer CLI) and to
``python -c pass``. Ratios measured in one run on one machine are comparable; absolute times are not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _flopcheck() -> str:
    found = shutil.which("flopcheck", path=str(Path(sys.executable).parent)) or shutil.which("flopcheck")
    if found is None:
        raise SystemExit("flopcheck is not installed next to this Python; install the project first")
    return found


HELLO_TYPER = """
import typer
app = typer.Typer()
@app.command()
def f(x: int = 1) -> None: pass
@app.command()
def g(y: float = 1.0) -> None: pass
app(["f", "--x", "2"], standalone_mode=False)
"""
"""What any Typer CLI costs before it does anything: Typer parses options through pydantic."""


def measure(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and max peak RSS (MiB) over ``runs`` executions."""
    times: list[float] = []
    peak_kib = 0
    env = {**os.environ, "NO_COLOR": "1"}
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}")
        peak_kib = max(peak_kib, usage.ru_maxrss)
    return statistics.median(times), peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    py, fc = sys.executable, _flopcheck()
    cases = {
        "python -c pass": [py, "-c", "pass"],
        'python -c "import typer"': [py, "-c", "import typer"],
        "a two-command Typer app (the floor)": [py, "-c", HELLO_TYPER],
        "fits gpt2-xl --gpu rtx4070ti --json": [fc, "fits", "gpt2-xl", "--gpu", "rtx4070ti", "--json"],
        "fits gpt2-xl --gpu rtx4070ti (table)": [fc, "fits", "gpt2-xl", "--gpu", "rtx4070ti"],
        "gpus --json": [fc, "gpus", "--json"],
        "compare gpt2-xl --all --json": [fc, "compare", "gpt2-xl", "--all", "--json"],
    }
    results = {name: measure(argv, runs) for name, argv in cases.items()}
    base_pass = results["python -c pass"][0]
    base_typer = results['python -c "import typer"'][0]
    print(f"{'command':40} {'median ms':>10} {'× typer':>8} {'× pass':>8} {'peak MiB':>9}   ({runs} runs)")
    for name, (seconds, mib) in results.items():
        print(f"{name:40} {seconds * 1000:10.1f} {seconds / base_typer:8.2f} {seconds / base_pass:8.2f} {mib:9.1f}")


if __name__ == "__main__":
    main()
