"""Training stacks: how each one runs a step by default, and what it costs in fixed memory. Pure data.

A preset sets the switches that move memory by multiples (attention kernel, loss path, compilation, how QLoRA
keeps the layers it does not quantize); the user's flags override any of them. Each preset names the code it
rests on.
"""

from __future__ import annotations

from flopcheck.core.activations import (
    BF16_LOSS_TRAFFIC_PER_LOGIT,
    UPCAST_LOSS_TRAFFIC_PER_LOGIT,
    VOCAB_PARALLEL_LOSS_TRAFFIC_PER_LOGIT,
    Attention,
    Loss,
)
from flopcheck.core.frozen import frozen_dataclass

NCCL_BYTES = 1.2e9
"""Communicator buffers of a multi-GPU process: NCCL's issue #864 measures about 1.6 GB with one communicator
after an all-reduce, CUDA context (~0.4 GB) included."""


@frozen_dataclass
class Stack:
    """A training stack's defaults and habits that change memory and speed: its attention and loss kernels,
    compilation, recomputation, QLoRA and LoRA handling, accumulation and pipeline behaviour."""

    id: str
    name: str
    attention: Attention
    loss: Loss
    compiled: bool
    upcast_unquantized: bool
    """QLoRA: layers left unquantized are cast to fp32 (PEFT's prepare_model_for_kbit_training)."""
    source: str
    op_selective: bool = False
    """--recompute selective is torchtitan's per-op policy."""
    checkpoints_finetune: bool = False
    """Every fine-tune turns on activation checkpointing by default (Unsloth's use_gradient_checkpointing)."""
    checkpoints_quantized: bool = False
    """QLoRA turns on activation checkpointing by default (PEFT's prepare_model_for_kbit_training:
    use_gradient_checkpointing=True)."""
    quantized_keep_inputs: bool = False
    """QLoRA through bitsandbytes' 4-bit matmul as released through 2024, which saves each linear's input."""
    lora_dropout: bool = False
    """The stack's LoRA recipes drop out the adapter input (LitGPT: lora_dropout 0.05); PEFT's LoraConfig,
    torchtune and Unsloth default to 0."""
    unsharded_accumulation: bool = False
    """Gradient accumulation under FSDP keeps unsharded gradients (the step is wrapped in ``no_sync()``)."""
    root_unit: bool = False
    """FSDP wraps each transformer block as a unit and leaves the embedding, final norm and output layer to the
    root unit."""
    untied_output: bool = False
    """The model class has its own output layer for every checkpoint: where the checkpoint ties it to the
    embedding, the converter copies the embedding into it (LitGPT)."""
    quantized_output: bool = False
    """QLoRA quantizes the output layer with the rest (no layer is left out)."""
    double_quant: bool = True
    """QLoRA's recipes quantize with double quantization (``bnb_4bit_use_double_quant``, torchao's NF4)."""
    dequant_copies: int = 1
    """16-bit copies of a dequantized 4-bit weight alive at once."""
    holds_last_graph: bool = False
    """The training loop keeps the last micro-step's logits, and so its autograd graph, until the next forward
    returns."""
    softcap_eager: bool = False
    """Attention with soft-capped scores runs eagerly, not in a fused kernel."""
    compiles_loss: bool = False
    """Compiling the model compiles the standard loss with it (``activations.COMPILED_STANDARD_BYTES_PER_LOGIT``)."""
    native_attention: bool = False
    """Attention runs the GPU architecture's native fused kernels where they are faster than FlashAttention-2:
    Transformer Engine's DotProductAttention picks cuDNN's fused attention or FlashAttention-3 on Hopper."""
    pipeline_engine: bool = False
    """Pipeline parallelism runs in DeepSpeed's ``PipelineEngine`` (Megatron-DeepSpeed, DeepSpeed's own pipeline):
    data-parallel gradients are reduced after the schedule, not behind the backward pass
    (``communication.deepspeed_pipeline_tail_s``). Megatron-LM and NeMo overlap them."""
    pipeline_module: bool = False
    """The model is a DeepSpeed ``PipelineModule`` even on one stage, so ``pipeline_engine`` holds without pipeline
    parallelism too (GPT-NeoX: ``is_pipe_parallel = pipe_parallel_size >= 1``)."""
    fused_kernels: bool = False
    """The stack's own kernels store what a compiled layer stores (``activations.layer_bytes``: each norm its input,
    a gated MLP its gate and up) whether or not torch.compile runs: Unsloth's Triton RMSNorm saves its input and a
    float32 inverse RMS per row (``kernels/rms_layernorm.py``, ``ctx.save_for_backward(X, W, r)``) and its
    ``LoRA_MLP`` saves the input, gate and up and recomputes their SwiGLU product in the backward pass
    (``kernels/fast_lora.py``, ``ctx.save_for_backward(..., X, e, g)``), in every release since 2024.1."""
    expands_kv_heads: bool = False
    """Training a grouped-query model copies K and V out to every query head before attention, and the kernel keeps
    the copies for the backward pass: Unsloth runs FlashAttention only where the flash-attn package is installed
    (its dependencies bring xFormers, not flash-attn), else xFormers, whose path for a backward pass expands and
    reshapes K and V to ``n_heads`` (``unsloth/models/llama.py`` ``LlamaAttention_fast_forward`` in 2024.1;
    ``unsloth/utils/attention_dispatch.py`` ``run_attention`` since: ``if requires_grad: K_mod =
    K_mod.reshape(bsz, kv_seq_len, n_heads, head_dim)``)."""
    head_copies: bool = False
    """Eager attention copies the heads into and out of the batched-matmul layout (``performance.Efficiency``):
    PyTorch code in the [b, s, h, d] layout (nanoGPT's manual path, transformers' ``eager_attention_forward``,
    torchtune, LitGPT); Megatron's [s, b, h] layout (Megatron-LM, Megatron-DeepSpeed, GPT-NeoX) views its heads
    without a copy."""

    fused_softmax: bool = False
    """Eager attention's scale, causal mask and softmax run as one kernel, forward and backward (Megatron-LM's
    ``FusedScaleMaskSoftmax``; GPT-NeoX's ``scaled_upper_triang_masked_softmax_fusion``):
    ``activations.eager_score_bytes`` counts them fused."""
    loss_traffic: float | None = None
    """Bytes per logit the stack's loss moves through memory when it runs eagerly, counted kernel by kernel in the
    stack's code (``activations``: ``UPCAST_``, ``VOCAB_PARALLEL_``, ``BF16_LOSS_TRAFFIC_PER_LOGIT``); None: twice its
    bytes at the peak (``activations.loss_traffic_per_logit``)."""

    finetune_seq_len: int | None = None
    """Tokens per sample a fine-tune truncates to when none is given (its ``source`` says where that comes from);
    None: the model's context."""

    def attention_for(self, softcapped: bool) -> Attention:
        """The attention kernel this stack runs for a model with (or without) soft-capped attention scores."""
        return Attention.EAGER if softcapped and self.softcap_eager else self.attention


