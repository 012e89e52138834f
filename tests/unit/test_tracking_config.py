"""The tracking block and where the MLflow record goes (no Ray, no MLflow server)."""

from pathlib import Path

import pytest

from tuner.config import ConfigError, load_experiment
from tuner.tracking._store import artifact_location, tracking_uri

ROOT_CFG = Path(__file__).resolve().parents[2] / "experiments" / "quickstart.yaml"


def test_mlflow_is_on_by_default_and_a_uri_needs_a_scheme():
    exp = load_experiment(ROOT_CFG)
    assert exp.tracking.mlflow is True and exp.tracking.uri is None
    assert load_experiment(ROOT_CFG, ["tracking.uri=databricks"]).tracking.uri == "databricks"
    with pytest.raises(ConfigError) as err:
        load_experiment(ROOT_CFG, ["tracking.uri=mlflow.db"])
    assert err.value.key == "tracking.uri" and "got 'mlflow.db'" in str(err.value)


def test_the_uri_is_the_config_s_else_the_environment_s_else_a_local_sqlite_store(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking_uri(None, tmp_path) == f"sqlite:///{tmp_path}/mlflow.db"
    assert artifact_location(tracking_uri(None, tmp_path)) == (tmp_path / "mlartifacts").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    assert tracking_uri(None, tmp_path) == "http://mlflow:5000"
    assert artifact_location("http://mlflow:5000") is None
    monkeypatch.chdir(tmp_path)
    assert tracking_uri("sqlite:///rel/m.db", "/elsewhere") == f"sqlite:///{tmp_path}/rel/m.db"  # made absolute


def test_the_report_links_the_mlflow_run_and_the_optuna_study(tmp_path):
    from tuner.outputs.report import write_report

    s = {"experiment": "x", "status": "completed", "metric": "rmse", "mode": "min",
         "mlflow": {"tracking_uri": "http://mlflow:5000", "experiment_id": "3", "run_id": "r1"},
         "study": {"storage": f"sqlite:///{tmp_path}/optuna.db", "name": "x-1", "file": f"{tmp_path}/optuna.db"}}
    page = write_report(s, [], [], ("rmse",), tmp_path, tmp_path / "report.html").read_text()
    assert '<a href="http://mlflow:5000/#/experiments/3/runs/r1">' in page
    assert f'<a href="file://{tmp_path}/optuna.db">' in page and f"optuna-dashboard sqlite:///{tmp_path}/optuna.db" in page
    s["mlflow"]["tracking_uri"] = f"sqlite:///{tmp_path}/mlflow.db"
    page = write_report(s, [], [], ("rmse",), tmp_path, tmp_path / "report.html").read_text()
    assert f"mlflow ui --backend-store-uri sqlite:///{tmp_path}/mlflow.db" in page and "<code>r1</code>" in page
