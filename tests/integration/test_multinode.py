"""A real two-node Ray cluster on this machine (`ray start --head` + `ray start --address`), and tuner joining it.

Both nodes share one --temp-dir that is unique to this module, and teardown kills exactly the processes whose
command line names it (and their children): `ray stop` would kill every Ray on the machine.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest
import yaml

from tests.integration.conftest import ROOT, run_cli, run_dirs

pytestmark = [pytest.mark.cluster, pytest.mark.spark]

NODE_CPUS = 2
NODE_MEMORY = 4 * 2**30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_pids(marker: str) -> set[int]:
    """Processes whose command line contains ``marker`` (the temp dir), with all their descendants."""
    me = psutil.Process()
    spared = {me.pid, *(p.pid for p in me.parents())}
    found = set()
    for p in psutil.process_iter(["pid", "cmdline"]):
        try:
            if p.pid not in spared and marker in " ".join(p.info["cmdline"] or []):
                found.add(p.pid)
                found.update(c.pid for c in p.children(recursive=True))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def kill_cluster(marker: str) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        pids = cluster_pids(marker)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while cluster_pids(marker) and time.monotonic() < deadline:
            time.sleep(0.5)
    assert not cluster_pids(marker), "two-node cluster processes survived teardown"


@pytest.fixture(scope="module")
def two_nodes():
    """Head + worker, 2 CPUs and 4 GiB of Ray memory each, loopback only. Yields (gcs address, dashboard url)."""
    temp_dir = tempfile.mkdtemp(prefix="tnr-", dir="/tmp")
    ray_bin = str(Path(sys.executable).with_name("ray"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token"}  # every node of a token cluster needs it
    env.pop("RAY_ADDRESS", None)
    port, dash = free_port(), free_port()
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", str(NODE_CPUS), "--memory", str(NODE_MEMORY),
              "--object-store-memory", str(200 * 2**20), "--temp-dir", temp_dir, "--disable-usage-stats"]
    try:
        subprocess.run([ray_bin, "start", "--head", "--port", str(port), "--dashboard-host", "127.0.0.1",
                        "--dashboard-port", str(dash), "--ray-client-server-port", str(free_port()),
                        "--dashboard-agent-listen-port", str(free_port()), "--include-dashboard", "true", *common],
                       env=env, check=True, capture_output=True, text=True, timeout=180)
        subprocess.run([ray_bin, "start", "--address", f"127.0.0.1:{port}",
                        "--dashboard-agent-listen-port", str(free_port()), *common],
                       env=env, check=True, capture_output=True, text=True, timeout=180)
        yield f"127.0.0.1:{port}", f"http://127.0.0.1:{dash}"
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"ray start failed: {exc.stdout}\n{exc.stderr}")
    finally:
        kill_cluster(temp_dir)
        shutil.rmtree(temp_dir, ignore_errors=True)


def experiment(tmp_path, shared: bool, name: str = "twonode") -> Path:
    cfg = {
        "name": name,
        "data": {"format": "synthetic", "synthetic": {"ratings": 4000, "users": 120, "items": 60, "partitions": 4},
                 "folds": 2, "test_fraction": 0.2, "seed": 1},
        "model": {"type": "spark-als", "params": {"maxIter": 3, "regParam": 0.1,
                                                  "rank": {"type": "int", "low": 2, "high": 4}}},
        "search": {"num_samples": 2, "seed": 0},
        "scheduler": {"type": "fifo"},
        # One 2-core executor per 2-CPU node: the second executor can only go to the other node.
        "spark": {"executors": 2, "executor_cores": 2, "executor_memory": "512m", "driver_memory": "512m"},
        "trial": {"timeout_s": 300},
        "output": {"dir": str(tmp_path / "runs"), "shared_storage": shared, "plots": False},
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_a_local_run_directory_on_two_nodes_is_an_error_before_any_trial(two_nodes, tmp_path):
    gcs, _ = two_nodes
    t0 = time.monotonic()
    proc = run_cli("run", str(experiment(tmp_path, shared=False)), "--address", gcs, cwd=ROOT, timeout=300)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "the Ray cluster has 2 nodes" in proc.stderr and "output.shared_storage: true" in proc.stderr
    (run_dir,) = run_dirs(tmp_path / "runs")
    assert not (run_dir / "tune").exists()  # no trial started
    assert time.monotonic() - t0 < 120  # no JVM was started


def test_too_big_executors_name_what_is_missing(two_nodes, tmp_path):
    gcs, _ = two_nodes
    proc = run_cli("run", str(experiment(tmp_path, shared=True)), "--address", gcs,
                   "--set", "spark.executors=3", cwd=ROOT, timeout=300)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "3 Spark executor(s) need 2 CPU" in proc.stderr and "only 2 fit" in proc.stderr, proc.stderr


def test_run_on_two_nodes_with_executors_on_both_seen_in_the_dashboard(two_nodes, tmp_path):
    from tuner.cluster.dashboard import list_actors

    gcs, dashboard = two_nodes
    cfg = experiment(tmp_path, shared=True)
    exe = Path(sys.executable).with_name("tuner")
    log = (tmp_path / "out.txt").open("w")
    proc = subprocess.Popen([str(exe), "run", str(cfg), "--address", gcs], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, text=True)
    service, executor_nodes, trial_classes = None, set(), set()
    try:
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            alive = list_actors(dashboard)
            service = service or next((a for a in alive if a.get("name") == "tuner-spark:twonode"), None)
            executor_nodes |= {a["node_id"] for a in alive if "Executor" in a.get("class_name", "")}
            trial_classes |= {a["class_name"] for a in alive if a.get("class_name", "").startswith("tuner-trial")}
            time.sleep(3)
        proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    out = (tmp_path / "out.txt").read_text()

    assert proc.returncode == 0, out
    assert "Traceback" not in out
    assert service is not None, "the Spark service actor never showed up in the dashboard's actor list"
    assert service["state"] == "ALIVE" and service["class_name"].endswith("SparkService")
    assert len(executor_nodes) == 2, f"executors ran on {executor_nodes}"
    assert trial_classes == {"tuner-trial:twonode"}, "trials should show under the experiment's name"
    (run_dir,) = run_dirs(tmp_path / "runs")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["trials"]["completed"] == 2
    assert Path(summary["model_path"]).is_dir()


@pytest.mark.slow  # a second full run on the two-node cluster (~5 min here); `pytest -m slow` runs it
def test_submit_runs_the_experiment_as_a_ray_job(two_nodes, tmp_path):
    from tuner.cluster.dashboard import get_json

    _, dashboard = two_nodes
    cfg = experiment(tmp_path, shared=True, name="submitted")

    proc = run_cli("submit", str(cfg), "--address", dashboard, "--wait", cwd=ROOT, timeout=900)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "SUCCEEDED" in proc.stdout and "Test RMSE:" in proc.stdout
    jobs = get_json(dashboard, "/api/jobs/")
    (job,) = [j for j in jobs if (j.get("submission_id") or "").startswith("tuner-submitted-")]
    assert job["status"] == "SUCCEEDED" and job["metadata"]["experiment"] == "submitted"
    (run_dir,) = run_dirs(tmp_path / "runs")
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "completed"
