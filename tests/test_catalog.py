"""The packaged catalogs: they validate, carry sources, avoid the known traps, and match published figures."""

from __future__ import annotations

import re

import pytest

from flopcheck.catalog import files as catalog_file
from flopcheck.catalog import store as catalog
from flopcheck.catalog.entries import GpuSpec, ModelSpec, Precision
from flopcheck.catalog.files import normalize
from flopcheck.core.errors import NotFoundError

GPUS = catalog.gpus()
MODELS = catalog.models()


def peak_tflop(gpu_id: str, precision: Precision) -> float | None:
    value = GPUS.get(gpu_id).peak_flop_per_s(precision)
    return None if value is None else value / 1e12


# ----------------------------------------------------------------------------- coverage


REQUIRED_GPUS = [
    "rtx-3060-12gb",
    "rtx-3090",
    "rtx-4070-ti",
    "rtx-4080",
    "rtx-4090",
    "rtx-5090",
    "v100",
    "t4",
    "a10",
    "a100-sxm-40gb",
    "a100-sxm-80gb",
    "a100-pcie-40gb",
    "a100-pcie-80gb",
    "l4",
    "l40s",
    "h100-sxm",
    "h100-pcie",
    "h200",
    "b200",
    "mi250x",
    "mi300x",
    "mi325x",
    "tpu-v4",
    "tpu-v5e",
    "tpu-v5p",
    "gaudi-2",
]
REQUIRED_MODELS = [
    "gpt2",
    "gpt2-medium",
    "gpt2-large",
    "gpt2-xl",
    "gpt3-small",
    "gpt3-medium",
    "gpt3-large",
    "gpt3-xl",
    "gpt3-2.7b",
    "gpt3-6.7b",
    "gpt3-13b",
    "gpt3-175b",
    "gopher-280b",
    "chinchilla-70b",
    "llama-2-7b",
    "llama-2-13b",
    "llama-2-70b",
    "llama-3-8b",
    "llama-3-70b",
    "llama-3.1-8b",
    "llama-3.1-70b",
    "llama-3.1-405b",
    "pythia-160m",
    "pythia-1b",
    "pythia-12b",
    "mistral-7b",
    "opt-175b",
    "bloom-176b",
]


def test_catalog_sizes() -> None:
    assert len(GPUS) >= 25
    assert len(MODELS) >= 30


@pytest.mark.parametrize("name", REQUIRED_GPUS)
def test_required_gpu_present(name: str) -> None:
    assert GPUS.find(name) is not None


@pytest.mark.parametrize("name", REQUIRED_MODELS)
def test_required_model_present(name: str) -> None:
    assert MODELS.find(name) is not None


@pytest.mark.parametrize("entry", [*GPUS, *MODELS], ids=lambda e: e.id)
def test_every_entry_has_a_web_source(entry: GpuSpec | ModelSpec) -> None:
    assert entry.sources
    assert all(url.startswith(("https://", "http://")) for url in entry.sources)


@pytest.mark.parametrize("gpu", list(GPUS), ids=lambda g: g.id)
def test_every_gpu_has_a_training_precision(gpu: GpuSpec) -> None:
    assert any(gpu.peak_flop_per_s(p) for p in (Precision.BF16, Precision.FP16, Precision.FP32))
    assert gpu.memory_bytes > 1e9


# ----------------------------------------------------------------------------- datasheet figures


