"""One small two-objective run through the real CLI, then `tuner resume --more 2` on it: real Ray, RayDP Spark,
Ray Tune + Optuna (the study in the run directory) and MLflow (a sqlite store named by MLFLOW_TRACKING_URI).

One run pair serves every assert, to keep the suite short: the MLflow parent and its nested trial runs (fold
metrics = leaderboard.csv), the logged Spark model that pyfunc loads and scores, the study summary.json names,
the Pareto front, the 2 more trials without re-running the first 3, and the report's links.
"""

import csv
import json

import mlflow
import optuna
import pandas as pd
import pytest
from mlflow import MlflowClient

from tests.integration.conftest import ROOT, run_cli, run_dirs
from tests.integration.test_cli_run import experiment

pytestmark = [pytest.mark.cluster, pytest.mark.spark]

SETS = ["--set", "search.num_samples=3", "--set", "scheduler.type=fifo",
        "--set", "search.objectives=[{metric: rmse, mode: min}, {metric: fit_seconds, mode: min}]",
        "--set", "search.select={metric: rmse, max_fit_seconds: 120}"]


def _board(run_dir):
    with open(run_dir / "leaderboard.csv") as fh:
        return {r["trial_id"]: r for r in csv.DictReader(fh)}


def _children(client, summary):
    m = summary["mlflow"]
    found = client.search_runs([m["experiment_id"]], f"tags.`mlflow.parentRunId` = '{m['run_id']}'")
    return {r.data.tags["tuner.trial_id"]: r for r in found}


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tracked")
    uri = f"sqlite:///{tmp}/mlflow.db"
    cfg = experiment(tmp, format="synthetic", synthetic={"ratings": 20000, "users": 400, "items": 200})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", uri)
        proc = run_cli("run", str(cfg), *SETS, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (run_dir,) = run_dirs(tmp / "runs")
    return tmp, uri, run_dir, proc, json.loads((run_dir / "summary.json").read_text())


def test_mlflow_parent_nested_trials_fold_metrics_and_a_model_pyfunc_scores(first, spark):
    _, uri, run_dir, proc, summary = first
    assert "Pareto front:" in proc.stdout and "MLflow run:" in proc.stdout
    client = MlflowClient(tracking_uri=uri)
    parent = client.get_run(summary["mlflow"]["run_id"])
    assert parent.info.status == "FINISHED" and parent.info.run_name == run_dir.name
    m = parent.data.metrics
    assert m["cv_rmse"] == pytest.approx(summary["best_cv_metric"])
    assert m["test_rmse"] == pytest.approx(summary["test_metrics"]["rmse"])
    assert m["rows_train"] == summary["rows"]["train"] and m["trials_completed"] == 3
    assert {f"phase_{k}_seconds": m.get(f"phase_{k}_seconds") for k in summary["phase_seconds"]} == \
        pytest.approx({f"phase_{k}_seconds": v for k, v in summary["phase_seconds"].items()})
    assert parent.data.tags["best.rank"] == str(summary["best_params"]["rank"])
    names = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"summary.json", "leaderboard.csv", "report.html", "plots", "model"} <= names

    board, children = _board(run_dir), _children(client, summary)
    assert set(children) == set(board) and len(board) == 3
    for trial_id, row in board.items():
        run = children[trial_id]
        assert run.data.tags["tuner.status"] == row["status"] == "completed"
        assert run.data.params["rank"] == row["rank"]
        history = client.get_metric_history(run.info.run_id, "rmse")
        assert sorted((h.step, f"{h.value:.6g}") for h in history) == [(k, row[f"rmse_fold{k}"]) for k in range(2)]

    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model(summary["mlflow"]["model_uri"])
    assert model.metadata.signature is not None
    pairs = pd.DataFrame({"user": [1, 2, 3, 10**9], "item": [1, 2, 3, 4]})  # int64, as pandas makes them
    scores = model.predict(pairs)
    assert len(scores) == 4 and scores.isna().tolist() == [False, False, False, True]  # one per row; unknown: NaN


def test_the_study_summary_json_names_holds_every_trial_and_the_front_is_written(first):
    _, _, run_dir, _, summary = first
    study = optuna.load_study(study_name=summary["study"]["name"], storage=summary["study"]["storage"])
    assert summary["study"]["file"] == str(run_dir / "optuna.db")
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 3 and len(study.directions) == 2
    pareto = summary["pareto"]
    assert [o["metric"] for o in pareto["objectives"]] == ["rmse", "fit_seconds"]
    assert pareto["selected"] == summary["best_trial"] and pareto["front"]
    assert {r["trial_id"] for r in _board(run_dir).values() if r["pareto"] == "true"} == {
        f["trial_id"] for f in pareto["front"]}
    assert (run_dir / "plots" / "pareto.png").is_file()
    page = (run_dir / "report.html").read_text()
    assert summary["mlflow"]["run_id"] in page and "optuna-dashboard sqlite:///" in page and "Pareto front" in page


def test_resume_more_2_adds_two_trials_to_the_leaderboard_study_and_parent(first):
    tmp, uri, run_dir, _, before = first
    results = {p: p.read_text() for p in run_dir.glob("tune/*/result.json")}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", uri)
        proc = run_cli("resume", str(run_dir), "--more", "2", cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["trials"]["completed"] == 5 and len(_board(run_dir)) == 5
    assert {p: p.read_text() for p in run_dir.glob("tune/*/result.json")} == results  # the first 3 did not run again
    assert len(list(run_dir.glob("tune-more-1/*/result.json"))) == 2
    study = optuna.load_study(study_name=summary["study"]["name"], storage=summary["study"]["storage"])
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 5
    assert summary["mlflow"]["run_id"] == before["mlflow"]["run_id"]
    client = MlflowClient(tracking_uri=uri)
    assert len(_children(client, summary)) == 5
    assert client.get_run(summary["mlflow"]["run_id"]).info.status == "FINISHED"
    status = run_cli("status", str(run_dir), cwd=ROOT)
    assert "trials 5/5 done · 5 completed" in status.stdout, status.stdout + status.stderr
    if summary["best_trial"] == before["best_trial"]:
        assert summary["refit"] == "kept" and summary["test_metrics"] == before["test_metrics"]
        assert "stand (not redone)" in proc.stdout
    else:
        assert "refitting the best configuration" in proc.stdout and "refit" not in summary
