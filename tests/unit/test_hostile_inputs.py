"""Files a hostile (or unlucky) user hands tuner: none runs code, none leaves a half-written result, and every
subcommand answers each with one `error:` line and exit code 2 (or a correct result). No JVM, no Ray.

Crafted skops and pickled Tune state, YAML bombs, a full disk (a real 64 KiB tmpfs when this process may mount
one; an injected ENOSPC otherwise), a lock held by another process, concurrent run-directory creation, symlinks,
credentials in URIs, corrupt exports.
"""

from __future__ import annotations

import errno
import json
import multiprocessing as mp
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.serve_export import write_export
from tuner.cli import main

ROOT = Path(__file__).resolve().parents[2]
TUNER = str(Path(sys.executable).with_name("tuner"))
QUICKSTART = ROOT / "experiments" / "quickstart.yaml"


def _cli(*args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([TUNER, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def _one_line(out: str, *needles: str) -> str:
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out[:2000]
    assert "Traceback" not in out and len(lines[0]) < 2100, lines[0][:300]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _main_error(capsys, *argv: str, needles=()) -> str:
    """``tuner ARGV`` through the real entry point in this process: exit 2 and one `error:` line."""
    code = main(list(argv))
    captured = capsys.readouterr()
    assert code == 2, (code, captured.out, captured.err)
    return _one_line(captured.err, *needles)


def _run_dir(tmp_path: Path, *overrides: str) -> Path:
    from tuner.config import load_experiment
    from tuner.outputs import new_run_dir

    exp = load_experiment(QUICKSTART, [f"output.dir={tmp_path / 'runs'}", "ray.dashboard_port=0", *overrides])
    return new_run_dir(exp)


# ---- 1. a crafted skops file runs nothing ----------------------------------------------------------------------

def _evil_skops(file: Path, marker: Path) -> None:
    """A skops file whose schema calls builtins.exec(<code>) through skops' ConstructorFromReduceNode."""
    code = {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "is_json": True, "__id__": 2,
            "content": json.dumps(f"open({str(marker)!r}, 'w').write('ran')")}
    schema = {"__class__": "exec", "__module__": "builtins", "__loader__": "ConstructorFromReduceNode", "__id__": 0,
              "content": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
                          "content": [code], "__id__": 1},
              "protocol": 2, "_skops_version": "0.16.0"}
    with zipfile.ZipFile(file, "w") as z:
        z.writestr("schema.json", json.dumps(schema))


def test_a_crafted_skops_model_is_refused_by_predict_before_it_runs_code(tmp_path, capsys):
    model = tmp_path / "model"
    (model / "sklearn").mkdir(parents=True)
    marker = tmp_path / "ran"
    _evil_skops(model / "sklearn" / "model.skops", marker)
    (model / "model_card.json").write_text(json.dumps({
        "model_type": "sklearn", "path": str(model / "sklearn"),
        "input_columns": {"numeric": ["a"], "categorical": []}}))
    rows = tmp_path / "rows.csv"
    rows.write_text("a\n1\n")
    _main_error(capsys, "predict", str(model), "--input", str(rows), "--out", str(tmp_path / "p.csv"),
                needles=["builtins.exec", "does not trust"])
    assert not marker.exists()
    assert not (tmp_path / "p.csv").exists()


def test_the_trust_list_is_exact_names_and_loads_what_the_shipped_estimators_write(tmp_path):
    import pandas as pd
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    from tuner.models.sklearn_model import make_pipeline
    from tuner.serve.trust import SKOPS_TRUSTED, load_skops_file

    assert not any(t.endswith(".") or t.startswith("builtins.") for t in SKOPS_TRUSTED)
    X = pd.DataFrame({"a": np.arange(40.0), "c": pd.Series(["x", "y"] * 20, dtype=object)})
    y = np.arange(40) % 2
    for est in (RandomForestClassifier(n_estimators=3), HistGradientBoostingClassifier(max_iter=3)):
        file = tmp_path / f"{type(est).__name__}.skops"
        sio.dump(make_pipeline(["a"], ["c"], est).fit(X, y), file)
        assert np.allclose(load_skops_file(file).predict_proba(X), sio.load(file, trusted=sio.get_untrusted_types(
            file=file)).predict_proba(X))


# ---- 2. status reads no pickle; resume refuses a folder it did not write or that another user owns -------------

class _Payload:
    def __init__(self, target: Path):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (str(self.target),))


def _tune_state(run: Path, payload_target: Path) -> None:
    """A Tune experiment state whose one trial finished 3 folds, with a pickled payload in a fallback field."""
    tune = run / "tune"
    tune.mkdir()
    evil = {"_type": "CLOUDPICKLE_FALLBACK", "value": pickle.dumps(_Payload(payload_target)).hex()}
    state = {"trainable_name": "trial", "trial_id": "a1b2c3d4", "status": "TERMINATED", "storage": evil,
             "config": {"rank": 8, "regParam": 0.05}, "relative_logdir": "trial_a1b2c3d4"}
    meta = {"last_result": {"rmse": 0.91, "rmse_fold0": 0.9, "folds_done": 3, "time_total_s": 4.0},
            "error_filename": None}
    doc = {"trial_data": [[json.dumps(state), json.dumps(meta)]], "runner_data": {}, "stats": {}}
    (tune / "experiment_state-2026-12-07_10-00-00.json").write_text(json.dumps(doc))


def test_status_reads_tune_state_as_json_and_unpickles_nothing(tmp_path, capsys):
    run = _run_dir(tmp_path)
    target = tmp_path / "pickle-ran"
    _tune_state(run, target)
    assert main(["status", str(run)]) == 0
    out = capsys.readouterr().out
    assert not target.exists()
    assert "1 completed" in out and "best rmse 0.9100" in out, out


def test_status_of_a_truncated_summary_or_state_is_one_line(tmp_path, capsys):
    run = _run_dir(tmp_path)
    _tune_state(run, tmp_path / "unused")
    state = next((run / "tune").glob("experiment_state-*.json"))
    state.write_text(state.read_text()[:100])
    _main_error(capsys, "status", str(run), needles=["experiment_state", "not a readable Ray Tune"])
    (run / "summary.json").write_text('{"status": "comp')
    _main_error(capsys, "status", str(run), needles=["summary.json", "not readable JSON"])


def test_resume_refuses_a_run_directory_tuner_did_not_write(tmp_path):
    run = _run_dir(tmp_path, "spark.executors=1000")  # were it resumed, the cluster check would stop it
    _tune_state(run, tmp_path / "unused")
    (run / ".tuner-run").unlink()
    _one_line(_cli("resume", str(run)).stderr, "not written by tuner", "pickled")


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
def test_resume_refuses_tune_state_another_user_owns(tmp_path):
    from tuner.outputs import check_resumable
    from tuner.errors import UserError

    run = _run_dir(tmp_path)
    _tune_state(run, tmp_path / "unused")
    check_resumable(run)  # tuner's own folder passes
    state = next((run / "tune").glob("experiment_state-*.json"))
    os.chown(state, 4242, 4242)
    with pytest.raises(UserError, match="belongs to uid 4242"):
        check_resumable(run)


# ---- 5. one process per run directory ---------------------------------------------------------------------------

def test_a_second_resume_is_refused_while_another_process_holds_the_run_directory(tmp_path):
    run = _run_dir(tmp_path, "spark.executors=1000")
    _tune_state(run, tmp_path / "unused")
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from tuner.safe_io import FolderLock; "
                               f"lock = FolderLock({str(run)!r}); print('held', flush=True); sys.stdin.read()"],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        _one_line(_cli("resume", str(run)).stderr, f"in use by process {holder.pid}")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    from tuner.safe_io import FolderLock

    with FolderLock(run):  # released when its holder ended: free again
        pass


