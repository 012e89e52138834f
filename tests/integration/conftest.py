import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
TRACKED = ("raylet", "gcs_server", "java")


def cluster_processes() -> dict[int, str]:
    """Ray/Java processes on this machine that are not part of the pytest process tree."""
    mine = {p.pid for p in psutil.Process(os.getpid()).children(recursive=True)} | {os.getpid()}
    found = {}
    for p in psutil.process_iter(["pid", "name", "cmdline"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [])
            if p.info["pid"] not in mine and any(t in (p.info["name"] or "") or t in cmd.split(" ")[0] for t in TRACKED):
                found[p.info["pid"]] = cmd[:150]
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def run_cli(*args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """The real console script, as a user types it."""
    exe = Path(sys.executable).with_name("tuner")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def no_leaks():
    """Asserts the test left no raylet, GCS or JVM behind."""
    before = set(cluster_processes())
    yield
    import time

    deadline = time.monotonic() + 30
    while True:
        left = {p: c for p, c in cluster_processes().items() if p not in before}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert not left, f"processes left behind: {left}"
