"""The classification data path and the spark-logreg adapter on one plain local Spark (no Ray): the adapter
contract, stratified splits, row accounting, and clear errors for bad label/feature columns."""

from __future__ import annotations

import pytest

from tuner.cluster.service import ServiceContext
from tuner.config.schema import DataConfig
from tuner.data.tabular import TableError, prepare_table
from tuner.models import get_adapter
from tuner.testing.adapter_contract import AdapterContract, prepared_context

from tests.shared_data import TELCO

pytestmark = [pytest.mark.spark]  # the session-wide local Spark of tests/conftest.py


def write_csv(tmp_path, lines):
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


class TestSparkLogRegContract(AdapterContract):
    family = "spark-logreg"

    @pytest.fixture(scope="class")
    def ctx(self, spark):
        cfg = DataConfig(format="synthetic-churn", synthetic_churn={"rows": 600, "partitions": 2}, folds=2)
        ctx, rows = prepared_context(spark, self.family, cfg)
        assert rows["read"] == 600 and rows["kept"] + sum(rows["dropped"].values()) == 600
        return ctx

    @pytest.fixture
    def params(self):
        return {"regParam": 0.01, "elasticNetParam": 0.5, "maxIter": 5, "fitIntercept": True,
                "class_weight": "balanced"}


def test_unseen_category_is_kept_not_a_crash(spark):
    adapter = get_adapter("spark-logreg")
    ctx = ServiceContext(spark=spark)
    adapter.prepare(ctx, DataConfig(format="synthetic-churn", synthetic_churn={"rows": 300, "partitions": 1},
                                    folds=2))
    train, valid = adapter.fold_frames(ctx, 0)
    model = adapter.fit(ctx, train, {"maxIter": 5}, 0)
    from pyspark.sql import functions as F

    odd = valid.withColumn("contract", F.lit("ten-year"))
    assert len(adapter.predict(ctx, model, odd)) == valid.count()


@pytest.mark.skipif(not TELCO.is_file(), reason="the Telco churn CSV is not on this machine")
def test_stratified_split_and_accounting_on_the_real_telco_csv(spark):
    cfg = DataConfig(format="csv", path=str(TELCO), label="Churn", folds=3, missing="drop")
    p = prepare_table(spark, cfg)
    assert p.counts.as_dict() == {"read": 7043, "kept": 7032,
                                  "dropped": {"missing_label": 0, "non_numeric": 0, "missing_value": 11}}
    assert p.facts["missing_values"] == {"TotalCharges": 11} and p.facts["ignored_id_like"] == ["customerID"]
    rate = {r["_fold"]: r["rate"] for r in p.train.groupBy("_fold").agg({"_label": "avg"})
            .withColumnRenamed("avg(_label)", "rate").collect()}
    test_rate = p.test.agg({"_label": "avg"}).first()[0]
    overall = p.facts["positives"] / 7032
    assert all(abs(v - overall) < 0.01 for v in [*rate.values(), test_rate]), (rate, test_rate, overall)


@pytest.mark.parametrize("lines, cfg, message", [
    (["a,b,y", "1,x,0", "2,y,1", "3,x,2"], {"label": "y"},
     "data.label 'y' must have exactly two classes, found 3: "),
    (["a,b,y", "1,x,0"], {"label": "target"},
     "data.label: 'target' is not a column of the table; its columns are a, b, y"),
    (["a,b,y", "1,x,0", "2,y,1"], {"label": "y", "numeric": ["c"]},
     "data.numeric: 'c' is not a column of the table"),
    (["a,b,y", "1,x,0", ",y,1"], {"label": "y", "missing": "fail"},
     "data.missing is 'fail' and 1 value(s) are missing (a 1)"),
    (["a,b,y", "1,x,0", "two,y,1"], {"label": "y", "numeric": ["a"], "bad_rows": "fail"},
     "data.bad_rows is 'fail' and 1 row(s) have a value that is not a number in a numeric column (a 1)"),
    (["a,b,y", "1,x,0", "2,y,1"], {"label": "y", "positive_label": "yes"},
     "data.positive_label 'yes' is not a value of 'y'"),
])
def test_bad_label_and_feature_columns_give_clear_errors(spark, tmp_path, lines, cfg, message):
    with pytest.raises(TableError) as info:
        prepare_table(spark, DataConfig(format="csv", path=write_csv(tmp_path, lines), **cfg))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_non_numbers_and_missing_labels_are_counted(spark, tmp_path):
    path = write_csv(tmp_path, ["a,b,y", "1,x,no", "2,y,yes", "two,x,no", "3,,", "4,,yes"])
    p = prepare_table(spark, DataConfig(format="csv", path=path, label="y", numeric=["a"], categorical=["b"]))
    assert p.counts.as_dict() == {"read": 5, "kept": 3,
                                  "dropped": {"missing_label": 1, "non_numeric": 1, "missing_value": 0}}
    assert p.facts["positive_label"] == "yes" and p.facts["missing_values"] == {"b": 1}
