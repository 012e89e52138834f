"""A local Ray that cannot start is one ClusterError line (exit 1), not Ray's bare Exception and traceback."""

from __future__ import annotations

import pytest


@pytest.mark.ray
def test_a_failed_local_ray_start_is_one_cluster_error_line():
    import psutil
    import ray

    from tuner.cluster.errors import ClusterError
    from tuner.cluster.ray_session import _init_local

    before = {p.pid for p in psutil.Process().children(recursive=True)}  # e.g. the session's Spark JVM
    with pytest.raises(ClusterError) as e:
        _init_local(num_cpus=-1, include_dashboard=False)  # Ray refuses it while starting the node
    msg = str(e.value)
    assert msg.startswith("Ray could not start on this machine: Resource quantities must be nonnegative")
    assert "\n" not in msg and e.value.exit_code == 1
    assert not ray.is_initialized()
    # the GCS server Ray started before the node failed is stopped and reaped (no process, not even a zombie)
    assert [p.name() for p in psutil.Process().children(recursive=True) if p.pid not in before] == []
    # and Ray keeps no client of the stopped GCS, which would end this process 60 s later
    from ray.experimental.internal_kv import _internal_kv_initialized

    assert not _internal_kv_initialized()
