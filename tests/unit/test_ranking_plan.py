"""Which ranking metrics a run computes (per fold only for a ranking objective; on the test set always), and
how summary.json shows them beside RMSE with the most-popular baseline (no JVM)."""

from __future__ import annotations

from tuner.config import load_experiment
from tuner.config.ranking import RankingPlan, ranking_names, ranking_plan, trial_metrics
from tuner.outputs import ranked_test_summary


def _exp(*overrides):
    return load_experiment("experiments/quickstart.yaml", list(overrides))


def test_an_rmse_objective_ranks_only_on_the_test_set():
    exp = _exp()
    assert ranking_plan(exp) == RankingPlan(fold_ks=(), test_ks=(10,), relevant_rating=4.0, users=10_000, seed=0,
                                            top_k=10)
    assert trial_metrics(exp) == ("rmse", "mae")


def test_a_ranking_objective_is_reported_per_fold_beside_rmse():
    exp = _exp("search.metric=ndcg@5", "output.top_k=20", "search.ranking_users=50", "data.relevant_rating=3.5")
    plan = ranking_plan(exp)
    assert (plan.fold_ks, plan.test_ks, plan.users, plan.relevant_rating) == ((5,), (5, 20), 50, 3.5)
    assert trial_metrics(exp) == ("rmse", "mae", "ndcg@5", "map@5", "precision@5", "recall@5")
    assert exp.search.mode == "max"


def test_a_family_that_does_not_rank_has_no_plan():
    exp = load_experiment("experiments/churn_spark_lr.yaml")
    assert ranking_plan(exp) is None and "ndcg@10" not in trial_metrics(exp)


def test_summary_shows_ranking_beside_rmse_and_the_popular_baseline():
    plan = RankingPlan(fold_ks=(), test_ks=(10,), relevant_rating=4.0, users=100, seed=0, top_k=10)
    test = {"rmse": 0.9, "mae": 0.7, **{m: 0.2 for m in ranking_names([10])},
            **{f"popular_{m}": 0.1 for m in ranking_names([10])}, "ranking_users_evaluated": 80,
            "ranking_users_without_relevant": 15, "ranking_users_cold": 2, "ranking_implicit": False}
    out = ranked_test_summary(test, ("rmse", "mae"), plan)
    assert list(out["test_metrics"]) == ["rmse", "mae", "ndcg@10", "map@10", "precision@10", "recall@10"]
    assert out["baseline_test_metrics"]["popular"]["ndcg@10"] == 0.1
    assert out["ranking"]["users"] == {"evaluated": 80, "without_relevant": 15, "cold": 2}
    assert out["ranking"]["relevant"] == "held-out rating >= 4" and "rmse_note" not in out["ranking"]
    assert out["ranking"]["implicit"] is False
    implicit = ranked_test_summary({**test, "ranking_implicit": True}, ("rmse", "mae"), plan)["ranking"]
    assert implicit["relevant"].startswith("every held-out interaction") and "meaningless" in implicit["rmse_note"]
    assert implicit["implicit"] is True
    assert ranked_test_summary({"rmse": 1.0, "mae": 0.5}, ("rmse", "mae"), None) == {"test_metrics": {"rmse": 1.0,
                                                                                              "mae": 0.5}}


def test_the_implicit_experiment_tunes_alpha_on_ndcg_with_implicit_prefs_fixed():
    exp = load_experiment("experiments/als_implicit.yaml")
    assert exp.model.params["implicitPrefs"] is True and exp.model.params["alpha"].type == "loguniform"
    assert exp.model.params["confidence"].values == ["raw", "log", "threshold"]  # a searched choice
    assert (exp.data.download, exp.search.num_samples) == ("ml-latest-small", 12)
    assert (exp.search.metric, exp.search.mode) == ("ndcg@10", "max")
    assert trial_metrics(exp)[2:] == ("ndcg@10", "map@10", "precision@10", "recall@10")
