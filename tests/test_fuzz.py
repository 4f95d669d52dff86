"""Random argument vectors never end in a traceback: every run exits 0, 1 or 2, and every JSON answer parses and
validates against its schema. FLOPCHECK_FUZZ_EXAMPLES sets how many vectors (default 300; a long run: 10000)."""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flopcheck.cli import main
from flopcheck.cli.catalog_cmds import SCHEMAS

NUMBERS = st.sampled_from(
    [
        "",
        " ",
        "2" * 40,
        *"0 -1 1 0.5 40% 1e308 1e-308 nan inf -inf 1e400 10B 1.5T 7 100 0x10 1,5 ١٢ ½ 1e B NaN%".split(),
    ]
)
WORDS = st.sampled_from(
    [
        "",
        *"gpt2 gpt2-xl llama2-7b 1.5B 350M rtx4070ti h100 tpu-v4 v100 t4 rtx-3060 nope ü -- - gpt3 mixtral".split(),
    ]
)
OPTIONS = st.sampled_from(
    """--gpu --count --years --days --hours --mfu --uptime --precision --tokens --tokens-per-param --micro-batch
    --seq-len --json --bogus -n -g -p --help --optimizer --recompute --zero --offload --finetune --lora-rank
    --lora-targets --no-master-weights --overhead --layers --hidden --heads --vocab --flop --law --ratio
    --chinchilla --gpu-flops --gpu-memory --flop-formula --causal --catalog --format --price --pue --power
    --electricity-price --grid-intensity --max-days --max-cost --max-kwh --gpus --all --sort --models --mfu-from
    --tokens-per-second --step-time --batch-tokens""".split()
)
CHOICES = st.sampled_from(
    """auto fp32 bf16 fp8 adamw adamw-8bit lion none selective full optimizer all lora qlora qv 0 3 epoch
    tokens-per-param csv markdown json table cost energy h100,t4 gpt2,gpt2-xl llama-2-7b palm-540b""".split()
)
COMMANDS = st.sampled_from(
    [
        "fits",
        "budget",
        "flops",
        "memory",
        "optimal",
        "compare",
        "matrix",
        "runs",
        "calibrate",
        "gpus",
        "models",
        "nope",
        "--version",
    ]
)
TOKEN = st.one_of(NUMBERS, WORDS, OPTIONS, CHOICES, st.text(max_size=8))


EXAMPLES = int(os.environ.get("FLOPCHECK_FUZZ_EXAMPLES", "300"))
SCHEMA_COMMANDS = set(SCHEMAS) - {"catalog"}


@cache
def schema(name: str) -> Any:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(["schema", name])
    return json.loads(buffer.getvalue())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=COMMANDS, args=st.lists(TOKEN, max_size=8))
def test_random_arguments_exit_0_1_or_2_without_traceback(
    command: str, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main([command, *args])
    except SystemExit as exited:  # only a closed stdout makes Typer exit by itself
        code = exited.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (command, args, err)
    assert "internal error" not in err, (command, args, err)
    if "--debug" not in args:  # --debug asks for the traceback
        assert "Traceback" not in err, (command, args, err)
    if code == 2 and "--debug" not in args:
        assert err.count("\n") == 1, err
    asked_json = "--json" in args and "--format" not in args and "--help" not in args
    if asked_json and code in (0, 1) and command in SCHEMA_COMMANDS and out:
        jsonschema.validate(json.loads(out), schema(command))