# ---- 6. two runs started in the same second ---------------------------------------------------------------------

def _make_run_dirs(args) -> list[str]:
    base, barrier, rounds = args
    from tuner.config import load_experiment
    from tuner.outputs import new_run_dir

    exps = [load_experiment(QUICKSTART, [f"output.dir={base}/round{r}"]) for r in range(rounds)]
    made = []
    for exp in exps:  # a fresh parent each round: every process looks for the first free name at once
        try:
            barrier.wait(timeout=60)
            made.append(str(new_run_dir(exp)))
        except Exception as exc:  # noqa: BLE001 - reported, and the barrier broken so no sibling waits forever
            barrier.abort()
            made.append(f"{type(exc).__name__}: {exc}")
    return made


def test_concurrent_runs_get_distinct_run_directories(tmp_path):
    procs, rounds = 6, 12
    with mp.get_context("spawn").Manager() as manager:
        barrier = manager.Barrier(procs)
        with mp.get_context("spawn").Pool(procs) as pool:
            made = [p for batch in pool.map(_make_run_dirs, [(str(tmp_path), barrier, rounds)] * procs) for p in batch]
    assert not [m for m in made if not m.startswith("/")], made
    assert len(set(made)) == procs * rounds
    assert all((Path(p) / "experiment.yaml").is_file() for p in made)


