"""spark-als with ``biases: true``: the baseline predictor (global mean, regularised user and item biases) plus
ALS on what it leaves, folded into an ALS model of rank + 2 that predicts, saves and loads as any other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.spark

LAM = 5.0


@pytest.fixture(scope="module")
def fitted(spark):
    from tuner.models import get_adapter

    rng = np.random.default_rng(3)
    pairs = {(int(u), int(i)) for u, i in zip(rng.integers(1, 60, 2500), rng.integers(1, 40, 2500))}
    bias_u, bias_i = rng.normal(0, 0.7, 61), rng.normal(0, 0.7, 41)
    data = [(u, i, float(np.clip(np.round(3.5 + bias_u[u] + bias_i[i] + rng.normal(0, 0.5)), 1, 5)))
            for u, i in sorted(pairs)]
    train = spark.createDataFrame(data, "user int, item int, rating double").cache()
    adapter = get_adapter("spark-als")
    params = {"rank": 3, "maxIter": 6, "regParam": 0.1, "biases": True, "biasReg": LAM}
    return adapter, adapter.fit(None, train, params, 0), pd.DataFrame(data, columns=["user", "item", "rating"]), train


def _factors(frame) -> dict[int, np.ndarray]:
    return {int(r["id"]): np.array(r["features"], dtype=np.float64) for r in frame.collect()}


def test_the_factors_carry_the_mean_and_the_biases_computed_independently(fitted):
    adapter, model, df, _ = fitted
    mu = df.rating.mean()
    item = df.assign(d=df.rating - mu).groupby("item").d.agg(["sum", "count"])
    bi = item["sum"] / (LAM + item["count"])
    user = df.assign(d=df.rating - mu - df.item.map(bi)).groupby("user").d.agg(["sum", "count"])
    bu = user["sum"] / (LAM + user["count"])
    users, items = _factors(model.userFactors), _factors(model.itemFactors)
    assert model.rank == 5 and adapter.fitted_params(model)["rank"] == 3  # the searched rank, not the stored one
    assert adapter.fitted_params(model)["biases"] is True and adapter.fitted_params(model)["biasReg"] == LAM
    for u, f in users.items():
        assert f[3] == 1.0 and f[4] == pytest.approx(mu + bu[u], abs=1e-5)
    for i, f in items.items():
        assert f[3] == pytest.approx(bi[i], abs=1e-5) and f[4] == 1.0


def test_predictions_are_the_baseline_plus_the_residual_factors_and_survive_save_and_load(fitted, tmp_path):
    from pyspark.ml.recommendation import ALSModel

    adapter, model, _, train = fitted
    users, items = _factors(model.userFactors), _factors(model.itemFactors)
    pred = {(r["user"], r["item"]): r["prediction"] for r in model.transform(train).collect()}
    assert len(pred) == train.count()
    assert all(abs(p - users[u] @ items[i]) < 1e-4 for (u, i), p in pred.items())
    model.write().overwrite().save(str(tmp_path / "m"))
    again = {(r["user"], r["item"]): r["prediction"] for r in ALSModel.load(str(tmp_path / "m")).transform(train).collect()}
    assert again == pred


def test_biases_fit_ratings_that_are_mostly_biases_better_than_plain_als(fitted):
    adapter, model, _, train = fitted
    plain = adapter.fit(None, train, {"rank": 3, "maxIter": 6, "regParam": 0.1}, 0)
    assert adapter.fitted_params(plain)["rank"] == 3 and plain.rank == 3
    biased_rmse, plain_rmse = adapter.score(None, model, train)["rmse"], adapter.score(None, plain, train)["rmse"]
    assert biased_rmse < plain_rmse
