"""The parent run's outcome: what a finished ``tuner run`` (or ``--more``) logs, on the logging thread."""

from __future__ import annotations

import time
from pathlib import Path

FILES = ("summary.json", "leaderboard.csv", "experiment.yaml", "report.html")
# "running" at the end: an error ended the run before it could say otherwise
STATUS = {"completed": "FINISHED", "failed": "FAILED", "interrupted": "KILLED", "running": "FAILED"}


def finish(client, run_id: str, summary: dict, run_dir: Path, model_dir: str | Path | None) -> None:
    """Log ``summary`` and the run directory's files to the parent run ``run_id``, then end it.

    Best params go in as tags (``best.<name>``): MLflow params cannot change, and ``--more`` may find a new
    best. Metrics carry step = trials finished so far, so a continued search shows how the best moved.
    """
    from mlflow.entities import RunTag

    now = int(time.time() * 1000)
    trials = summary.get("trials") or {}
    step = sum(v for k, v in trials.items() if k != "unfinished")
    metrics = {f"trials_{k}": v for k, v in trials.items()}
    metric = summary.get("metric")
    if summary.get("best_cv_metric") is not None and metric:
        metrics[f"cv_{metric}"] = summary["best_cv_metric"]
    metrics.update({f"test_{k}": v for k, v in (summary.get("test_metrics") or {}).items()})
    metrics.update(_rows(summary.get("rows") or {}))
    metrics.update({k: summary[k] for k in ("wall_seconds", "tune_seconds", "refit_seconds", "work_seconds")
                    if k in summary})
    metrics.update({f"phase_{name}_seconds": v for name, v in (summary.get("phase_seconds") or {}).items()})
    tags = {"tuner.status": summary.get("status", ""), "tuner.metric": metric or "",
            "tuner.mode": summary.get("mode", "")}
    tags.update({f"best.{k}": str(v)[:5000] for k, v in (summary.get("best_params") or {}).items()})
    for key in ("best_trial", "model_path"):
        if summary.get(key):
            tags[f"tuner.{key}"] = str(summary[key])
    study = summary.get("study") or {}
    if study:
        tags["tuner.optuna_storage"], tags["tuner.optuna_study"] = study.get("storage", ""), study.get("name", "")
    client.log_batch(run_id, metrics=[mlflow_metric(k, v, now, step) for k, v in metrics.items() if is_number(v)],
                     tags=[RunTag(k, v) for k, v in tags.items()])
    client.log_dict(run_id, summary, "summary.json")
    for name in FILES[1:]:
        if (run_dir / name).is_file():
            client.log_artifact(run_id, str(run_dir / name))
    if (run_dir / "plots").is_dir():
        client.log_artifacts(run_id, str(run_dir / "plots"), "plots")
    if model_dir is not None:
        client.log_artifacts(run_id, str(model_dir), "model")
        client.set_tag(run_id, "tuner.model_uri", f"runs:/{run_id}/model")
    client.set_terminated(run_id, STATUS.get(summary.get("status"), "FINISHED"), end_time=now)


def _rows(rows: dict) -> dict:
    """``rows_read``, ``rows_kept``, ``rows_dropped_<reason>``, ... from summary.json's row accounting."""
    out = {}
    for k, v in rows.items():
        if isinstance(v, dict):
            out.update({f"rows_{k}_{r}": n for r, n in v.items()})
        else:
            out[f"rows_{k}"] = v
    return out


def mlflow_metric(name: str, value, timestamp: int, step: int):
    """An MLflow ``Metric``, its name as MLflow accepts it: ``ndcg@10`` -> ``ndcg_at_10`` (no ``@`` allowed)."""
    from mlflow.entities import Metric

    return Metric(name.replace("@", "_at_"), float(value), timestamp, step)


def is_number(v) -> bool:
    """A finite int or float (not a bool): what MLflow can store as a metric."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf")
