"""Start a local Ray (or join one) with Java set up, and find its logs and dashboard."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tuner.cluster.java import JavaInfo, ensure_java
from tuner.config.schema import RayConfig


@dataclass(frozen=True)
class RaySession:
    """A Ray connection tuner made.

    Attributes:
        address: the GCS address (or ray:// URL) connected to.
        dashboard_url: http URL of the Ray dashboard, or None if it is not running.
        owned: True if tuner started this Ray and must shut it down.
        java: the Java runtime exported to Ray's workers.
        logs_dir: Ray's session log folder on this node (raydp-java-worker-*.log are there).
    """

    address: str
    dashboard_url: str | None
    owned: bool
    java: JavaInfo
    logs_dir: str | None


def start_ray(cfg: RayConfig, address: str | None = None) -> RaySession:
    """Start a local Ray, or connect to ``address`` (or ``cfg.address``).

    Args:
        cfg: the experiment's ray block.
        address: overrides ``cfg.address`` (the CLI's ``--address``).

    Returns:
        The session; call :func:`stop_ray` when done.
    """
    java = ensure_java()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("RAY_DEDUP_LOGS", "1")
    # Tune's own tables are replaced by tuner's progress line; the new Train/Tune output engine stays off.
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    import ray

    # Ray 2.60 announces its (default-on) token authentication at every start; tuner keeps it on and quiet.
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
    target = address or cfg.address
    env_vars = {"JAVA_HOME": java.home, "PYSPARK_PYTHON": sys.executable}
    if target:
        ctx = ray.init(address=target, logging_level=logging.WARNING, log_to_driver=False,
                       runtime_env={"env_vars": env_vars} if not target.startswith("ray://") else None)
        owned = False
    else:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        store = cfg.object_store_memory_mb * 1024**2 if cfg.object_store_memory_mb else None
        ctx = ray.init(
            num_cpus=cfg.num_cpus or os.cpu_count(),
            object_store_memory=store,
            include_dashboard=True,
            dashboard_host="127.0.0.1",
            dashboard_port=cfg.dashboard_port,
            logging_level=logging.WARNING,
            log_to_driver=False,
            _node_ip_address="127.0.0.1",
        )
        owned = True
    dashboard = ctx.dashboard_url
    if dashboard and not dashboard.startswith("http"):
        dashboard = "http://" + dashboard
    return RaySession(address=ctx.address_info.get("gcs_address", target or ""), dashboard_url=dashboard or None,
                      owned=owned, java=java, logs_dir=ray_logs_dir())


def ray_logs_dir() -> str | None:
    """Ray's session log folder on this node, or None if unknown."""
    try:
        from ray._private.worker import _global_node

        return str(Path(_global_node.get_session_dir_path()) / "logs")
    except Exception:  # noqa: BLE001 - a private API; the path is only advice in error messages
        return None


def stop_ray(session: RaySession | None) -> None:
    """Disconnect; if tuner started this Ray, that also stops raylet, GCS and every worker (JVMs included)."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
