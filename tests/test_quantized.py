"""QLoRA's 4-bit base, LitGPT's output layer and soft-capped attention, against the QLoRA paper, the code and
LitGPT's measured table."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopcheck.answers import accuracy
from flopcheck.catalog import measurements
from flopcheck.catalog.measurements import MemoryMeasurement
from flopcheck.core import fitted, memory, quantized
from flopcheck.core.activations import Attention, Layer, Loss, Saving, layer_bytes
from flopcheck.core.memory import Config, Finetune, Shape
from flopcheck.core.stacks import STACKS

LLAMA2_7B = Shape(
    n_layer=32, d_model=4096, n_head=32, vocab_size=32000, d_ff=11008, gated_mlp=True, tied_embeddings=False
)
GEMMA_2B = Shape(
    n_layer=18, d_model=2048, n_head=8, n_kv_head=1, d_head=256, vocab_size=256000, d_ff=16384, gated_mlp=True
)
STATES = Config(finetune=Finetune.QLORA, seq_len=0)


def _row(row_id: str) -> MemoryMeasurement:
    return {row.id: row for row in measurements.memory_measurements()}[row_id]


def test_nf4_without_double_quantization_is_4_5_bits() -> None:
    # Dettmers et al. 2023 (QLoRA), Sec. 3: with a block size of 64, the float32 constants cost 32/64 = 0.5 bits
    # per parameter on top of the 4-bit codes; double quantization brings that to 0.127.
    kept = 32000 * 4096 * 2 + 2 * 32 * 4096
    plain = quantized.frozen_bytes(6.738e9, LLAMA2_7B, replace(STATES, double_quant=False))
    assert plain == pytest.approx((6.738e9 - kept) * 4.5 / 8 + 2 * kept)
    double = quantized.frozen_bytes(6.738e9, LLAMA2_7B, STATES)
    assert plain - double == pytest.approx((6.738e9 - kept) * (4.5 - 4.127) / 8)


def test_litgpt_keeps_its_own_output_layer_for_a_tied_checkpoint() -> None:
    # LitGPT's GPT builds lm_head and wte separately; convert_hf_checkpoint copies wte into lm_head when the
    # checkpoint ties them (litgpt/model.py, litgpt/scripts/convert_hf_checkpoint.py @5895df10): Gemma 2B's
    # 2,506,172,416 parameters become 2,506,172,416 + 256,000 × 2,048 in bf16 under LoRA.
    params = 2_506_172_416
    config = Config(finetune=Finetune.LORA, seq_len=0, untied_output=True)
    result = memory.estimate(params, GEMMA_2B, config)
    adapters = memory.lora_params(GEMMA_2B, 8, "qv")
    assert result.weights_bytes == pytest.approx(2 * (params + 256000 * 2048) + 2 * adapters)
    tied = memory.estimate(params, GEMMA_2B, replace(config, untied_output=False))
    assert tied.weights_bytes == pytest.approx(2 * params + 2 * adapters)


def test_litgpt_quantizes_its_output_layer() -> None:
    # Lightning's BitsandbytesPrecision replaces every torch.nn.Linear while the model is built (LitGPT passes
    # no ignore_modules): lm_head is NF4 too; only the embedding and the norms stay bf16.
    config = replace(STATES, quantized_output=True, double_quant=False)
    kept = 32000 * 4096 + 2 * 32 * 4096
    assert quantized.frozen_bytes(6.738e9, LLAMA2_7B, config) == pytest.approx((6.738e9 - kept) * 4.5 / 8 + 2 * kept)


def test_the_dequantized_output_layer_is_the_largest_matrix_only_where_it_is_4_bit() -> None:
    # MatMul4Bit dequantizes the whole weight it multiplies; an output layer kept in 16-bit is never dequantized.
    assert quantized.largest_quantized(GEMMA_2B, 2.5e9, STATES) == 2048 * 16384
    assert quantized.largest_quantized(GEMMA_2B, 2.5e9, replace(STATES, quantized_output=True)) == 256000 * 2048
    # Lightning quantizes weight.to(torch.half): the fp16 result and its bf16 cast are both alive.
    two = quantized.dequantized_bytes(LLAMA2_7B, 6.7e9, replace(STATES, dequant_copies=2))
    assert two == 2 * quantized.dequantized_bytes(LLAMA2_7B, 6.7e9, STATES)


HELD = Config(
    finetune=Finetune.QLORA,
    seq_len=512,
    micro_batch=2,
    quantized_keep_inputs=True,
    holds_last_graph=True,
    loss=Loss.CHUNKED,
)


def test_held_inputs_need_the_loop_the_kernel_and_a_repeated_batch() -> None:
    # The previous micro-step's 4-bit inputs survive only where bitsandbytes stores them on ctx (through
    # 0.43.1), the loop still references the graph, and the batch before the peak one is as long.
    per_layer = 2 * 4096 + 4096 + 11008
    logits = (2 + 2 - 6) * 1024 * 32000
    assert quantized.held_bytes(LLAMA2_7B, HELD) == pytest.approx(2 * 1024 * 32 * per_layer + logits)
    for change in ({"quantized_keep_inputs": False}, {"holds_last_graph": False}, {"peak_batch_repeats": False}):
        assert quantized.held_bytes(LLAMA2_7B, replace(HELD, **change)) == 0.0  # type: ignore[arg-type]


@given(st.integers(1, 16), st.integers(1, 4096))
def test_held_inputs_grow_with_the_batch(micro_batch: int, seq_len: int) -> None:
    small = quantized.held_bytes(LLAMA2_7B, replace(HELD, micro_batch=micro_batch, seq_len=seq_len))
    large = quantized.held_bytes(LLAMA2_7B, replace(HELD, micro_batch=micro_batch + 1, seq_len=seq_len))
    assert 0.0 <= small <= large


@pytest.mark.parametrize(
    ("row_id", "gigabytes"),
    [
        # config_hub/finetune/README.md @5895df10, 'Peak memory' (torch.cuda.max_memory_allocated() / 1e9).
        ("lg-hub-llama-2-7b-qlora-1gpu", 13.68),
        ("lg-hub-gemma-2b-qlora-1gpu", 11.58),
        ("lg-hub-falcon-7b-qlora-1gpu", 9.44),
        # @00af8b0d: the 1B Llama 3.2 with tied embeddings.
        ("lg-hub-llama-3.2-1B-qlora-1gpu", 5.53),
    ],
)
def test_litgpt_config_hub_qlora_peaks(row_id: str, gigabytes: float) -> None:
    row = _row(row_id)
    assert row.measured_bytes == round(gigabytes * 1e9)
    assert accuracy.predicted_memory(row, fitted.ALLOCATOR_RESERVE) == pytest.approx(row.measured_bytes, rel=0.06)


def test_litgpt_2023_peak_is_the_lone_longest_batch() -> None:
    # tutorials/resource-tables.md (2023-10): finetune/lora.py @8641822 put the longest sample in the first
    # batch only, so no earlier batch of that length is held at the peak: Llama 2 7B NF4, 14.14 GB.
    row = _row("lg-rt-llama2-7b-nf4-mb1")
    assert not accuracy.config(row).peak_batch_repeats
    assert accuracy.predicted_memory(row, fitted.ALLOCATOR_RESERVE) == pytest.approx(14.14e9, rel=0.06)


def test_softcapped_eager_attention_stores_the_tanh_and_a_float32_softmax() -> None:
    # Gemma 2's soft-capped scores as LitGPT's CausalSelfAttention (@00af8b0d) and transformers' eager attention
    # compute them: tanh(scores / cap) * cap, softmax(..., dtype=torch.float).to(bf16), then @ v: per score the
    # tanh output (2 bytes), the float32 softmax (4) and its bf16 cast (2), against the softmax output alone.
    layer = Layer(d_model=2304, n_head=8, q_dim=2048, kv_dim=1024, ff=9216, gated_mlp=True, rmsnorm=True)
    eager = Saving(attention=Attention.EAGER)
    capped = layer_bytes(512, 2, replace(layer, softcap=True), eager)
    assert capped - layer_bytes(512, 2, layer, eager) == 6 * 512 * 512 * 2 * 8
    assert layer_bytes(512, 2, replace(layer, softcap=True), Saving()) == layer_bytes(512, 2, layer, Saving())


def test_litgpt_runs_soft_capped_attention_eagerly() -> None:
    # litgpt/model.py: "with softcapping we cannot use SDPA"; other stacks keep their fused kernel.
    assert STACKS["litgpt"].attention_for(softcapped=True) is Attention.EAGER
    assert STACKS["litgpt"].attention_for(softcapped=False) is Attention.FLASH
    assert STACKS["hf"].attention_for(softcapped=True) is Attention.FLASH


def test_unchunked_nf4_conversion_peaks_at_68_bytes_per_element_of_the_largest_weight() -> None:
    # torchao 0.1 NF4Tensor.from_tensor: bf16 weight (2) + block-scaled copy (2) + ``value - nf4`` over 16 codes
    # in bf16 (32) alive while ``.abs()`` writes its own (32). Llama 2 7B's largest NF4 matrix is an MLP
    # projection, 11008 × 4096 (the output layer stays bf16 in torchtune).
    config = replace(STATES, nf4_unchunked=True)
    assert quantized.load_bytes(1e9, LLAMA2_7B, 6.738e9, config) == pytest.approx(1e9 + 68 * 11008 * 4096)
    assert quantized.load_bytes(1e9, LLAMA2_7B, 6.738e9, STATES) == 0.0
    lora = replace(config, finetune=Finetune.LORA)
    assert quantized.load_bytes(1e9, LLAMA2_7B, 6.738e9, lora) == 0.0


def test_torchtune_2404_qlora_reserved_peak_keeps_the_load() -> None:
    # torchtune's QLoRA tutorial (0914d5cf) reports 9.13 GB reserved after model init and 9.29 GB in training
    # for 7B_qlora_single_device: the training step alone allocates far less; the cached load is kept.
    row = _row("tt2404-llama2-7b-qlora-4090")
    cfg = accuracy.config(row)
    assert cfg.nf4_unchunked
    assert row.model.params is not None
    e = memory.estimate(row.model.params, accuracy.shape(row), cfg)
    step = (e.total_bytes - e.overhead_bytes) * (1 + fitted.ALLOCATOR_RESERVE)
    predicted = accuracy.predicted_memory(row, fitted.ALLOCATOR_RESERVE)
    assert step < 0.7 * 9.13e9 < predicted <= 9.13e9


def test_torchtune_keeps_the_standard_loss_eager_under_compile() -> None:
    # torchtune's recipes call training.compile_loss(self._loss_fn) without keeping its result; for
    # torch.nn.CrossEntropyLoss that result is the compiled module (training/_compile.py at 30b8519e), so only
    # the chunked loss, patched in place, is compiled.
    assert not STACKS["torchtune"].compiles_loss
    assert not accuracy.config(_row("tt2409-llama31-405b-qlora-8xa100")).compiled_loss
