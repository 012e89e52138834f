"""`tuner run experiments/quickstart.yaml --set search.metric=ndcg@10`, then `tuner recommend` and `tuner predict`
on its run directory: one small real run (Ray, RayDP Spark, Tune, Optuna) serves every assert of this module."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.integration.conftest import ROOT, cli_env, run_cli, run_dirs

pytestmark = [pytest.mark.cluster, pytest.mark.spark]

K = 5
SMALL = [x for kv in ("search.metric=ndcg@10", "search.num_samples=2", "data.folds=2", "data.synthetic.ratings=30000",
                       "data.synthetic.users=600", "data.synthetic.items=300", "data.synthetic.partitions=2",
                       "model.params.maxIter=4", "search.ranking_users=300", "ray.dashboard_port=0",
                       "ray.object_store_memory_mb=300", "spark.executor_memory=1g", "spark.driver_memory=1g")
         for x in ("--set", kv)]
TUNER = str(Path(sys.executable).with_name("tuner"))


@pytest.fixture(scope="module")
def ranked_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ranked")
    proc = run_cli("run", "experiments/quickstart.yaml", *SMALL, "--set", f"output.dir={out / 'runs'}", cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (run_dir,) = run_dirs(out / "runs")
    return run_dir, proc.stdout


def test_ndcg_objective_shows_in_cv_and_test_metrics_beside_rmse_and_the_popular_baseline(ranked_run, no_leaks):
    run_dir, stdout = ranked_run
    s = json.loads((run_dir / "summary.json").read_text())
    assert (s["status"], s["metric"], s["mode"]) == ("completed", "ndcg@10", "max")
    assert {"rmse", "ndcg@10", "map@10", "precision@10", "recall@10"} <= set(s["best_cv_metrics"])
    assert s["best_cv_metric"] == s["best_cv_metrics"]["ndcg@10"]
    assert {"rmse", "mae", "ndcg@10", "map@10", "precision@10", "recall@10"} == set(s["test_metrics"])
    assert 0 <= s["test_metrics"]["ndcg@10"] <= 1
    assert set(s["baseline_test_metrics"]["popular"]) == {"ndcg@10", "map@10", "precision@10", "recall@10"}
    assert s["ranking"]["users"]["evaluated"] > 0 and s["ranking"]["sample_size"] == 300
    assert s["ranking"]["relevant"] == "held-out rating >= 4"
    header = (run_dir / "leaderboard.csv").read_text().splitlines()[0].split(",")
    assert {"cv_rmse", "cv_ndcg@10", "cv_map@10", "ndcg@10_fold0", "ndcg@10_fold1"} <= set(header)
    assert "Test ndcg@10: " in stdout and "Most-popular baseline on the same" in stdout

    card = json.loads((run_dir / "model" / "model_card.json").read_text())
    assert card["test_metrics"] == s["test_metrics"] and card["baseline_test_metrics"] == s["baseline_test_metrics"]
    fp = card["data_fingerprint"]
    assert fp["rows"] == s["rows"]["train"] and fp["users"] > 0 and fp["items"] > 0
    assert fp["source"]["synthetic"]["ratings"] == 30000 and fp["source"]["seed"] == 0
    assert card["serving"]["top_k"] == 10
    for name in ("recommendations", "seen", "popular.parquet", "spark-als/userFactors", "spark-als/itemFactors"):
        assert (run_dir / "model" / name).exists(), name


def _stored(run_dir: Path) -> dict[int, list[int]]:
    return {r["user"]: r["items"] for r in pq.read_table(run_dir / "model" / "recommendations").to_pylist()}


def test_recommend_on_the_run_dir_prints_k_items_without_ray_or_spark(ranked_run):
    run_dir, _ = ranked_run
    stored = _stored(run_dir)
    user = min(stored)
    env = {**cli_env(), "PYTHONPROFILEIMPORTTIME": "1"}  # every imported module, on stderr
    t0 = time.monotonic()
    proc = subprocess.run([TUNER, "recommend", str(run_dir), "--user", str(user), "-k", str(K)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env=env)
    seconds = time.monotonic() - t0
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == f"top {K} for user {user}" and len(lines) == 1 + K
    items = [int(line.split()[2]) for line in lines[1:]]
    assert set(items) <= set(stored[user])  # the first 5 of the 10 Spark stored at export (ties aside)
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert not imported & {"ray", "pyspark", "raydp", "optuna"}, imported & {"ray", "pyspark", "raydp", "optuna"}
    assert seconds < 5, f"tuner recommend took {seconds:.2f} s"  # ~0.6-0.8 s measured; 5 s: a loaded machine

    unknown = run_cli("recommend", str(run_dir), "--user", "99999999", cwd=ROOT)
    assert unknown.returncode == 2 and "is not in the model" in unknown.stderr
    popular = run_cli("recommend", str(run_dir), "--user", "99999999", "--fallback", "popular", "-k", "3", cwd=ROOT)
    assert popular.returncode == 0 and "most-rated items" in popular.stdout.splitlines()[0]


def test_batch_recommend_and_predict_on_the_run_dir(ranked_run, tmp_path):
    run_dir, _ = ranked_run
    users = sorted(_stored(run_dir))[:20]
    (tmp_path / "users.csv").write_text("user\n" + "\n".join(map(str, [*users, 99999999])) + "\n")
    proc = run_cli("recommend", str(run_dir), "--users", str(tmp_path / "users.csv"), "--out",
                   str(tmp_path / "recs.parquet"), "-k", "3", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("wrote 20 of 21 users' recommendations") and "1 users not in the model" in proc.stdout
    assert all(len(r["items"]) == 3 for r in pq.read_table(tmp_path / "recs.parquet").to_pylist())

    (tmp_path / "pairs.csv").write_text("user,item\n" + "".join(f"{u},{_stored(run_dir)[u][0]}\n" for u in users)
                                        + "99999999,1\n")
    proc = run_cli("predict", str(run_dir), "--input", str(tmp_path / "pairs.csv"), "--out",
                   str(tmp_path / "pred.csv"), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"wrote 21 rows with predictions to {tmp_path / 'pred.csv'}; NaN for 1 (1 unknown "
                                  "user"), proc.stdout

    status = run_cli("status", str(run_dir), cwd=ROOT)
    assert status.returncode == 0 and "best ndcg@10 " in status.stdout, status.stdout + status.stderr


def test_mlflow_pyfunc_scores_a_plain_pandas_frame_row_for_row_as_tuner_predict_does(ranked_run, tmp_path):
    import mlflow
    import numpy as np
    import pandas as pd

    run_dir, _ = ranked_run
    summary = json.loads((run_dir / "summary.json").read_text())
    seen = _stored(run_dir)
    users = sorted(seen)[:6]
    # as a user writes it: pandas makes int64; an unknown user first, an unknown item last
    frame = pd.DataFrame({"user": [99999999, *users, users[0]], "item": [1, *[seen[u][0] for u in users], 99999999]})
    frame.to_csv(tmp_path / "pairs.csv", index=False)
    proc = run_cli("predict", str(run_dir), "--input", str(tmp_path / "pairs.csv"), "--out",
                   str(tmp_path / "pred.parquet"), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    expected = pq.read_table(tmp_path / "pred.parquet").column("prediction").to_numpy()

    mlflow.set_tracking_uri(summary["mlflow"]["tracking_uri"])
    model = mlflow.pyfunc.load_model(summary["mlflow"]["model_uri"])
    got = np.asarray(model.predict(frame), dtype=np.float32)
    assert len(got) == len(frame) and np.isnan(got[0]) and np.isnan(got[-1]) and not np.isnan(got[1:-1]).any()
    np.testing.assert_array_equal(got, expected)  # the same numbers, in input order, NaN in the same rows
    assert {c.name: c.type.name for c in model.metadata.get_input_schema().inputs} == {"user": "long", "item": "long"}
