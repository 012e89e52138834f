"""Real MLflow (sqlite store in tmp_path) + real Ray Tune: nested trial runs, status tags, a store that is down."""

import time

import pytest
from mlflow import MlflowClient
from ray import tune
from ray.tune.schedulers import ASHAScheduler

from tests.tracking.conftest import fold_objective
from tuner.config.schema import TrackingConfig
from tuner.tracking import RUN_FILE, open_runs
from tuner.tracking._store import read_run_file

pytestmark = pytest.mark.ray


def _fit(run_dir, runs, xs):
    tuner = tune.Tuner(
        fold_objective,
        param_space={"x": tune.grid_search(xs)},
        tune_config=tune.TuneConfig(
            scheduler=ASHAScheduler(time_attr="training_iteration", metric="loss", mode="min", max_t=3,
                                    grace_period=1, reduction_factor=2),
            max_concurrent_trials=1, reuse_actors=False),
        run_config=tune.RunConfig(name="tune", storage_path=str(run_dir), verbose=0,
                                  callbacks=[runs.callback(("loss",), 3)]),
    )
    return tuner.fit()


def test_nested_trial_runs_have_fold_metrics_at_fold_steps_and_status_tags(local_ray, tmp_path):
    run_dir = tmp_path / "runs" / "exp-1"
    run_dir.mkdir(parents=True)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    warnings = []
    runs = open_runs(TrackingConfig(uri=uri), tmp_path / "runs", "exp", run_dir, warn=warnings.append)
    grid = _fit(run_dir, runs, [0.1, 0.2, 0.9, -1.0])
    runs.finish({"status": "completed", "metric": "loss", "mode": "min", "trials": {"completed": 1}})
    assert runs.close(120)
    assert warnings == []

    client = MlflowClient(tracking_uri=uri)
    saved = read_run_file(run_dir)
    parent = client.get_run(saved["run_id"])
    assert parent.info.status == "FINISHED" and parent.info.run_name == "exp-1"
    children = client.search_runs([saved["experiment_id"]], f"tags.`mlflow.parentRunId` = '{saved['run_id']}'")
    by_trial = {r.data.tags["tuner.trial_id"]: r for r in children}
    trials = {r.metrics["trial_id"]: r for r in grid}  # Result: config, metrics (last report), error
    assert len(trials) == 4 and set(by_trial) == set(trials)

    statuses = {}
    for trial_id, trial in trials.items():
        run = by_trial[trial_id]
        status = run.data.tags["tuner.status"]
        statuses[status] = statuses.get(status, 0) + 1
        assert run.data.params["x"] == str(trial.config["x"])
        last = trial.metrics
        if trial.error is not None:
            assert status == "failed" and run.info.status == "FAILED"
            assert "boom at x=-1.0" in run.data.tags["tuner.reason"]
            continue
        done = last["folds_done"]
        assert status == ("completed" if done == 3 else "pruned")
        assert run.info.status == "FINISHED"
        history = client.get_metric_history(run.info.run_id, "loss")
        assert sorted((m.step, m.value) for m in history) == [(k, last[f"loss_fold{k}"]) for k in range(done)]
        assert run.data.metrics["cv_loss"] == pytest.approx(last["loss"])
        assert run.data.metrics["seconds"] > 0
    assert statuses.get("completed") and statuses.get("pruned") and statuses.get("failed") == 1

    # tuner resume: the same parent continues (RUNNING again), finished trials are known and not re-logged
    again = open_runs(TrackingConfig(uri=uri), tmp_path / "runs", "exp", run_dir, resume=True)
    assert again.link()["run_id"] == saved["run_id"]
    assert client.get_run(saved["run_id"]).info.status == "RUNNING"
    assert again.finished == set(trials)
    again.close(60)


def test_a_store_that_is_down_gives_one_warning_and_the_tune_run_completes(local_ray, tmp_path):
    run_dir = tmp_path / "exp-2"
    run_dir.mkdir()
    warnings = []
    t0 = time.monotonic()
    runs = open_runs(TrackingConfig(uri="http://127.0.0.1:9"), tmp_path, "exp", run_dir, warn=warnings.append)
    grid = _fit(run_dir, runs, [0.1, 0.2])
    runs.finish({"status": "completed", "metric": "loss"})
    assert runs.close(60)
    assert len(grid) == 2 and not grid.errors
    assert len(warnings) == 1 and "http://127.0.0.1:9" in warnings[0] and "goes on without" in warnings[0]
    assert not (run_dir / RUN_FILE).exists()
    assert time.monotonic() - t0 < 120