STACKS: dict[str, Stack] = {
    stack.id: stack
    for stack in (
        Stack(
            "hf",
            "transformers Trainer + PEFT",
            Attention.FLASH,
            Loss.STANDARD,
            compiled=False,
            upcast_unquantized=True,
            source="transformers: SDPA attention by default (torch >= 2.1.1), loss_utils.ForCausalLMLoss upcasts the "
            "logits (logits.float()); PEFT prepare_model_for_kbit_training casts non-4-bit layers to fp32 and turns "
            "on gradient checkpointing; a fine-tune truncates samples at 1,024 tokens, the default of TRL's SFTTrainer "
            "(SFTConfig.max_length = 1024, trl/trainer/sft_config.py)",
            checkpoints_quantized=True,
            finetune_seq_len=1024,
            head_copies=True,
            loss_traffic=UPCAST_LOSS_TRAFFIC_PER_LOGIT,
        ),
        Stack(
            "torchtune",
            "torchtune recipes",
            Attention.FLASH,
            Loss.CHUNKED,
            compiled=False,
            upcast_unquantized=False,
            source="torchtune: SDPA attention, CEWithChunkedOutputLoss (8 chunks) in the recipe configs, compile off "
            "by default; QLoRA quantizes the adapted linears to NF4 (torchao) and keeps the rest in bf16",
            head_copies=True,
            loss_traffic=UPCAST_LOSS_TRAFFIC_PER_LOGIT,
        ),
        Stack(
            "unsloth",
            "Unsloth",
            Attention.FLASH,
            Loss.FUSED,
            compiled=True,
            upcast_unquantized=False,
            source="Unsloth: Triton kernels for RMSNorm, RoPE and SwiGLU (a layer stores what a compiled one "
            "stores, torch.compile or not); FlashAttention where flash-attn is installed, else xFormers with K and V "
            "expanded to every query head; fused cross-entropy that does not return logits; "
            "FastLanguageModel.from_pretrained defaults to max_seq_length = 2048 and use_gradient_checkpointing = "
            "'unsloth' (unsloth/models/loader.py): a fine-tune checkpoints every layer",
            finetune_seq_len=2048,
            checkpoints_finetune=True,
            fused_kernels=True,
            expands_kv_heads=True,
            head_copies=True,
        ),
        Stack(
            "litgpt",
            "LitGPT",
            Attention.FLASH,
            Loss.CHUNKED,
            compiled=False,
            upcast_unquantized=False,
            source="LitGPT finetune scripts: SDPA, lm_head and cross-entropy in 128-token chunks; its GPT class "
            "always has its own lm_head (convert_hf_checkpoint copies the embedding into it where the checkpoint "
            "ties them); QLoRA through Lightning's BitsandbytesPrecision, which replaces every torch.nn.Linear "
            "while the model is built (lm_head included), quantizes weight.to(torch.half) (an fp16 state: the "
            "dequantized fp16 weight is cast to bf16 in MatMul4Bit), and the config hub's qlora.yaml use bnb.nf4 "
            "(compress_statistics=False: no double quantization); bitsandbytes 0.42 (LitGPT's pin) MatMul4Bit "
            "keeps each input on ctx, and fit() holds the last logits until the next forward; LoRA dropout 0.05; "
            "gradient accumulation under FSDP in Fabric's no_backward_sync, which calls FSDP's no_sync() (FSDP2: "
            "set_requires_gradient_sync(False)): unsharded gradients between steps; multi-GPU scripts run "
            "FSDPStrategy(auto_wrap_policy={Block}), so the embedding, final norm and lm_head form the root unit; "
            "CausalSelfAttention computes soft-capped "
            "attention (Gemma 2) eagerly ('with softcapping we cannot use SDPA')",
            lora_dropout=True,
            quantized_keep_inputs=True,
            unsharded_accumulation=True,
            root_unit=True,
            loss_traffic=BF16_LOSS_TRAFFIC_PER_LOGIT,
            untied_output=True,
            quantized_output=True,
            double_quant=False,
            dequant_copies=2,
            holds_last_graph=True,
            softcap_eager=True,
            head_copies=True,
        ),
        Stack(
            "torchtitan",
            "torchtitan (FSDP2)",
            Attention.FLASH,
            Loss.STANDARD,
            compiled=True,
            upcast_unquantized=False,
            source="torchtitan: SDPA, torch.compile per block, the loss upcasts the full logits (pred.float()) and "
            "is compiled with training.compile (components/loss.py build_cross_entropy_loss, since bbb1b616, "
            "2025-04); selective recomputation is its per-op policy (selective_ac_option op)",
            op_selective=True,
            compiles_loss=True,
            head_copies=True,
        ),
        Stack(
            "megatron",
            "Megatron-LM / NeMo",
            Attention.FLASH,
            Loss.CHUNKED,
            compiled=True,
            upcast_unquantized=False,
            source="Megatron-LM: Transformer Engine fused attention and norms; vocab-parallel cross-entropy keeps one "
            "fp32 softmax computed in place (about 4-6 bytes per logit, counted as the chunked path), fused as NeMo's "
            "GPTConfig sets it (cross_entropy_loss_fusion = True, nemo/collections/llm/gpt/model/base.py); eager "
            "attention through FusedScaleMaskSoftmax (masked_softmax_fusion on by default)",
            native_attention=True,
            fused_softmax=True,
        ),
        Stack(
            "deepspeed",
            "DeepSpeed (with transformers)",
            Attention.FLASH,
            Loss.STANDARD,
            compiled=False,
            upcast_unquantized=False,
            source="DeepSpeed ZeRO with transformers models: SDPA attention and the transformers loss; with pipeline "
            "parallelism DeepSpeed's PipelineEngine (Megatron-DeepSpeed: BLOOM, MT-NLG), whose TrainSchedule reduces "
            "gradients after the last backward pass (deepspeed/runtime/pipe/schedule.py)",
            pipeline_engine=True,
        ),
        Stack(
            "gpt-neox",
            "GPT-NeoX (Megatron on DeepSpeed)",
            Attention.FLASH,
            Loss.CHUNKED,
            compiled=False,
            upcast_unquantized=False,
            source="GPT-NeoX: Megatron-LM layers on DeepSpeed, vocab-parallel cross-entropy (mpu), TorchScript "
            "bias-GeLU and fused masked softmax but no torch.compile; pipe_parallel_size >= 1 (the default configs' 1) "
            "builds a PipelineModule and trains through DeepSpeed's PipelineEngine "
            "(megatron/neox_arguments/arguments.py: is_pipe_parallel = pipe_parallel_size >= 1; megatron/training.py "
            "train_step_pipe), which reduces "
            "gradients only after its schedule; the loss is Megatron's unfused vocab-parallel cross-entropy on "
            "output.float() (megatron/model/gpt2_model.py cross_entropy)",
            pipeline_engine=True,
            pipeline_module=True,
            fused_softmax=True,
            loss_traffic=VOCAB_PARALLEL_LOSS_TRAFFIC_PER_LOGIT,
        ),
        Stack(
            "nanogpt",
            "nanoGPT / llm.c",
            Attention.FLASH,
            Loss.STANDARD,
            compiled=True,
            upcast_unquantized=False,
            source="nanoGPT: F.scaled_dot_product_attention, torch.compile, F.cross_entropy on the full logits inside "
            "the compiled forward (llm.c: a fused classifier kernel that writes the gradient over the logits)",
            head_copies=True,
        ),
    )
}


def default_stack(finetune: bool, gpus: int) -> str:
    """The stack assumed when none is named: transformers + PEFT for fine-tuning (the most common way people
    fine-tune), nanoGPT for pre-training on one GPU, torchtitan on one node, Megatron-LM (what large published
    runs used: Megatron-Turing, BLOOM's Megatron-DeepSpeed, NeMo) beyond one node."""
    if finetune:
        return "hf"
    if gpus == 1:
        return "nanogpt"
    return "torchtitan" if gpus <= 8 else "megatron"


def sequence_length(seq_len: int | None, n_ctx: int | None, finetune: bool, stack: Stack) -> int:
    """Tokens per sample: the one given, else for a fine-tune the stack's truncation length (no longer than the
    model's context), else the model's context; 0 where neither is known."""
    if seq_len:
        return seq_len
    if finetune and stack.finetune_seq_len is not None:
        return min(stack.finetune_seq_len, n_ctx or stack.finetune_seq_len)
    return n_ctx or 0


def preset(name: str | None, finetune: bool, gpus: int) -> Stack:
    """The stack named, or the one assumed when none is (``default_stack``)."""
    return STACKS[name or default_stack(finetune, gpus)]
