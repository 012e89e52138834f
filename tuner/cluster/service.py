"""The Spark service: one Ray actor per experiment that owns the RayDP Spark cluster and runs trial jobs in it.

Callers send module-level functions, ``fn(ctx, *args)``; the service runs each in a FAIR-scheduler pool and a
Spark job group named after the trial, so concurrent trials share the executors and a stopped trial's jobs can
be cancelled. Data prepared by one call stays cached in ``ctx.state`` for the next ones.
"""

from __future__ import annotations

import glob
import os
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import ray

from tuner.cluster.errors import InsufficientResources, SparkStartTimeout
from tuner.cluster.java import JAVA_OPTIONS, ensure_java
from tuner.cluster.local_spark import SQL_CONF
from tuner.config.schema import SparkConfig

_UNITS = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
# Executors ask Ray for their heap plus Spark's default overhead (max(384m, 10%)); rounded up a little.
_OVERHEAD = 0.15


def memory_bytes(text: str) -> int:
    """Parse a Spark memory string such as ``2g`` or ``512m`` into bytes (plain numbers are MiB, as in Spark)."""
    m = re.fullmatch(r"(\d+)([kmgtKMGT]?)", text)
    if not m:
        raise ValueError(f"not a memory size: {text!r}")
    return int(m.group(1)) * _UNITS.get(m.group(2).lower() or "m")


@dataclass
class ServiceContext:
    """What a function sent to the service receives: the live SparkSession and state kept between calls."""

    spark: Any
    state: dict = field(default_factory=dict)
    checkpoint_dir: str | None = None


def spark_configs(cfg: SparkConfig, checkpoint_dir: str | None) -> dict[str, str]:
    """The Spark configuration tuner passes to ``raydp.init_spark``: JDK 17 options everywhere, FAIR pools."""
    conf = {
        "spark.driver.extraJavaOptions": JAVA_OPTIONS,
        "spark.executor.extraJavaOptions": JAVA_OPTIONS,
        "spark.ray.raydp_app_master.extraJavaOptions": JAVA_OPTIONS,
        "spark.driver.memory": cfg.driver_memory,
        "spark.scheduler.mode": "FAIR",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(max(4, 2 * cfg.executors * cfg.executor_cores)),
        "spark.default.parallelism": str(max(4, 2 * cfg.executors * cfg.executor_cores)),
        **SQL_CONF,
        "spark.driver.host": "127.0.0.1" if os.environ.get("SPARK_LOCAL_IP") == "127.0.0.1" else "",
    }
    conf = {k: v for k, v in conf.items() if v != ""}
    conf.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in cfg.conf.items()})
    return conf


@ray.remote(num_cpus=0)
class SparkService:
    """Ray actor owning the experiment's Spark cluster. Create it with :func:`start_service`."""

    def __init__(self):
        self._ctx: ServiceContext | None = None
        self._calls: list[tuple[str, float, float]] = []  # (job group, start, end) in epoch seconds

    def start(self, app_name: str, cfg: SparkConfig, checkpoint_dir: str | None) -> dict:
        """Start RayDP Spark inside this actor.

        Returns:
            ``{"seconds", "spark_ui", "java", "spark_version"}``.
        """
        t0 = time.monotonic()
        java = ensure_java()
        os.environ["PYSPARK_PYTHON"] = sys.executable
        import raydp

        spark = raydp.init_spark(app_name, cfg.executors, cfg.executor_cores, cfg.executor_memory,
                                 configs=spark_configs(cfg, checkpoint_dir))
        spark.sparkContext.setLogLevel("ERROR")
        spark.range(4).count()  # proves executors accept tasks: RayDP returns before they exist
        if checkpoint_dir:
            os.makedirs(checkpoint_dir, exist_ok=True)
            spark.sparkContext.setCheckpointDir(checkpoint_dir)
        self._ctx = ServiceContext(spark=spark, checkpoint_dir=checkpoint_dir)
        return {
            "seconds": time.monotonic() - t0,
            "spark_ui": spark.sparkContext.uiWebUrl,
            "java": f"{java.version} ({java.source})",
            "spark_version": spark.version,
        }

    def call(self, fn: Callable, *args, group: str | None = None, **kwargs):
        """Run ``fn(ctx, *args, **kwargs)`` here; with ``group``, its Spark jobs run in that pool and job group."""
        sc = self._ctx.spark.sparkContext
        if group:
            sc.setLocalProperty("spark.scheduler.pool", group)
            sc.setJobGroup(group, f"tuner {group}", interruptOnCancel=True)
        t0 = time.time()
        try:
            return fn(self._ctx, *args, **kwargs)
        finally:
            if group:
                self._calls.append((group, t0, time.time()))
                sc.setLocalProperty("spark.scheduler.pool", None)
                sc.setLocalProperty("spark.jobGroup.id", None)
                sc.setLocalProperty("spark.job.description", None)

    def calls(self) -> list[tuple[str, float, float]]:
        """Every grouped call so far: (job group = trial id, start, end), epoch seconds (what ran when, per trial)."""
        return list(self._calls)

    def cancel(self, group: str) -> None:
        """Cancel every running Spark job of ``group`` (a stopped or timed-out trial)."""
        if self._ctx is not None:
            self._ctx.spark.sparkContext.cancelJobGroup(group)

    def pid(self) -> int:
        """This actor's process id (the Spark driver JVM is its child)."""
        return os.getpid()

    def stop(self) -> None:
        """Stop Spark (app master and executors). The actor must still be killed to end the driver JVM."""
        import raydp

        raydp.stop_spark()
        self._ctx = None


