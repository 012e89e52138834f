"""`tuner run` of both classifier experiments through the real console script: real Ray, RayDP, Tune, Optuna."""

from __future__ import annotations

import csv
import io
import json
import os
import re

import pytest

from tests.integration.conftest import ROOT, run_cli, run_dirs, trial_results

from tests.shared_data import TELCO

pytestmark = [pytest.mark.cluster, pytest.mark.spark]

TINY = ["--set", "search.num_samples=4", "--set", "data.folds=2", "--set", "ray.dashboard_port=0",
        "--set", "ray.object_store_memory_mb=300", "--set", "trial.timeout_s=300"]


def _finished(tmp_path, proc, failed: int = 0) -> tuple[dict, dict]:
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"^Test AUC: 0\.\d\d$", proc.stdout, re.M), proc.stdout
    (run_dir,) = run_dirs(tmp_path / "runs")
    summary = json.loads((run_dir / "summary.json").read_text())
    card = json.loads((run_dir / "model" / "model_card.json").read_text())
    rows = summary["rows"]
    assert rows["read"] == rows["kept"] + sum(rows["dropped"].values())
    assert rows["train"] + rows["test"] == rows["kept"]
    t = summary["trials"]
    assert t["completed"] >= 1 and t["completed"] + t["pruned"] + t["failed"] == 4 and t["failed"] == failed
    assert summary["metric"] == "auc_roc" and 0.5 < summary["test_metrics"]["auc_roc"] <= 1
    assert set(summary["test_metrics"]) == {"auc_roc", "auc_pr", "log_loss", "accuracy", "f1"}
    assert card["reload_identical"] is True and card["test_metrics"] == summary["test_metrics"]
    return summary, card


def test_spark_logreg_experiment_on_synthetic_churn(tmp_path, no_leaks, spark):
    proc = run_cli("run", str(ROOT / "experiments" / "churn_spark_lr.yaml"), *TINY,
                   "--set", "data.synthetic_churn.rows=2000", "--set", "model.params.maxIter=10",
                   "--set", f"output.dir={tmp_path / 'runs'}",
                   cwd=tmp_path, timeout=600)
    summary, card = _finished(tmp_path, proc)
    assert summary["rows"]["missing_values"]  # the synthetic table has missing values, imputed
    assert os.path.isdir(os.path.join(summary["model_path"], "stages"))  # native PipelineModel
    assert summary["test_metrics"]["auc_roc"] > 0.7

    # tuner predict on a Spark pipeline: a local Spark reads the CSV and writes the output folder
    (run_dir,) = run_dirs(tmp_path / "runs")
    _predict_rows(card, tmp_path / "rows.csv")
    pred = run_cli("predict", str(run_dir), "--input", str(tmp_path / "rows.csv"), "--out",
                   str(tmp_path / "pred.parquet"), cwd=tmp_path, timeout=300)
    assert pred.returncode == 0, pred.stderr[-3000:]
    assert pred.stdout.startswith(f"wrote 3 rows with predictions to {tmp_path / 'pred.parquet'}"), pred.stdout
    import pyarrow.parquet as pq

    got = pq.read_table(tmp_path / "pred.parquet").to_pylist()
    assert len(got) == 3 and all(0.0 <= r["probability"] <= 1.0 and r["prediction"] in (0.0, 1.0) for r in got)
    assert {r["id"] for r in got} == {"a", "b", "c"}  # the input's other columns are kept
    _pyfunc_gives_tuner_predicts_numbers(run_dir, card, tmp_path, "prediction", blanks=True)


def _pyfunc_gives_tuner_predicts_numbers(run_dir, card, tmp_path, column: str, blanks: bool) -> None:
    """MLflow's own ``pyfunc.load_model`` of the logged model, on frames a user reads with pandas (int64 numbers;
    with the blank row, float64 NaN), gives ``tuner predict``'s numbers (pred.parquet), one per row, in order."""
    import mlflow
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    expected = pq.read_table(tmp_path / "pred.parquet").column(column).to_numpy()
    summary = json.loads((run_dir / "summary.json").read_text())
    mlflow.set_tracking_uri(summary["mlflow"]["tracking_uri"])
    model = mlflow.pyfunc.load_model(summary["mlflow"]["model_uri"])
    numeric, categorical = card["input_columns"]["numeric"], card["input_columns"]["categorical"]

    def scores(frame):
        out = np.asarray(model.predict(frame[[*numeric, *categorical]]), dtype=float)
        return out[:, 1] if out.ndim == 2 else out  # sklearn: predict_proba's columns; P(positive) is the second

    ints = pd.read_csv(tmp_path / "rows.csv", nrows=2)
    assert all(ints[c].dtype == "int64" for c in numeric), ints.dtypes
    np.testing.assert_allclose(scores(ints), expected[:2], rtol=1e-9)
    if blanks:
        np.testing.assert_allclose(scores(pd.read_csv(tmp_path / "rows.csv")), expected, rtol=1e-9)


