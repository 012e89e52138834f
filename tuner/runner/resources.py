"""What the Tune run asks Ray for: trial resources and how many trials run at once."""

from __future__ import annotations

from tuner.config import Experiment, model_type

#: memory of a trial that only waits on the Spark service (so its placement-group bundle is not empty)
TRIAL_MEMORY = 64 * 2**20


def concurrent_trials(exp: Experiment) -> int:
    """``search.max_concurrent_trials``; else one trial at a time for a model whose fit already runs a task on
    every executor core (ALS), else as many trials as the executors have cores.

    One at a time because parallel ALS trials only share the cores: each fold takes twice as long, the first
    full trial lands later, and the sampler picks each next point with the running trials unknown. Measured on
    1M ratings (docs/benchmarks.md, section 1): TPE one at a time reached the 4x4 grid's quality in a median
    0.305x of its time, two at a time 0.338x; TPE after a Sobol start 0.344x against 0.43x.
    """
    if exp.search.max_concurrent_trials:
        return exp.search.max_concurrent_trials
    if model_type(exp.model.type).adapter.fit_uses_every_core:
        return 1
    return exp.spark.executors * exp.spark.executor_cores


def worker_trials(exp: Experiment) -> tuple[dict, int]:
    """Resources of a trial that fits in its own worker (``trials_in_worker`` adapters), and how many fit in
    the cluster at once."""
    import ray

    from tuner.models import get_adapter
    from tuner.search import DefineByRun

    cpus = get_adapter(exp.model.type).trial_resources(DefineByRun(exp.model.params).fixed())["cpu"]
    fit = max(1, int(ray.cluster_resources().get("CPU", 1) // max(cpus, 1)))
    return {"CPU": cpus, "memory": TRIAL_MEMORY}, exp.search.max_concurrent_trials or fit