@pytest.mark.parametrize(
    ("gpu_id", "precision", "tflop"),
    [
        # NVIDIA A100 datasheet: FP32 19.5, TF32 156, BF16/FP16 312 dense (624 with sparsity).
        ("a100-sxm-80gb", Precision.FP32, 19.5),
        ("a100-sxm-80gb", Precision.TF32, 156),
        ("a100-sxm-80gb", Precision.BF16, 312),
        # NVIDIA H100 whitepaper, H100 SXM5: dense BF16 989.4, FP8 1978.9; datasheet FP32 67.
        ("h100-sxm", Precision.BF16, 989.4),
        ("h100-sxm", Precision.FP8, 1978.9),
        ("h100-sxm", Precision.FP32, 67),
        # Ada whitepaper appendix: RTX 4090 FP16/BF16 tensor with FP32 accumulate 165.2 (not 330.3).
        ("rtx-4090", Precision.FP16, 165.2),
        ("rtx-4090", Precision.FP32, 82.6),
        # Ada whitepaper appendix: RTX 4070 Ti FP32 40.1, FP16 tensor with FP32 accumulate 80.2.
        ("rtx-4070-ti", Precision.FP32, 40.1),
        ("rtx-4070-ti", Precision.FP16, 80.2),
        # GA102 whitepaper: RTX 3090 FP16 tensor with FP32 accumulate 71.
        ("rtx-3090", Precision.FP16, 71),
        # V100 datasheet: 125 tensor TFLOPS (FP16 with FP32 accumulate), FP32 15.7 (SXM2).
        ("v100", Precision.FP16, 125),
        ("v100", Precision.FP32, 15.7),
        # T4 datasheet: mixed precision (FP16/FP32) 65, FP32 8.1.
        ("t4", Precision.FP16, 65),
        # AMD Instinct MI300X: BF16 1307.4 dense, FP8 2614.9 dense.
        ("mi300x", Precision.BF16, 1307.4),
        ("mi300x", Precision.FP8, 2614.9),
        # AMD Instinct MI250X: FP16/BF16 383, FP32 vector 47.9.
        ("mi250x", Precision.BF16, 383),
        # Google Cloud TPU documentation: peak BF16 per chip.
        ("tpu-v4", Precision.BF16, 275),
        ("tpu-v5e", Precision.BF16, 197),
        ("tpu-v5p", Precision.BF16, 459),
    ],
)
def test_published_peaks(gpu_id: str, precision: Precision, tflop: float) -> None:
    assert peak_tflop(gpu_id, precision) == pytest.approx(tflop)


@pytest.mark.parametrize(
    ("gpu_id", "memory_bytes"),
    [
        ("rtx-4070-ti", 12e9),  # 12 GB GDDR6X
        ("rtx-4090", 24e9),
        ("a100-sxm-80gb", 80e9),
        ("h100-sxm", 80e9),
        ("h200", 141e9),
        ("mi300x", 192e9),
        ("tpu-v4", 32 * 2**30),  # Google states 32 GiB of HBM per v4 chip
    ],
)
def test_published_memory(gpu_id: str, memory_bytes: float) -> None:
    assert GPUS.get(gpu_id).vendor_memory_bytes == pytest.approx(memory_bytes)


@pytest.mark.parametrize(
    ("gpu_id", "mib"),
    [
        ("a100-sxm-80gb", 81920),  # nvidia-smi totals across Modal's fleet (modal-labs/modal-client PR 2797)
        ("t4", 15360),  # same list
        ("h100-sxm", 81559),  # NVIDIA/nccl issue 1264, HGX H100: "0MiB / 81559MiB"
        ("h200", 143771),  # NVIDIA/cuda-samples issue 311: "0MiB / 143771MiB"
        ("b200", 183359),  # NVIDIA/TensorRT-LLM issue 10278: "183359MiB"
    ],
)
def test_device_reported_memory_is_the_capacity_used(gpu_id: str, mib: int) -> None:
    gpu = GPUS.get(gpu_id)
    assert gpu.memory_total_bytes == mib * 2**20
    assert gpu.memory_bytes == mib * 2**20


@pytest.mark.parametrize(("gpu_id", "tflop"), [("rtx-3060-12gb", 25.5), ("rtx-4060-ti-16gb", 44.1)])
def test_geforce_tensor_rates_derived_from_published_figures(gpu_id: str, tflop: float) -> None:
    # RTX 3060: NVIDIA's "101 tensor-TFLOPS" = sparse FP16-accumulate; /2 dense, /2 FP32 accumulate on GeForce.
    # RTX 4060 Ti: "353 AI TOPS" = sparse FP8 FP16-accumulate; /2 dense, /2 to FP16, /2 FP32 accumulate.
    published = {"rtx-3060-12gb": 101 / 4, "rtx-4060-ti-16gb": 353 / 8}[gpu_id]
    gpu = GPUS.get(gpu_id)
    assert peak_tflop(gpu_id, Precision.BF16) == pytest.approx(tflop)
    assert tflop == pytest.approx(published, rel=0.01)
    assert set(gpu.derived_peaks) == {Precision.BF16, Precision.FP16}


@pytest.mark.parametrize(("gpu_id", "watts"), [("h100-sxm", 10_200), ("a100-sxm-80gb", 6_500), ("b200", 14_300)])
def test_node_power_per_platform(gpu_id: str, watts: float) -> None:
    # DGX H100 datasheet "~10.2kW max"; DGX A100 user guide "6.5 kW max"; DGX B200 "~14.3kW max"; 8 GPUs each.
    platform = GPUS.get(gpu_id).platform
    assert platform is not None and platform.node_power_w == watts and platform.gpus_per_node == 8


