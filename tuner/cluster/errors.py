"""Errors the cluster layer raises; all picklable so they cross Ray process boundaries intact."""

from __future__ import annotations


class ClusterError(RuntimeError):
    """A problem with Ray or the Spark service that the user can act on; ``str()`` says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __reduce__(self):
        return (type(self), (self.message,))


class SparkStartTimeout(ClusterError):
    """RayDP did not bring Spark up in time (it swallows executor-creation failures and hangs)."""


class InsufficientResources(ClusterError):
    """The Ray cluster cannot hold the executors and trials the config asks for."""


class TrialTimeout(ClusterError):
    """A trial's Spark job ran past ``trial.timeout_s``; its job group was cancelled."""
