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


def _blobs(n: int = 300, seed: int = 0) -> dict:
    """Three well separated groups (numeric columns and the plan); the reference label is the group (NaN on a
    few rows: a reference may have blanks)."""
    data = tiny_arrays(n, seed)
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, size=n)
    data["num"] = np.stack([group * 6.0 + rng.normal(size=n), group * 6.0 + rng.normal(size=n)], axis=1)
    data["cat"] = np.stack([np.array(["a", "b", "c"])[group], np.full(n, "p")], axis=1)
    y = group.astype(np.float64)
    y[:5] = np.nan
    return _with_label(data, y, "clustering")


class TestSklearnKMeansContract(AdapterContract):
    """The clustering task: KMeans, the held-out silhouette, the reference's adjusted Rand index beside it."""

    family, task = "sklearn", "clustering"

    @pytest.fixture
    def ctx(self):
        return ServiceContext(spark=None, state={"data": _blobs(), "task": "clustering",
                                                 "facts": {"label": "group", "task": "clustering"}})

    @pytest.fixture
    def params(self):
        return {"estimator": "sklearn.cluster.KMeans", "n_jobs": 1, "KMeans.n_clusters": 3, "KMeans.n_init": 3}


def test_clustering_scores_the_silhouette_and_the_reference_agreement_and_predicts_clusters():
    from sklearn.metrics import adjusted_rand_score, silhouette_score

    adapter = get_adapter("sklearn")
    ctx = TestSklearnKMeansContract.ctx.__wrapped__(None)
    params = TestSklearnKMeansContract.params.__wrapped__(None)
    train, valid = adapter.fold_frames(ctx, 0)
    model = adapter.fit(ctx, train, params, 0)
    out = adapter.score(ctx, model, valid)
    labels = np.asarray(adapter.predict(ctx, model, valid))
    assert set(labels.tolist()) == {0, 1, 2} and labels.dtype.kind == "i"
    X, y = valid
    known = ~np.isnan(y)
    assert out["adjusted_rand"] == pytest.approx(adjusted_rand_score(y[known], labels[known])) and out["adjusted_rand"] > 0.9
    features = model.named_steps["preprocess"].transform(X)
    assert out["silhouette"] == pytest.approx(silhouette_score(features, labels, metric="sqeuclidean"))
    assert adapter.metric_names(ctx) == ("silhouette",)
    two = {**params, "KMeans.n_clusters": 2}
    assert adapter.score(ctx, adapter.fit(ctx, train, two, 0), valid)["adjusted_rand"] < out["adjusted_rand"]


def test_the_adjusted_rand_index_of_spark_kmeans_counts_is_scikit_learns():
    from sklearn.metrics import adjusted_rand_score

    from tuner.models.spark_kmeans import adjusted_rand

    rng = np.random.default_rng(3)
    for _ in range(20):
        a, b = rng.integers(0, 4, size=200), rng.integers(0, 3, size=200)
        pairs: dict = {}
        for x, z in zip(a, b):
            pairs[(float(x), int(z))] = pairs.get((float(x), int(z)), 0) + 1
        assert adjusted_rand(pairs) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)
    assert adjusted_rand({(0.0, 0): 5}) == 1.0 == adjusted_rand_score([0] * 5, [0] * 5)
