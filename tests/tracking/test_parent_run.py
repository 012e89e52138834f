"""The parent run's finish: metrics, tags, artifacts and a pyfunc-loadable sklearn model (real MLflow, no Ray)."""

import json

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tuner.config.schema import TrackingConfig
from tuner.models.mlflow_flavour import save_sklearn_model
from tuner.tracking import open_runs
from tuner.tracking._store import read_run_file


def test_finish_logs_outcome_artifacts_and_a_model_pyfunc_scores_like_the_pipeline(tmp_path):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"tenure": rng.normal(size=60), "charges": rng.normal(size=60) * 10})
    y = (X["tenure"] + 0.1 * X["charges"] > 0).astype(int)
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)

    run_dir = tmp_path / "churn-1"
    (run_dir / "plots").mkdir(parents=True)
    (run_dir / "leaderboard.csv").write_text("position,trial_id\n1,a\n")
    (run_dir / "plots" / "history.png").write_bytes(b"\x89PNG")
    summary = {"status": "completed", "metric": "auc", "mode": "max", "best_params": {"C": 0.5},
               "best_cv_metric": 0.91, "test_metrics": {"auc": 0.88}, "rows": {"read": 60, "kept": 58,
               "dropped": {"blank_label": 2}, "train": 46, "test": 12}, "trials": {"completed": 3, "pruned": 1},
               "study": {"storage": "sqlite:////x/optuna.db", "name": "churn-1"}}
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    model_dir = save_sklearn_model(pipe, tmp_path / "mlflow_model", X)
    runs = open_runs(TrackingConfig(uri=uri), tmp_path, "churn", run_dir)
    runs.finish(summary, model_dir)
    assert runs.close(120)

    run_id = read_run_file(run_dir)["run_id"]
    run = MlflowClient(tracking_uri=uri).get_run(run_id)
    assert run.info.status == "FINISHED"
    m, tags = run.data.metrics, run.data.tags
    assert (m["cv_auc"], m["test_auc"], m["rows_dropped_blank_label"], m["rows_train"]) == (0.91, 0.88, 2, 46)
    assert tags["best.C"] == "0.5" and tags["tuner.optuna_study"] == "churn-1"
    names = {a.path for a in MlflowClient(tracking_uri=uri).list_artifacts(run_id)}
    assert {"summary.json", "leaderboard.csv", "plots", "model"} <= names
    logged = json.loads(open(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="summary.json",
                                                               tracking_uri=uri)).read())
    assert logged["best_params"] == {"C": 0.5}

    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    assert model.metadata.signature is not None
    np.testing.assert_allclose(np.asarray(model.predict(X)), pipe.predict_proba(X))

    plain = save_sklearn_model(pipe, tmp_path / "plain", X, method="predict")
    np.testing.assert_array_equal(np.asarray(mlflow.pyfunc.load_model(str(plain)).predict(X)), pipe.predict(X))
