"""Start-up benchmark: median wall time and peak memory of flopcheck commands, as ratios to baselines.

Run from the project's virtual environment:  .venv/bin/python benchmarks/startup.py [--runs N]

Each command runs N times as a separate process (stdout to /dev/null); the median wall time and the largest
peak RSS are reported, with ratios to the floor of any Typer + pydantic CLI (a two-command Typer app that builds
one pydantic model, ``FLOOR``) and to ``python -c pass``. The run fails (exit 1) when a command misses its target
(``TARGETS``, ``MAX_PEAK_MIB``). Ratios measured in one run on one machine are comparable; absolute times are not.
Every command gets one unmeasured warm-up run and cached bytecode, as an installed command has (``environment``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _flopcheck() -> str:
    found = shutil.which("flopcheck", path=str(Path(sys.executable).parent)) or shutil.which("flopcheck")
    if found is None:
        raise SystemExit("flopcheck is not installed next to this Python; install the project first")
    return found


FLOOR = """
import pydantic
import typer
class Answer(pydantic.BaseModel):
    x: int
    y: float
app = typer.Typer()
@app.command()
def f(x: int = 1) -> None:
    print(Answer(x=x, y=0.5).model_dump_json())
@app.command()
def g(y: float = 1.0) -> None: pass
app(["f", "--x", "2"], standalone_mode=False)
"""
FLOOR_DOC = "a two-command Typer app that builds one pydantic model and prints it"
"""The floor of any Typer + pydantic CLI: what it costs before it does anything of its own."""


def environment(cache: str) -> dict[str, str]:
    """Every command runs as an installed one does: with its modules' bytecode cached (pip compiles a wheel's
    modules at install; an editable install under PYTHONDONTWRITEBYTECODE would recompile flopcheck's own
    modules on every run while the floor's libraries read theirs), here into a temporary cache prefix."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "NO_COLOR": "1", "PYTHONPYCACHEPREFIX": cache}


def measure(argv: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall seconds and max peak RSS (MiB) over ``runs`` executions, after one warm-up run."""
    times: list[float] = []
    peak_kib = 0
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
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


TARGETS = {
    "fits gpt2-xl --gpu rtx4070ti --json": 1.2,
    "fits gpt2-xl --gpu rtx4070ti (table)": 1.4,
}
"""Start-up targets, as ratios to the floor."""
MAX_PEAK_MIB = 40.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    py, fc = sys.executable, _flopcheck()
    floor = "Typer + pydantic floor"
    cases = {
        "python -c pass": [py, "-c", "pass"],
        'python -c "import typer"': [py, "-c", "import typer"],
        floor: [py, "-c", FLOOR],
        "fits gpt2-xl --gpu rtx4070ti --json": [fc, "fits", "gpt2-xl", "--gpu", "rtx4070ti", "--json"],
        "fits gpt2-xl --gpu rtx4070ti (table)": [fc, "fits", "gpt2-xl", "--gpu", "rtx4070ti"],
        "gpus --json": [fc, "gpus", "--json"],
        "compare gpt2-xl --all --json": [fc, "compare", "gpt2-xl", "--all", "--json"],
    }
    with tempfile.TemporaryDirectory(prefix="flopcheck-bench-") as cache:
        env = environment(cache)
        results = {name: measure(argv, runs, env) for name, argv in cases.items()}
    base_floor = results[floor][0]
    base_pass = results["python -c pass"][0]
    print(f"{'command':40} {'median ms':>10} {'× floor':>8} {'× pass':>8} {'peak MiB':>9}   ({runs} runs)")
    failed = []
    for name, (seconds, mib) in results.items():
        ratio = seconds / base_floor
        target = TARGETS.get(name)
        mark = "" if target is None else f"   target ≤ {target}×, ≤ {MAX_PEAK_MIB:g} MiB"
        if target is not None and (ratio > target or mib > MAX_PEAK_MIB):
            failed.append(name)
            mark += "  MISSED"
        print(f"{name:40} {seconds * 1000:10.1f} {ratio:8.2f} {seconds / base_pass:8.2f} {mib:9.1f}{mark}")
    print(f"floor: {FLOOR_DOC}")
    if failed:
        raise SystemExit(f"missed the start-up target: {', '.join(failed)}")


if __name__ == "__main__":
    main()