def check_resources(cfg: SparkConfig, trials: int = 0, trial_memory: int = 0) -> None:
    """Fail fast when the connected Ray cluster cannot hold the Spark executors (RayDP would hang instead).

    Each executor must fit on one node with what that node has free now; trials need only memory.

    Args:
        cfg: the spark block.
        trials: concurrent trials that will run next to the executors.
        trial_memory: Ray memory each trial reserves, in bytes.

    Raises:
        InsufficientResources: naming what is missing and what each node has free.
    """
    from tuner.cluster.capacity import Demand, live_nodes, plan

    demand = Demand(executors=cfg.executors, executor_cpu=cfg.executor_cores,
                    executor_memory=memory_bytes(cfg.executor_memory) * (1 + _OVERHEAD), trials=trials,
                    trial_memory=trial_memory)
    problems = plan(live_nodes(), demand)
    if problems:
        raise InsufficientResources(
            "The Ray cluster cannot hold the Spark executors and trials: " + "; ".join(problems)
            + ". Lower spark.executors / spark.executor_cores / spark.executor_memory (e.g. "
            "--set spark.executor_cores=1), lower search.max_concurrent_trials, or add nodes / free resources "
            "(other jobs may hold them: see the dashboard)."
        )


def start_service(name: str, cfg: SparkConfig, checkpoint_dir: str | None, logs_dir: str | None):
    """Create the service actor and start Spark in it, bounded by ``cfg.start_timeout_s``.

    Args:
        name: experiment name; the actor shows as ``tuner-spark:<name>`` in the Ray dashboard.
        cfg: the spark block.
        checkpoint_dir: Spark checkpoint folder (ALS needs one for long lineages).
        logs_dir: Ray's log folder, named in the timeout message.

    Returns:
        (actor handle, start info dict).

    Raises:
        InsufficientResources, SparkStartTimeout.
    """
    check_resources(cfg)
    actor = SparkService.options(name=f"tuner-spark:{name}", max_concurrency=64).remote()
    ref = actor.start.remote(f"tuner-{name}", cfg, checkpoint_dir)
    try:
        info = ray.get(ref, timeout=cfg.start_timeout_s)
    except ray.exceptions.GetTimeoutError:
        kill_service(actor)
        raise SparkStartTimeout(
            f"Spark did not start within spark.start_timeout_s={cfg.start_timeout_s:g} s. RayDP hides executor "
            f"failures; read {java_worker_logs(logs_dir)} for the reason (often: not enough CPU or memory for "
            "the executors, or a Java that Spark cannot use)."
        ) from None
    return actor, info


def java_worker_logs(logs_dir: str | None) -> str:
    """Describe where RayDP's Java worker logs are, for error messages."""
    if not logs_dir:
        return "the raydp-java-worker-*.log files in Ray's session_latest/logs folder"
    found = sorted(glob.glob(os.path.join(logs_dir, "raydp-java-worker-*.log")), key=os.path.getmtime)
    return f"{logs_dir}/raydp-java-worker-*.log" + (f" (e.g. {found[-1]})" if found else "")


def kill_service(actor) -> None:
    """Stop Spark and kill the actor so the driver JVM dies with it. Safe to call twice."""
    if actor is None:
        return
    try:
        ray.get(actor.stop.remote(), timeout=60)
    except Exception:  # noqa: BLE001 - best effort; the kill below ends the process regardless
        pass
    try:
        ray.kill(actor, no_restart=True)
    except Exception:  # noqa: BLE001
        pass