@pytest.mark.parametrize("gpu_id", ["v100", "v100-pcie-32gb", "t4"])
def test_volta_and_turing_have_no_bf16_or_tf32(gpu_id: str) -> None:
    assert peak_tflop(gpu_id, Precision.BF16) is None
    assert peak_tflop(gpu_id, Precision.TF32) is None


@pytest.mark.parametrize("gpu_id", ["rtx-3090", "a10", "a100-sxm-40gb", "a100-pcie-80gb", "mi250x"])
def test_chips_without_fp8_have_none(gpu_id: str) -> None:
    assert peak_tflop(gpu_id, Precision.FP8) is None


@pytest.mark.parametrize("gpu", [g for g in GPUS if g.vendor == "NVIDIA"], ids=lambda g: g.id)
def test_nvidia_tensor_rates_are_consistent(gpu: GpuSpec) -> None:
    # With FP32 accumulate, BF16 and FP16 tensor rates are equal on every NVIDIA part that has both, and
    # TF32 is half of them. A GeForce FP16-accumulate figure (twice the rate) would break this.
    bf16, fp16, tf32 = (gpu.peak_flop_per_s(p) for p in (Precision.BF16, Precision.FP16, Precision.TF32))
    if bf16 and fp16:
        assert bf16 == pytest.approx(fp16)
    if bf16 and tf32:
        # 3 %: NVIDIA prints B200's TF32 rounded to "2.2 PFLOPS" with sparsity (1.1 dense, not 1.125).
        assert tf32 == pytest.approx(bf16 / 2, rel=0.03)


# ----------------------------------------------------------------------------- released model figures


@pytest.mark.parametrize(
    ("model_id", "params"),
    [
        # Released GPT-2 checkpoints (HF transformers GPT2LMHeadModel, tied embeddings).
        ("gpt2", 124_439_808),
        ("gpt2-medium", 354_823_168),
        ("gpt2-large", 774_030_080),
        ("gpt2-xl", 1_557_611_200),
        # Biderman et al. 2023 (Pythia), Table 1 / model card: exact total parameters.
        ("pythia-70m", 70_426_624),
        ("pythia-160m", 162_322_944),
        ("pythia-410m", 405_334_016),
        ("pythia-1b", 1_011_781_632),
        ("pythia-1.4b", 1_414_647_808),
        ("pythia-2.8b", 2_775_208_960),
        ("pythia-6.9b", 6_857_302_016),
        ("pythia-12b", 11_846_072_320),
        # BigScience BLOOM model card: 176,247,271,424 parameters.
        ("bloom-176b", 176_247_271_424),
        # Released Llama 2 7B and Mistral 7B v0.1 checkpoints.
        ("llama-2-7b", 6_738_415_616),
        ("mistral-7b", 7_241_732_096),
        # GPT-3 paper, Table D.1: 174.6B parameters for the 175B model.
        ("gpt3-175b", 174_600_000_000),
    ],
)
def test_published_parameter_counts(model_id: str, params: int) -> None:
    assert MODELS.get(model_id).params == params


@pytest.mark.parametrize("model_id", ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"])
def test_gpt2_architecture_reproduces_its_count(model_id: str) -> None:
    # GPT-2 layout (HF GPT2Model): token + position embeddings, per layer 12h² + 13h (QKV, projection and
    # MLP weights and biases, two LayerNorms), a final LayerNorm; the output head is tied.
    model = MODELS.get(model_id)
    arch = model.architecture
    assert arch is not None and arch.vocab_size is not None
    h = arch.d_model
    count = arch.vocab_size * h + arch.n_ctx * h + arch.n_layer * (12 * h * h + 13 * h) + 2 * h
    assert count == model.params


@pytest.mark.parametrize(
    ("model_id", "n_layer", "d_model", "n_head"),
    [
        # GPT-3 paper, Table 2.1 (13B: the table prints d_model 5140; 40 heads × 128 = 5120).
        ("gpt3-small", 12, 768, 12),
        ("gpt3-xl", 24, 2048, 24),
        ("gpt3-13b", 40, 5120, 40),
        ("gpt3-175b", 96, 12288, 96),
        # Llama 2 paper / released configs.
        ("llama-2-70b", 80, 8192, 64),
    ],
)
def test_published_architectures(model_id: str, n_layer: int, d_model: int, n_head: int) -> None:
    arch = MODELS.get(model_id).architecture
    assert arch is not None
    assert (arch.n_layer, arch.d_model, arch.n_head) == (n_layer, d_model, n_head)


def test_gpt2_tokens_are_marked_as_an_estimate() -> None:
    for model_id in ("gpt2", "gpt2-xl"):
        model = MODELS.get(model_id)
        assert model.training_tokens == 10_000_000_000
        assert model.training_tokens_estimated


# ----------------------------------------------------------------------------- lookups


@pytest.mark.parametrize(
    ("name", "gpu_id"),
    [
        ("rtx4070ti", "rtx-4070-ti"),
        ("rtx-4070-ti", "rtx-4070-ti"),
        ("RTX 4070 Ti", "rtx-4070-ti"),
        ("4070ti", "rtx-4070-ti"),
        ("a100-80gb", "a100-sxm-80gb"),
        ("h100-sxm", "h100-sxm"),
        ("h100", "h100-sxm"),
        ("H100_SXM", "h100-sxm"),
    ],
)
def test_gpu_lookup(name: str, gpu_id: str) -> None:
    assert GPUS.get(name).id == gpu_id


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("gpt2", "gpt2"),
        ("GPT-2", "gpt2"),
        ("llama-2-7b", "llama-2-7b"),
        ("llama2-7b", "llama-2-7b"),
        ("gpt3-1.3b", "gpt3-xl"),
        ("gpt3-13b", "gpt3-13b"),
    ],
)
def test_model_lookup(name: str, model_id: str) -> None:
    assert MODELS.get(name).id == model_id


