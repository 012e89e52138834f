"""The sklearn adapter against the shared contract, on tiny in-memory arrays (no Ray, no Spark)."""

from __future__ import annotations

import numpy as np
import pytest

from tuner.cluster.service import ServiceContext
from tuner.models import get_adapter
from tuner.models._sklearn_data import TEST_FOLD, fold_arrays
from tuner.models.sklearn_model import NotAllowed, make_estimator
from tuner.testing.adapter_contract import AdapterContract

RF = "sklearn.ensemble.RandomForestClassifier"


def tiny_arrays(n: int = 300, seed: int = 0) -> dict:
    """What ``table_to_object_store`` materialises: a learnable table with missing values, 3 folds + test."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    x[rng.random(n) < 0.05, 1] = np.nan
    plan = rng.choice(["a", "b", "c"], size=n)
    cat = np.stack([plan, np.where(rng.random(n) < 0.05, "", rng.choice(["p", "q"], size=n))], axis=1)
    logit = 1.5 * np.nan_to_num(x[:, 0]) + (plan == "a") - 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float64)
    fold = np.where(rng.random(n) < 0.2, TEST_FOLD, rng.integers(0, 3, size=n)).astype(np.int32)
    return {"num": x, "cat": cat.astype(str), "y": y, "fold": fold, "numeric": ["x0", "x1"],
            "categorical": ["plan", "region"]}


class TestSklearnContract(AdapterContract):
    family = "sklearn"

    @pytest.fixture
    def ctx(self):
        return ServiceContext(spark=None, state={"data": tiny_arrays(), "facts": {"label": "y"}})

    @pytest.fixture
    def params(self):
        return {"estimator": RF, "n_jobs": 1, "RandomForestClassifier.n_estimators": 15,
                "RandomForestClassifier.max_depth": 4, "RandomForestClassifier.class_weight": "balanced"}


def test_folds_are_disjoint_and_missing_categories_become_nan():
    data = tiny_arrays()
    (xt, yt), (xv, yv) = fold_arrays(data, 1)
    assert len(xt) + len(xv) == int((data["fold"] != TEST_FOLD).sum())
    assert xt["region"].isna().any() and xt["plan"].notna().all()
    (xa, _), (xtest, _) = fold_arrays(data, None)
    assert len(xtest) == int((data["fold"] == TEST_FOLD).sum())


def test_an_estimator_outside_the_allow_list_is_refused_without_importing_it():
    with pytest.raises(NotAllowed, match="not in the allow-list"):
        make_estimator({"estimator": "os.system"}, 0)


def test_trials_ask_for_n_jobs_cpus():
    assert get_adapter("sklearn").trial_resources({"n_jobs": 2}) == {"cpu": 2}
    assert get_adapter("sklearn").trials_in_worker and not get_adapter("spark-als").trials_in_worker


def _with_label(data: dict, y, task: str) -> dict:
    """The prepare handle of another task: the same features, another label, the task beside the arrays."""
    return {"arrays": {**data, "y": np.asarray(y, dtype=np.float64)}, "task": task}


class TestSklearnRegressionContract(AdapterContract):
    """The regression task: HistGradientBoostingRegressor on a numeric label, rmse / mae / r2."""

    family, task = "sklearn", "regression"

    @pytest.fixture
    def ctx(self):
        data = tiny_arrays()
        y = 3.0 * np.nan_to_num(data["num"][:, 0]) + (data["cat"][:, 0] == "a") + 10.0
        return ServiceContext(spark=None, state={"data": _with_label(data, y, "regression"), "task": "regression",
                                                 "facts": {"label": "y", "task": "regression"}})

    @pytest.fixture
    def params(self):
        return {"estimator": "sklearn.ensemble.HistGradientBoostingRegressor", "n_jobs": 1,
                "HistGradientBoostingRegressor.max_iter": 30, "HistGradientBoostingRegressor.learning_rate": 0.1}


class TestSklearnMulticlassContract(AdapterContract):
    """The multiclass task: a 3-class label, f1_macro / accuracy / log_loss, one probability per class."""

    family, task = "sklearn", "multiclass"

    @pytest.fixture
    def ctx(self):
        data = tiny_arrays()
        y = np.digitize(np.nan_to_num(data["num"][:, 0]), [-0.4, 0.4]).astype(float)  # classes 0, 1, 2
        return ServiceContext(spark=None, state={"data": _with_label(data, y, "multiclass"), "task": "multiclass",
                                                 "facts": {"label": "y", "task": "multiclass",
                                                           "classes": ["low", "mid", "high"]}})

    @pytest.fixture
    def params(self):
        return {"estimator": RF, "n_jobs": 1, "RandomForestClassifier.n_estimators": 15,
                "RandomForestClassifier.max_depth": 4, "RandomForestClassifier.class_weight": "none"}


def test_each_task_scores_its_own_metrics_and_learns():
    adapter = get_adapter("sklearn")
    reg = TestSklearnRegressionContract.ctx.__wrapped__(None)
    out = adapter.fit_fold(reg, TestSklearnRegressionContract.params.__wrapped__(None), 0, 0)
    assert set(adapter.metric_names(reg)) == {"rmse", "mae", "r2"} and out["r2"] > 0.8, out
    multi = TestSklearnMulticlassContract.ctx.__wrapped__(None)
    out = adapter.fit_fold(multi, TestSklearnMulticlassContract.params.__wrapped__(None), 0, 0)
    assert set(adapter.metric_names(multi)) == {"f1_macro", "accuracy", "log_loss"} and out["f1_macro"] > 0.7, out
    card = adapter.card(multi, adapter.fit(multi, adapter.fold_frames(multi, 0)[0], {"estimator": RF, "n_jobs": 1}, 0))
    assert (card["task"], card["serve"], card["classes"]) == ("multiclass", "skops", ["low", "mid", "high"])
