"""The Ray Tune function trainable: asks the Spark service to fit each budget step and reports after each."""

from __future__ import annotations

import math
import threading
import time

import ray
from ray import tune

from tuner.cluster.errors import TrialTimeout
from tuner.models import _tasks
from tuner.testing.faults import active_faults, fault_for, kill_an_executor, sleeping_job, trial_number


class TrialFailed(RuntimeError):
    """A trial produced an unusable metric (NaN/inf); recorded as failed, never as a score."""

    def __reduce__(self):
        return (type(self), self.args)


def named_trainable(fn, experiment: str, resources: dict):
    """Wrap a Tune function trainable so its actors show in the Ray dashboard as class
    ``tuner-trial:<experiment>`` (repr ``tuner-trial:<experiment>:<trial id>``) instead of Tune's generic
    ``ImplicitFunc``, each asking Ray for ``resources`` (e.g. ``{"CPU": 0, "memory": ...}``)."""
    from ray.tune import PlacementGroupFactory
    from ray.tune.trainable.function_trainable import wrap_function

    class TunerTrial(wrap_function(fn)):
        @classmethod
        def default_resource_request(cls, config):
            return PlacementGroupFactory([resources])

        def __repr__(self):
            return f"tuner-trial:{experiment}:{self.trial_id}"

    TunerTrial.__qualname__ = f"tuner-trial:{experiment}"
    return TunerTrial


def budget_steps(folds: int, fractions: tuple[float, ...] = ()) -> list[tuple[int, float]]:
    """(fold, data fraction) per ASHA step: fold 0 on each fraction first, then every fold on all its rows."""
    return [(0, f) for f in fractions] + [(k, 1.0) for k in range(folds)]


def run_trial(config: dict, *, service, model_type: str, metrics: tuple[str, ...], metric: str, folds: int,
              seed: int, timeout_s: float, fractions: tuple[float, ...] = (), data=None) -> None:
    """Run every budget step through ``service`` and report after each.

    Reported keys: each metric (at a fraction step, that step's value; at a full fold, the CV mean over the
    full folds so far), ``<metric>_fold<k>``, ``folds_done`` (full folds), ``data_fraction``,
    ``fit_seconds``/``score_seconds`` (this step), ``work_seconds`` (all steps so far), ``cold_start_dropped``.
    With ``data`` (the handle of an adapter whose trials run in their own workers) the steps are fitted here,
    in this trial's process, instead of in the service.
    """
    trial_id = tune.get_context().get_trial_id()
    faults = active_faults()
    index = trial_number(trial_id, tune.get_context().get_trial_dir()) if faults else None
    hang_s = 10 * timeout_s + 60  # an injected hang outlasts any timeout
    history: dict[str, list[float]] = {m: [] for m in metrics}
    extra: dict[str, float] = {}
    work = 0.0
    for fold, fraction in budget_steps(folds, fractions):
        hit = fault_for(faults, {**config, "trial": index}, fold) if fraction == 1.0 else None
        if hit == "raise":
            raise RuntimeError(f"injected fault on fold {fold}")
        if data is not None:  # an adapter whose trials fit here, in this worker, on the data handle
            ref = None
            work_fn = ((lambda: time.sleep(hang_s)) if hit == "hang" else
                       (lambda: _tasks.fit_fold_here(data, model_type, config, fold, seed, fraction)))
            try:
                res = within(timeout_s, work_fn)
            except TimeoutError:
                raise TrialTimeout(f"fold {fold} ran past trial.timeout_s={timeout_s:g} s; the trial's worker is "
                                   "stopped") from None
        elif hit == "hang":
            ref = service.call.remote(sleeping_job, hang_s, group=trial_id)
        else:
            ref = service.call.remote(_tasks.fit_fold, model_type, config, fold, seed, fraction, group=trial_id)
        if hit == "kill_executor":
            kill_an_executor()
        try:
            res = res if ref is None else ray.get(ref, timeout=timeout_s)
        except ray.exceptions.GetTimeoutError:
            service.cancel.remote(trial_id)
            raise TrialTimeout(f"fold {fold} ran past trial.timeout_s={timeout_s:g} s; its Spark jobs were cancelled")
        value = math.nan if hit == "nan" else res[metric]
        if not math.isfinite(value):
            raise TrialFailed(f"{metric} is {value} on fold {fold}" + (f" at data fraction {fraction}" if fraction < 1
                                                                        else "") + f" (params {config})")
        work += res["fit_seconds"] + res["score_seconds"]
        if fraction < 1.0:
            step = {m: res[m] for m in metrics}
        else:
            for m in metrics:
                history[m].append(res[m])
                extra[f"{m}_fold{fold}"] = res[m]
            step = {m: sum(v) / len(v) for m, v in history.items()}
        tune.report({
            **step,
            **extra,
            "folds_done": len(history[metric]),
            "data_fraction": fraction,
            "fit_seconds": res["fit_seconds"],
            "score_seconds": res["score_seconds"],
            "work_seconds": work,
            "cold_start_dropped": res.get("cold_start_dropped", 0),
        })


def within(timeout_s: float, fn):
    """``fn()`` in a daemon thread, its result or its exception; ``TimeoutError`` after ``timeout_s``.

    A fit that overruns keeps its thread until Tune stops the failed trial's actor, whose process exit ends it
    (a daemon thread does not hold the process).
    """
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller as is
            box["error"] = exc

    worker = threading.Thread(target=target, name="tuner-fold", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise TimeoutError(timeout_s)
    if "error" in box:
        raise box["error"]
    return box["value"]