def test_unknown_name_suggests_close_ids() -> None:
    with pytest.raises(NotFoundError, match=r"unknown gpu 'rtx4070'; did you mean rtx-4070-ti"):
        GPUS.get("rtx4070")
    with pytest.raises(NotFoundError, match=r"did you mean gpt2-xl"):
        MODELS.get("gpt2-xxl")


def test_ids_and_aliases_are_unique_across_entries() -> None:
    seen: dict[str, str] = {}
    for index in (GPUS, MODELS):
        for entry in index:
            for name in (entry.id, *entry.aliases):
                key = normalize(name)
                assert seen.setdefault(f"{index.kind}:{key}", entry.id) == entry.id


# ----------------------------------------------------------------------------- broken catalogs

GOOD_GPU = """\
gpus:
  - id: test-gpu
    vendor: Test
    name: Test GPU
    year: 2024
    memory_gb: 12
    peak_tflop_per_s: {bf16: 100}
    sources: [https://example.com/datasheet.pdf]
"""


def parse(text: str) -> catalog_file.Parsed:
    return catalog_file.parse("gpus.yaml", text)


def problems(text: str) -> list[str]:
    return [str(p) for p in parse(text).problems]


def test_good_catalog_parses() -> None:
    parsed = parse(GOOD_GPU)
    assert parsed.problems == []
    (gpu,) = parsed.entries["gpus"]
    assert gpu.peak_flop_per_s(Precision.BF16) == 100e12


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD_GPU.replace("bf16: 100", "bf16: -1"), r"gpus.yaml:7: test-gpu: peak_tflop_per_s.bf16: must be > 0$"),
        (
            GOOD_GPU.replace("bf16: 100", "bf16: .inf"),
            r"gpus.yaml:7: test-gpu: peak_tflop_per_s.bf16: must be a finite number$",
        ),
        (
            GOOD_GPU.replace("bf16: 100", "bf16: 1e400"),
            r"gpus.yaml:7: test-gpu: peak_tflop_per_s.bf16: must be a number",
        ),
        (
            GOOD_GPU.replace("bf16: 100", "bf16: lots"),
            r"gpus.yaml:7: test-gpu: peak_tflop_per_s.bf16: must be a number",
        ),
        (
            GOOD_GPU.replace("bf16: 100", "bf32: 100"),
            r"gpus.yaml:7: test-gpu: peak_tflop_per_s.bf32: unknown field; did you mean tf32\?$",
        ),
        (
            GOOD_GPU.replace("    sources: [https://example.com/datasheet.pdf]\n", ""),
            r"gpus.yaml:2: test-gpu: sources: give at least one source$",
        ),
        (
            GOOD_GPU.replace("[https://example.com/datasheet.pdf]", "[]"),
            r"gpus.yaml:8: test-gpu: sources: give at least one source",
        ),
        (
            GOOD_GPU.replace("memory_gb: 12", "memory_gb: 12\n    memory_gib: 12"),
            r":2: test-gpu: give exactly one of memory_gb",
        ),
        (GOOD_GPU.replace("id: test-gpu", "id: Test GPU"), r"gpus.yaml:2: Test GPU: id: lowercase letters and digits"),
        (GOOD_GPU.replace("year: 2024", "year: 2024\n    year: 2025"), r"gpus.yaml:6: year: duplicate key"),
        (GOOD_GPU.replace("  - id: test-gpu\n", "  - vendor2: x\n"), r"gpus.yaml:2: entry #1: "),
        (GOOD_GPU + "    oops: [unclosed\n", r"gpus.yaml:\d+: invalid YAML"),
        ("- just a list\n", r"expected a mapping with a list under 'gpus' and/or 'models'"),
        ("gpus: {}\n", r"expected a mapping with a list under"),
        (GOOD_GPU + "extra: 1\n", r"gpus.yaml:9: extra: expected a list under"),
        ("gpus:\n  - !!python/object/apply:os.system ['echo hacked']\n", r"invalid YAML"),
        ("", r"expected a mapping"),
        ("a: &x [1, 2]\nb: *x\ngpus: []\n", r"anchors and aliases are not allowed"),
    ],
)
def test_broken_catalog_names_file_line_entry_and_field(text: str, message: str) -> None:
    found = problems(text)
    assert found, "a problem is reported"
    assert any(re.search(message, p) for p in found), found


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD_GPU.replace("bf16: 100", "bf16: '100'"),
            r"gpus.yaml:7: test-gpu: peak_tflop_per_s.bf16: must be a number",
        ),
        (GOOD_GPU.replace("https://example.com/datasheet.pdf", "a datasheet"), r":2: test-gpu: sources: a packaged"),
        (GOOD_GPU.replace("    year: 2024\n", ""), r":2: test-gpu: year: a packaged entry gives its year"),
    ],
)
def test_packaged_entries_are_stricter(text: str, message: str) -> None:
    """Packaged entries cite web sources, give a year, write plain numbers; a user's own need not."""
    assert problems(text) == []
    found = [str(p) for p in catalog_file.parse("gpus.yaml", text, packaged=True).problems]
    assert any(re.search(message, p) for p in found), found


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = GOOD_GPU.replace("bf16: 100", "bf16: -1").replace("year: 2024", "year: 1900")
    found = problems(text)
    assert len(found) == 2
    assert {p.split(": ")[2] for p in found} == {"year", "peak_tflop_per_s.bf16"}


