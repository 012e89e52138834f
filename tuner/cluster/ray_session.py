"""Start a local Ray (or join one) with Java set up, and find its logs and dashboard."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tuner.cluster.errors import ClusterError
from tuner.cluster.java import JavaInfo, ensure_java
from tuner.config.schema import RayConfig
from tuner.errors import UserError, shorten


@dataclass(frozen=True)
class RaySession:
    """A Ray connection tuner made.

    Attributes:
        address: the GCS address (or ray:// URL) connected to.
        dashboard_url: http URL of the Ray dashboard, or None if it is not running.
        owned: True if tuner started this Ray and must shut it down.
        java: the Java runtime exported to Ray's workers.
        logs_dir: Ray's session log folder on this node (raydp-java-worker-*.log are there).
        metrics_url: this node's Prometheus endpoint (Ray's metrics and tuner's), or None if unknown.
    """

    address: str
    dashboard_url: str | None
    owned: bool
    java: JavaInfo
    logs_dir: str | None
    metrics_url: str | None = None


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
    if target:
        probe(target)
    env_vars = {"JAVA_HOME": java.home, "PYSPARK_PYTHON": sys.executable}
    if target:
        ctx = _join(target, env_vars)
        owned = False
    else:
        dashboard_port, metrics_port = check_ports(cfg)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        store = cfg.object_store_memory_mb * 1024**2 if cfg.object_store_memory_mb else None
        ctx = _init_local(
            num_cpus=cfg.num_cpus or os.cpu_count(),
            object_store_memory=store,
            include_dashboard=True,
            dashboard_host="127.0.0.1",
            dashboard_port=dashboard_port,
            logging_level=logging.WARNING,
            log_to_driver=False,
            _node_ip_address="127.0.0.1",
            _metrics_export_port=metrics_port or None,
        )
        owned = True
    dashboard = ctx.dashboard_url
    if dashboard and not dashboard.startswith("http"):
        dashboard = "http://" + dashboard
    port = ctx.address_info.get("metrics_export_port")
    return RaySession(address=ctx.address_info.get("gcs_address", target or ""), dashboard_url=dashboard or None,
                      owned=owned, java=java, logs_dir=ray_logs_dir(),
                      metrics_url=f"http://{ctx.address_info.get('node_ip_address', '127.0.0.1')}:{port}/metrics"
                      if port else None)


def _init_local(**kwargs):
    """``ray.init`` of a new local Ray; a start that fails (e.g. raylet or GCS not up in time on an overloaded
    machine: Ray raises a bare Exception) is one ClusterError line, with Ray's own first line and its logs."""
    import psutil
    import ray

    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    try:
        return ray.init(**kwargs)
    except Exception as exc:  # noqa: BLE001 - Ray raises plain Exception for a node that did not start
        # also when the node never came up: Ray keeps a GCS client of the failed start (its internal KV), which
        # would end this process 60 s after its server is stopped ("Failed to connect to GCS"); shutdown drops it
        ray.shutdown()
        _stop_started(me, before)
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
        # "The last 20 lines of .../dashboard.log (it contains the error message ...):" then the log: its last line
        why = lines[0] + (f" ... {shorten(lines[-1], 200)}" if lines[0].endswith(":") and len(lines) > 1 else "")
    raise ClusterError(f"Ray could not start on this machine: {why} Its logs: {ray_logs_dir() or '/tmp/ray'}. "
                       "If the machine is busy, try again when it is quieter.")


def _stop_started(me, before: set[int]) -> None:
    """Stops and reaps the processes a failed ``ray.init`` started (its GCS server is up before the node fails, and
    Ray, holding no node object then, neither stops nor reaps it)."""
    import psutil

    started = [p for p in me.children(recursive=True) if p.pid not in before]
    for p in started:
        with contextlib.suppress(psutil.Error):
            p.terminate()
    _, alive = psutil.wait_procs(started, timeout=10)
    for p in alive:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(alive, timeout=5)


PORT_TAKEN = ("{key} {port} is taken on this machine (another Ray, e.g. another tuner run, or another program "
              "listens there): leave {key} unset for a free port, or pick another (--set {key}={other})")


def check_ports(cfg: RayConfig) -> tuple[int, int]:
    """The dashboard and metrics ports a local Ray gets: a fixed one when free, else 0 (Ray picks a free one).

    Raises:
        UserError: a fixed ``ray.dashboard_port`` or ``ray.metrics_export_port`` is taken.
    """
    return (_free_or_fail(cfg.dashboard_port, "ray.dashboard_port"),
            _free_or_fail(cfg.metrics_export_port, "ray.metrics_export_port"))


def _free_or_fail(port: int | None, key: str) -> int:
    """``port`` when nothing listens on it, 0 (Ray picks a free one) when it is unset or 0.

    Raises:
        UserError: a fixed ``port`` is taken; checked before Ray starts anything, which would otherwise fail
            half-started with a traceback.
    """
    import socket

    if not port:
        return 0
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise UserError(PORT_TAKEN.format(key=key, port=port, other=port + 1 if port < 65535 else port - 1)) \
                from None
    return port


def _join(target: str, env_vars: dict):
    """``ray.init(address=target)``; a cluster with token auth (Ray 2.60's default for ``ray start --head``) is
    only joined in token mode, which Ray does not switch on by itself for a client that has the token."""
    import ray

    from tuner.cluster.dashboard import auth_token

    if "RAY_AUTH_MODE" not in os.environ and auth_token():
        try:  # sets RAY_AUTH_MODE=token and refreshes Ray's cached config (ray is already imported)
            from ray._private.authentication.authentication_token_setup import _enable_token_auth
        except ImportError:  # another Ray version: the variable alone
            os.environ["RAY_AUTH_MODE"] = "token"
        else:
            _enable_token_auth()
    try:
        return ray.init(address=target, logging_level=logging.WARNING, log_to_driver=False,
                        runtime_env={"env_vars": env_vars} if not target.startswith("ray://") else None)
    except ConnectionError as exc:
        cause = str(exc.__cause__ or exc)
        why = ("the cluster refused this machine's auth token" if "InvalidAuthToken" in cause else
               str(exc).splitlines()[0])
        raise ClusterError(
            f"could not join the Ray cluster at {target}: {why}. Ray 2.60 clusters use token authentication: copy "
            "the head's token (`ray get-auth-token` there) into ~/.ray/auth_token or RAY_AUTH_TOKEN, and start "
            "every node with RAY_AUTH_MODE=token."
        ) from None


def probe(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast when ``host:port`` (or ``ray://host:port``) does not answer; ``ray.init`` would retry for minutes.

    Raises:
        ClusterError: nothing listens there, with what to check.
    """
    import socket

    if address in ("auto", "local") or ":" not in address.split("://")[-1]:
        return
    host, _, port = address.split("://")[-1].rstrip("/").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            return
    except (OSError, ValueError) as exc:
        raise ClusterError(
            f"cannot reach a Ray cluster at {address} ({exc}). Give the head's GCS address (host:6379, shown by "
            "`ray start --head` and `ray status`), `auto` on a cluster node, or ray://host:10001 for Ray Client."
        ) from None


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
