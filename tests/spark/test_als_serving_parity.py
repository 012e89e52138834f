"""The numpy serving path against Spark itself: recommendForUserSubset, transform, RankingEvaluator."""

from __future__ import annotations

import math

import numpy as np
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.spark

K = 10
N_USERS, N_ITEMS = 120, 80


@pytest.fixture(scope="module")
def ratings(spark):
    rng = np.random.default_rng(11)
    rows = {(int(u), int(i)) for u, i in zip(rng.integers(0, N_USERS, 5000), rng.integers(0, N_ITEMS, 5000))}
    data = [(u + 1, i + 1, float(rng.integers(1, 6))) for u, i in sorted(rows)]
    return spark.createDataFrame(data, "user int, item int, rating double")


@pytest.fixture(scope="module", params=["explicit", "implicitPrefs", "biases"])
def export(request, spark, ratings, tmp_path_factory):
    """An exported ALS model: explicit ratings, implicit feedback (the ratings as interaction strengths), and
    explicit ratings with tuner's baseline predictor (biases folded into the factors)."""
    from pyspark.ml.recommendation import ALS

    from tuner.models import get_adapter
    from tuner.models.als_export import export_for_serving

    train, valid = ratings.randomSplit([0.8, 0.2], seed=1)
    train, valid = train.cache(), valid.cache()
    if request.param == "biases":
        model = get_adapter("spark-als").fit(None, train, {"rank": 6, "maxIter": 5, "regParam": 0.1, "biases": True,
                                                           "biasReg": 5.0}, 0)
    else:
        model = ALS(rank=6, maxIter=5, regParam=0.1, seed=0, userCol="user", itemCol="item", ratingCol="rating",
                    coldStartStrategy="drop", implicitPrefs=request.param == "implicitPrefs", alpha=2.0).fit(train)
    root = tmp_path_factory.mktemp("export") / "model"
    model.write().overwrite().save(str(root / "spark-als"))
    serving = export_for_serving(model, train, str(root), top_k=K, partitions=3)
    (root / "model_card.json").write_text(f'{{"model_type": "spark-als", "path": "{root / "spark-als"}"}}')
    return model, train, valid, root, serving


def test_recommend_equals_spark_recommend_for_user_subset(spark, export):
    from tuner.serve.recommend import Recommender

    model, train, _, root, _ = export
    users = [r["user"] for r in train.select("user").distinct().orderBy("user").limit(20).collect()]
    seen = {u: set() for u in users}
    for r in train.where(train.user.isin(users)).select("user", "item").collect():
        seen[r["user"]].add(r["item"])
    spark_recs = model.recommendForUserSubset(spark.createDataFrame([(u,) for u in users], "user int"), N_ITEMS)
    rec = Recommender(root)
    for row in spark_recs.collect():
        want = [(x["item"], x["rating"]) for x in row["recommendations"] if x["item"] not in seen[row["user"]]][:K]
        got = rec.recommend(row["user"], K)
        assert {i for i, _ in got} == {i for i, _ in want}, row["user"]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)
        assert not {i for i, _ in got} & seen[row["user"]]


def test_exported_recommendations_match_numpy_and_exclude_seen(export):
    from tuner.serve.recommend import Recommender

    _, train, _, root, serving = export
    stored = pq.read_table(root / "recommendations").to_pylist()
    assert serving["fingerprint"] == {"rows": train.count(), "users": len(stored),
                                      "items": train.select("item").distinct().count()}
    rec = Recommender(root, load_users=True)
    for row in stored[:30]:
        got = rec.recommend(row["user"], K)
        assert set(row["items"]) == {i for i, _ in got}
        assert np.allclose(row["scores"], [s for _, s in got], atol=1e-5)


def test_seen_store_lookup_reads_one_row_group_and_popular_is_by_count(export):
    from tuner.serve.store import popular_items, seen_items

    _, train, _, root, _ = export
    user = train.select("user").first()["user"]
    want = sorted(r["item"] for r in train.where(train.user == user).select("item").distinct().collect())
    assert seen_items(root, user).tolist() == want
    dataset = ds.dataset(root / "seen", format="parquet")
    assert len(dataset.files) == 3
    groups = [g for f in dataset.get_fragments() for g in f.split_by_row_group(ds.field("user") == user)]
    assert len(groups) == 1
    counts = sorted(((r["count"], r["item"]) for r in train.groupBy("item").count().collect()),
                    key=lambda c: (-c[0], c[1]))
    assert popular_items(root, 5) == [(i, float(c)) for c, i in counts[:5]]


