"""LLM procurement calculator: the pure computational core.

Which model, on which hardware, rented or bought, gives a workload the most quality per dollar. This
package computes memory, latency, throughput and cost of serving open-weight models (dense and
mixture-of-experts) on GPUs, and loads the sourced catalogs. It never imports streamlit, plotly or ``pricing``:
the bottom floor of three (physics here; economics in ``pricing``; the app and the command line's frame in
``app.py``, ``app_pages/`` and ``cli.py``), with arrows only going down (``tests/test_layers.py``).

Modules, one topic each: ``units`` (constants), ``schemas`` and ``catalog`` (typed catalogs),
``hf_config`` (config.json import), ``params`` (parameter counts), ``memory`` (weights, KV cache, reserve),
``moe`` (experts touched per step, expert-parallel load imbalance), ``throughput`` (roofline, attention FLOPs,
all-reduce, all-to-all, overheads), ``queueing`` (waiting time of a prompt under load), ``pipeline`` (chains
them for arrays of configurations and layouts, no formula of its own), ``cost`` ($ per token),
``sizing`` (one estimate: fewest GPUs, best concurrency), ``sweep`` (vectorised grid), ``validate``
(predicted vs measured), ``quality`` (benchmark index) and ``cli`` (the core's commands). The user's scenario
and its URL/YAML codecs live in ``pricing.scenario``; plotly figures in ``app_pages.charts``; importers of
user files in ``app_pages.importers``.

Glossary (names used in code, YAML keys, CSV columns, CLI flags and UI labels alike)
------------------------------------------------------------------------------------
total parameters      every weight of the model; memory scales with it.
active parameters     weights one token uses: total minus the routed experts it is not sent to.
routed expert         one of E expert MLPs of an MoE layer; a token is routed to k of them (top-k).
shared expert         an expert MLP every token uses (DeepSeek, Qwen3.5, Llama 4).
experts touched       distinct routed experts a step's tokens use, per MoE layer (1 <= touched <= E).
replica               one copy of the model served by ``num_gpus`` GPUs in one layout (a deployment).
layout                how a deployment splits the model: ``tp`` tensor parallel (weights and heads split, two
                      all-reduces per layer); ``ep`` expert parallel with data-parallel attention (each GPU
                      keeps the attention weights and serves its own sequences; experts split; tokens go to
                      their experts and back, all-to-all). MoE only. ``tp`` beyond one scale-up domain is
                      tensor parallel inside each domain with pipeline stages across domains when that is
                      faster (``pipeline_parallel`` > 1). ``disagg``: separate prefill and decode pools, the
                      prompt's KV cache sent between them (``num_prefill_gpus`` + ``num_decode_gpus``).
pipeline_parallel     pipeline stages of a deployment: its layers cut into consecutive groups, one per stage.
data-parallel attention  attention run per GPU on its own sequences (KV cache split by sequence, not by head).
num_nodes             scale-up domains a deployment spans (8-GPU NVLink servers; one NVL72 rack is one).
accepted tokens per step  tokens a speculative (MTP) decode step emits per sequence on average (1 without).
cached input          share of a prompt found in the prefix cache: not prefilled again.
concurrency           sequences a replica decodes together (continuous batching batch size).
prefill               processing the prompt; sets the time to first token (TTFT).
decode step           one forward pass producing one token per running sequence.
TPOT, TTFT            time per output token and to first token; ``_p99`` = 99th percentile under load.
chunk step            a decode step that also prefills a chunk of newly admitted prompts (chunked prefill).
mean step             the average step of the cycle of decode-only and chunk steps; output = B / mean step.
precision             storage format of the weights: bf16, fp8, fp4 (NVFP4/MXFP4), int4.
kv_precision          storage format of the KV cache: bf16, fp8, fp4.
dense TFLOPs          tensor-core peak without 2:4 structured sparsity (the catalog stores dense and sparse apart).
efficiency fractions  achieved share of peak bandwidth / FLOPs, fitted to published measurements.
bound                 what limits a step: memory (bandwidth), compute, communication or overhead.

Units are in names: ``_bytes``, ``_gb`` (1e9 bytes), ``_tflops``, ``_gb_per_s``, ``_s``, ``_ms``,
``_tokens_per_s``, ``_usd``, ``_usd_per_hour``, ``usd_per_million_..._tokens``, ``_frac``; counts start with
``num_``.
"""
