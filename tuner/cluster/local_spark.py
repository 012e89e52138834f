"""A plain local Spark session (no Ray): for tests of the data layer, benchmarks and reloading saved models."""

from __future__ import annotations

import os
import sys

from tuner.cluster.java import JAVA_OPTIONS, ensure_java

# SQL settings of every Spark tuner starts (the service's and this local one). Constraint propagation over the
# per-column validity flags of a wide table grows exponentially: on the 21-column Telco CSV the driver ran out
# of a 1 GiB heap planning the split; off, it plans in ~1 s.
SQL_CONF = {"spark.sql.ansi.enabled": "false", "spark.sql.constraintPropagation.enabled": "false"}


def local_spark_session(cores: int = 2, driver_memory: str = "2g", app_name: str = "tuner-local"):
    """Start (or return the running) local SparkSession with the JDK 17 options.

    Args:
        cores: local[N] threads.
        driver_memory: driver JVM heap.
        app_name: Spark application name.

    Returns:
        pyspark.sql.SparkSession
    """
    ensure_java()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.driver.memory", driver_memory)
        .config("spark.driver.extraJavaOptions", JAVA_OPTIONS)
        .config("spark.executor.extraJavaOptions", JAVA_OPTIONS)
        .config("spark.sql.shuffle.partitions", str(max(4, cores * 2)))
        .config("spark.ui.enabled", "false")
    )
    for key, value in SQL_CONF.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def stop_local_spark(session, timeout: float = 30.0) -> None:
    """Stop a local session *and* its gateway JVM, which ``SparkSession.stop()`` leaves running until this
    Python process exits; a later :func:`local_spark_session` then starts a fresh JVM.

    Args:
        session: a session from :func:`local_spark_session`.
        timeout: seconds to wait for the JVM to exit before it is killed.
    """
    import subprocess

    from pyspark import SparkContext

    gateway = SparkContext._gateway
    session.stop()
    if gateway is None:
        return
    proc = getattr(gateway, "proc", None)  # set by pyspark's launch_gateway; absent for an attached gateway
    gateway.shutdown()
    SparkContext._gateway = SparkContext._jvm = None
    if proc is not None:
        proc.stdin.close()  # the JVM exits on EOF from its parent
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