def _predict_rows(card: dict, path) -> None:
    """Three rows of the model's input columns (one with blanks: imputed by the pipeline) plus an id column."""
    numeric, categorical = card["input_columns"]["numeric"], card["input_columns"]["categorical"]
    lines = [",".join(["id", *numeric, *categorical])]
    for n, (num, cat) in enumerate([("12", "month-to-month"), ("40", "two-year"), ("", "")]):
        lines.append(",".join(["abc"[n], *[num] * len(numeric), *[cat] * len(categorical)]))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.slow  # CI time: the same CLI path as spark-logreg's run above; spark-trees' fit, score, save and
# load are in the Spark adapter contract (tests/spark/test_adapter_contracts.py). `pytest -m slow` runs it.
def test_spark_trees_experiment_on_synthetic_churn(tmp_path, no_leaks, spark):
    proc = run_cli("run", str(ROOT / "experiments" / "churn_spark_trees.yaml"), *TINY,
                   "--set", "data.synthetic_churn.rows=2000", "--set", f"output.dir={tmp_path / 'runs'}",
                   cwd=tmp_path, timeout=600)
    summary, card = _finished(tmp_path, proc)
    assert summary["best_params"]["estimator"] in ("RandomForestClassifier", "GBTClassifier")
    branch = summary["best_params"]["estimator"] + "."
    assert any(k.startswith(branch) for k in summary["best_params"])  # the chosen branch's own params
    (run_dir,) = run_dirs(tmp_path / "runs")
    _predict_rows(card, tmp_path / "rows.csv")
    pred = run_cli("predict", str(run_dir), "--input", str(tmp_path / "rows.csv"), "--out",
                   str(tmp_path / "pred.parquet"), cwd=tmp_path, timeout=300)
    assert pred.returncode == 0, pred.stderr[-3000:]
    _pyfunc_gives_tuner_predicts_numbers(run_dir, card, tmp_path, "prediction", blanks=True)
    assert os.path.isdir(os.path.join(summary["model_path"], "stages"))  # native PipelineModel
    assert summary["test_metrics"]["auc_roc"] > 0.7


@pytest.mark.skipif(not TELCO.is_file(), reason="the Telco churn CSV is not on this machine")
def test_sklearn_experiment_on_the_real_telco_csv_with_a_hanging_trial(tmp_path, no_leaks, monkeypatch):
    """The second trial hangs on its second fold (in its own worker, not in Spark): trial.timeout_s stops it,
    it is recorded as failed, and the run goes on. Spark's one executor holds every CPU of the Ray cluster
    while it hands the table to Ray (``ray.data.from_spark`` waited forever for a free CPU there)."""
    monkeypatch.setenv("TUNER_INJECT_FAULT", "hang@fold1:trial=2")
    proc = run_cli("run", str(ROOT / "experiments" / "churn_sklearn.yaml"), *TINY, "--set", "trial.timeout_s=30",
                   "--set", "ray.num_cpus=2", "--set", "spark.executor_cores=2",
                   "--set", "scheduler.type=fifo",  # every trial reaches fold 1, so the hang cannot be pruned away
                   "--set", "data.format=csv", "--set", f"data.path={TELCO}", "--set", "data.label=Churn",
                   "--set", f"output.dir={tmp_path / 'runs'}", cwd=tmp_path, timeout=600)
    summary, card = _finished(tmp_path, proc, failed=1)
    (run_dir,) = run_dirs(tmp_path / "runs")
    board = (run_dir / "leaderboard.csv").read_text()
    assert "ran past trial.timeout_s=30" in board, board
    # trial actors are reused (2 at a time, 4 trials), but never the timed-out trial's: its hung fit dies with it
    pids = {t: {line["trial_pid"] for line in lines} for t, lines in trial_results(run_dir).items()}
    (failed,) = [r["trial_id"] for r in csv.DictReader(io.StringIO(board)) if r["status"] == "failed"]
    assert len(pids) == 4 and summary["trial_actors"] < 4, (pids, summary["trial_actors"])
    assert all(not (pids[failed] & p) for t, p in pids.items() if t != failed), pids
    rows = summary["rows"]
    assert rows["read"] == 7043 and rows["missing_values"] == {"TotalCharges": 11}  # blank strings, imputed
    assert rows["ignored_id_like"] == ["customerID"] and rows["positive_label"] == "Yes"

    import skops.io as sio

    model = sio.load(os.path.join(summary["model_path"], "model.skops"), trusted=card["trusted_types"])
    import pandas as pd

    x = pd.DataFrame([{c: 1.0 for c in card["input_columns"]["numeric"]}
                      | {c: "Yes" for c in card["input_columns"]["categorical"]}])
    assert 0.0 <= model.predict_proba(x)[0, 1] <= 1.0

    _predict_rows(card, tmp_path / "rows.csv")  # tuner predict: the skops file, no JVM
    pred = run_cli("predict", str(run_dir), "--input", str(tmp_path / "rows.csv"), "--out",
                   str(tmp_path / "pred.parquet"), cwd=tmp_path)
    assert pred.returncode == 0 and pred.stdout.startswith("wrote 3 rows with predictions"), pred.stderr[-3000:]
    _pyfunc_gives_tuner_predicts_numbers(run_dir, card, tmp_path, "probability", blanks=False)
