"""Classifier configs: the shipped experiments, conditional estimator spaces, the allow-list, data checks."""

from __future__ import annotations

import optuna
import pytest

from tuner.config import ConfigError, load_experiment
from tuner.config.schema import ChoiceSpec
from tuner.search import DefineByRun, flat_space
from tests.unit.test_config_errors import error_of, project, with_  # noqa: F401 - fixture

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
LR = "sklearn.linear_model.LogisticRegression"
RF = "sklearn.ensemble.RandomForestClassifier"
HGB = "sklearn.ensemble.HistGradientBoostingClassifier"
SK = {"name": "churn", "data": {"format": "synthetic-churn"},
      "model": {"type": "sklearn", "space": None, "params": {
          "n_jobs": 1,
          "estimator": {"type": "choice", "values": [LR, RF],
                        "branches": {LR: {"C": {"type": "loguniform", "low": 0.01, "high": 10.0}},
                                     RF: {"max_depth": {"type": "int", "low": 2, "high": 8},
                                          "n_estimators": 20}}}}}}


@pytest.mark.parametrize("name", ["churn_spark_lr", "churn_sklearn"])
def test_shipped_classifier_experiments_validate(name):
    exp = load_experiment(ROOT / "experiments" / f"{name}.yaml")
    assert exp.search.metric == "auc_roc" and exp.search.mode == "max"
    assert exp.data.format == "synthetic-churn"


def test_real_csv_by_overrides():
    exp = load_experiment(ROOT / "experiments" / "churn_sklearn.yaml",
                          ["data.format=csv", "data.path=/data/telco.csv", "data.label=Churn", "data.ignore=[customerID]"])
    assert (exp.data.path, exp.data.label, exp.data.ignore) == ("/data/telco.csv", "Churn", ["customerID"])


def test_sklearn_space_has_branches_per_estimator():
    exp = load_experiment(ROOT / "experiments" / "churn_sklearn.yaml")
    spec = exp.model.params["estimator"]
    assert isinstance(spec, ChoiceSpec) and set(spec.branches) == set(spec.values)
    names = list(flat_space(exp.model.params))
    assert names[0] == "estimator" and "LogisticRegression.C" in names and "RandomForestClassifier.max_depth" in names


@pytest.mark.parametrize("key, value, message", [
    ("model.params.estimator", "os.system",
     "model.params.estimator must be one of 'sklearn.linear_model.LogisticRegression'"),
    ("model.params.estimator.branches", {LR: {"CC": 1.0}},
     f"unknown key 'CC' in model.params.estimator.branches.{LR} (did you mean 'C'?)"),
    ("model.params.estimator.branches", {LR: {"C": 0}},
     f"model.params.estimator.branches.{LR}.C must be a number > 0, got 0."),
    ("model.params.estimator.branches", {"sklearn.svm.SVC": {"C": 1.0}},
     "model.params.estimator: branch 'sklearn.svm.SVC' is not one of the choice's values."),
    ("model.params.n_jobs", {"type": "int", "low": 1, "high": 2},
     "model.params.n_jobs must be a fixed value, not a search space: it sets the CPUs each trial asks Ray for."),
    ("data.format", "synthetic",
     "data.format 'synthetic' makes a ratings table (user, item, rating), but model type 'sklearn' on task "
     "'binary' needs a classification table with two classes."),
    ("data.missing", "zero", "data.missing must be one of 'impute', 'drop', 'fail', got 'zero'."),
])
def test_classifier_config_mistakes_are_one_line(project, key, value, message):
    err = error_of(with_(key, value, SK))
    assert str(err).startswith("experiments/als.yaml: ") and message in str(err) and "\n" not in str(err)
    assert err.key.startswith(key.rsplit(".branches", 1)[0].split(".values")[0])


def test_a_csv_without_a_label_is_a_config_error(project):
    doc = with_("data", {"format": "csv", "path": "x.csv"}, SK)
    assert str(error_of(doc)) == ("experiments/als.yaml: data.label is required for model type 'sklearn' "
                                  "on task 'binary' (the label column of the table).")


def test_a_column_in_two_roles_is_an_error(project):
    err = error_of(with_("data", {"format": "synthetic-churn", "numeric": ["age"], "categorical": ["age"]}, SK))
    assert "column 'age' is named in both data.numeric and data.categorical" in str(err)


def test_define_by_run_draws_only_the_chosen_branch_with_real_optuna():
    exp_params = load_experiment(ROOT / "experiments" / "churn_sklearn.yaml").model.params
    space = DefineByRun(exp_params)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=4), direction="maximize")
    seen = {}

    def objective(trial):
        fixed = space(trial)
        chosen = trial.params["estimator"].rsplit(".", 1)[-1]
        drawn = {k.split(".")[0] for k in trial.params if k != "estimator"}
        assert drawn <= {chosen}
        assert fixed["n_jobs"] == 1
        seen[chosen] = set(trial.params) | set(fixed)
        return len(trial.params)

    study.optimize(objective, n_trials=20)
    assert len(seen) == 3  # every branch drawn
    assert "LogisticRegression.solver" in seen["LogisticRegression"]  # a branch's fixed value comes along
    assert not any(k.startswith("RandomForest") for k in seen["LogisticRegression"])