def test_predict_equals_transform(spark, export, tmp_path):
    from tuner.models.als_export import predict_pairs
    from tuner.serve.predict import predict

    model, _, valid, root, _ = export
    pairs = valid.select("user", "item").union(spark.createDataFrame([(99999, 1), (1, 99999)], "user int, item int"))
    pairs.toPandas().to_csv(tmp_path / "pairs.csv", index=False)
    info = predict(root, tmp_path / "pairs.csv", tmp_path / "out.parquet")
    ours = {(r["user"], r["item"]): r["prediction"] for r in pq.read_table(tmp_path / "out.parquet").to_pylist()}
    theirs = {(r["user"], r["item"]): r["prediction"] for r in predict_pairs(model, pairs).collect()}
    assert ours.keys() == theirs.keys()
    nan = [k for k, v in theirs.items() if math.isnan(v)]
    assert info["nan"] == len(nan) >= 2 and all(math.isnan(ours[k]) for k in nan)
    assert all(abs(ours[k] - v) < 1e-5 for k, v in theirs.items() if not math.isnan(v))


def test_ranking_scores_on_a_hand_made_fixture(spark):
    from tuner.models.als_ranking import ranking_scores

    # user 1: predicted [1, 2, 3], relevant {1, 3}; user 2: predicted [4, 5], relevant {6}; k = 3
    frame = spark.createDataFrame([([1.0, 2.0, 3.0], [1.0, 3.0]), ([4.0, 5.0], [6.0])],
                                  "prediction array<double>, label array<double>")
    got = ranking_scores(frame, [3])
    log2 = math.log2
    ndcg1 = (1 + 1 / log2(4)) / (1 + 1 / log2(3))  # hits at ranks 1 and 3; ideal: 2 hits at ranks 1, 2
    want = {"precision@3": (2 / 3 + 0) / 2, "recall@3": (2 / 2 + 0) / 2, "map@3": ((1 / 1 + 2 / 3) / 2 + 0) / 2,
            "ndcg@3": (ndcg1 + 0) / 2}
    assert got == pytest.approx(want, abs=1e-12)


def _with_factors(als_model, users, items, folder):
    """An ALSModel with chosen factors: Spark's own writer for the metadata, then the factor Parquet replaced."""
    from pyspark.ml.recommendation import ALSModel

    als_model.write().overwrite().save(str(folder))
    users.write.mode("overwrite").parquet(str(folder / "userFactors"))
    items.write.mode("overwrite").parquet(str(folder / "itemFactors"))
    return ALSModel.load(str(folder))


def test_ranking_metrics_of_a_known_model_and_the_popular_baseline(spark, tmp_path):
    """Factors chosen so the model's ranking is known: item 10i scores i, so every user's order is items 40..10."""
    from pyspark.ml.recommendation import ALS

    from tuner.models.als_ranking import ranking_metrics

    train = spark.createDataFrame(  # popularity: item 10 x3, 20 x2, 30 x1, 40 x1
        [(1, 10, 5.0), (2, 10, 5.0), (3, 10, 5.0), (1, 20, 4.0), (3, 20, 4.0), (2, 30, 3.0), (3, 40, 3.0)],
        "user int, item int, rating double")
    valid = spark.createDataFrame(
        [(1, 40, 5.0), (1, 30, 2.0), (2, 20, 4.0), (3, 30, 1.0), (4, 10, 5.0)], "user int, item int, rating double")
    als = ALS(rank=1, maxIter=1, userCol="user", itemCol="item", ratingCol="rating", seed=0).fit(train)
    users = spark.createDataFrame([(u, [1.0]) for u in (1, 2, 3)], "id int, features array<float>")
    items = spark.createDataFrame([(i, [i / 10.0]) for i in (10, 20, 30, 40)], "id int, features array<float>")
    model = _with_factors(als, users, items, tmp_path / "known")
    got = ranking_metrics(model, train, valid, ks=(1, 2), relevant_rating=4.0, ranking_users=10, seed=0)
    # user 1: unseen {30, 40} -> model [40, 30], relevant {40}; popular [30, 40]
    # user 2: unseen {20, 40} -> model [40, 20], relevant {20}; popular [20, 40]
    # user 3: no relevant held-out item (rating 1) -> dropped and counted; user 4: not in training (cold)
    assert (got["ranking_users_evaluated"], got["ranking_users_without_relevant"], got["ranking_users_cold"]) == \
        (2, 1, 1)
    assert got["precision@1"] == pytest.approx(0.5) and got["popular_precision@1"] == pytest.approx(0.5)
    assert got["recall@2"] == pytest.approx(1.0) and got["popular_recall@2"] == pytest.approx(1.0)
    assert got["map@2"] == pytest.approx((1 + 0.5) / 2) and got["popular_map@2"] == pytest.approx((0.5 + 1) / 2)
    assert got["ndcg@2"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
