"""Fault injection for tests of failure handling, driven by one environment variable.

``TUNER_INJECT_FAULT="<kind>[@fold<k>][:<param>=<value>]"`` (several separated by commas) makes matching trials
misbehave on fold k (default 0) inside a real run: ``raise`` (the trial raises), ``nan`` (the fold's metric is
NaN), ``hang`` (the fold runs a Spark job, or for trials in their own worker a sleep, far past
``trial.timeout_s``), ``kill_executor`` (a RayDP executor actor is killed a second after the fold's fit starts).
``<param>`` is a trial parameter, or ``trial``: the trial's number in the run (1, 2, ...: the order Tune created
them), which picks one trial whatever the sampler draws. Unset, nothing happens.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

ENV = "TUNER_INJECT_FAULT"
_SPEC = re.compile(r"^(?P<kind>raise|nan|hang|kill_executor)(?:@fold(?P<fold>\d+))?(?::(?P<param>\w+)=(?P<value>[^=]+))?$")


@dataclass(frozen=True)
class Fault:
    """One injected fault."""

    kind: str
    fold: int
    param: str | None
    value: str | None

    def hits(self, params: dict, fold: int) -> bool:
        """True if a trial with ``params`` should fail on ``fold``."""
        return fold == self.fold and (self.param is None or str(params.get(self.param)) == self.value)


def active_faults() -> list[Fault]:
    """The faults ``TUNER_INJECT_FAULT`` asks for (empty when unset)."""
    faults = []
    for spec in filter(None, (p.strip() for p in os.environ.get(ENV, "").split(","))):
        m = _SPEC.match(spec)
        if not m:
            raise ValueError(f"{ENV}: {spec!r} is not <raise|nan|hang|kill_executor>[@fold<k>][:<param>=<value>]")
        faults.append(Fault(m["kind"], int(m["fold"] or 0), m["param"], m["value"]))
    return faults


def fault_for(faults: list[Fault], params: dict, fold: int) -> str | None:
    """The kind of the first fault that hits this trial's ``fold``, or None."""
    return next((f.kind for f in faults if f.hits(params, fold)), None)


def sleeping_job(ctx, seconds: float) -> None:
    """A Spark job that sleeps in the executor JVM (cancellable through its job group)."""
    ctx.spark.sql(f"SELECT reflect('java.lang.Thread', 'sleep', CAST({int(seconds * 1000)} AS BIGINT))").collect()


def kill_an_executor(delay_s: float = 1.0) -> str:
    """Kill one RayDP executor actor (as a crash would: Ray may restart it). Returns its name."""
    import time

    import ray

    time.sleep(delay_s)
    names = sorted(a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
                   if a["name"].startswith("raydp-executor-"))
    if not names:
        raise RuntimeError("kill_executor fault: no RayDP executor actor found")
    match = next(a for a in ray.util.list_named_actors(all_namespaces=True) if a["name"] == names[0])
    ray.kill(ray.get_actor(names[0], namespace=match["namespace"]), no_restart=False)
    return names[0]


def trial_number(trial_id: str, trial_dir: str) -> int | None:
    """The n-th trial Tune created (1-based), read from its directory ``<trainable>_<id>_<n>_<params>_<date>``."""
    m = re.search(re.escape(f"_{trial_id}_") + r"(\d+)_", os.path.basename(os.path.normpath(trial_dir or "")))
    return int(m[1]) if m else None
