"""Which ranking metrics a run computes, and where: one plan from the experiment, read by the runner (what trials
report) and by the ranking family's adapter (what it scores). Imports nothing heavy.

Per fold, ranking metrics cost a top-k pass over the sampled users for every trial, so they are computed only
when the objective is one (``search.metric: ndcg@10``): the leaderboard then shows RMSE and the ranking metrics
side by side. On the test set (one refit) they are always computed for a ranking family, at ``output.top_k``
and at the objective's K, with the most-popular baseline on the same users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuner.config.families import RANKING_METRICS, family, objective

__all__ = ["POPULAR_PREFIX", "RankingPlan", "ranking_names", "ranking_plan", "trial_metrics"]

#: prefix of the popularity baseline's metrics (``popular_ndcg@10``)
POPULAR_PREFIX = "popular_"


@dataclass(frozen=True)
class RankingPlan:
    """What the ranking metrics need; picklable (it travels to the Spark service).

    Attributes:
        fold_ks: cut-offs reported per CV fold (empty unless the objective is a ranking metric).
        test_ks: cut-offs reported on the test set.
        relevant_rating: a held-out rating >= this is relevant (implicit models: every held-out row is).
        users: how many users the metrics are computed on (a seeded sample; all when fewer).
        seed: the sample's seed.
        top_k: recommendations stored per user at export.
    """

    fold_ks: tuple[int, ...]
    test_ks: tuple[int, ...]
    relevant_rating: float
    users: int
    seed: int
    top_k: int


def ranking_names(ks, prefix: str = "") -> tuple[str, ...]:
    """``ndcg@K``, ``map@K``, ``precision@K``, ``recall@K`` for each K (in that order, K ascending)."""
    return tuple(f"{prefix}{m}@{k}" for k in sorted(set(ks)) for m in RANKING_METRICS)


def ranking_plan(exp: Any) -> RankingPlan | None:
    """The experiment's plan, or None when its model family does not rank."""
    mt = family(exp)
    if not mt.ranking:
        return None
    parsed = mt.parse_metric(objective(exp)[0])
    fold_ks = (parsed[1],) if parsed else ()
    return RankingPlan(fold_ks=fold_ks, test_ks=tuple(sorted({exp.output.top_k, *fold_ks})),
                       relevant_rating=float(exp.data.relevant_rating), users=exp.search.ranking_users,
                       seed=exp.search.seed, top_k=exp.output.top_k)


def trial_metrics(exp: Any) -> tuple[str, ...]:
    """What every trial reports: the family's metrics, then the ranking metrics of the plan's ``fold_ks``."""
    plan = ranking_plan(exp)
    return family(exp).metric_names + (ranking_names(plan.fold_ks) if plan else ())
