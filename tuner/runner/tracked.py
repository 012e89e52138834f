"""The run's MLflow record and Optuna study as the runner uses them (``tuner.tracking`` does the work): open
the parent run, name both in summary.json, log the outcome once the run directory is written."""

from __future__ import annotations

from pathlib import Path

from tuner.config import Experiment
from tuner.config.secrets import redact_uri

MLFLOW_MODEL_DIR = ("tmp", "mlflow-model")  # under the run directory: the refit model as an MLflow model folder


def open_tracking(exp: Experiment, run_dir: Path, resume: bool, echo):
    """The run's :class:`tuner.tracking.MlflowRuns` (the parent continued on resume), or None if
    ``tracking.mlflow`` is false. The default local store is beside the run directory (its ``output.dir``)."""
    from tuner.tracking import open_runs

    runs = open_runs(exp.tracking, run_dir.parent, exp.name, run_dir, resume)
    if runs is not None:
        echo(f"[tuner] MLflow: experiment {runs.experiment!r} at {redact_uri(runs.uri)}")
    return runs


def mlflow_model_path(runs, run_dir: Path) -> str | None:
    """Where the refit writes the MLflow model folder (None: no tracking, none is written)."""
    return str(run_dir.joinpath(*MLFLOW_MODEL_DIR)) if runs is not None else None


def name_records(runs, run_dir: Path, kept_mlflow=None) -> dict:
    """summary.json's ``study`` (the Optuna study: storage URL, name, file) and ``mlflow`` (the parent run), where
    the run has them. ``kept_mlflow``: the ``mlflow`` block ``--more`` kept with the same best (its model URI)."""
    from tuner.tracking import STUDY_FILE, study_ref

    out: dict = {}
    if (run_dir / STUDY_FILE).is_file():
        out["study"] = {**study_ref(run_dir), "file": str(run_dir / STUDY_FILE)}
    if runs is not None:
        link = runs.link()
        if link.get("run_id"):
            out["mlflow"] = {**link, "model_uri": runs.model_uri if runs.model_dir else
                             (kept_mlflow or {}).get("model_uri")}
    return out


def finish_tracking(runs, summary: dict) -> None:
    """Log the outcome (summary.json's dict, from the run's record), the run directory's files and the model to
    the parent run, then wait for the logging thread (a store that is down has already cost its one warning
    line)."""
    if runs is not None:
        runs.finish(summary, runs.model_dir)
        runs.close()