# ---- 3. YAML bombs, depth, size --------------------------------------------------------------------------------

def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + f"\nname: *a{levels - 1}\n"


@pytest.mark.parametrize("text, needle", [
    (_bomb(), "once its aliases are expanded"),
    ("name: x\ndata: " + "[" * 1000 + "]" * 1000 + "\n", "nests deeper than 64"),
    ("name: x\ndata: " + "[" * 200_000 + "]" * 200_000 + "\n", "nests deeper than 64"),
    ("name: x\nlist:\n" + "- 1\n" * 400_000, "larger than 1048576 bytes"),
    ("name: x\nlist: [" + "1," * 200_000 + "1]\n", "more than 100000 values"),
    ("a: &a [*a]\n", "refers to the collection it is in"),
], ids=["alias-bomb", "deep-1000", "deep-200k", "1.6MB", "200k-list", "recursive-alias"])
def test_yaml_bombs_depth_and_size_are_one_line_at_once(tmp_path, text, needle):
    f = tmp_path / "x.yaml"
    f.write_text(text)
    proc = _cli("validate", str(f), timeout=60)  # a hang fails the test here, not the machine
    assert proc.returncode == 2
    _one_line(proc.stderr, str(f), needle)


def test_a_huge_value_is_shortened_in_the_message(tmp_path, capsys):
    f = tmp_path / "x.yaml"
    f.write_text("name: " + "x" * 300_000 + "!\n")
    line = _main_error(capsys, "validate", str(f), needles=["more characters"])
    assert len(line) < 600


# ---- 4. nothing half-written: a full disk ------------------------------------------------------------------------

@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs, unmounted afterwards; skipped where this process may not mount (not root)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root); test_summary_survives_an_injected_enospc covers it")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_summary_on_a_full_disk_keeps_the_good_one(tiny_disk):
    from tuner.outputs.summary import write_summary

    path = tiny_disk / "summary.json"
    write_summary({"status": "completed", "best_cv_metric": 0.87}, path)
    good = path.read_bytes()
    with pytest.raises(OSError) as info:
        write_summary({"status": "completed", "notes": "x" * 200_000}, path)
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == good
    assert [p.name for p in tiny_disk.iterdir()] == ["summary.json"]  # no temporary file left behind


def test_summary_survives_an_injected_enospc(tmp_path, monkeypatch):
    from tuner.outputs.summary import write_summary

    path = tmp_path / "summary.json"
    write_summary({"status": "completed"}, path)
    good = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)  # the data never reached the disk
    with pytest.raises(OSError):
        write_summary({"status": "failed"}, path)
    assert path.read_bytes() == good and [p.name for p in tmp_path.iterdir()] == ["summary.json"]


@pytest.fixture(scope="module")
def als(tmp_path_factory):
    rng = np.random.default_rng(0)
    return write_export(tmp_path_factory.mktemp("als"), np.arange(1, 11), np.arange(50, 70),
                        rng.normal(size=(10, 4)).astype(np.float32), rng.normal(size=(20, 4)).astype(np.float32),
                        {1: [50]}, [(50, 3), (51, 2)])


def test_predict_to_a_full_disk_is_one_line_and_leaves_no_file(als, tiny_disk, tmp_path, capsys):
    rows = tmp_path / "pairs.csv"
    rows.write_text("user,item\n" + "1,50\n" * 20_000)
    _main_error(capsys, "predict", str(als), "--input", str(rows), "--out", str(tiny_disk / "out.csv"),
                needles=["cannot write", "No space left"])
    assert list(tiny_disk.iterdir()) == []


def test_export_to_a_full_disk_leaves_nothing_and_can_be_retried(tiny_disk, tmp_path, capsys):
    run = tmp_path / "run"
    (run / "model" / "spark-als").mkdir(parents=True)
    (run / "model" / "spark-als" / "blob").write_bytes(os.urandom(200_000))
    (run / "model" / "model_card.json").write_text(json.dumps({"model_type": "spark-als", "path": "x/spark-als"}))
    _main_error(capsys, "export", str(run), "--out", str(tiny_disk / "m"), needles=["No space left"])
    assert list(tiny_disk.iterdir()) == []
    (run / "model" / "spark-als" / "blob").write_bytes(b"small")
    assert main(["export", str(run), "--out", str(tiny_disk / "m")]) == 0
    assert (tiny_disk / "m" / "spark-als" / "blob").read_bytes() == b"small"


