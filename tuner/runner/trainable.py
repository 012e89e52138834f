"""The Ray Tune function trainable: asks the Spark service to fit each budget step and reports after each."""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass

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


@dataclass(frozen=True)
class TrialSpec:
    """What every trial of one experiment shares (fixed arguments of :func:`run_trial`)."""

    model_type: str
    metrics: tuple[str, ...]
    metric: str
    folds: int
    seed: int
    timeout_s: float
    fractions: tuple[float, ...] = ()
    objectives: tuple[str, ...] = ()  # search.objectives: each must be reported as a finite number


def run_trial(config: dict, *, service, spec: TrialSpec, data=None) -> None:
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
    report = _Reporter(spec)
    for fold, fraction in budget_steps(spec.folds, spec.fractions):
        hit = fault_for(faults, {**config, "trial": index}, fold) if fraction == 1.0 else None
        if hit == "raise":
            raise RuntimeError(f"injected fault on fold {fold}")
        if data is not None:
            res = _fit_here(data, spec, config, fold, fraction, hit)
        else:
            res = _fit_in_service(service, spec, config, fold, fraction, hit, trial_id)
        value = math.nan if hit == "nan" else res[spec.metric]
        if not math.isfinite(value):
            raise TrialFailed(f"{spec.metric} is {value} on fold {fold}" + (f" at data fraction {fraction}"
                              if fraction < 1 else "") + f" (params {config})")
        step = report.step(fold, fraction, res)
        for name in spec.objectives:  # Optuna only logs a missing/NaN objective: fail the trial visibly instead
            got = step.get(name)
            if isinstance(got, bool) or not isinstance(got, (int, float)) or not math.isfinite(got):
                raise TrialFailed(f"objective {name} is {got!r} on fold {fold} (params {config})")
        tune.report(step)


def _hang_s(spec: TrialSpec) -> float:
    return 10 * spec.timeout_s + 60  # an injected hang outlasts any timeout


def _fit_here(data, spec: TrialSpec, config: dict, fold: int, fraction: float, hit: str | None) -> dict:
    """One step fitted in this trial's own worker (an adapter with ``trials_in_worker``), bounded by the timeout."""
    work_fn = ((lambda: time.sleep(_hang_s(spec))) if hit == "hang" else
               (lambda: _tasks.fit_fold_here(data, spec.model_type, config, fold, spec.seed, fraction)))
    try:
        return within(spec.timeout_s, work_fn)
    except TimeoutError:
        raise TrialTimeout(f"fold {fold} ran past trial.timeout_s={spec.timeout_s:g} s; the trial's worker is "
                           "stopped") from None


def _fit_in_service(service, spec: TrialSpec, config: dict, fold: int, fraction: float, hit: str | None,
                    trial_id: str) -> dict:
    """One step fitted by the Spark service in this trial's job group; past the timeout the group is cancelled."""
    if hit == "hang":
        ref = service.call.remote(sleeping_job, _hang_s(spec), group=trial_id)
    else:
        ref = service.call.remote(_tasks.fit_fold, spec.model_type, config, fold, spec.seed, fraction,
                                  group=trial_id)
    if hit == "kill_executor":
        kill_an_executor()
    try:
        return ray.get(ref, timeout=spec.timeout_s)
    except ray.exceptions.GetTimeoutError:
        service.cancel.remote(trial_id)
        raise TrialTimeout(f"fold {fold} ran past trial.timeout_s={spec.timeout_s:g} s; its Spark jobs were "
                           "cancelled") from None


class _Reporter:
    """Turns each step's fit result into the dict a trial reports (CV means over the full folds so far)."""

    def __init__(self, spec: TrialSpec):
        self.spec = spec
        self.history: dict[str, list[float]] = {m: [] for m in spec.metrics}
        self.extra: dict[str, float] = {}
        self.work = 0.0

    def step(self, fold: int, fraction: float, res: dict) -> dict:
        self.work += res["fit_seconds"] + res["score_seconds"]
        if fraction < 1.0:
            step = {m: res[m] for m in self.spec.metrics}
        else:
            for m in self.spec.metrics:
                self.history[m].append(res[m])
                self.extra[f"{m}_fold{fold}"] = res[m]
            step = {m: sum(v) / len(v) for m, v in self.history.items()}
        return {
            **step,
            **self.extra,
            "folds_done": len(self.history[self.spec.metrics[0]]),
            "data_fraction": fraction,
            "fit_seconds": res["fit_seconds"],
            "score_seconds": res["score_seconds"],
            "work_seconds": self.work,
            "cold_start_dropped": res.get("cold_start_dropped", 0),
            "trial_pid": os.getpid(),  # the actor process: the same pid in two trials means a reused actor
        }


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
