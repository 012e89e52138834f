"""Failure handling in real runs: raising, NaN and hanging trials; every trial failing; kill -9 and resume."""

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, cli_env, run_cli, run_dirs
from tests.integration.test_cli_run import experiment

pytestmark = [pytest.mark.cluster, pytest.mark.spark]


def summary_of(tmp_path):
    (run_dir,) = run_dirs(tmp_path / "runs")
    return run_dir, json.loads((run_dir / "summary.json").read_text())


def test_nan_and_hanging_trials_fail_with_reasons_a_killed_executor_is_survived(tmp_path, no_leaks, monkeypatch):
    """One real run, three faults: rank 2 reports NaN, rank 3 hangs on fold 1 past trial.timeout_s (its Spark job
    is cancelled), and rank 4 trials get a RayDP executor killed under their fold-1 fit and still complete."""
    cfg = experiment(tmp_path, format="synthetic", synthetic={"ratings": 20000, "users": 400, "items": 200})
    monkeypatch.setenv("TUNER_INJECT_FAULT", "nan:rank=2,hang@fold1:rank=3,kill_executor@fold1:rank=4")
    # Random sampler, seed 2: ranks 4, 2, 4, 3, 2, 2 (checked with Optuna's RandomSampler; deterministic).
    proc = run_cli("run", str(cfg), "--set", "model.params.rank={type: choice, values: [2, 3, 4]}",
                   "--set", "scheduler.type=fifo", "--set", "trial.timeout_s=40", "--set", "search.num_samples=6",
                   "--set", "search.sampler=random", "--set", "search.seed=2", cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_dir, summary = summary_of(tmp_path)
    board = (run_dir / "leaderboard.csv").read_text()
    rows = [line.split(",") for line in board.splitlines()[1:]]
    by_rank = {}
    for r in rows:
        by_rank.setdefault(r[3], set()).add(r[2])
    assert by_rank == {"2": {"failed"}, "3": {"failed"}, "4": {"completed"}}, board
    assert board.count("rmse is nan on fold 0") == 3
    assert board.count("fold 1 ran past trial.timeout_s=40 s; its Spark jobs were cancelled") == 1
    assert summary["trials"] == {"completed": 2, "pruned": 0, "failed": 4, "unfinished": 0}
    assert summary["status"] == "completed" and summary["best_params"]["rank"] == 4


def test_when_every_trial_fails_the_run_exits_1_with_the_reasons(tmp_path, no_leaks, monkeypatch):
    cfg = experiment(tmp_path, format="synthetic", synthetic={"ratings": 5000, "users": 200, "items": 100})
    monkeypatch.setenv("TUNER_INJECT_FAULT", "raise@fold0")
    proc = run_cli("run", str(cfg), "--set", "search.num_samples=3", cwd=ROOT)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "No trial completed. Reasons:" in proc.stdout
    assert "3 x RuntimeError: injected fault on fold 0" in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    _, summary = summary_of(tmp_path)
    assert summary["status"] == "failed" and summary["trials"]["failed"] == 3
    assert summary["test_metrics"] is None and summary["model_path"] is None


def _finished_trials(run_dir: Path) -> dict[str, int]:
    """trial id -> number of results Tune wrote for it, for trials that reached the last fold."""
    done = {}
    for result in run_dir.glob("tune/*/result.json"):
        lines = [json.loads(x) for x in result.read_text().splitlines() if x.strip()]
        if lines and lines[-1].get("folds_done") == 2:
            done[lines[-1]["trial_id"]] = len(lines)
    return done


def test_kill_9_of_the_driver_then_resume(tmp_path, no_leaks):
    cfg = experiment(tmp_path, format="synthetic", synthetic={"ratings": 20000, "users": 400, "items": 200})
    exe = Path(sys.executable).with_name("tuner")
    proc = subprocess.Popen([str(exe), "run", str(cfg), "--set", "search.num_samples=4", "--set", "scheduler.type=fifo"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=cli_env())
    run_dir = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break  # the child ended (its output is over): waiting on would only spin until the deadline
        if line.startswith("[tuner] run directory:"):
            run_dir = Path(line.split(":", 1)[1].strip())
        if run_dir and line.startswith("[tuner] trials 2/4 done"):
            break
    assert run_dir, "the run never printed its directory"
    assert proc.poll() is None, f"the run ended by itself (exit {proc.returncode}) before 2 trials were done"
    time.sleep(3)  # past Tune's 2 s experiment-state period
    before = _finished_trials(run_dir)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(before) >= 2

    resumed = run_cli("resume", str(run_dir), cwd=ROOT)

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Test RMSE:" in resumed.stdout
    status = run_cli("status", str(run_dir), cwd=ROOT)
    assert status.returncode == 0 and "status completed" in status.stdout
    assert "trials 4/4 done · 4 completed · 0 pruned · 0 failed · best rmse" in status.stdout
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["trials"]["completed"] == 4 and summary["trials"]["failed"] == 0
    after = _finished_trials(run_dir)
    assert {k: after[k] for k in before} == before, "finished trials must not run again"
    assert len(after) == 4
    # The Optuna searcher kept what it learned: its study holds every trial, the early ones included.
    state = sorted(run_dir.glob("tune/searcher-state-*.pkl"))[-1]  # one file per session; the resumed one last
    study = pickle.loads(state.read_bytes())["_ot_study"]
    assert len([t for t in study.trials if t.state.name == "COMPLETE"]) == 4
    # ... and so does the study on disk (optuna.db), none left RUNNING; the MLflow parent was continued, not doubled
    import optuna

    on_disk = optuna.load_study(study_name=summary["study"]["name"], storage=summary["study"]["storage"])
    states = [t.state.name for t in on_disk.trials]
    assert states.count("COMPLETE") == 4 and "RUNNING" not in states, states
    assert json.loads((run_dir / "mlflow_run.json").read_text())["run_id"] == summary["mlflow"]["run_id"]
