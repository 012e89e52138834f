"""Can the Ray cluster hold the Spark executors and the trials? Checked per node, before Spark starts.

RayDP hangs silently when an executor fits on no node ("Initial job has not accepted any resources"), so the
plan is made here first, from what each live node has free now, and a shortfall names what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

GiB = 2**30


@dataclass(frozen=True)
class NodeFree:
    """What one live Ray node has free.

    Attributes:
        name: how the node is shown in messages (IP, ``head`` marked).
        cpu: free logical CPUs.
        memory: free Ray ``memory`` resource in bytes.
    """

    name: str
    cpu: float
    memory: float


@dataclass(frozen=True)
class Demand:
    """What an experiment asks of the cluster: ``executors`` x (``executor_cpu``, ``executor_memory``) each on
    one node, and ``trials`` x ``trial_memory`` (trials hold no CPU: the executors do the work)."""

    executors: int
    executor_cpu: int
    executor_memory: float
    trials: int = 0
    trial_memory: float = 0


def plan(nodes: list[NodeFree], demand: Demand) -> list[str]:
    """Place executors first-fit, the node with most free CPU first, then trials in what is left.

    Args:
        nodes: the live nodes and what they have free.
        demand: executors and trials to place.

    Returns:
        Problems, one sentence each; empty if everything fits.
    """
    free = {n.name: [n.cpu, n.memory] for n in sorted(nodes, key=lambda n: (-n.cpu, -n.memory))}
    placed: dict[str, int] = {}
    for _ in range(demand.executors):
        for name, (cpu, mem) in free.items():
            if cpu >= demand.executor_cpu and mem >= demand.executor_memory:
                free[name] = [cpu - demand.executor_cpu, mem - demand.executor_memory]
                placed[name] = placed.get(name, 0) + 1
                break
    problems = []
    fitted = sum(placed.values())
    if fitted < demand.executors:
        problems.append(
            f"{demand.executors} Spark executor(s) need {demand.executor_cpu} CPU + "
            f"{demand.executor_memory / GiB:.2f} GiB each, on one node; only {fitted} fit "
            f"(free now: {describe(nodes)})"
        )
    if demand.trials and demand.trial_memory:
        room = sum(int(mem // demand.trial_memory) for _, mem in free.values())
        if room < demand.trials:
            problems.append(
                f"{demand.trials} concurrent trial(s) need {demand.trial_memory / 2**20:.0f} MiB each; after the "
                f"executors only {room} fit"
            )
    return problems


def describe(nodes: list[NodeFree]) -> str:
    """``node 10.0.0.1 (head): 2 CPU, 3.1 GiB; node 10.0.0.2: 0 CPU, 1.0 GiB``."""
    return "; ".join(f"node {n.name}: {n.cpu:g} CPU, {n.memory / GiB:.1f} GiB" for n in nodes) or "no live node"


def live_nodes(free: bool = True) -> list[NodeFree]:
    """The live nodes of the connected Ray cluster with their free (or, ``free=False``, total) resources."""
    import ray
    from ray._private import state  # DeveloperAPI: the only per-node view of *available* resources

    per_node = state.available_resources_per_node() if free else {}
    alive = [n for n in ray.nodes() if n.get("Alive")]
    out = []
    for n in alive:
        res = per_node.get(n["NodeID"], n["Resources"]) if free else n["Resources"]
        name = n.get("NodeManagerAddress", n["NodeID"][:8])
        if n["Resources"].get("node:__internal_head__"):
            name += " (head)"
        if sum(m.get("NodeManagerAddress") == n.get("NodeManagerAddress") for m in alive) > 1:
            name += f" [{n['NodeID'][:6]}]"  # several nodes on one host (tests, or one VM per GPU)
        out.append(NodeFree(name=name, cpu=float(res.get("CPU", 0)), memory=float(res.get("memory", 0))))
    return out
