"""tuner.serve.predict: ALS pairs from the factors, sklearn probabilities from a real skops file (no JVM)."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from tests.serve_export import write_export
from tuner.serve.errors import ServeError
from tuner.serve.predict import predict

RNG = np.random.default_rng(3)
USERS, ITEMS = np.arange(1, 11), np.arange(50, 70)
U, V = RNG.normal(size=(10, 4)).astype(np.float32), RNG.normal(size=(20, 4)).astype(np.float32)


@pytest.fixture(scope="module")
def als(tmp_path_factory):
    return write_export(tmp_path_factory.mktemp("als"), USERS, ITEMS, U, V, {1: [50]}, [(50, 3)])


def test_als_pairs_get_dot_products_and_unknown_ids_nan_counted(als, tmp_path):
    src = tmp_path / "pairs.csv"
    src.write_text("user,item,extra\n1,50,a\n10,69,b\n3,999,c\n777,55,d\n777,999,e\n,51,f\n")
    info = predict(als, src, tmp_path / "out.parquet")
    got = pq.read_table(tmp_path / "out.parquet")
    assert got.column_names == ["user", "item", "extra", "prediction"]
    pred = got.column("prediction").to_numpy(zero_copy_only=False)
    assert np.allclose(pred[:2], [U[0] @ V[0], U[9] @ V[19]], atol=1e-6)
    assert np.isnan(pred[2:]).all()
    assert (info["rows"], info["nan"], info["unknown_item"], info["empty_id"]) == (6, 4, 2, 1)
    assert info["unknown_user"] == 3  # 777 twice + the empty cell (id 0 is not in the model)


def test_als_csv_out_and_parquet_in(als, tmp_path):
    pq.write_table(pa.table({"user": pa.array([2], pa.int32()), "item": pa.array([52], pa.int64())}),
                   tmp_path / "in.parquet")
    predict(als, tmp_path / "in.parquet", tmp_path / "o.csv")
    assert pcsv.read_csv(tmp_path / "o.csv").column("prediction")[0].as_py() == pytest.approx(float(U[1] @ V[2]),
                                                                                              abs=1e-5)


@pytest.mark.parametrize("text, message", [
    ("user,thing\n1,2\n", "missing column 'item' \\(the file has: user, thing\\)"),
    ("user,item\n1,x\n", "column 'item' must hold integer ids, got string"),
    ("user,item\n1.5,50\n", "column 'user' must hold integer ids, got double"),
])
def test_als_bad_columns_name_the_column(als, tmp_path, text, message):
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(ServeError, match=message) as err:
        predict(als, tmp_path / "bad.csv", tmp_path / "o.csv")
    assert err.value.exit_code == 2


def test_unknown_output_extension_is_a_user_error(als, tmp_path):
    (tmp_path / "p.csv").write_text("user,item\n1,50\n")
    with pytest.raises(ServeError, match="unknown file type .json"):
        predict(als, tmp_path / "p.csv", tmp_path / "o.json")


@pytest.fixture(scope="module")
def sklearn_model(tmp_path_factory):
    """A tiny pipeline fitted and saved by the sklearn adapter itself, with the card it writes."""
    from sklearn.linear_model import LogisticRegression

    from tuner.models.sklearn_model import SklearnClassifier, make_pipeline

    n = 200
    X = pd.DataFrame({"age": RNG.normal(40, 10, n), "plan": RNG.choice(["a", "b", "c"], n).astype(object)})
    y = ((X["age"] > 40) ^ (X["plan"] == "c")).astype(float).to_numpy()
    pipe = make_pipeline(["age"], ["plan"], LogisticRegression()).fit(X, y)
    root = tmp_path_factory.mktemp("clf") / "model"
    adapter = SklearnClassifier()
    adapter.save(pipe, str(root / "sklearn"))
    card = adapter.card(types.SimpleNamespace(state={"facts": {"label": "churn", "positive_label": "yes"}}), pipe)
    (root / "model_card.json").write_text(json.dumps({"model_type": "sklearn", "path": str(root / "sklearn"),
                                                      **card}))
    return root, pipe


def test_sklearn_probability_equals_the_pipelines(sklearn_model, tmp_path):
    root, pipe = sklearn_model
    (tmp_path / "rows.csv").write_text("id,age,plan\n1,30,a\n2,55,c\n3,,b\n4,41.5,\n")
    info = predict(root, tmp_path / "rows.csv", tmp_path / "p.csv")
    got = pcsv.read_csv(tmp_path / "p.csv").column("probability").to_numpy()
    X = pd.DataFrame({"age": [30.0, 55.0, np.nan, 41.5], "plan": pd.Series(["a", "c", "b", ""], dtype=object)})
    assert np.allclose(got, pipe.predict_proba(X)[:, 1])
    assert info == {"rows": 4, "nan": 0, "out": str(tmp_path / "p.csv")}


def test_sklearn_missing_and_wrong_typed_columns_name_them(sklearn_model, tmp_path):
    root, _ = sklearn_model
    (tmp_path / "a.csv").write_text("age\n3\n")
    with pytest.raises(ServeError, match="missing column 'plan'"):
        predict(root, tmp_path / "a.csv", tmp_path / "o.csv")
    (tmp_path / "b.csv").write_text("age,plan\nold,a\n")
    with pytest.raises(ServeError, match="column 'age' must be numeric .*got string"):
        predict(root, tmp_path / "b.csv", tmp_path / "o.csv")


def test_serve_imports_neither_ray_nor_pyspark():
    code = ("import tuner.serve.recommend, tuner.serve.predict, tuner.serve.model_dir, sys; "
            "bad = sorted({m.split('.')[0] for m in sys.modules} & {'ray', 'pyspark', 'raydp', 'optuna'}); "
            "assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def _export(root, pipe, task: str, facts: dict):
    from tuner.models.sklearn_model import SklearnClassifier

    adapter = SklearnClassifier()
    adapter.save(pipe, str(root / "sklearn"))
    card = adapter.card(types.SimpleNamespace(state={"task": task, "facts": {"label": "y", **facts}}), pipe)
    (root / "model_card.json").write_text(json.dumps({"model_type": "sklearn", "path": str(root / "sklearn"),
                                                      **card}))


def test_multiclass_and_regression_answer_as_their_card_says(tmp_path):
    """The card's task decides the columns: the class and a probability per class, or a number (no JVM)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import Ridge

    from tuner.models.sklearn_model import make_pipeline

    n = 300
    X = pd.DataFrame({"age": RNG.normal(40, 10, n), "plan": RNG.choice(["a", "b", "c"], n).astype(object)})
    y = np.digitize(X["age"], [35, 45]).astype(float)  # class index 0, 1, 2
    clf = make_pipeline(["age"], ["plan"], RandomForestClassifier(n_estimators=10, random_state=0)).fit(X, y)
    _export(tmp_path / "multi", clf, "multiclass", {"classes": ["young", "mid", "old"]})
    reg = make_pipeline(["age"], ["plan"], Ridge()).fit(X, 2.0 * X["age"].to_numpy())
    _export(tmp_path / "reg", reg, "regression", {})
    (tmp_path / "rows.csv").write_text("age,plan\n20,a\n60,c\n")
    rows = pd.DataFrame({"age": [20.0, 60.0], "plan": pd.Series(["a", "c"], dtype=object)})

    assert predict(tmp_path / "multi", tmp_path / "rows.csv", tmp_path / "m.parquet")["rows"] == 2
    got = pq.read_table(tmp_path / "m.parquet").to_pandas()
    assert got["prediction"].tolist() == ["young", "old"]
    proba = got[["probability_young", "probability_mid", "probability_old"]].to_numpy()
    assert np.allclose(proba, clf.predict_proba(rows))

    predict(tmp_path / "reg", tmp_path / "rows.csv", tmp_path / "r.parquet")
    got = pq.read_table(tmp_path / "r.parquet").to_pandas()
    assert "probability" not in got and np.allclose(got["prediction"], reg.predict(rows))
    assert json.loads((tmp_path / "reg" / "model_card.json").read_text())["serve"] == "skops"


