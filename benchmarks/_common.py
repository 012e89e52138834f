"""Helpers shared by the benchmark scripts (driver side only: nothing here is sent to the Spark service).

Functions that run inside the service are defined in each script itself: a script runs as ``__main__``, so Ray
pickles them by value and the service actor needs no import path for ``benchmarks/``.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import uuid
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

# Every process this benchmark starts (raylet, GCS, workers, JVMs) inherits this variable, so memory sampling
# and the leak check find exactly ours on a machine shared with other Ray/Spark users.
MARK = "TUNER_BENCH_MARK"
os.environ.setdefault(MARK, uuid.uuid4().hex)

# The same Spark cluster shape everywhere: 1 executor x 2 cores (the whole 2-core machine), as DESIGN.md.
SPARK = {"executors": 1, "executor_cores": 2, "executor_memory": "3g", "driver_memory": "2g"}
RAY = {"dashboard_port": 0, "object_store_memory_mb": 500}


def synthetic_block(ratings: int, users: int | None = None, items: int | None = None, folds: int = 3,
                    partitions: int = 8) -> dict:
    """``data:`` for synthetic ratings; by default shaped like MovieLens 1M (6,000 users x 4,000 items at 1M
    ratings, both scaled by sqrt(ratings / 1M) so the density stays 4%)."""
    scale = (ratings / 1e6) ** 0.5
    return {"format": "synthetic", "folds": folds,
            "synthetic": {"ratings": ratings, "users": users or max(int(6000 * scale), 10),
                          "items": items or max(int(4000 * scale), 10), "partitions": partitions}}


def ours(proc: psutil.Process) -> bool:
    try:
        return proc.environ().get(MARK) == os.environ[MARK]
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def our_processes() -> list[psutil.Process]:
    """Live processes this benchmark started (found by the inherited environment mark), not itself."""
    found = []
    for p in psutil.process_iter(["pid", "name"]):
        if p.pid != os.getpid() and ours(p):
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    found.append(p)
            except psutil.NoSuchProcess:
                pass
    return found


def check_no_leaks(timeout: float = 30.0) -> list[str]:
    """Wait up to ``timeout`` for our Ray/Java processes to end; return what is still alive (should be [])."""
    deadline = time.monotonic() + timeout
    while (left := our_processes()) and time.monotonic() < deadline:
        time.sleep(1)
    return [f"{p.pid} {p.info.get('name')}" for p in left]


class MemorySampler:
    """Samples RSS in a thread: this Python driver, one extra Python process, and our Java processes.

    Peaks are kept per phase; call :meth:`phase` to start a new one and read :meth:`peaks` at its end.
    """

    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._driver = psutil.Process()
        self.watch_pid: int | None = None  # e.g. the Spark service actor (its child JVM is the Spark driver)
        self._reset()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _reset(self):
        self._peak = {"driver_python": 0, "service_python": 0, "spark_driver_jvm": 0, "other_jvms": 0,
                      "all_jvms": 0}
        self._java_pids: set[int] = set()

    def phase(self, watch_pid: int | None = None) -> None:
        with self._lock:
            self.watch_pid = watch_pid
            self._reset()

    def peaks(self) -> dict:
        """Peak RSS in MiB per role since the phase began (``all_jvms`` is the peak of their sum)."""
        with self._lock:
            return {k: round(v / 2**20, 1) for k, v in self._peak.items()} | {"java_processes": len(self._java_pids)}

    def _run(self):
        while not self._stop.is_set():
            try:
                self._sample()
            except Exception:  # noqa: BLE001 - processes come and go between listing and reading
                pass
            self._stop.wait(self.interval)

    def _sample(self):
        driver = self._driver.memory_info().rss
        service = spark_driver = other = 0
        watch = self.watch_pid
        spark_children = set()
        if watch:
            try:
                wp = psutil.Process(watch)
                service = wp.memory_info().rss
                spark_children = {c.pid for c in wp.children(recursive=True)}
            except psutil.NoSuchProcess:
                pass
        pids = set()
        for p in self._driver.children(recursive=True):
            try:
                if p.name() != "java":
                    continue
                rss = p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            pids.add(p.pid)
            if p.pid in spark_children:
                spark_driver += rss
            else:
                other += rss
        with self._lock:
            self._java_pids |= pids
            for k, v in (("driver_python", driver), ("service_python", service), ("spark_driver_jvm", spark_driver),
                         ("other_jvms", other), ("all_jvms", spark_driver + other)):
                self._peak[k] = max(self._peak[k], v)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def provenance() -> dict:
    """Where a measurement came from: the commit, the date, the load average (the machine may be shared)."""
    import datetime
    import os
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent).stdout.strip()
    return {"commit": commit or None, "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "loadavg": [round(x, 2) for x in os.getloadavg()]}


def append_json_entries(path: Path, new: list[dict], old: list[dict]) -> list[dict]:
    """Write ``old + new`` as the JSON list at ``path`` (results files that grow run by run); returns it."""
    entries = old + new
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, indent=2) + "\n")
    return entries


def write_json(obj: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def ratio_bars(labels: list[str], values: list[float], colors, ylabel: str, title: str, path: Path) -> None:
    """A bar per ratio with its value written on top and a dashed line at 1.0 (no change), saved to ``path``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.bar(labels, values, color=colors)
    ax.axhline(1.0, ls="--", c="grey", lw=1)
    for i, v in enumerate(values):
        ax.text(i, v, f"{v:.2f}", ha="center", va="bottom")
    ax.set(ylabel=ylabel, title=title)
    save_figure(fig, path)


def save_figure(fig, path: Path) -> None:
    """Lay out, write a PNG at 100 dpi, and free the figure."""
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    fig.clf()
    pyplot().close(fig)
