"""The largest fraction of dense peak a big GEMM reaches, per GPU and per precision: published measurements,
and for a GPU nobody measured the median of the measured ones of its class (GeForce or not). Pure."""

from __future__ import annotations

from flopcheck.catalog.entries import GpuSpec, Precision

MATMUL_EFFICIENCY: dict[str, float] = {
    # Maximum achievable BF16 matmul over dense peak, brute-force shape search (Stas Bekman, ml-engineering,
    # compute/accelerator/README.md, "Maximum Achievable Matmul FLOPS comparison table").
    "a100-sxm-40gb": 271.2 / 312,
    "a100-sxm-80gb": 271.2 / 312,
    "a100-pcie-40gb": 252.9 / 312,
    "a100-pcie-80gb": 252.9 / 312,
    "h100-sxm": 794.5 / 989,
    "h200-sxm": 794.5 / 989,  # "H200 is the same"
    "b200": 1745.0 / 2250,
    "gb200-gpu": 1822.0 / 2500,
    "mi300x": 668.4 / 1300,
    "mi325x": 784.9 / 1300,
    "mi355x": 1565.0 / 2300,
    "gaudi-2": 418.7 / 432,
    "gaudi-3": 1243.0 / 1677,
    # The same search, bf16 torch.mm, fastest iteration of the best shape (mag-/gpu_benchmark README "Stats", commit
    # 93322b7f, a fork of Stas Bekman's mamf-finder; its A100 SXM 267.9 and H100 SXM 821.2 are within 3 % of the
    # table above), over the catalog's dense FP32-accumulate peaks. GeForce cards beat the peak: bf16 MMA accumulates
    # in fp32 only, so the excess is their boost clock running above the rated one the peak is computed at.
    "rtx-3090": 78.0 / 71,
    "rtx-4090": 178.8 / 165.2,
    "rtx-a6000": 131.2 / 154.8,
    "rtx-6000-ada": 278.5 / 364.2,
    "l40s": 252.0 / 362.05,
    "l4": 91.4 / 121,
    # Cards that search did not run: bf16 torch.mm of square matrices 1024-10240, the best size's mean over 30
    # back-to-back products (zzc0721/torch-performance-test-data database.md, commit 9d828276: submitted runs of its
    # test.py). Its 3090 (76.3-76.7 TFLOP/s, 3 runs), 4090 (162-173, 6 runs), A6000 (123.3) and L40S (269.2) runs are
    # within 10 % of the search above; its L4 run (70.9) is 22 % below it (a 72 W card, likely throttled sustained).
    "rtx-5090": 238.0 / 209.5,  # median of 4 runs, 221.7-242.2
    "rtx-5080": 102.9 / 112.6,  # 1 run
    "rtx-3080": 64.7 / 59.5,  # the 10GB card's run (a second run's bf16, 24.9 below its own fp16 53.4, is left out)
    # Runs submitted as that repository's issues after that commit (#131; #130, #145 with database.md's 16GB run):
    "rtx-3060-12gb": 25.47 / 25.5,  # 1 run; the 8 and 12 GB cards share the name and the 28 SMs
    "rtx-4060-ti-16gb": 44.74 / 44.1,  # median of 3 runs, 42.7-47.8; the 8 and 16 GB cards share the 34 SMs
    # Chips without bf16 tensor cores train in fp16: the same database's fp16 torch.mm over the fp16 peak.
    "t4": 41.93 / 65,  # median of 3 runs (Colab, Kaggle), 41.91-42.71: a 70 W card well below its rated clock
    "v100-sxm2-32gb": 94.84 / 125,  # the SXM2 16GB card's run (the same GV100 and peak)
}
"""bf16 torch.mm over the dense bf16 peak; fp16 and fp8 GEMMs take the same fraction. No published fp8 GEMM
measurement is collected: the zzc0721 script's fp8 torch.mm failed ("addmm_cuda" not implemented for
'Float8_e4m3fn', its issue #90) and was dropped (its commit 6e2382c), and the tables above are bf16."""

