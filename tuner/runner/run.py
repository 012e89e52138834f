"""One experiment, start to end: Ray, the Spark service, data, the Tune run, refit + test, the run directory."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from tuner.config import Experiment
from tuner.config.plan import RunPlan, run_plan
from tuner.errors import UserError
from tuner.models.base import TRIAL_DATA
from tuner.outputs import (RunRecord, RunResult, check_resumable, counts, failure_reasons, lock_run_dir, new_run_dir,
                           new_record, ranked_test_summary, read_run_experiment, rows_line, rows_summary, stop_line,
                           trial_rows, versions, write_run_dir)
from tuner.runner.search_run import run_search

EXIT_INTERRUPTED = 130
SCRATCH_DIR = "tmp"  # under the run directory, for the run's lifetime only: Spark checkpoints, MLflow staging


class _Laps:
    """Seconds per step of a run, in order: each lap is the time since the previous one (summary.json's
    ``phase_seconds``; all but ``search`` is the run's fixed cost)."""

    def __init__(self) -> None:
        self._t0 = self._last = time.monotonic()
        self.seconds: dict[str, float] = {}

    def __call__(self, step: str) -> None:
        now = time.monotonic()
        self.seconds[step] = round(self.seconds.get(step, 0.0) + now - self._last, 2)
        self._last = now

    def total(self) -> float:
        return round(time.monotonic() - self._t0, 2)


@dataclass(frozen=True)
class RunOutcome:
    """What ``tuner run`` prints and returns: the run's record (what summary.json says), the leaderboard table."""

    run_dir: Path
    record: RunRecord
    table: str
    exit_code: int

    @property
    def summary(self) -> dict:
        """summary.json's dict (a fresh copy of the record's)."""
        return self.record.summary()


def run_experiment(exp: Experiment, address: str | None = None, echo=print) -> RunOutcome:
    """Run ``exp`` and write its run directory.

    Args:
        exp: a validated experiment.
        address: Ray address to join instead of starting a local Ray.
        echo: where progress messages go.

    Returns:
        The outcome; ``exit_code`` is 0 on success, 1 if no trial completed, 130 if interrupted.
    """
    _check_local_ports(exp, address)
    run_dir = new_run_dir(exp)
    echo(f"[tuner] run directory: {run_dir}")
    with lock_run_dir(run_dir):  # held until the run has written its last file
        return _execute(exp, run_dir, address, echo, resume=False)


def resume_run(run_dir: str | Path, address: str | None = None, echo=print, more: int = 0) -> RunOutcome:
    """Continue an interrupted run (Ctrl-C, killed driver, reboot) in its own run directory, or with ``more``
    run that many more trials of a finished one.

    Finished trials are kept, unfinished ones start over, the Optuna searcher's state is restored from
    ``tune/``; refit, test and export then happen once. With ``more``, the sampler continues the study on disk
    (every earlier trial seen), and refit, test and export are redone only if the best trial changed.

    Raises:
        UserError: ``run_dir`` is not a resumable run directory (or, with ``more``, not a finished one).
    """
    from tuner.runner.more import check_more

    run_dir, exp = read_run_experiment(run_dir)
    if not (run_dir / "tune").is_dir():
        raise UserError(f"{run_dir}: the run stopped before any trial started; start it again with `tuner run`.")
    check_resumable(run_dir)  # Tuner.restore unpickles tune/: only a folder tuner wrote, owned by this user
    with lock_run_dir(run_dir):  # a second resume, or a resume during the live run, stops here
        previous = check_more(run_dir, more) if more else None
        _check_local_ports(exp, address)
        echo(f"[tuner] {'continuing' if more else 'resuming'} {run_dir}")
        return _execute(exp, run_dir, address, echo, resume=True, more=more, previous=previous)


def _check_local_ports(exp: Experiment, address: str | None) -> None:
    """A fixed port of the local Ray that is taken is one line before anything starts or is written."""
    from tuner.cluster.ray_session import check_ports

    if not (address or exp.ray.address):
        check_ports(exp.ray)


def _execute(exp: Experiment, run_dir: Path, address: str | None, echo, resume: bool, more: int = 0,
             previous: dict | None = None) -> RunOutcome:
    """Start the cluster, prepare the data, search, refit the best; the run directory is written in any case."""
    from tuner.runner.tracked import open_tracking

    laps = _Laps()
    plan = run_plan(exp)  # computed once: every step below reads it
    result = RunResult(exp, run_dir, new_record(exp, plan.metric, plan.mode), metrics=plan.trial_metrics)
    session = service = runs = None
    code = EXIT_INTERRUPTED
    try:
        runs = open_tracking(exp, run_dir, resume, echo)
        laps("tracking")
        session, service = _start(exp, run_dir, address, echo, result, laps)
        trial_data = _prepare(exp, plan, service, echo, result)
        laps("prepare")
        code = _search_and_refit(exp, plan, run_dir, service, trial_data, echo, resume, result, laps, runs, more,
                                 previous)
    except KeyboardInterrupt:
        result.record = result.record.but(status="interrupted")
    finally:
        _finish(result, session, service, laps, runs)
    return RunOutcome(run_dir, result.record, result.table, code)


def _start(exp: Experiment, run_dir: Path, address: str | None, echo, result: RunResult, laps: _Laps):
    """Ray (started or joined), the cluster checks, then the experiment's one Spark service."""
    from tuner.cluster import start_ray, start_service
    from tuner.runner.cluster_checks import check_cluster

    session = start_ray(exp.ray, address)
    laps("ray_start")
    echo(f"[tuner] Ray dashboard: {session.dashboard_url or 'not running'} (Java {session.java.version} from "
         f"{session.java.source})")
    result.record = result.record.but(dashboard_url=session.dashboard_url, metrics_url=session.metrics_url)
    if session.metrics_url:
        echo(f"[tuner] Prometheus metrics (Ray's and tuner_*): {session.metrics_url}")
    check_cluster(exp)  # shared storage when multi-node; room for executors + trials, per node
    service, info = start_service(exp.name, exp.spark, str(run_dir / SCRATCH_DIR / "checkpoints"), session.logs_dir)
    laps("spark_start")
    result.record = result.record.but(spark_start_seconds=round(info["seconds"], 2), spark_ui=info["spark_ui"])
    echo(f"[tuner] Spark {info['spark_version']} started in {info['seconds']:.1f} s · Spark UI: {info['spark_ui']}")
    return session, service


def _prepare(exp: Experiment, plan: RunPlan, service, echo, result: RunResult):
    """Load, clean, split and cache the data once in the service; returns the trials' data handle or None."""
    import ray

    from tuner.models import _tasks

    rows = ray.get(service.call.remote(_tasks.prepare, exp.model.type, exp.data, plan.ranking))
    trial_data = rows.pop(TRIAL_DATA, None)  # adapters whose trials run in their own workers
    result.record = result.record.but(rows=rows_summary(rows))
    echo(rows_line(rows))
    return trial_data


def _search_and_refit(exp: Experiment, plan: RunPlan, run_dir: Path, service, trial_data, echo, resume: bool,
                      result: RunResult, laps: _Laps, runs=None, more: int = 0, previous: dict | None = None) -> int:
    """The Tune run, its leaderboard rows, then the best configuration refit and tested. Returns the exit code."""
    from tuner.runner.more import keep_refit
    from tuner.runner.selection import choose_best
    from tuner.search import flat_space

    trials, concurrency, stop_reason = run_search(exp, plan, run_dir, service, echo, resume, trial_data, runs, more)
    laps("search")
    result.space = flat_space(exp.model.params)
    result.rows = trial_rows(trials, result.metrics, exp.data.folds, plan.extra_objectives)
    rec = result.record = result.record.but(
        stop_reason=stop_reason, tune_seconds=laps.seconds["search"],
        num_samples=max(result.record.num_samples, len(result.rows)), trials=counts(result.rows),
        concurrency=concurrency, trial_actors=len({r.extra["pid"] for r in result.rows if r.extra.get("pid")}),
        work_seconds=round(sum(r.extra["work_seconds"] for r in result.rows), 2))
    if line := stop_line(exp.search, stop_reason, len(result.rows), rec.num_samples):
        echo(line)
    best, pareto = choose_best(exp, plan, result.rows, echo)
    result.record = result.record.but(pareto=pareto)
    if rec.trials["unfinished"] > 0:
        result.record = result.record.but(status="interrupted")
        return EXIT_INTERRUPTED
    if best is None:
        result.record = result.record.but(status="failed", failure_reasons=failure_reasons(result.rows))
        return 1
    result.record = result.record.but(best_params=best.params, best_cv_metric=best.metrics[plan.metric],
                                      best_cv_metrics=best.metrics, best_trial=best.trial_id,
                                      bound_hits=_warn_bounds(exp, plan, best.params, echo))
    kept = keep_refit(previous, best, echo)
    if kept is not None:
        rows = {**result.record.rows, **kept.pop("rows")}
        result.record = result.record.but(**kept, rows=rows)
    else:
        _refit(exp, plan, run_dir, service, best, echo, result, runs)
    laps("refit")
    result.record = result.record.but(status="completed")
    return 0


def _warn_bounds(exp: Experiment, plan: RunPlan, best_params: dict, echo) -> list[dict]:
    """Say when the best value of a searched range lies at or near its bound, naming the file and key to widen;
    returns summary.json's ``bound_hits``."""
    from tuner.search import bound_hits

    hits = bound_hits(exp.model.params, best_params, origins=exp.model.param_origins,
                      family=plan.family)
    for h in hits:
        echo(f"[tuner] warning: {h.message}")
    return [h.to_dict() for h in hits]


def _refit(exp: Experiment, plan: RunPlan, run_dir: Path, service, best, echo, result: RunResult,
           runs=None) -> None:
    """Refit ``best`` on all training rows, score the test set, export the model if asked."""
    import ray

    from tuner.models import _tasks
    from tuner.runner.tracked import mlflow_model_path

    rec = result.record
    echo(f"[tuner] refitting the best configuration ({best.trial_id}) on all {rec.rows['train']} "
         "training rows and testing it")
    model_path = str(run_dir / "model" / exp.model.type) if exp.output.export_model else None
    test = ray.get(service.call.remote(_tasks.refit_and_test, exp.model.type, best.params, exp.seed, model_path,
                                       mlflow_model_path(runs, run_dir)))
    if runs is not None:
        runs.model_dir = test.get("mlflow_model")
        if test.get("mlflow_model_error"):
            echo(f"[tuner] warning: the MLflow model was not written ({test['mlflow_model_error']}); "
                 "the run goes on without it")
    tested = ranked_test_summary(test, result.metrics, plan.ranking)  # + popular baseline, if it ranks
    tested["test_metrics"].update({m: test[m] for m in plan.task.reference_metrics if m in test})
    result.record = rec.but(**tested, rows={**rec.rows, "test_dropped_cold_start": test.get("cold_start_dropped", 0)},
                            refit_seconds=round(test["seconds"], 2), model_path=model_path)
    if model_path:
        result.card = test.get("card") or {}


def _service_calls(service) -> dict[str, list[list[float]]]:
    """Per trial (job group), the [start, end] epoch seconds of each fit the service ran for it."""
    import ray

    if service is None:
        return {}
    try:
        calls = ray.get(service.calls.remote(), timeout=10)
    except Exception:  # noqa: BLE001 - a dead service has nothing to tell; the run's outcome stands
        return {}
    out: dict[str, list[list[float]]] = {}
    for group, start, end in calls:
        out.setdefault(group, []).append([round(start, 3), round(end, 3)])
    return out


def _finish(result: RunResult, session, service, laps: _Laps, runs=None) -> None:
    """Stop Spark and Ray, write the run directory (always, also after a failure), then log to MLflow.

    Writing needs neither (the trials' rows and the refit's numbers are in hand), so the cluster goes first and
    its shutdown is counted in ``wall_seconds``.
    """
    from tuner.cluster import kill_service, stop_ray
    from tuner.runner.tracked import finish_tracking, name_records

    calls = _service_calls(service)
    try:
        kill_service(service)
        stop_ray(session)
    finally:
        laps("shutdown")
        result.record = result.record.but(wall_seconds=laps.total(), phase_seconds=laps.seconds,
                                          versions=versions(session.java if session else None),
                                          service_calls=calls, report=str(result.run_dir / "report.html"))
        try:
            result.record = result.record.but(**name_records(runs, result.run_dir, result.record.mlflow))
            result.table = write_run_dir(result)
        finally:
            try:
                finish_tracking(runs, result.record.summary())
            finally:  # Spark's checkpoints and MLflow's staging copy of the model: nothing reads them after the run
                shutil.rmtree(result.run_dir / SCRATCH_DIR, ignore_errors=True)
