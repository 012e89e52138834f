"""The adapter contract for the Spark families not covered elsewhere (ALS, tree ensembles), on the session's
plain local Spark; and the check that every registered family has a contract class."""

from __future__ import annotations

import importlib

import pytest

from tuner.config import model_types
from tuner.config.schema import DataConfig
from tuner.testing.adapter_contract import AdapterContract, prepared_context

pytestmark = [pytest.mark.spark]

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


def test_every_registered_family_has_a_contract_class():
    for name in CONTRACT_MODULES:
        importlib.import_module(name)
    tested = {cls.family for cls in _all_subclasses(AdapterContract) if hasattr(cls, "family")}
    missing = set(model_types()) - tested
    assert not missing, f"families without an AdapterContract test class: {sorted(missing)}"


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)