# fp32 and tf32 (below), from zzc0721/torch-performance-test-data database.md at commit 9d828276 ("ZZC"): its test.py
# times torch.mm of square matrices 1024-10240, the best size's mean over 30 back-to-back products, FP32 with
# torch.backends.cuda.matmul.allow_tf32 = False (PyTorch's default since 1.12; set explicitly from its commit 6e2382c
# on, which added the TF32 column, with it True).
FP32_MATMUL_EFFICIENCY: dict[str, float] = {
    # Plain fp32 torch.mm (no tensor cores) over the catalog's fp32 (CUDA-core) peak, from ZZC: the cards' runs as
    # for bf16 above. GeForce cards reach 0.54-0.71 of it, not the >1 bf16 reaches (measured by hand too: FP32 "about
    # 62.5 % of the theoretical figure" on 3090, 4090, 4080 and 4060 alike, translated, and 4090 float32 54.5-55.6
    # TFLOP/s, mli/transformers-benchmarks#3); data-centre parts 0.51-0.98.
    "rtx-3080": 21.07 / 29.8,  # the 10GB card's run (the other, a 12GB card per its issue #76, is left out)
    "rtx-3090": 24.79 / 35.6,  # median of 3 runs, 24.46-24.84
    "rtx-4090": 54.255 / 82.6,  # median of the 24GB card's 6 runs, 46.48-55.01
    "rtx-5080": 33.64 / 56.3,  # 1 run
    "rtx-5090": 68.365 / 104.8,  # median of 4 runs, 63.99-70.47
    "rtx-a6000": 23.92 / 38.7,
    "l40s": 46.88 / 91.6,
    "l4": 15.38 / 30.3,
    "t4": 4.35 / 8.1,  # median of 3 runs (Colab, Kaggle), 4.17-4.43
    "v100-sxm2-32gb": 14.06 / 15.7,  # the SXM2 16GB card's run: the same GV100, 80 SMs and 15.7 TFLOP/s peak
    "a100-sxm-40gb": 19.18 / 19.5,  # the SXM4 80GB card's run
    "a100-sxm-80gb": 19.18 / 19.5,
    "a100-pcie-40gb": 17.56 / 19.5,
    "a100-pcie-80gb": 17.56 / 19.5,  # the PCIe 40GB card's run
    "h100-sxm": 51.995 / 67,  # "H100 80GB HBM3", 2 runs, 51.88 and 52.11
    "h100-pcie": 36.95 / 51,
    "h200-sxm": 51.34 / 67,
    "b200": 66.24 / 75,
    # Runs submitted as that repository's issues after that commit, as for bf16 (these cards have no tf32 peak in
    # the catalog, so their tf32 runs, 12.44 and 21.61-23.84, are not used):
    "rtx-3060-12gb": 8.16 / 13,  # #131
    "rtx-4060-ti-16gb": 11.92 / 22,  # median of 3 runs (#130, #145, database.md's 16GB run), 11.50-15.62
}
"""Plain fp32 GEMMs: CUDA cores only (``allow_tf32=False``, PyTorch's default for matmul since 1.12)."""

TF32_MATMUL_EFFICIENCY: dict[str, float] = {
    # tf32 torch.mm over the catalog's dense tf32 peak, from ZZC's runs with a tf32 column. GeForce Ampere and Ada
    # have a tf32 peak equal to fp32's, and reach about it; their boost clock runs above the rated one, as for bf16.
    "rtx-3080": 32.03 / 29.8,  # the 10GB card's run
    "rtx-4090": 85.65 / 82.6,  # 1 run
    "rtx-5080": 50.69 / 56.3,
    "rtx-5090": 122.19 / 104.8,  # 1 run
    "l4": 31.88 / 60,
    "a100-pcie-40gb": 108.32 / 156,
    "a100-pcie-80gb": 108.32 / 156,  # the PCIe 40GB card's run
    "h100-sxm": 402.15 / 494.7,
    "h100-pcie": 240.43 / 378,
}
"""TF32 GEMMs (``allow_tf32=True`` / ``set_float32_matmul_precision("high")``) on tensor cores."""

GEFORCE = ("rtx-3060-12gb", "rtx-3080", "rtx-3090", "rtx-4060-ti-16gb", "rtx-4090", "rtx-5080", "rtx-5090")
"""The GeForce cards among the measured ones."""


def _median(values: list[float]) -> float:
    ordered, middle = sorted(values), len(values) // 2
    return ordered[middle] if len(values) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def table(precision: Precision) -> dict[str, float]:
    """The measured fractions for GEMMs at ``precision``: fp32 and tf32 their own, every 16- and 8-bit precision
    bf16's."""
    if precision is Precision.FP32:
        return FP32_MATMUL_EFFICIENCY
    return TF32_MATMUL_EFFICIENCY if precision is Precision.TF32 else MATMUL_EFFICIENCY


def class_median(precision: Precision, geforce: bool) -> float:
    """For a GPU without a measurement at ``precision``: the median of the measured ones of its class. bf16:
    GeForce 1.08 (they run above the rated boost clock their peaks are computed at), others 0.78; fp32: GeForce
    0.65, others 0.78; tf32: GeForce 1.06, others 0.69."""
    measured = table(precision)
    return _median([v for k, v in measured.items() if (k in GEFORCE) == geforce])


def measured(gpu: GpuSpec, precision: Precision = Precision.BF16) -> bool:
    """Whether ``gpu`` has a published GEMM measurement at ``precision``."""
    return gpu.id in table(precision)


def matmul_efficiency(gpu: GpuSpec, precision: Precision = Precision.BF16) -> float:
    """The GPU's best GEMM fraction of its dense peak at ``precision``: its published measurement at that
    precision, else the median of the measured ones of its class (GeForce or not, by the catalog name) at it."""
    measured_at = table(precision)
    if gpu.id in measured_at:
        return measured_at[gpu.id]
    return class_median(precision, "GeForce" in gpu.name)
