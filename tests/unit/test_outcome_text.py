"""What a user reads at the end of a run and while it runs: leaderboard, progress ETA, test metrics."""

from __future__ import annotations

from tuner.cli import _test_lines
from tuner.outputs.leaderboard import TrialRow, render_table
from tuner.runner.progress import eta_text

TUNED = ["estimator", "LogisticRegression.C", "LogisticRegression.penalty", "RandomForestClassifier.max_depth",
         "RandomForestClassifier.n_estimators", "HistGradientBoostingClassifier.learning_rate"]


def _row(trial_id, params, auc):
    return TrialRow(trial_id, "completed", params, {"auc_roc": auc}, {}, 2, 3.0)


def test_a_conditional_space_shows_only_each_rows_branch_params():
    rows = [_row("a", {"estimator": "sklearn.linear_model.LogisticRegression", "LogisticRegression.C": 0.5,
                       "LogisticRegression.penalty": "l2", "RandomForestClassifier.max_depth": None}, 0.84),
            _row("b", {"estimator": "sklearn.ensemble.RandomForestClassifier", "RandomForestClassifier.max_depth": 7,
                       "RandomForestClassifier.n_estimators": 200}, 0.83)]
    head, a, b = render_table(rows, TUNED, "auc_roc").splitlines()
    assert head.split() == ["#", "trial", "status", "params", "cv", "auc_roc", "folds", "sec"]
    assert "estimator=LogisticRegression C=0.5 penalty=l2  " in a and "None" not in a and "max_depth" not in a
    assert "estimator=RandomForestClassifier max_depth=7 n_estimators=200" in b and "C=" not in b
    assert max(len(line) for line in (head, a, b)) < 120


def test_a_plain_space_keeps_one_column_per_param():
    rows = [_row("a", {"rank": 8, "regParam": 0.05}, 0.9)]
    head, line = render_table(rows, ["rank", "regParam"], "rmse").splitlines()
    assert head.split()[3:5] == ["rank", "regParam"] and line.split()[3:5] == ["8", "0.05"]


def test_eta_is_unknown_until_a_trial_finishes():
    assert eta_text(30.0, 0, 10) == "ETA unknown until a trial finishes"
    assert eta_text(30.0, 3, 9) == "ETA 01:00" and eta_text(30.0, 9, 9) == "ETA 00:00"


SUMMARY = {"metric": "rmse", "test_metrics": {"rmse": 0.65, "mae": 0.52, "ndcg@10": 0.0089, "map@10": 0.003},
           "baseline_test_metrics": {"popular": {"ndcg@10": 0.1089, "map@10": 0.0482}},
           "ranking": {"implicit": False, "users": {"evaluated": 5985}}}


def test_an_rmse_model_says_what_its_numbers_mean_and_does_not_headline_ranking():
    lines = _test_lines(SUMMARY)
    assert lines[:2] == ["Test RMSE: 0.65", "Test MAE: 0.52"]
    assert "in rating units; lower is better" in lines[2]
    assert not any(line.startswith("Test ndcg") or line.startswith("Most-popular") for line in lines)
    (ranking,) = [line for line in lines if line.startswith("Top-10 ranking")]
    assert "ndcg@10 0.0089; recommending the most-popular items: 0.1089" in ranking and "5985 test users" in ranking
    assert "not a top-k ranker" in ranking and "experiments/als_implicit.yaml" in ranking
    # a model that ranks better than popularity is not told it is no ranker
    better = _test_lines({**SUMMARY, "test_metrics": {**SUMMARY["test_metrics"], "ndcg@10": 0.19}})
    (ranking,) = [line for line in better if line.startswith("Top-10 ranking")]
    assert "ndcg@10 0.1900; recommending the most-popular items: 0.1089" in ranking and "not a top-k" not in ranking


def test_a_ranking_objective_shows_every_ranking_line_and_the_baseline():
    lines = _test_lines({**SUMMARY, "metric": "ndcg@10"})
    assert "Test ndcg@10: 0.0089" in lines and "Test map@10: 0.0030" in lines
    assert lines[-1].startswith("Most-popular baseline on the same 5985 test users: ndcg@10 0.1089")
    implicit = _test_lines({**SUMMARY, "metric": "ndcg@10", "ranking": {"implicit": True, "users": {"evaluated": 9}}})
    assert any("not a rating error" in line for line in implicit)


def test_a_classifier_prints_its_metrics_plainly():
    assert _test_lines({"metric": "auc_roc", "test_metrics": {"auc_roc": 0.84, "f1": 0.6}}) == [
        "Test AUC: 0.84", "Test F1: 0.60"]
