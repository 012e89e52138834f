"""Every subcommand, given a wrong argument, prints one `error:` line and exits 2: no traceback, nothing started.

Through the real console script (a subprocess), as a user types it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TUNER = str(Path(sys.executable).with_name("tuner"))


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([TUNER, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def _one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def broken_run_dir(tmp_path):
    """A run directory whose experiment.yaml names a model type that no longer exists."""
    run = tmp_path / "runs" / "old-20260101-000000"
    run.mkdir(parents=True)
    (run / "tune").mkdir()
    doc = yaml.safe_load((ROOT / "experiments" / "quickstart.yaml").read_text())
    doc["model"]["type"] = "spark-als-v0"
    (run / "experiment.yaml").write_text(yaml.safe_dump(doc))
    return run


@pytest.mark.parametrize("args, needles", [
    (["validate", "experiments/nope.yaml"], ["experiments/nope.yaml", "no such file"]),
    (["run", "experiments/nope.yaml"], ["experiments/nope.yaml", "no such file"]),
    (["run", "experiments/quickstart.yaml", "--set", "search.num_samples=0"], ["search.num_samples must be"]),
    (["validate", "experiments/quickstart.yaml", "--set", "search.patience=0"], ["search.patience must be an int >= 1 or null, got 0"]),
    (["submit", "experiments/nope.yaml", "--address", "http://127.0.0.1:9"], ["no such file"]),
    (["doctor", "experiments/nope.yaml"], ["no such file"]),
    (["status", "/nonexistent/run"], ["not a run directory"]),
    (["resume", "/nonexistent/run"], ["not a run directory"]),
    (["export", "/nonexistent/run", "--out", "/tmp/x"], ["no exported model"]),
    (["recommend", "/nonexistent/run", "--user", "1"], ["/nonexistent/run: no such model folder or run directory"]),
    (["recommend", "/nonexistent/run", "--user", "one"], ["--user must be an integer id, got 'one'"]),
    (["recommend", "/nonexistent/run", "--user", "1", "-k", "0"], ["-k must be an int >= 1, got '0'"]),
    (["recommend", "/nonexistent/run"], ["give one of --user ID or --users FILE"]),
    (["recommend", "/nonexistent/run", "--users", "u.csv"], ["--users needs --out"]),
    (["predict", "/nonexistent/run", "--input", "x.csv", "--out", "y.csv"], ["no such model folder"]),
])
def test_each_subcommand_reports_a_wrong_argument_in_one_line(args, needles):
    _one_line_error(_cli(*args), *needles)


def test_recommend_and_predict_on_a_model_folder_report_user_mistakes_in_one_line(tmp_path):
    import numpy as np

    from tests.serve_export import write_export

    rng = np.random.default_rng(0)
    model = write_export(tmp_path, np.arange(1, 5), np.arange(10, 16), rng.normal(size=(4, 3)).astype(np.float32),
                         rng.normal(size=(6, 3)).astype(np.float32), {1: [10]}, [(10, 2)])
    _one_line_error(_cli("recommend", str(model), "--user", "99"), "user 99 is not in the model",
                    "--fallback popular")
    _one_line_error(_cli("recommend", str(model), "--user", "1", "--fallback", "random"),
                    "--fallback must be one of: popular, got 'random'")
    (tmp_path / "pairs.csv").write_text("user,thing\n1,2\n")
    _one_line_error(_cli("predict", str(model), "--input", str(tmp_path / "pairs.csv"), "--out",
                         str(tmp_path / "o.csv")), "missing column 'item'")
    ok = _cli("recommend", str(model), "--user", "1", "-k", "3")
    assert ok.returncode == 0 and ok.stdout.splitlines()[0] == "top 3 for user 1", ok.stdout + ok.stderr
    assert len(ok.stdout.splitlines()) == 4 and "item 10 " not in ok.stdout  # its training item is excluded


def test_status_of_a_run_whose_config_no_longer_validates_is_one_line(broken_run_dir):
    # regression: `tuner status` let a ConfigError (here an unknown model type) escape as a traceback
    _one_line_error(_cli("status", str(broken_run_dir)), "model.type must be one of", "spark-als-v0")


def test_resume_of_a_run_whose_config_no_longer_validates_is_one_line(broken_run_dir):
    _one_line_error(_cli("resume", str(broken_run_dir)), "model.type must be one of")


def test_a_classifier_with_a_movielens_download_is_a_config_error(tmp_path):
    # regression: it passed validate and then reached `"://" not in None` in preflight (a TypeError traceback)
    doc = yaml.safe_load((ROOT / "experiments" / "churn_spark_lr.yaml").read_text())
    doc["data"] = {"download": "ml-100k", "label": "churn"}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(doc))
    for command in ("validate", "run"):
        _one_line_error(_cli(command, str(path)), "data.download fetches MovieLens ratings", "spark-logreg")


def test_an_unknown_model_type_in_a_config_is_one_line_with_did_you_mean(tmp_path):
    # regression: UnknownModelError escaped as a traceback
    _one_line_error(_cli("validate", "experiments/quickstart.yaml", "--set", "model.type=spark-alz"),
                    "did you mean 'spark-als'?")


def test_status_of_a_missing_run_dir_is_a_clear_error(tmp_path):
    proc = _cli("status", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {tmp_path}: not a run directory (no experiment.yaml)."


# ---- what a new user tripped over: each is caught by `tuner validate`, before Ray starts ------------------
def test_a_data_path_beside_a_synthetic_format_names_both_keys():
    _one_line_error(_cli("validate", "experiments/quickstart.yaml", "--set", "data.path=/tmp/r.csv"),
                    "data.path is set, but data.format is 'synthetic'", "set data.format to auto")


def test_validate_reports_a_data_path_that_does_not_exist():
    _one_line_error(_cli("validate", "experiments/quickstart.yaml", "--set", "data.format=auto",
                         "--set", "data.path=/nonexistent/ratings.csv"), "/nonexistent/ratings.csv")
    _one_line_error(_cli("validate", "experiments/churn_spark_lr.yaml", "--set", "data.format=csv",
                         "--set", "data.path=/nonexistent/t.csv", "--set", "data.label=y"),
                    "experiments/churn_spark_lr.yaml: data.path '/nonexistent/t.csv' does not exist")


def test_a_label_or_column_missing_from_the_csv_header_has_did_you_mean(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("customerID,tenure,Contract,Churn\nA,1,monthly,No\nB,30,yearly,Yes\n")
    base = ["validate", "experiments/churn_spark_lr.yaml", "--set", "data.format=csv", "--set", f"data.path={table}"]
    _one_line_error(_cli(*base, "--set", "data.label=churn"), "data.label 'churn' is not a column of",
                    "(did you mean 'Churn'?)")
    _one_line_error(_cli(*base, "--set", "data.label=Churn", "--set", "data.categorical=[contract]"),
                    "data.categorical 'contract' is not a column", "(did you mean 'Contract'?)")
    ok = _cli(*base, "--set", "data.label=Churn")
    assert ok.returncode == 0 and ok.stdout.startswith("ok: churn_spark_lr"), ok.stderr


def test_a_yaml_syntax_error_names_where_the_broken_construct_started(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\ndata:\n  folds: [1, 2\n  seed: 3\nmodel: {type: spark-als}\n")
    _one_line_error(_cli("validate", str(path)), f"{path}:4:7: YAML syntax error",
                    "(while parsing a flow sequence started at line 3, column 10)")


def test_validate_checks_the_rating_columns_against_a_gzipped_header_with_did_you_mean(tmp_path):
    import gzip

    ratings = tmp_path / "ratings_export.csv.gz"
    with gzip.open(ratings, "wt") as fh:
        fh.write("user_id,movie_id,stars\n1,2,4.0\n")
    base = ["validate", "experiments/als.yaml", "--set", f"data.path={ratings}"]
    _one_line_error(_cli(*base, "--set", "data.columns={user: userId, item: movie_id, rating: stars}"),
                    "experiments/als.yaml: data.columns.user 'userId' is not a column of", str(ratings),
                    "(did you mean 'user_id'?)")
    _one_line_error(_cli(*base, "--set", "data.columns={user: user_id, item: movie_id, rating: rating}"),
                    "data.columns.rating 'rating' is not a column", "columns: user_id, movie_id, stars")
    ok = _cli(*base, "--set", "data.columns={user: user_id, item: movie_id, rating: stars}")
    assert ok.returncode == 0 and ok.stdout.startswith("ok: als"), ok.stdout + ok.stderr


def test_validate_reads_the_first_part_file_of_a_folder_and_fails_a_folder_without_data(tmp_path):
    parts = tmp_path / "table"
    parts.mkdir()
    (parts / "_SUCCESS").write_text("")
    for k in range(2):
        (parts / f"part-0000{k}.csv").write_text("customerID,tenure,Churn\nA,1,No\n")
    base = ["validate", "experiments/churn_spark_lr.yaml", "--set", "data.format=csv", "--set", f"data.path={parts}"]
    _one_line_error(_cli(*base, "--set", "data.label=churn"), "data.label 'churn' is not a column of",
                    "its file part-00000.csv", "(did you mean 'Churn'?)")
    assert _cli(*base, "--set", "data.label=Churn").returncode == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "_SUCCESS").write_text("")
    _one_line_error(_cli("validate", "experiments/churn_spark_lr.yaml", "--set", f"data.path={empty}",
                         "--set", "data.format=csv", "--set", "data.label=Churn"),
                    "experiments/churn_spark_lr.yaml: data.path", "is a folder with no data file")
    _one_line_error(_cli("validate", "experiments/als.yaml", "--set", f"data.path={empty}"),
                    "experiments/als.yaml: data.path", "is a folder with no data file")


def test_a_fixed_dashboard_port_that_is_taken_is_one_line_before_anything_starts(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _cli("run", "experiments/quickstart.yaml", "--set", f"ray.dashboard_port={port}",
                    "--set", f"output.dir={tmp_path / 'runs'}")
    _one_line_error(proc, f"ray.dashboard_port {port} is taken on this machine",
                    "leave ray.dashboard_port unset for a free port")
    assert not (tmp_path / "runs").exists()  # no run directory, no MLflow store, no Ray


def test_validate_checks_the_rating_columns_against_a_parquet_folders_schema(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "t" / "year=2020").mkdir(parents=True)
    pq.write_table(pa.table({"uid": [1], "iid": [2], "score": [4.0]}), tmp_path / "t" / "year=2020" / "part-0.parquet")
    base = ["validate", "experiments/als.yaml", "--set", f"data.path={tmp_path / 't'}"]
    _one_line_error(_cli(*base, "--set", "data.columns={user: uid, item: iid, rating: scor}"),
                    "data.columns.rating 'scor' is not a column", "(did you mean 'score'?)")
    assert _cli(*base, "--set", "data.columns={user: uid, item: year, rating: score}").returncode == 0  # partition
