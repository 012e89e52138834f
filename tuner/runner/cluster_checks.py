"""Checks against the connected Ray cluster, after Ray is up and before Spark or any trial starts.

Shared storage: on more than one node, Spark executors write the model and checkpoints on whichever node they
run, and Tune's trials may run anywhere, so the run directory must be the same storage on every node. tuner
takes a path as shared when it is a URL of a distributed filesystem (s3a://, gs://, hdfs://, ...) or when the
user declares it with ``output.shared_storage: true`` (an NFS/EFS/Lustre mount at the same path everywhere);
it cannot tell a local disk from a mount reliably, so it does not guess.
"""

from __future__ import annotations

from pathlib import Path

from tuner.errors import UserError

SHARED_SCHEMES = ("s3a", "s3", "gs", "hdfs", "abfs", "abfss", "wasbs", "viewfs")

NOT_SHARED = (
    "output.dir={dir} is a path on this machine, but the Ray cluster has {nodes} nodes: Spark executors on the "
    "other nodes would write the model and checkpoints to their own disks. Put output.dir on storage that every "
    "node mounts at the same path (NFS, EFS, ...) and declare it with `output.shared_storage: true` "
    "(or --set output.shared_storage=true)."
)


def is_shared(path: str, declared: bool) -> bool:
    """True if ``path`` is a distributed-filesystem URL or the user declared it shared."""
    scheme = path.split("://", 1)[0].lower() if "://" in path else ""
    return declared or scheme in SHARED_SCHEMES


def check_storage(exp, nodes: int) -> None:
    """On more than one node, the run directory (and so the model path) must be shared storage.

    Raises:
        UserError: it is not, with how to fix it.
    """
    if nodes > 1 and not is_shared(exp.output.dir, exp.output.shared_storage):
        raise UserError(NOT_SHARED.format(dir=str(Path(exp.output.dir).expanduser().resolve()), nodes=nodes))


def check_cluster(exp) -> None:
    """Shared storage when multi-node, then room for the executors and the concurrent trials, per node.

    Raises:
        UserError: the run directory is not shared on a multi-node cluster.
        InsufficientResources: what does not fit, and what each node has free.
    """
    from tuner.cluster.capacity import live_nodes
    from tuner.cluster.service import check_resources
    from tuner.runner.resources import TRIAL_MEMORY, concurrent_trials

    check_storage(exp, len(live_nodes(free=False)))
    check_resources(exp.spark, trials=concurrent_trials(exp), trial_memory=TRIAL_MEMORY)
