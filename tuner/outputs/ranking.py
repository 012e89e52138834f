"""The test-set block of summary.json for a ranking family: the model's ranking metrics beside RMSE, the
most-popular baseline on the same users, and which users they were computed on."""

from __future__ import annotations

from tuner.config.ranking import POPULAR_PREFIX, RankingPlan, ranking_names

__all__ = ["ranked_test_summary"]

_USERS = ("evaluated", "without_relevant", "cold")
RMSE_IMPLICIT = ("implicitPrefs: the model predicts preferences (0..1 confidence-weighted), not ratings, so rmse "
                 "and mae are reported but meaningless; judge it by the ranking metrics")


def ranked_test_summary(test: dict, metrics: tuple[str, ...], plan: RankingPlan | None) -> dict:
    """summary.json's ``test_metrics`` and, when ``plan``, ``baseline_test_metrics`` and ``ranking``.

    Args:
        test: what ``refit_and_test`` returned.
        metrics: the names every trial reported (all in ``test``).
        plan: the run's ranking plan, or None (the family does not rank).
    """
    out = {"test_metrics": {m: test[m] for m in metrics}}
    if plan is None or f"ndcg@{plan.test_ks[0]}" not in test:
        return out
    names = ranking_names(plan.test_ks)
    out["test_metrics"].update({m: test[m] for m in names})
    out["baseline_test_metrics"] = {"popular": {m: test.get(POPULAR_PREFIX + m) for m in names}}
    implicit = bool(test.get("ranking_implicit"))
    users = {k: test.get(f"ranking_users_{k}") for k in _USERS}
    out["ranking"] = {
        "k": list(plan.test_ks),
        "users": users,
        "implicit": implicit,
        "sample_size": plan.users,
        "seed": plan.seed,
        "relevant": "every held-out interaction (implicitPrefs)" if implicit else
                    f"held-out rating >= {plan.relevant_rating:g}",
        "note": (f"on a seeded sample of at most {plan.users:,} test users that have training rows "
                 f"({users['evaluated']} evaluated); users without a relevant held-out item "
                 f"({users['without_relevant']}) are left out of the means, users unseen in training "
                 f"({users['cold']}) cannot be ranked; each user's training items are excluded; NDCG is binary "
                 "and precision@K divides by K even when fewer items remain (Spark's RankingEvaluator); popular = "
                 "the most-rated training items the user has not seen"),
        **({"rmse_note": RMSE_IMPLICIT} if implicit else {}),
    }
    return out
