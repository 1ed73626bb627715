"""Procurement economics: what a workload costs on each way to get a model, on one scale.

Builds on the pure core (``calculator``): never imports streamlit or the app. Modules, one topic each:

- ``scenario``     the buyer's question (workloads, candidates, pricing basis, ownership) and its URL and
                   YAML codecs; ``calculator`` never sees it.
- ``rental``       $/GPU-hour of rental tiers from the catalog (on-demand, reserved 1 y / 3 y, spot).
- ``tco``          owning a GPU: capex, depreciation, power, colocation, operations -> $/GPU-hour;
                   rent vs buy cumulative cost and payback.
- ``gpu_price``    the $/GPU-hour a scenario's pricing basis gives for one GPU (or why there is none).
- ``api_cost``     cost of a request at API prices (input, cached input, output, long-context tiers).
- ``fleet``        replicas for the traffic, GPU-hours, monthly cost, idle cost; break-even volume.
- ``roi``          value of successful tasks, net value, ROI.
- ``options``      ``compare_options(scenario, catalog)``: one row per option per workload (the pipeline;
                   adds no formula of its own).
- ``band``         the calibration band around a self-hosted $/1M tokens.
- ``sensitivity``  tornado data.
- ``mix``          several workloads sharing one fleet, with cost per workload.
- ``economics``    the pure functions the app's Economics page calls.
- ``report``       the CSV writer (OWASP CSV-injection safe) and the text summary; ``cli`` the commands
                   ``scenario`` and ``report`` (``commands.py`` at the top adds them to ``python -m calculator``).

Glossary (names used in code, CSV columns and YAML keys)
--------------------------------------------------------
replica            one copy of the model served on ``num_gpus_per_replica`` GPUs (tensor parallel).
capacity           requests a replica serves per second at its chosen concurrency, within the latency limits.
utilisation_frac   planned average busy fraction of provisioned capacity (headroom for bursts).
always_on          True: capacity sized for the peak and paid every hour; False: autoscaled to the average
                   traffic (at least one warm replica).
monthly            per calendar month of ``calculator.units.HOURS_PER_MONTH`` (730) hours.
blended            per million tokens of input and output together, over the workload's input/output mix.
quality_index      0-100 weighted benchmark score for a workload profile (``calculator.quality``).
success_frac       probability that a task succeeds, mapped from the quality index (``pricing.roi``).
option             one way to serve a workload: a self-hosted deployment (model x GPU x precision) or an API.
WorkloadSpec       one workload of a scenario (``pricing.scenario``): request shape, traffic, latency limits,
                   quality profile; it names a WorkloadPreset (``preset``) and scores on one (``quality_profile``).
WorkloadPreset     a catalog preset of ``data/workloads.yaml`` (``calculator.schemas``) with its quality weights.
RequestShape       what one sizing estimate needs (``calculator.sizing``): tokens per request and latency limits.
"""