def test_duplicate_names_in_a_file_are_rejected() -> None:
    entry = GOOD_GPU.split("gpus:\n", 1)[1]
    twin = entry.replace("id: test-gpu", "id: test-gpu-2\n    aliases: [test_gpu]")
    found = problems("gpus:\n" + entry + twin)
    assert found == ["gpus.yaml:9: test-gpu-2: id: an id or alias is already used by test-gpu in this file"]


def test_non_utf8_and_oversized_catalogs_are_rejected() -> None:
    _, bad = catalog_file.decode("gpus.yaml", b"gpus: [\xff\xfe]")
    assert "not UTF-8" in str(bad[0])
    _, big = catalog_file.decode("gpus.yaml", b"#" * (catalog_file.MAX_CATALOG_BYTES + 1))
    assert "larger than" in str(big[0])


@pytest.mark.parametrize("filename", ["gpus.yaml", "models.yaml"])
def test_packaged_files_pass_the_full_check(filename: str) -> None:
    # A run validates only the packaged entries it looks up; this checks them all, with the same
    # line-numbered parser `flopcheck validate` uses (duplicate keys, aliases, every field).
    text = catalog.packaged_bytes(filename).decode("utf-8")
    parsed = catalog_file.parse(filename, text, packaged=True)
    assert [str(p) for p in parsed.problems] == []
    kind = filename.removesuffix(".yaml")
    assert len(parsed.entries[kind]) == len(catalog.gpus() if kind == "gpus" else catalog.models())


# ----------------------------------------------------------------------------- corrections (issue: correct and current)


@pytest.mark.parametrize("model_id", ["opt-125m", "opt-1.3b", "opt-6.7b", "opt-13b", "opt-30b", "opt-66b", "opt-175b"])
def test_every_opt_model_was_trained_on_300b_tokens(model_id: str) -> None:
    # Zhang et al. 2022 (OPT), Sec. 2.2; metaseq logbook: "completed its training run on 300B tokens". 180B is the
    # corpus size.
    assert MODELS.get(model_id).training_tokens == 300_000_000_000


def test_palm_head_size() -> None:
    # Chowdhery et al. 2022, Table 1 caption: "attention head size is always 256" (48 heads × 256 = 12,288).
    arch = MODELS.get("palm-540b").architecture
    assert arch is not None and arch.d_head == 256 and arch.n_head * arch.d_head == 12_288


def test_bloom_wall_time() -> None:
    # Luccioni et al. 2022, Table 1: training time 118 days, 5 hours, 41 minutes.
    run = catalog.runs().get("bloom-176b")
    assert run.wall_time_days == pytest.approx(118 + 5 / 24 + 41 / 1440, abs=1e-4)
