"""Two small real runs started three seconds apart on one machine, into one output.dir (one MLflow store), as two
terminals would: each gets its own free ports, both finish with their test RMSE, nothing is left running.

The same two runs read the inputs as they come (a gzipped MovieLens ratings.csv.gz, a folder of CSV part files)
and leave a study that Optuna's own ``load_study`` reads back with tuner's trial states.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
import yaml

from tests.integration.conftest import ROOT, cli_env, run_dirs
from tests.integration.test_cli_run import experiment, write_ratings

pytestmark = [pytest.mark.cluster, pytest.mark.spark]
TUNER = str(Path(sys.executable).with_name("tuner"))


def _config(tmp_path, name, data_path):
    cfg = yaml.safe_load(experiment(tmp_path, path=str(data_path), format="auto").read_text())
    del cfg["ray"]["dashboard_port"]  # the default: what a user who never heard of ports gets
    cfg.update(name=name, search={"num_samples": 4, "seed": 0, "sampler": "tpe"})
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _inputs(tmp_path):
    read, _ = write_ratings(tmp_path / "ratings.csv", n_users=200, n_items=120)
    lines = (tmp_path / "ratings.csv").read_text().splitlines()
    with gzip.open(tmp_path / "ratings.csv.gz", "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "_SUCCESS").write_text("")
    half = len(lines) // 2
    for k, body in enumerate((lines[1:half], lines[half:])):  # each part file has the header, as Spark writes them
        (parts / f"part-0000{k}.csv").write_text("\n".join([lines[0], *body]) + "\n")
    (tmp_path / "ratings.csv").unlink()
    return read, tmp_path / "ratings.csv.gz", parts


def test_two_runs_three_seconds_apart_both_finish_with_their_own_ports(tmp_path, no_leaks):
    read, gz, parts = _inputs(tmp_path)
    procs = []
    for name, path in (("gz", gz), ("parts", parts)):
        procs.append(subprocess.Popen([TUNER, "run", str(_config(tmp_path, name, path))], cwd=ROOT, env=cli_env(),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        time.sleep(3)
    outs = [p.communicate(timeout=900) for p in procs]
    dashboards, uis = set(), set()
    for proc, (out, err) in zip(procs, outs):
        assert proc.returncode == 0, out + err
        assert "Traceback" not in out + err
        assert re.search(r"^Test RMSE: \d+\.\d\d$", out, re.M), out
        (url,) = re.findall(r"^\[tuner\] Ray dashboard: (http://127\.0\.0\.1:\d+) ", out, re.M)
        assert re.search(r"^\[tuner\] Prometheus metrics .*: http://\S+:\d+/metrics$", out, re.M), out
        (ui,) = re.findall(r"Spark UI: (http://\S+:\d+)", out)
        dashboards.add(url)
        uis.add(ui)
    assert len(dashboards) == 2 and len(uis) == 2, (dashboards, uis)

    pruned = 0
    for run_dir in run_dirs(tmp_path / "runs"):
        summary = json.loads((run_dir / "summary.json").read_text())
        assert summary["status"] == "completed" and summary["rows"]["read"] == read  # headers of parts skipped
        assert not (run_dir / "tmp").exists(), list((run_dir / "tmp").rglob("*"))[:5]
        pruned += _study_matches_the_run(run_dir, summary)
    assert len(run_dirs(tmp_path / "runs")) == 2 and pruned >= 1, "ASHA stopped no trial in either run"


def _study_matches_the_run(run_dir, summary) -> int:
    """optuna.load_study finds summary.json's trial counts, its best CV metric, and each pruned trial's running
    CV means fold by fold (leaderboard.csv's per-fold metrics). Returns how many trials were pruned."""
    study = optuna.load_study(study_name=summary["study"]["name"], storage=summary["study"]["storage"])
    states = [t.state.name for t in study.trials]
    t = summary["trials"]
    assert (states.count("COMPLETE"), states.count("PRUNED"), states.count("FAIL")) == (
        t["completed"], t["pruned"], t["failed"]), states
    assert study.best_value == pytest.approx(summary["best_cv_metric"], rel=1e-9)
    with open(run_dir / "leaderboard.csv") as fh:
        board = [r for r in csv.DictReader(fh) if r["status"] == "pruned"]
    by_rank = {}
    for trial in study.trials:
        if trial.state.name == "PRUNED":
            by_rank.setdefault(trial.params["rank"], []).append(trial)
    for row in board:
        folds = [float(row[f"rmse_fold{k}"]) for k in range(int(row["folds_done"]))]
        running = {k + 1: sum(folds[: k + 1]) / (k + 1) for k in range(len(folds))}
        assert any(set(tr.intermediate_values) == set(running) and all(
            tr.intermediate_values[k] == pytest.approx(v, rel=1e-5) for k, v in running.items())
            for tr in by_rank[int(row["rank"])]), (row, [tr.intermediate_values for tr in by_rank[int(row["rank"])]])
    return len(board)
