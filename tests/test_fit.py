"""calculator.fit: the smallest deployments that fit when one does not."""

from __future__ import annotations

from calculator import fit
from calculator.catalog import Catalog
from calculator.sizing import RequestShape, max_concurrency
from tests.conftest import fixed_efficiency


def test_llama_70b_bf16_on_one_h100_suggests_two_gpus_fp8_or_fp4_and_a_b200(catalog: Catalog) -> None:
    # Llama 3.1 70B: 70.55e9 parameters x 2 B (bf16) = 141.1 GB of weights: more than one H100 (80 GB) and,
    # weights alone, more than one H200 (141 GB); 2 x H100 = 160 GB holds them. The smallest GPU above 141 GB in
    # the catalog is the B200 (180 GB). At fp8 the weights are 70.6 GB, at fp4 4.5/8 x 70.55 = 39.7 GB.
    eff = catalog.efficiency
    assert eff is not None
    arch = catalog.model("llama-3.1-70b").architecture
    h100 = catalog.gpu("h100-sxm")
    wl = RequestShape(1000, 200)
    assert fit.fits(arch, h100, "bf16", 1, wl, eff) == 0
    alts = {a.change: a for a in fit.alternatives(arch, h100, "bf16", 1, wl, eff, catalog.gpus)}
    assert set(alts) == {"more GPUs", "lower precision", "bigger GPU"}
    more = alts["more GPUs"]
    assert (more.gpu_id, more.num_gpus, more.precision) == ("h100-sxm", 2, "bf16")
    assert alts["lower precision"].precision in ("fp8", "fp4")
    assert alts["lower precision"].num_gpus == 1
    assert (alts["bigger GPU"].gpu_id, alts["bigger GPU"].num_gpus) == ("b200", 1)
    assert all(a.max_concurrency >= 1 for a in alts.values())
    # Each suggestion really fits.
    for a in alts.values():
        assert fit.fits(arch, catalog.gpu(a.gpu_id), a.precision, a.num_gpus, wl, eff) == a.max_concurrency


def test_nothing_to_suggest_when_nothing_fits(catalog: Catalog) -> None:
    # A 10-million-token context on the biggest model: no catalog GPU, count or precision holds one sequence.
    eff = catalog.efficiency
    assert eff is not None
    arch = catalog.model("llama-3.1-405b").architecture
    gpu = catalog.gpu("l4")
    wl = RequestShape(10_000_000, 1000)
    assert fit.alternatives(arch, gpu, "bf16", 128, wl, eff, [gpu]) == []


def test_scale_up_domain(catalog: Catalog) -> None:
    l40s = catalog.gpu("l40s")
    n = l40s.scale_up_domain_gpus
    assert not fit.beyond_scale_up(l40s, n)
    assert fit.beyond_scale_up(l40s, n + 1)


def test_expert_parallel_holds_what_tensor_parallel_cannot(catalog):
    # Kimi K2 fp8 on 16 H100 (80 GB, 8 GB reserve), 400,000 + 1,000 tokens: its MLA latent (61 layers x 576 x 1 B
    # = 35,136 B/token -> 14.09 GB per sequence) is one shared head, so TP16 copies it to every GPU:
    # 64.3 GB weights + 8 + 14.09 > 80 -> 0 sequences. EP16 with DP attention keeps the attention weights whole
    # (70.1 GB) but splits sequences: (80 - 8 - 70.1) / (14.09 / 16 = 0.88 GB) -> 2 sequences.
    arch = catalog.model("kimi-k2").architecture
    h100 = catalog.gpu("h100-sxm")
    wl = RequestShape(400_000, 1000)
    eff = fixed_efficiency()  # runtime reserve 10 %, independent of refits
    assert max_concurrency(arch, h100, "fp8", "fp8", 16, wl, eff, "tp") == 0
    assert fit.fits_in_layout(arch, h100, "fp8", 16, wl, eff) == (2, "ep")
    alts = {a.change: a for a in fit.alternatives(arch, h100, "fp8", 8, wl, eff, [h100])}
    assert alts["more GPUs"].num_gpus == 16 and alts["more GPUs"].layout == "ep"
    assert alts["more GPUs"].label().endswith("(expert parallel)")
