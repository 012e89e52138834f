"""The adapter contract for the Spark families not covered elsewhere (ALS, tree ensembles, the regressors, the
multiclass task), on the session's plain local Spark; and the check that every registered family has a contract
class for each task it supports."""

from __future__ import annotations

import importlib

import pytest

from tuner.config import model_types
from tuner.config.schema import DataConfig
from tuner.testing.adapter_contract import AdapterContract, prepared_context
from tests.shared_data import SHARED_DATA

pytestmark = [pytest.mark.spark]
PENGUINS = SHARED_DATA / "penguins" / "penguins.csv"
needs_penguins = pytest.mark.skipif(not PENGUINS.is_file(), reason="shared data absent")

CONTRACT_MODULES = ("tests.unit.test_sklearn_adapter", "tests.integration.test_classifier_data",
                    "tests.spark.test_adapter_contracts", "tests.unit.test_registry")


class TestSparkALSContract(AdapterContract):
    family = "spark-als"

    @pytest.fixture(scope="class")
    def ctx(self, spark):
        cfg = DataConfig(format="synthetic", synthetic={"ratings": 6000, "users": 300, "items": 120,
                                                         "partitions": 2}, folds=2)
        ctx, rows = prepared_context(spark, self.family, cfg)
        assert rows["train"] + rows["test"] == rows["kept"]
        return ctx

    @pytest.fixture
    def params(self):
        return {"rank": 4, "maxIter": 3, "regParam": 0.05}


class _TreesContract(AdapterContract):
    family = "spark-trees"

    @pytest.fixture(scope="class")
    def ctx(self, spark):
        cfg = DataConfig(format="synthetic-churn", synthetic_churn={"rows": 600, "partitions": 2}, folds=2)
        return prepared_context(spark, self.family, cfg)[0]


class TestRandomForestContract(_TreesContract):
    @pytest.fixture
    def params(self):
        return {"estimator": "RandomForestClassifier", "class_weight": "balanced",
                "RandomForestClassifier.numTrees": 8, "RandomForestClassifier.maxDepth": 4}


class TestGBTContract(_TreesContract):
    @pytest.fixture
    def params(self):
        return {"estimator": "GBTClassifier", "class_weight": "none", "GBTClassifier.maxIter": 5,
                "GBTClassifier.maxDepth": 3, "GBTClassifier.stepSize": 0.1}


def _penguins(task: str, label: str, **data) -> DataConfig:
    """The 344 shared Palmer penguins (missing values included), read in place."""
    return DataConfig(path=str(PENGUINS), label=label, task=task, ignore=["year"], folds=2, **data)


class _PenguinContract(AdapterContract):
    task, label = "multiclass", "species"

    @pytest.fixture(scope="class")
    def ctx(self, spark):
        ctx, rows = prepared_context(spark, self.family, _penguins(self.task, self.label))
        assert rows["train"] + rows["test"] == rows["kept"] and ctx.state["task"] == self.task
        return ctx


@needs_penguins
class TestSparkLogRegMulticlassContract(_PenguinContract):
    family = "spark-logreg"

    @pytest.fixture
    def params(self):
        return {"regParam": 0.01, "elasticNetParam": 0.0, "maxIter": 20, "class_weight": "balanced"}


@needs_penguins
class TestSparkTreesMulticlassContract(_PenguinContract):
    family = "spark-trees"

    @pytest.fixture
    def params(self):
        return {"estimator": "RandomForestClassifier", "class_weight": "none",
                "RandomForestClassifier.numTrees": 8, "RandomForestClassifier.maxDepth": 4}


class _RegressionContract(_PenguinContract):
    task, label = "regression", "body_mass_g"


@needs_penguins
class TestSparkLinRegContract(_RegressionContract):
    family = "spark-linreg"

    @pytest.fixture
    def params(self):
        return {"regParam": 0.1, "elasticNetParam": 0.5, "maxIter": 20}


