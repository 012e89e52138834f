"""The Ray Tune function trainable: asks the Spark service to fit each CV fold and reports after every fold."""

from __future__ import annotations

import math

import ray
from ray import tune

from tuner.cluster.errors import TrialTimeout
from tuner.models import _tasks
from tuner.testing.faults import active_faults, fault_for, sleeping_job


class TrialFailed(RuntimeError):
    """A trial produced an unusable metric (NaN/inf); recorded as failed, never as a score."""

    def __reduce__(self):
        return (type(self), self.args)


def run_trial(config: dict, *, service, model_type: str, metrics: tuple[str, ...], metric: str, folds: int,
              seed: int, timeout_s: float) -> None:
    """Fit fold 0..folds-1 through ``service``; after each, report the running CV mean of every metric.

    Reported keys: each metric (mean over folds so far), ``<metric>_fold<k>``, ``folds_done``,
    ``fit_seconds``/``score_seconds`` (this fold), ``work_seconds`` (all folds so far), ``cold_start_dropped``.
    """
    trial_id = tune.get_context().get_trial_id()
    faults = active_faults()
    history: dict[str, list[float]] = {m: [] for m in metrics}
    extra: dict[str, float] = {}
    work = 0.0
    for fold in range(folds):
        hit = fault_for(faults, config, fold)
        if hit == "raise":
            raise RuntimeError(f"injected fault on fold {fold}")
        if hit == "hang":
            ref = service.call.remote(sleeping_job, 10 * timeout_s + 60, group=trial_id)
        else:
            ref = service.call.remote(_tasks.fit_fold, model_type, config, fold, seed, group=trial_id)
        try:
            res = ray.get(ref, timeout=timeout_s)
        except ray.exceptions.GetTimeoutError:
            service.cancel.remote(trial_id)
            raise TrialTimeout(f"fold {fold} ran past trial.timeout_s={timeout_s:g} s; its Spark jobs were cancelled")
        value = math.nan if hit == "nan" else res[metric]
        if not math.isfinite(value):
            raise TrialFailed(f"{metric} is {value} on fold {fold} (params {config})")
        for m in metrics:
            history[m].append(res[m])
            extra[f"{m}_fold{fold}"] = res[m]
        work += res["fit_seconds"] + res["score_seconds"]
        tune.report({
            **{m: sum(v) / len(v) for m, v in history.items()},
            **extra,
            "folds_done": fold + 1,
            "fit_seconds": res["fit_seconds"],
            "score_seconds": res["score_seconds"],
            "work_seconds": work,
            "cold_start_dropped": res.get("cold_start_dropped", 0),
        })
