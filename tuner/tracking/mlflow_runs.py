"""MLflow record of a run: one parent run per ``tuner run``, one nested run per trial, logged from the driver.

Every client call runs on one background thread (:mod:`tuner.tracking._worker`): Tune's loop only queues
work, and a tracking server that is down costs one warning line. The parent run id is kept in the run
directory (``mlflow_run.json``), so ``tuner resume`` continues the same parent.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from ray.tune import Callback

from tuner.search.trial_status import trial_status
from tuner.tracking import _parent
from tuner.tracking._parent import is_number, mlflow_metric
from tuner.config.secrets import redact_uri
from tuner.tracking._store import artifact_location, read_run_file, tracking_uri, unmask_uri, write_run_file
from tuner.tracking._worker import Worker, _stderr

PARENT_TAG = "mlflow.parentRunId"  # how MLflow nests runs (never MLFLOW_RUN_ID: that resumes the parent)
FOLD_KEY = re.compile(r"^(?P<metric>.+)_fold(?P<fold>\d+)$")
_OPEN: dict[str, "MlflowRuns"] = {}  # by run directory: a callback that Tuner.restore unpickled finds its runs here


def open_runs(tracking, output_dir: str | Path, experiment: str, run_dir: str | Path, resume: bool = False,
              warn=_stderr) -> "MlflowRuns | None":
    """Start (or, on resume, continue) the parent run of ``run_dir``; None when ``tracking.mlflow`` is false.

    Returns at once: the parent is created on the logging thread.

    Args:
        tracking: the config's ``TrackingConfig``.
        output_dir: ``output.dir``, where the default local store goes.
        experiment: the config's ``name`` (the MLflow experiment unless ``tracking.experiment`` is set).
        run_dir: the run directory (absolute).
        resume: continue the parent named in ``run_dir/mlflow_run.json`` if there is one.
        warn: where the single "tracking failed" line goes.
    """
    if not tracking.mlflow:
        return None
    run_dir = Path(run_dir).resolve()
    uri = tracking_uri(tracking.uri, output_dir)
    saved = read_run_file(run_dir) if resume else None
    if saved and saved.get("tracking_uri") != redact_uri(uri):  # saved masked: see write_run_file
        saved = None  # the config now points elsewhere: start a new parent there
    runs = MlflowRuns(uri, tracking.experiment or experiment, run_dir, saved, warn)
    _OPEN[str(run_dir)] = runs
    return runs


class MlflowRuns:
    """The parent run of one run directory and the nested runs of its trials.

    Use :meth:`callback` in ``RunConfig(callbacks=...)``, :meth:`finish` after refit/test, :meth:`close` last.
    """

    def __init__(self, uri: str, experiment: str, run_dir: Path, saved: dict | None, warn=_stderr):
        # A dead server must fail fast, not after MLflow's default 7 retries with backoff (minutes).
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "15")
        self.uri, self.experiment, self.run_dir = uri, experiment, run_dir
        self.experiment_id: str | None = None
        self.parent_id: str | None = None
        self.children: dict[str, str] = {}  # trial id -> its (latest) nested run
        self.finished: set[str] = set()
        self._logged: dict[str, set] = {}
        self._client = None
        self.model_dir: str | None = None  # the refit model's MLflow folder, logged by finish() when set
        self.worker = Worker(uri, warn)
        self.worker.submit(self._open_parent, saved)

    # ---- the logging thread ------------------------------------------------------------------------------
    def _open_parent(self, saved: dict | None) -> None:
        import logging

        from mlflow import MlflowClient

        for name in ("mlflow.store.db.utils", "alembic"):  # "Creating initial MLflow database tables..."
            logging.getLogger(name).setLevel(logging.WARNING)
        with _store_lock(self.uri):  # the first use of a new sqlite store creates its tables
            self._client = client = MlflowClient(tracking_uri=self.uri)
            if not saved:
                found = client.get_experiment_by_name(self.experiment)
                self.experiment_id = (found.experiment_id if found else
                                      client.create_experiment(self.experiment, artifact_location(self.uri)))
        if saved:
            self.experiment_id, self.parent_id = saved["experiment_id"], saved["run_id"]
            client.update_run(self.parent_id, status="RUNNING")
            for run in client.search_runs([self.experiment_id], f"tags.`{PARENT_TAG}` = '{self.parent_id}'"):
                trial = run.data.tags.get("tuner.trial_id")
                self.children[trial] = run.info.run_id
                if run.data.tags.get("tuner.status") in ("completed", "pruned", "failed"):
                    self.finished.add(trial)
            return
        run = client.create_run(self.experiment_id, run_name=self.run_dir.name,
                                tags={"tuner.run_dir": str(self.run_dir), "mlflow.source.name": "tuner"})
        self.parent_id = run.info.run_id
        write_run_file(self.run_dir, tracking_uri=self.uri, experiment=self.experiment,
                       experiment_id=self.experiment_id, run_id=self.parent_id)

    def _start_child(self, trial_id: str, params: dict, start_ms: int) -> None:
        from mlflow.entities import Param

        if trial_id in self.finished:
            return
        old = self.children.get(trial_id)
        if old:  # a restarted unfinished trial: its earlier attempt ends as killed
            self._client.set_tag(old, "tuner.status", "restarted")
            self._client.set_terminated(old, "KILLED")
        run = self._client.create_run(self.experiment_id, start_time=start_ms, run_name=trial_id,
                                      tags={PARENT_TAG: self.parent_id, "tuner.trial_id": trial_id})
        self.children[trial_id] = run.info.run_id
        self._logged[trial_id] = set()
        flat = [Param(k, _param_value(v)) for k, v in _flatten(params).items()]
        for i in range(0, len(flat), 100):  # MLflow's batch limit
            self._client.log_batch(run.info.run_id, params=flat[i:i + 100])

    def _log_result(self, trial_id: str, result: dict, metrics: tuple[str, ...]) -> None:
        run_id = self.children.get(trial_id)
        if run_id is None or trial_id in self.finished:
            return
        now = int(time.time() * 1000)
        seen = self._logged.setdefault(trial_id, set())
        step = int(result.get("training_iteration", 1)) - 1  # the budget step (fractions, then folds)
        out = []
        for key, value in result.items():
            m = FOLD_KEY.match(key)
            if m and key not in seen and is_number(value):  # each fold's value once, at step = fold index
                seen.add(key)
                out.append(mlflow_metric(m["metric"], value, now, int(m["fold"])))
        full = result.get("data_fraction", 1.0) >= 1.0
        folds_done = int(result.get("folds_done", 0))
        for name in metrics:
            if is_number(result.get(name)):
                key, at = (f"cv_{name}", folds_done - 1) if full else (f"{name}_at_fraction", step)
                out.append(mlflow_metric(key, result[name], now, at))
        for name in ("fit_seconds", "score_seconds", "data_fraction"):
            if is_number(result.get(name)):
                out.append(mlflow_metric(name, result[name], now, step))
        if out:
            self._client.log_batch(run_id, metrics=out)

    def _end_child(self, trial_id: str, status: str, reason: str, result: dict) -> None:
        from mlflow.entities import RunTag

        run_id = self.children.get(trial_id)
        if run_id is None or trial_id in self.finished:
            return
        if status != "unfinished":
            self.finished.add(trial_id)
        now = int(time.time() * 1000)
        tags = [RunTag("tuner.status", status)] + ([RunTag("tuner.reason", reason[:5000])] if reason else [])
        seconds = [mlflow_metric(name, result[key], now, 0)
                   for name, key in (("seconds", "time_total_s"), ("work_seconds", "work_seconds"))
                   if is_number(result.get(key))]
        self._client.log_batch(run_id, metrics=seconds, tags=tags)
        mlflow_status = {"completed": "FINISHED", "pruned": "FINISHED", "failed": "FAILED"}.get(status, "KILLED")
        self._client.set_terminated(run_id, mlflow_status, end_time=now)

    # ---- the driver's side --------------------------------------------------------------------------------
    def callback(self, metrics: tuple[str, ...], folds: int) -> "TrialRuns":
        """The Tune callback that logs this run's trials; picklable (Tune keeps it for ``Tuner.restore``).

        Args:
            metrics: the model's metric names (each trial reports them as CV means and ``<m>_fold<k>``).
            folds: ``data.folds``: a trial that stopped with fewer full folds was pruned.
        """
        return TrialRuns(str(self.run_dir), tuple(metrics), folds)

    def finish(self, summary: dict, model_dir: str | Path | None = None) -> None:
        """Queue the parent run's outcome: best params, CV/test metrics, rows, trial counts, artifacts, model.

        Call it after the run directory is written (summary.json, leaderboard.csv, plots/, report.html are
        logged if present; ``summary`` itself is logged as summary.json either way).

        Args:
            summary: the summary.json dict (``status``, ``metric``, ``best_params``, ``best_cv_metric``,
                ``test_metrics``, ``rows``, ``trials``, ...).
            model_dir: an MLflow model folder (see ``tuner.models.mlflow_flavour``:
                ``save_sklearn_model`` / ``save_spark_model``), logged as the artifact ``model``.
        """
        self.worker.submit(lambda: _parent.finish(self._client, self.parent_id, summary, self.run_dir, model_dir))

    def close(self, timeout_s: float = 300.0) -> bool:  # 120 s ran out on a 2-core machine at load 30-50
        """Wait for queued logging, at most ``timeout_s``; False (and a warning) if it did not finish."""
        ok = self.worker.drain(timeout_s)
        if not ok:
            self.worker.warn(f"[tuner] warning: MLflow logging did not finish within {timeout_s:g} s; "
                             "the rest of it is dropped.")
        _OPEN.pop(str(self.run_dir), None)
        return ok

    @property
    def model_uri(self) -> str | None:
        """``runs:/<parent>/model`` once the parent exists (for the report and the model card)."""
        return f"runs:/{self.parent_id}/model" if self.parent_id else None

    def link(self) -> dict:
        """What summary.json / report.html should name: ``{tracking_uri, experiment_id, run_id}``."""
        self.worker.drain(30.0)
        return {"tracking_uri": redact_uri(self.uri), "experiment_id": self.experiment_id, "run_id": self.parent_id}


class TrialRuns(Callback):
    """Ray Tune callback: a nested MLflow run per trial (params, fold metrics at step = fold, status, seconds).

    Holds only the run directory and two settings, so Tune can pickle it into its experiment state; the live
    :class:`MlflowRuns` is found by run directory (or reopened from ``mlflow_run.json`` after a restore).
    """

    def __init__(self, run_dir: str, metrics: tuple[str, ...], folds: int):
        self.run_dir, self.metrics, self.folds = run_dir, metrics, folds

    def _runs(self) -> MlflowRuns | None:
        runs = _OPEN.get(self.run_dir)
        if runs is None:  # restored without open_runs: continue the saved parent if there is one
            saved = read_run_file(Path(self.run_dir))
            if saved:
                runs = MlflowRuns(unmask_uri(saved["tracking_uri"]), saved["experiment"], Path(self.run_dir), saved)
                _OPEN[self.run_dir] = runs
        return runs

    def on_trial_start(self, iteration, trials, trial, **info):
        runs = self._runs()
        if runs:
            runs.worker.submit(runs._start_child, trial.trial_id, dict(trial.config), int(time.time() * 1000))

    def on_trial_result(self, iteration, trials, trial, result, **info):
        runs = self._runs()
        if runs:
            runs.worker.submit(runs._log_result, trial.trial_id, dict(result), self.metrics)

    def on_trial_complete(self, iteration, trials, trial, **info):
        runs = self._runs()
        if runs:
            last = dict(trial.last_result or {})
            done = int(last.get("folds_done", 0))
            status = trial_status(trial.status, done, self.folds, ended=True)
            reason = "" if status == "completed" else f"stopped by the scheduler after {done} of {self.folds} folds"
            runs.worker.submit(runs._end_child, trial.trial_id, status, reason, last)

    def on_trial_error(self, iteration, trials, trial, **info):
        runs = self._runs()
        if runs:
            runs.worker.submit(runs._end_child, trial.trial_id, "failed", _error_line(trial),
                               dict(trial.last_result or {}))

    def on_experiment_end(self, trials, **info):
        runs = self._runs()
        if runs:
            for t in trials:
                if t.status not in ("TERMINATED", "ERROR"):
                    runs.worker.submit(runs._end_child, t.trial_id, "unfinished", "the run stopped first",
                                       dict(t.last_result or {}))
            runs.worker.drain(60.0)


def _store_lock(uri: str):
    """Two runs started at once on one new local store (``sqlite:///<output.dir>/mlflow.db``) would both create
    its tables, and one loses MLflow's migration race (``table _alembic_tmp_tags already exists``) and the same
    experiment name twice: they take turns on ``<db>.lock``. Other stores guard themselves."""
    import contextlib

    from tuner.safe_io import waiting_lock

    if not uri.startswith("sqlite:///"):
        return contextlib.nullcontext()
    return waiting_lock(uri[len("sqlite:///"):] + ".lock")


def _error_line(trial) -> str:
    """The last line of a failed trial's error (Ray's traceback ends with the cause)."""
    text = ""
    try:
        path = trial.error_file
        text = Path(path).read_text() if path else ""
    except OSError:
        pass
    lines = [ln for ln in (text or getattr(trial, "error_msg", "") or "error").strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "error"


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}/"))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _param_value(v) -> str:
    return str(v)[:6000]  # MLflow's param value limit