# ---- 8. export copies only the model's own files -----------------------------------------------------------------

def test_export_refuses_a_symlink_out_of_the_model_folder(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    run = tmp_path / "run"
    (run / "model" / "spark-als").mkdir(parents=True)
    (run / "model" / "model_card.json").write_text(json.dumps({"model_type": "spark-als", "path": "x/spark-als"}))
    (run / "model" / "spark-als" / "notes").symlink_to(secret)
    _main_error(capsys, "export", str(run), "--out", str(tmp_path / "out"), needles=["symbolic link", "outside"])
    assert not (tmp_path / "out").exists()


# ---- 7. credentials ---------------------------------------------------------------------------------------------

def test_a_password_in_tracking_uri_is_refused_and_never_shown(capsys):
    line = _main_error(capsys, "validate", str(QUICKSTART), "--set", "tracking.uri=https://bob:hunter2@mlflow:5000",
                       needles=["tracking.uri", "MLFLOW_TRACKING_PASSWORD"])
    assert "hunter2" not in line and "bob:***@mlflow" in line


def test_an_environment_tracking_uri_is_masked_where_written_and_restored_for_use(tmp_path, monkeypatch):
    from tuner.tracking._store import read_run_file, unmask_uri, write_run_file
    from tuner.tracking._worker import Worker

    uri = "https://bob:hunter2@mlflow.example.com/?token=abc123"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    write_run_file(tmp_path, tracking_uri=uri, experiment="e", run_id="r")
    saved = read_run_file(tmp_path)["tracking_uri"]
    assert "hunter2" not in (tmp_path / "mlflow_run.json").read_text() and "abc123" not in saved
    assert unmask_uri(saved) == uri  # a resumed run logs to the real server again
    lines = []
    worker = Worker(uri, warn=lines.append)
    worker.submit(lambda: (_ for _ in ()).throw(ConnectionError(f"cannot reach {uri}")))
    worker.drain(10)
    assert lines and not any("hunter2" in ln or "abc123" in ln for ln in lines), lines


def test_the_cluster_token_over_plain_http_to_another_host_warns():
    from tuner.cluster.dashboard import plain_http_warning

    assert "plain http" in plain_http_warning("http://10.0.0.7:8265")
    assert plain_http_warning("https://head:8265") is None
    assert plain_http_warning("http://127.0.0.1:8265") is None


# ---- 9 + 10. exports and inputs that used to give a traceback or a quiet wrong answer ----------------------------

def _export(tmp_path: Path, name: str, items=np.arange(50, 70), V=None, U_rank=4) -> Path:
    rng = np.random.default_rng(1)
    V = rng.normal(size=(len(items), 4)).astype(np.float32) if V is None else V
    return write_export(tmp_path / name, np.arange(1, 11), items, rng.normal(size=(10, U_rank)).astype(np.float32),
                        V, {1: [50]}, [(50, 3), (51, 2)])


def _corrupt(folder: Path) -> None:
    for f in folder.glob("*.parquet") if folder.is_dir() else [folder]:
        f.write_bytes(b"not parquet")


CASES = {
    "corrupt-seen": (lambda m: _corrupt(m / "seen"), ["recommend", "{m}", "--user", "1"], "seen"),
    "corrupt-popular": (lambda m: _corrupt(m / "popular.parquet"),
                        ["recommend", "{m}", "--user", "999", "--fallback", "popular"], "popular.parquet"),
    "corrupt-factors": (lambda m: _corrupt(m / "spark-als" / "itemFactors"), ["recommend", "{m}", "--user", "1"],
                        "itemFactors"),
    "card-a-list": (lambda m: (m / "model_card.json").write_text("[1, 2]"), ["recommend", "{m}", "--user", "1"],
                    "not a JSON object"),
    "card-path-a-number": (lambda m: (m / "model_card.json").write_text('{"model_type": "spark-als", "path": 5}'),
                           ["recommend", "{m}", "--user", "1"], "'path' must be a string"),
    "two-user-columns": (lambda m: (m.parent / f"{m.name}.csv").write_text("user,user,item\n1,1,50\n"),
                         ["predict", "{m}", "--input", "{m}.csv", "--out", "{m}.out.csv"], "appears 2 times"),
    "prediction-column": (lambda m: (m.parent / f"{m.name}.csv").write_text("user,item,prediction\n1,50,3\n"),
                          ["predict", "{m}", "--input", "{m}.csv", "--out", "{m}.out.csv"], "already has a column"),
    "out-a-folder": (lambda m: ((m.parent / f"{m.name}.csv").write_text("user,item\n1,50\n"),
                                (m.parent / "outdir").mkdir()),
                     ["predict", "{m}", "--input", "{m}.csv", "--out", "{d}/outdir"], "is a folder"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_exports_and_inputs_are_one_line(tmp_path, capsys, case):
    spoil, argv, needle = CASES[case]
    m = _export(tmp_path, case)
    spoil(m)
    _main_error(capsys, *[a.format(m=m, d=tmp_path) for a in argv], needles=[needle])


def test_rank_mismatch_duplicate_ids_and_nan_factors_are_refused_not_served(tmp_path, capsys):
    _main_error(capsys, "recommend", str(_export(tmp_path, "rank", U_rank=5)), "--user", "2", needles=["rank"])
    dup = _export(tmp_path, "dup", items=np.array([50, 50, *range(52, 70)]))
    _main_error(capsys, "recommend", str(dup), "--user", "2", needles=["more than once", "50"])
    V = np.random.default_rng(2).normal(size=(20, 4)).astype(np.float32)
    V[3] = np.nan
    _main_error(capsys, "recommend", str(_export(tmp_path, "nan", V=V)), "--user", "2", needles=["NaN", "53"])


@pytest.mark.parametrize("override, needle", [
    ("search.num_samples=1000000000000000000000000", "search.num_samples must be at most 1000000, got 1000000"),
    ("spark.executor_memory=0g", "spark.executor_memory must be a JVM memory size of at least 128m"),
    ("spark.driver_memory=100m", "spark.driver_memory must be a JVM memory size"),
    ("trial.timeout_s=1e-300", "trial.timeout_s must be a number >= 1"),
    ("search.time_budget_s=1e300", "search.time_budget_s must be a number >= 1 and <= 31622400"),
    ("data.csv_separator=ab", "data.csv_separator must be one character"),
    ("data.csv_separator=''", "data.csv_separator must be one character"),
    ("data.path=/dev/zero", "data.path /dev/zero is not a regular file or folder"),
])
def test_absurd_values_are_config_errors(capsys, override, needle):
    more = ["--set", "data.format=auto"] if override.startswith("data.path") else []
    _main_error(capsys, "validate", str(QUICKSTART), "--set", override, *more, needles=[needle])


def test_a_data_file_with_an_unknown_first_line_is_echoed_short(tmp_path, capsys):
    data = tmp_path / "ratings.txt"
    data.write_text("secret-token-" + "z" * 70_000 + "\n1,2,3\n")
    line = _main_error(capsys, "validate", str(QUICKSTART), "--set", f"data.path={data}", "--set", "data.format=auto",
                       needles=["fits no format", "more characters"])
    assert len(line) < 700


def test_leaderboard_cells_cannot_start_a_formula(tmp_path):
    import csv

    from tuner.outputs.leaderboard import TrialRow, write_leaderboard

    rows = [TrialRow("t1", "failed", {"solver": "=HYPERLINK(\"http://x\")"}, {"rmse": -0.5}, {}, 0, 1.0,
                     error="@SUM(A1)"), TrialRow("t2", "completed", {"solver": "-1e-3"}, {"rmse": 0.9}, {}, 3, 2.0)]
    path = tmp_path / "leaderboard.csv"
    write_leaderboard(rows, path, ["solver"], ("rmse",), 3)
    got = list(csv.DictReader(path.open()))
    assert got[0]["solver"] == "'=HYPERLINK(\"http://x\")" and got[0]["error"] == "'@SUM(A1)"
    assert got[0]["cv_rmse"] == "-0.5" and got[1]["solver"] == "-1e-3"  # numbers stay numbers


def test_no_temporary_file_is_left_by_a_successful_write(tmp_path):
    from tuner.safe_io import atomic_write_text

    for n in range(3):
        atomic_write_text(tmp_path / "f.json", str(n))
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"] and (tmp_path / "f.json").read_text() == "2"
