"""What the Tune run asks Ray for: trial resources and how many trials run at once."""

from __future__ import annotations

from tuner.config import Experiment

#: memory of a trial that only waits on the Spark service (so its placement-group bundle is not empty)
TRIAL_MEMORY = 64 * 2**20


def concurrent_trials(exp: Experiment) -> int:
    """``search.max_concurrent_trials``, or as many trials as the executors have cores."""
    return exp.search.max_concurrent_trials or exp.spark.executors * exp.spark.executor_cores


def worker_trials(exp: Experiment) -> tuple[dict, int]:
    """Resources of a trial that fits in its own worker (``trials_in_worker`` adapters), and how many fit in
    the cluster at once."""
    import ray

    from tuner.models import get_adapter
    from tuner.search import DefineByRun

    cpus = get_adapter(exp.model.type).trial_resources(DefineByRun(exp.model.params).fixed())["cpu"]
    fit = max(1, int(ray.cluster_resources().get("CPU", 1) // max(cpus, 1)))
    return {"CPU": cpus, "memory": TRIAL_MEMORY}, exp.search.max_concurrent_trials or fit
