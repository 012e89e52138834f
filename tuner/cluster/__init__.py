"""Ray start/join, Java discovery and the Spark service (RayDP) lifecycle."""

from tuner.cluster.errors import ClusterError, InsufficientResources, SparkStartTimeout, TrialTimeout
from tuner.cluster.java import JavaInfo, JavaNotFoundError, ensure_java, find_java
from tuner.cluster.ray_session import RaySession, start_ray, stop_ray
from tuner.cluster.service import ServiceContext, kill_service, memory_bytes, start_service

__all__ = [
    "ClusterError",
    "InsufficientResources",
    "JavaInfo",
    "JavaNotFoundError",
    "RaySession",
    "ServiceContext",
    "SparkStartTimeout",
    "TrialTimeout",
    "ensure_java",
    "find_java",
    "kill_service",
    "memory_bytes",
    "start_ray",
    "start_service",
    "stop_ray",
]
