"""Every command's --json output validates against the schema `flopcheck schema` publishes for it."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
import yaml

from tests.conftest import RunCli

OUTPUTS = {
    "fits": [
        ["fits", "gpt2-xl", "--gpu", "rtx4070ti"],
        ["fits", "1.5B", "--gpu", "t4", "--tokens", "10B", "--recompute", "full"],
        ["fits", "mixtral-8x7b", "--gpu", "h100", "--count", "8", "--zero", "3", "--flop-formula", "palm"],
    ],
    "budget": [["budget", "--gpu", "tpu-v5p", "--count", "256", "--days", "30"]],
    "flops": [["flops", "llama-3.1-405b"], ["flops", "2B", "--tokens-per-param", "20"]],
    "memory": [
        ["memory", "llama-2-7b", "--gpu", "rtx4090", "--finetune", "qlora"],
        ["memory", "gpt2"],
        ["memory", "7B", "--gpu", "a100", "--zero", "3", "--count", "8", "--offload", "all"],
    ],
    "optimal": [["optimal", "--flop", "1e22"], ["optimal", "--gpu", "rtx4070ti", "--law", "epoch"]],
    "compare": [["compare", "gpt2-xl", "--gpus", "t4,h100,tpu-v5e"]],
    "matrix": [["matrix", "--models", "gpt2,llama-2-7b", "--gpus", "t4,h100"]],
    "runs": [["runs"]],
    "calibrate": [["calibrate", "gpt2", "--gpu", "t4", "--tokens-per-second", "10000"]],
    "layout": [["layout", "llama-2-70b", "--gpu", "h100", "--count", "64", "--seq-len", "4096", "--top", "3"]],
}


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_outputs_validate_against_their_schema(cli: RunCli, name: str) -> None:
    schema = cli("schema", name).json()
    jsonschema.Draft202012Validator.check_schema(schema)
    for args in OUTPUTS[name]:
        run = cli(*args, "--json")
        assert run.code in (0, 1), run.err
        jsonschema.validate(run.json(), schema)


def test_schema_rejects_a_wrong_document(cli: RunCli) -> None:
    schema = cli("schema", "flops").json()
    document = cli("flops", "gpt2", "--json").json()
    document["train_flop"] = "a lot"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


@pytest.mark.parametrize("filename", ["gpus.yaml", "models.yaml"])
def test_packaged_catalogs_validate_against_the_catalog_schema(cli: RunCli, filename: str) -> None:
    schema = cli("schema", "catalog").json()
    text = (resources.files("flopcheck") / "data" / filename).read_text(encoding="utf-8")
    jsonschema.validate(json.loads(json.dumps(yaml.safe_load(text))), schema)


def test_all_schemas_and_unknown_names(cli: RunCli) -> None:
    assert set(cli("schema").json()) == {
        "fits",
        "budget",
        "flops",
        "memory",
        "optimal",
        "compare",
        "matrix",
        "runs",
        "calibrate",
        "accuracy",
        "layout",
        "catalog",
    }
    run = cli("schema", "nope")
    assert run.code == 2 and "unknown schema 'nope'" in run.err
