import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
# Every process a CLI run starts (raylet, GCS, workers, JVMs) inherits this variable, so a leak check finds
# exactly the processes of this test session's runs, whatever else runs on the machine.
MARK = "TUNER_TEST_RUN_MARK"
MARK_VALUE = uuid.uuid4().hex


def marked_processes() -> dict[int, str]:
    """Live processes started by this session's CLI runs (found by the inherited environment mark)."""
    found = {}
    for p in psutil.process_iter(["pid", "cmdline"]):
        try:
            if p.pid != os.getpid() and p.environ().get(MARK) == MARK_VALUE and p.status() != psutil.STATUS_ZOMBIE:
                found[p.pid] = " ".join(p.info["cmdline"] or [])[:150]
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def run_dirs(output_dir: Path) -> list[Path]:
    """The run directories under ``output.dir`` (beside them: the default MLflow store, mlflow.db and mlartifacts/)."""
    return sorted(p for p in output_dir.iterdir() if (p / "experiment.yaml").is_file())


def trial_results(run_dir: Path) -> dict[str, list[dict]]:
    """Every reported result of each trial of a run, from Tune's ``tune/*/result.json``, by trial id."""
    results = {}
    for path in run_dir.glob("tune/*/result.json"):
        lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
        results[lines[-1]["trial_id"]] = lines
    return results


def cli_env() -> dict[str, str]:
    return {**os.environ, MARK: MARK_VALUE}


def run_cli(*args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """The real console script, as a user types it."""
    exe = Path(sys.executable).with_name("tuner")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=cli_env())


@pytest.fixture
def no_leaks():
    """Asserts the test's CLI runs left no raylet, GCS, worker or JVM behind."""
    yield
    import time

    deadline = time.monotonic() + 30
    while (left := marked_processes()) and time.monotonic() < deadline:
        time.sleep(1)
    assert not left, f"processes left behind: {left}"
