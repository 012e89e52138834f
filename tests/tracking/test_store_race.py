"""Two runs that open one new local MLflow store at the same moment both get their parent run (real MLflow,
sqlite): before, one lost MLflow's table-creation race and went on without tracking."""

from __future__ import annotations

import multiprocessing as mp


def _open_parent(tmp, name, barrier, out):
    from tuner.config.schema import TrackingConfig
    from tuner.tracking import open_runs

    run_dir = tmp / "runs" / name
    run_dir.mkdir(parents=True)
    warnings = []
    barrier.wait(timeout=60)
    runs = open_runs(TrackingConfig(), tmp / "runs", "same-experiment", run_dir, warn=warnings.append)
    ok = runs.close(120)
    out.put((name, ok, runs.parent_id, warnings))


def test_two_runs_creating_one_new_store_at_once_both_get_their_parent(tmp_path, monkeypatch):
    from mlflow import MlflowClient

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)  # the default store: <output>/mlflow.db

    ctx = mp.get_context("spawn")  # a fork of a threaded pytest can deadlock in the child
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_open_parent, args=(tmp_path, f"run-{i}", barrier, out)) for i in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(60)
    assert all(warnings == [] and ok and parent for _, ok, parent, warnings in results), results
    client = MlflowClient(f"sqlite:///{tmp_path / 'runs' / 'mlflow.db'}")
    (exp,) = [e for e in client.search_experiments() if e.name == "same-experiment"]
    names = {r.info.run_name for r in client.search_runs([exp.experiment_id])}
    assert names == {"run-0", "run-1"}
