"""Errors the cluster layer raises; all picklable so they cross Ray process boundaries intact."""

from __future__ import annotations

from tuner.errors import TunerError


class ClusterError(TunerError):
    """A problem with Ray or the Spark service that the user can act on; ``str()`` says what to do (exit 1)."""


class SparkStartTimeout(ClusterError):
    """RayDP did not bring Spark up in time (it swallows executor-creation failures and hangs)."""


class InsufficientResources(ClusterError):
    """The Ray cluster cannot hold the executors and trials the config asks for."""


class TrialTimeout(ClusterError):
    """A trial's Spark job ran past ``trial.timeout_s``; its job group was cancelled."""
