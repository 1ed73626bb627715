"""The command-line contract: keys, defaults, exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest

from calculator.cli import main

REQUIRED_KEYS = {
    "fits", "num_gpus", "concurrency", "max_concurrency", "weights_gb_per_gpu", "kv_cache_gb_per_gpu",
    "kv_cache_bytes_per_token", "ttft_ms", "tpot_ms", "output_tokens_per_s", "output_tokens_per_s_per_gpu",
    "requests_per_s", "usd_per_gpu_hour", "usd_per_million_input_tokens", "usd_per_million_output_tokens", "bound",
}


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_estimate_json_contract(capsys):
    code, out, _ = run(capsys, "estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--precision", "fp8",
                       "--input-tokens", "2000", "--output-tokens", "500", "--usd-per-gpu-hour", "2.5", "--json")
    data = json.loads(out)
    assert code == 0
    assert REQUIRED_KEYS <= data.keys()
    assert data["fits"] is True
    assert data["num_gpus"] == 2  # 72.7 GB of fp8 weights do not leave room for KV on one 80 GB H100
    assert data["kv_precision"] == "fp8"  # default for fp8 weights
    assert data["kv_cache_bytes_per_token"] == 163_840  # 2 x 80 x 8 x 128 x 1 B
    # No limits: the memory-bound optimum of a served stream. 174 sequences fit; arriving at random they leave
    # slots free for 99 % of arrivals at a mean of L*(174) = 144.27 (Erlang C, calculator.queueing).
    assert data["max_concurrency"] == 174 and data["open_loop"] is True
    assert abs(data["max_mean_concurrency"] - 144.27) < 0.01
    assert data["concurrency"] == 144
    assert data["usd_per_million_output_tokens"] > 0


def test_estimate_with_limits_picks_lower_concurrency(capsys):
    args = ["estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--precision", "fp8",
            "--input-tokens", "2000", "--output-tokens", "500", "--json"]
    _, free, _ = run(capsys, *args)
    _, limited, _ = run(capsys, *args, "--tpot-slo-ms", "30")
    free_d, lim_d = json.loads(free), json.loads(limited)
    assert lim_d["tpot_ms"] <= 30
    assert lim_d["concurrency"] < free_d["concurrency"]


def test_model_that_does_not_fit_exits_zero_with_memory_needed(capsys):
    code, out, _ = run(capsys, "estimate", "--model", "deepseek-v3", "--gpu", "l4", "--num-gpus", "1",
                       "--input-tokens", "1000", "--output-tokens", "100", "--json")
    data = json.loads(out)
    assert code == 0 and data["fits"] is False
    assert data["memory_needed_gb_per_gpu"] > 1000  # 671B params in bf16 on one GPU
    assert "does not fit" in data["message"]
    assert "NaN" not in out and "Infinity" not in out


def test_model_config_path(capsys):
    from tests.conftest import HF_CONFIGS

    code, out, _ = run(capsys, "estimate", "--model-config", str(HF_CONFIGS / "qwen3-32b.json"), "--gpu", "h100-sxm",
                       "--input-tokens", "1000", "--output-tokens", "200", "--json")
    assert code == 0 and json.loads(out)["fits"] is True


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--model", "llama-3.1-7b", "--gpu", "h100-sxm"], "closest: llama-3.1-70b"),
        (["--model", "llama-3.1-70b", "--gpu", "h100"], "unknown GPU id 'h100'"),
        (["--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--num-gpus", "0"], "--num-gpus must be between 1"),
        (["--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--usd-per-gpu-hour", "nan"], "--usd-per-gpu-hour"),
        (["--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--precision", "fp2"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, needle):
    with pytest.raises(SystemExit) as exc:
        main(["estimate", *argv, "--input-tokens", "100", "--output-tokens", "10", "--json"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_catalog_json_lists_models_gpus_api_models(capsys):
    code, out, _ = run(capsys, "catalog", "--json")
    data = json.loads(out)
    assert code == 0
    for m in data["models"]:
        assert {"id", "name", "is_moe", "total_params_b", "active_params_b", "source", "as_of"} <= m.keys()
    for g in data["gpus"]:
        assert {"id", "memory_gb", "memory_bandwidth_gb_per_s", "bf16_dense_tflops", "fp8_dense_tflops",
                "fp4_dense_tflops", "source", "as_of"} <= g.keys()
    ids = {g["id"] for g in data["gpus"]}
    assert {"a100-sxm-80gb", "h100-sxm", "h100-pcie", "h200-sxm", "b200", "gb200", "mi300x", "mi325x", "mi355x",
            "l40s", "l4", "rtx-4090", "rtx-5090", "tpu-v5e", "tpu-v6e"} <= ids
    assert all("usd_per_million_input_tokens" in a for a in data["api_models"])


def test_tco_json_contract(capsys):
    # Contract of issue 11: usd_per_gpu_hour, server_power_w_per_gpu, components summing to the total with the
    # named components present, residual_credit <= 0, a source per default.
    from pricing.cli import COMMANDS

    assert main(["tco", "--gpu", "h100-sxm", "--years", "3", "--json"], extra=COMMANDS) == 0  # type: ignore[arg-type]
    out = json.loads(capsys.readouterr().out)
    comps = out["components"]
    for name in ("depreciation", "cost_of_capital", "power", "colocation", "network_storage", "staff",
                 "residual_credit"):
        assert name in comps
    assert comps["residual_credit"] <= 0.0
    assert sum(comps.values()) == pytest.approx(out["usd_per_gpu_hour"], rel=1e-12)
    assert out["server_power_w_per_gpu"] == pytest.approx(10200 / 8)  # DGX H100 datasheet / 8 GPUs
    assert all(d["source"] for d in out["defaults"].values())
    assert out["defaults"]["depreciation_years"]["value"] == 3.0 and out["defaults"]["depreciation_years"]["user_set"]


def test_tco_without_purchase_price_exits_2_with_one_line(capsys, catalog):
    from pricing.cli import COMMANDS

    gid = next(g.id for g in catalog.gpus if g.tdp_w is not None
               and not any(p.gpu_id == g.id for p in catalog.purchase_prices))
    with pytest.raises(SystemExit) as exc:
        main(["tco", "--gpu", gid, "--json"], extra=COMMANDS)  # type: ignore[arg-type]
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--usd-per-gpu" in err
    assert main(["tco", "--gpu", gid, "--usd-per-gpu", "20000", "--json"], extra=COMMANDS) == 0  # type: ignore[arg-type]


NEW_KEYS = {"layout", "tensor_parallel", "expert_parallel", "data_parallel_attention", "num_nodes",
            "accepted_tokens_per_step", "ttft_p99_ms", "tpot_p99_ms"}


def test_estimate_layout_keys_and_wide_expert_parallelism(capsys):
    # Issue 10: DeepSeek-V3 on 16 H100 was flat tensor parallelism over the scale-out network (~373 output
    # tok/s/GPU, communication-bound). auto now compares it with expert parallelism + DP attention.
    base = ["estimate", "--model", "deepseek-v3", "--gpu", "h100-sxm", "--num-gpus", "16", "--precision", "fp8",
            "--input-tokens", "2000", "--output-tokens", "2000", "--json"]
    _, out, _ = run(capsys, *base)
    auto = json.loads(out)
    assert NEW_KEYS <= auto.keys() and REQUIRED_KEYS <= auto.keys()
    assert auto["layout"] == "ep" and auto["expert_parallel"] == 16 and auto["tensor_parallel"] == 1
    assert auto["data_parallel_attention"] is True
    assert auto["num_nodes"] == 2  # two 8-GPU NVLink domains
    _, out, _ = run(capsys, *base, "--layout", "tp")
    tp = json.loads(out)
    assert tp["layout"] == "tp" and tp["data_parallel_attention"] is False
    # tp beyond one NVLink domain is now TP8 inside each node x 2 pipeline stages (no all-reduce over
    # InfiniBand): ~765 tok/s/GPU against the flat TP16's ~373; expert parallelism still reads far fewer
    # expert bytes per GPU per step (~1,360).
    assert tp["tensor_parallel"] == 8 and tp["pipeline_parallel"] == 2 and tp["num_nodes"] == 2
    assert auto["output_tokens_per_s_per_gpu"] > 1.5 * tp["output_tokens_per_s_per_gpu"]
    assert auto["ttft_p99_ms"] >= auto["ttft_ms"] and auto["tpot_p99_ms"] >= auto["tpot_ms"]


def test_estimate_disaggregated_pools_count_every_gpu(capsys):
    base = ["estimate", "--model", "deepseek-v3", "--gpu", "h200-sxm", "--num-gpus", "16", "--precision", "fp8",
            "--input-tokens", "2000", "--output-tokens", "2000", "--json"]
    _, out, _ = run(capsys, *base, "--layout", "disagg")
    dis = json.loads(out)
    _, out, _ = run(capsys, *base, "--layout", "ep")
    ep = json.loads(out)
    # 8 H200 hold DeepSeek-V3 fp8, so 16 split into an 8-GPU prefill pool and an 8-GPU decode pool (EP8 each).
    assert dis["layout"] == "disagg" and dis["num_prefill_gpus"] == 8 and dis["num_decode_gpus"] == 8
    assert dis["num_gpus"] == 16 and dis["expert_parallel"] == 8 and dis["data_parallel_attention"] is True
    assert dis["output_tokens_per_s_per_gpu"] * 16 == pytest.approx(dis["output_tokens_per_s"], rel=1e-12)
    # Decode steps carry no prompt chunks and EP8 stays inside NVLink: lower TPOT than EP16 over InfiniBand.
    assert dis["tpot_ms"] < ep["tpot_ms"]
    assert REQUIRED_KEYS <= dis.keys() and NEW_KEYS <= dis.keys()


def test_estimate_layout_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--input-tokens", "100",
              "--output-tokens", "10", "--layout", "ep"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "mixture-of-experts" in err
    with pytest.raises(SystemExit):
        main(["estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--input-tokens", "100",
              "--output-tokens", "10", "--layout", "disagg", "--num-gpus", "1"])
    assert "disagg" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # DeepSeek-V3 fp8 needs 16 H100: no room for two pools in 16
        main(["estimate", "--model", "deepseek-v3", "--gpu", "h100-sxm", "--input-tokens", "100",
              "--output-tokens", "10", "--layout", "disagg", "--num-gpus", "16", "--precision", "fp8"])
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "twice the fewest GPUs" in err
    with pytest.raises(SystemExit):
        main(["estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--input-tokens", "100",
              "--output-tokens", "10", "--cached-input-frac", "1.5"])
    assert "--cached-input-frac must be between 0 and 0.99" in capsys.readouterr().err


def test_estimate_spec_decode_and_prefix_cache(capsys):
    base = ["estimate", "--model", "deepseek-r1", "--gpu", "b200", "--num-gpus", "8", "--precision", "fp4",
            "--input-tokens", "1024", "--output-tokens", "2048", "--concurrency", "1", "--layout", "tp", "--json"]
    _, out, _ = run(capsys, *base)
    on = json.loads(out)
    _, out, _ = run(capsys, *base, "--spec-decode", "off")
    off = json.loads(out)
    # data/speculative.yaml: DeepSeek-R1 with its MTP module accepts 1.92 tokens per step (TensorRT-LLM blog).
    assert on["accepted_tokens_per_step"] == 1.92 and off["accepted_tokens_per_step"] == 1.0
    assert 1.5 < off["tpot_ms"] / on["tpot_ms"] < 1.92  # the draft pass and 2 verified tokens cost something
    _, out, _ = run(capsys, *base, "--spec-decode", "off", "--cached-input-frac", "0.5")
    cached = json.loads(out)
    assert cached["prefill_ms"] < off["prefill_ms"]


# `estimate` starts fast (issue 13; timings are printed by bench/bench_cli.py, never asserted): it reads only the
# physics catalogs and imports neither pandas nor the economics floor's scenario.
ESTIMATE_IN_A_FRESH_PROCESS = """
import json, sys
import calculator.catalog as catalog
read = []
original = catalog.read_yaml
catalog.read_yaml = lambda path: read.append(path.name) or original(path)
from cli import main
code = main(["estimate", "--model", "gpt-oss-120b", "--gpu", "h100-sxm", "--num-gpus", "1", "--precision", "fp8",
             "--input-tokens", "1000", "--output-tokens", "200", "--json"])
print(json.dumps({"code": code, "read": sorted(set(read)),
                  "imported": sorted(m for m in ("pandas", "pyarrow", "streamlit", "pricing.scenario", "plotly")
                                     if m in sys.modules)}))
"""


def test_estimate_reads_only_the_physics_catalogs_and_imports_no_pandas():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", ESTIMATE_IN_A_FRESH_PROCESS], cwd=root, capture_output=True,
                          text=True, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert result["read"] == ["efficiency.yaml", "gpus.yaml", "models.yaml", "speculative.yaml"]
    assert result["imported"] == []


def test_estimate_on_the_physics_catalog_equals_the_full_catalog(capsys):
    from calculator.catalog import load_catalog, load_physics_catalog
    from calculator.cli import build_parser, cmd_estimate

    args = build_parser().parse_args(["estimate", "--model", "deepseek-v3.2", "--gpu", "h200-sxm", "--precision",
                                      "fp8", "--input-tokens", "2000", "--output-tokens", "500", "--json"])
    outputs = []
    for cat in (load_physics_catalog(), load_catalog()):
        assert cmd_estimate(args, cat) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]