def test_clustering_writes_the_cluster_of_each_row(tmp_path):
    """A KMeans pipeline's card says clustering: ``tuner predict`` adds ``cluster`` (int), the pipeline's labels."""
    from sklearn.cluster import KMeans

    from tuner.models.sklearn_model import make_pipeline

    n = 300
    X = pd.DataFrame({"age": np.r_[RNG.normal(20, 2, n // 2), RNG.normal(60, 2, n // 2)],
                      "plan": RNG.choice(["a", "b"], n).astype(object)})
    km = make_pipeline(["age"], ["plan"], KMeans(n_clusters=2, n_init=3, random_state=0)).fit(X)
    _export(tmp_path / "km", km, "clustering", {"label": None})
    (tmp_path / "rows.csv").write_text("id,age,plan\n1,19,a\n2,61,b\n3,,a\n")
    assert predict(tmp_path / "km", tmp_path / "rows.csv", tmp_path / "c.parquet") == {
        "rows": 3, "nan": 0, "out": str(tmp_path / "c.parquet")}
    got = pq.read_table(tmp_path / "c.parquet")
    assert got.schema.field("cluster").type == pa.int32() and got.column_names == ["id", "age", "plan", "cluster"]
    rows = pd.DataFrame({"age": [19.0, 61.0, np.nan], "plan": pd.Series(["a", "b", "a"], dtype=object)})
    assert got.column("cluster").to_pylist() == km.predict(rows).tolist()
    assert got.column("cluster").to_pylist()[0] != got.column("cluster").to_pylist()[1]
