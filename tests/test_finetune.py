"""Fine-tuning as its own mode, and ways to fit whose flags reproduce a run that fits (issue: memory and
fine-tuning as real training stacks run them)."""

from __future__ import annotations

import pytest

from tests.conftest import RunCli


def test_qlora_7b_on_a_12gb_card_is_hours_not_years(cli: RunCli) -> None:
    run = cli(*"fits llama-2-7b --gpu rtx4070ti --finetune qlora --samples 10k --epochs 3 --json".split())
    data = run.json()
    model, compute = data["model"], data["compute"]
    # tokens = samples × sequence length × epochs; never Llama 2's 2T pre-training. The sequence length is the
    # stack's truncation: the default stack (transformers + PEFT) truncates at TRL SFTConfig.max_length = 1024
    assert model["tokens"] == 10_000 * 1024 * 3
    assert data["memory"]["assumptions"]["seq_len"] == 1024
    # frozen weights need no weight gradients: about 4·N·D (Hu et al. 2021, Sec. 4.2), not 6·N·D
    assert compute["model_flop"] == pytest.approx(4 * model["active_params"] * model["tokens"], rel=0.01)
    assert 3600 <= compute["time_s"] <= 30 * 86400
    assert data["optimal"] is None  # scaling laws are about pre-training
    assert data["memory"]["assumptions"]["finetune"] == "qlora"


def test_a_finetune_truncates_samples_as_its_stack_does(cli: RunCli) -> None:
    # TRL's SFTTrainer (SFTConfig.max_length = 1024) under the hf preset, Unsloth's from_pretrained default
    # (2048) under unsloth, never past the model's context; torchtune's recipes leave max_seq_len unset (the
    # model's context); a given --seq-len wins
    def seq_len(*args: str) -> int:
        data = cli("memory", "qwen3-8b", "--finetune", "qlora", *args, "--json").json()
        return int(data["assumptions"]["seq_len"])

    assert seq_len() == 1024
    assert seq_len("--stack", "unsloth") == 2048  # FastLanguageModel.from_pretrained(max_seq_length=2048)
    assert seq_len("--stack", "torchtune") == 32768  # Qwen3's pre-training context (catalog n_ctx)
    assert seq_len("--seq-len", "4096") == 4096
    assert seq_len("--finetune", "full") == 1024
    # Unsloth checkpoints every layer of a fine-tune by default (use_gradient_checkpointing = "unsloth")
    unsloth = cli("memory", "qwen3-8b", "--finetune", "lora", "--stack", "unsloth", "--json").json()
    assert unsloth["assumptions"]["recompute"] == "full"
    pretrain = cli("memory", "qwen3-8b", "--json").json()
    assert pretrain["assumptions"]["seq_len"] == 32768


def test_a_finetune_without_data_is_sized_per_reference_tokens(cli: RunCli) -> None:
    data = cli("fits", "llama-2-7b", "--gpu", "a100", "--finetune", "lora", "--json").json()
    assert data["model"]["tokens"] == 100_000_000
    assert "reference" in data["model"]["tokens_source"]
    # the compact answer names the data size it used and the frozen-base rule (4·N·D), not 6·N·D
    text = " ".join(cli("fits", "llama-2-7b", "--gpu", "a100", "--finetune", "lora").out.split())
    assumes = text.split("Assumes: ")[1]
    assert "100M tokens (no data size given)" in assumes and "4·N·D" in assumes and "6·N·D" not in assumes


def test_qlora_keeps_the_embedding_and_output_layer_in_16_bit(cli: RunCli) -> None:
    # bitsandbytes/PEFT quantize nn.Linear layers; the embedding and lm_head stay 16-bit (fp32 after PEFT's
    # prepare_model_for_kbit_training): Llama 2 7B's 2 × 32,000 × 4,096 embedding parameters are not 4-bit.
    data = cli("memory", "llama-2-7b", "--finetune", "qlora", "--stack", "torchtune", "--json").json()
    embeddings = 2 * 32_000 * 4096
    assert data["breakdown"]["weights_bytes"] >= 2 * embeddings + (6_738_415_616 - embeddings) * 4.127 / 8 * 0.99


def test_unsloth_tinyllama_notebook_fits_a_t4_as_published(cli: RunCli) -> None:
    # Unsloth's TinyLlama notebook (unslothai/notebooks 8437a601, original_template/LLM/
    # Alpaca_and_TinyLlama_and_RoPE_Scaling_full_example.ipynb), run with Unsloth 2024.1 on a Tesla T4 (no
    # torch.compile in 2024.1): 4-bit TinyLlama, LoRA r 32 on every projection, no gradient checkpointing, batch 2
    # packed to 4096 tokens, adamw_8bit, fp16; it prints "Peak reserved memory = 13.508 GB." (GiB: / 1024**3) of
    # "Max memory = 14.748 GB.". Unsloth's Triton norm and SwiGLU kernels store what compiled layers store, with
    # or without torch.compile, so the run fits the T4.
    args = "memory tinyllama-1.1b --gpu t4 --finetune qlora --stack unsloth --lora-rank 32 --lora-targets all"
    more = "--micro-batch 2 --seq-len 4096 --recompute none --optimizer adamw-8bit --precision fp16 --json"
    run = cli(*args.split(), *more.split())
    data = run.json()
    assert data["fits"] is True
    assert data["assumptions"]["trainable_params"] == 25_231_360  # the notebook's "Number of trainable parameters"
    assert data["required_bytes"] == pytest.approx(13.508 * 2**30, rel=0.3)
    uncompiled = cli(*args.split(), *more.split(), "--no-compile").json()
    assert uncompiled["breakdown"]["activations_bytes"] == data["breakdown"]["activations_bytes"]


CASES = [
    "fits gpt2-xl --gpu rtx4070ti",
    "fits llama-2-7b --gpu rtx4090 --finetune full --tokens 100M",
    "fits llama-3-8b --gpu rtx4090 --finetune lora --tokens 50M --seq-len 2048",
    "fits llama-2-13b --gpu a100-sxm-40gb --finetune full --tokens 100M --seq-len 2048",
    "memory llama-2-70b --gpu h100 --count 8 --finetune full --seq-len 4096",
]


@pytest.mark.parametrize("command", CASES)
def test_every_way_to_fit_typed_back_fits(cli: RunCli, command: str) -> None:
    args = command.split()
    data = cli(*args, "--json").json()
    ways = data.get("memory", data)["strategies"]
    assert ways, "the run does not fit, so ways to fit are listed"
    for way in ways:
        again = cli(*args, *way["flags"], "--json")
        result = again.json()
        fits = result["memory"]["fits"] if "memory" in result else result["fits"]
        assert fits is True, (way["flags"], again.err)
        assert again.code in (0, 1), again.err
        if args[0] == "fits":
            assert again.code == 0 or not result["compute"]["fits"], way["flags"]
