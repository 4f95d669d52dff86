"""The Python API: every question the CLI answers, as a function with the same options and numbers.

Tests come in pairs: the API call and the CLI call give the same JSON document.
"""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

import flopcheck
from flopcheck.api.options import COMMANDS, RunOptions
from flopcheck.cli.options import DECLARED
from tests.conftest import RunCli

PAIRS: list[tuple[str, tuple[Any, ...], dict[str, Any], list[str]]] = [
    ("fits", ("gpt2-xl",), {"gpu": "rtx4070ti"}, ["fits", "gpt2-xl", "--gpu", "rtx4070ti"]),
    (
        "fits",
        ("llama-2-7b",),
        {"gpu": "h100", "count": 8, "tokens": "100B", "zero": 3, "mfu": "45%", "recompute": "selective"},
        "fits llama-2-7b --gpu h100 -n 8 --tokens 100B --zero 3 --mfu 45% --recompute selective".split(),
    ),
    ("fits", ("1.5B",), {"gpu": "a100", "tokens": 30e9}, ["fits", "1.5B", "--gpu", "a100", "--tokens", "30e9"]),
    (
        "memory",
        ("llama-2-7b",),
        {"gpu": "rtx4090", "finetune": "qlora", "lora_rank": 16, "seq_len": 1024},
        ["memory", "llama-2-7b", "--gpu", "rtx4090", "--finetune", "qlora", "--lora-rank", "16", "--seq-len", "1024"],
    ),
    ("optimal", (), {"gpu": "rtx4070ti"}, ["optimal", "--gpu", "rtx4070ti"]),
    ("optimal", (), {"flop": 1e21}, ["optimal", "--flop", "1e21"]),
    (
        "budget",
        (),
        {"gpu": "rtx4070ti", "precision": "fp32", "mfu": 0.9, "years": 1},
        ["budget", "--gpu", "rtx4070ti", "--precision", "fp32", "--mfu", "0.9", "--years", "1"],
    ),
    ("flops", ("gpt3-175b",), {"flop_formula": "palm"}, ["flops", "gpt3-175b", "--flop-formula", "palm"]),
    ("runs", (), {}, ["runs"]),
    (
        "calibrate",
        ("gpt2",),
        {"gpu": "a100-sxm-40gb", "count": 8, "tokens_per_second": "1.3M"},
        ["calibrate", "gpt2", "--gpu", "a100-sxm-40gb", "-n", "8", "--tokens-per-second", "1.3M"],
    ),
    (
        "matrix",
        (),
        {"models": "gpt2,llama-2-7b", "gpus": ["rtx4090", "h100"]},
        ["matrix", "--models", "gpt2,llama-2-7b", "--gpus", "rtx4090,h100"],
    ),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "argv"), PAIRS, ids=lambda v: v if isinstance(v, str) else "")
def test_api_and_cli_give_the_same_document(
    cli: RunCli, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], argv: list[str]
) -> None:
    result = getattr(flopcheck, name)(*args, **kwargs)
    run = cli(*argv, "--json")
    assert run.code in (0, 1), run.err
    assert result.model_dump(mode="json") == run.json()


def test_compare_matches_the_cli(cli: RunCli) -> None:
    result = flopcheck.compare("gpt2-xl", gpus="rtx4090,h100", sort="cost", price=2)
    run = cli("compare", "gpt2-xl", "--gpus", "rtx4090,h100", "--sort", "cost", "--price", "2", "--finetune", "full")
    document = cli("compare", "gpt2-xl", "--gpus", "rtx4090,h100", "--sort", "cost", "--price", "2", "--json")
    assert run.code == 0, run.err
    assert result.model_dump(mode="json") == document.json()
    assert document.json()["model"]["id"] == "gpt2-xl"


def test_catalog_lookups() -> None:
    assert flopcheck.gpu("rtx4070ti").id == "rtx-4070-ti"
    assert flopcheck.model("gpt2-xl").params == 1_557_611_200  # released checkpoint count (HF transformers)
    assert any(g.id == "h100-sxm" for g in flopcheck.gpus())
    assert any(m.id == "gpt2" for m in flopcheck.models())


def test_seed_question_from_python() -> None:
    # One RTX 4070 Ti for a year at 90 % of its FP32 peak (40.09 TFLOP/s, Ada whitepaper): 1.14e21 FLOP.
    result = flopcheck.budget(gpu="rtx4070ti", precision="fp32", mfu=0.9)
    assert result.available_flop == pytest.approx(1.14e21, rel=0.005)


@pytest.mark.parametrize(
    ("call", "argv"),
    [
        (lambda: flopcheck.fits("gpt2-xll", gpu="rtx4070ti"), ["fits", "gpt2-xll", "--gpu", "rtx4070ti"]),
        (
            lambda: flopcheck.fits("gpt2", gpu="h100", tokens="ten"),
            ["fits", "gpt2", "--gpu", "h100", "--tokens", "ten"],
        ),
        (lambda: flopcheck.budget(gpu="h100", mfu="140%"), ["budget", "--gpu", "h100", "--mfu", "140%"]),
        (lambda: flopcheck.gpu("h1000"), ["gpus", "h1000"]),
    ],
)
def test_bad_input_raises_the_line_the_cli_prints(cli: RunCli, call: Any, argv: list[str]) -> None:
    with pytest.raises(flopcheck.FlopcheckError) as caught:
        call()
    run = cli(*argv)
    assert run.code == 2
    assert run.err == f"flopcheck: error: {caught.value}\n"


@pytest.mark.parametrize(
    "call",
    [
        lambda: flopcheck.fits("gpt2", gpu="h100", tokns="1B"),  # type: ignore[call-arg]
        lambda: flopcheck.fits("gpt2", gpu="h100", optimizer="adam"),
        lambda: flopcheck.fits("gpt2", gpu="h100", count=2.5),  # type: ignore[arg-type]
        lambda: flopcheck.fits("gpt2", gpu="h100", micro_batch=0),
        lambda: flopcheck.fits("gpt2", gpu="h100", tokens=[1]),  # type: ignore[arg-type]
        lambda: flopcheck.memory("gpt2", tokens="1B"),
        lambda: flopcheck.compare("gpt2", sort="speed", all=True),
        lambda: flopcheck.runs(mfu=0),
    ],
)
def test_nothing_but_flopcheck_error_escapes_for_bad_input(call: Any) -> None:
    with pytest.raises(flopcheck.FlopcheckError):
        call()


def test_unknown_option_suggests_the_right_name() -> None:
    with pytest.raises(flopcheck.InputError, match="did you mean tokens"):
        flopcheck.fits("gpt2", gpu="h100", tokns="1B")  # type: ignore[call-arg]


def test_import_is_cheap() -> None:
    code = (
        "import sys, flopcheck; heavy = {'typer', 'rich', 'yaml', 'pydantic'} & set(sys.modules); "
        "print(sorted(heavy)); print(flopcheck.FlopcheckError.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "FlopcheckError"]


def test_public_functions_have_docstrings() -> None:
    for name in flopcheck.__all__:
        value = getattr(flopcheck, name)
        if callable(value) and not isinstance(value, type):
            assert value.__doc__, name


def test_cli_declares_every_option_and_only_those() -> None:
    """One vocabulary: every RunOptions name has a CLI spelling, and every command's options exist."""
    names = set(typing.get_type_hints(RunOptions))
    assert set(DECLARED) == names
    for command, options in COMMANDS.items():
        assert set(options) <= names, command
        assert len(options) == len(set(options)), command


def test_py_typed_ships_with_the_package() -> None:
    assert (Path(flopcheck.__file__).parent / "py.typed").is_file()