@needs_penguins
class TestSparkGBTRegressorContract(_RegressionContract):
    family = "spark-gbt-regressor"

    @pytest.fixture
    def params(self):
        return {"maxIter": 5, "maxDepth": 3, "stepSize": 0.1}


@needs_penguins
class TestSparkRFRegressorContract(_RegressionContract):
    family = "spark-rf-regressor"

    @pytest.fixture
    def params(self):
        return {"numTrees": 8, "maxDepth": 4}


@needs_penguins
class TestSparkKMeansContract(_PenguinContract):
    family, task = "spark-kmeans", "clustering"  # species: the reference, never a feature

    @pytest.fixture
    def params(self):
        return {"k": 3, "initMode": "k-means||", "maxIter": 20, "distanceMeasure": "euclidean"}

    def test_species_is_a_reference_not_a_feature_and_the_clusters_recover_it(self, adapter, ctx, params):
        assert "species" not in ctx.state["data"]["numeric"] + ctx.state["data"]["categorical"]
        result = adapter.fit_fold(ctx, params, 0, 7)
        # three well separated species: a seeded k=3 fit recovers them far better than chance (ARI 0)
        assert 0.0 < result["silhouette"] <= 1.0 and result["adjusted_rand"] > 0.5, result


def test_every_registered_family_has_a_contract_class_for_each_task():
    for name in CONTRACT_MODULES:
        importlib.import_module(name)
    tested = {(cls.family, getattr(cls, "task", None) or model_types()[cls.family].task)
              for cls in _all_subclasses(AdapterContract) if hasattr(cls, "family") and cls.family in model_types()}
    missing = {(name, t) for name, mt in model_types().items() for t in mt.tasks} - tested
    assert not missing, f"(family, task) pairs without an AdapterContract test class: {sorted(missing)}"


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


@pytest.mark.parametrize("family, data, params", [
    ("spark-logreg", {"format": "synthetic-churn", "synthetic_churn": {"rows": 600, "partitions": 2}},
     {"regParam": 0.01, "elasticNetParam": 0.5, "maxIter": 20, "class_weight": "balanced"}),
    ("spark-trees", {"format": "synthetic-churn", "synthetic_churn": {"rows": 600, "partitions": 2}},
     {"estimator": "GBTClassifier", "class_weight": "none", "GBTClassifier.maxIter": 5, "GBTClassifier.maxDepth": 3}),
    pytest.param("spark-kmeans", {"path": str(PENGUINS), "label": "species", "task": "clustering", "ignore": ["year"]},
                 {"k": 3, "maxIter": 10}, marks=needs_penguins),
])
def test_a_fold_on_cached_features_scores_as_the_whole_pipeline_fitted_on_that_fold(spark, family, data, params):
    """fit_fold fits the feature stages once per fold and only the estimator per trial: the metrics are those of
    the whole pipeline fitted on the fold's rows, and a second trial of the fold reuses the cached features."""
    from tuner.models import get_adapter

    adapter = get_adapter(family)
    ctx, _ = prepared_context(spark, family, DataConfig(folds=2, **data))
    train, valid = adapter.fold_frames(ctx, 1)
    whole = adapter.timed_fit_score(ctx, train, valid, params, 7)
    cached = adapter.fit_fold(ctx, params, 1, 7)
    again = adapter.fit_fold(ctx, params, 1, 7)
    metrics = adapter.metric_names(ctx)
    assert {m: cached[m] for m in metrics} == pytest.approx({m: whole[m] for m in metrics}, rel=1e-9, abs=1e-12)
    assert {m: again[m] for m in metrics} == pytest.approx({m: cached[m] for m in metrics}, rel=1e-9, abs=1e-12)
    assert list(ctx.state["_fold_features"]) == [(1, tuple(type(s).__name__ for s in
                                                          adapter._trial_pipeline(ctx, params, 7).getStages()[:-1]))]
