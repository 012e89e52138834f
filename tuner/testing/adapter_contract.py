"""The contract every model adapter passes. A test class subclasses :class:`AdapterContract` and provides fixtures.

Required of the subclass: the class attribute ``family`` (the ``model.type`` it tests; the default ``adapter``
fixture instantiates it, and a test checks every registered family has a contract class for each of its tasks),
``task`` when it tests another task than the family's default, and the fixtures
    ``ctx``: a ServiceContext on which ``adapter.prepare`` (or an equivalent) has run on a tiny table.
    ``params``: one fixed configuration (the keys a trial receives).

Example::

    class TestSparkLogReg(AdapterContract):
        family = "spark-logreg"

        @pytest.fixture(scope="class")
        def ctx(self, spark): ...
"""

from __future__ import annotations

import json
import math
import pickle

import pytest

SEED = 7


def prepared_context(spark, family: str, data_cfg) -> tuple:
    """A ServiceContext on ``spark`` on which ``family``'s adapter has prepared ``data_cfg`` (a DataConfig).

    Returns:
        (ctx, the row accounting ``prepare`` returned)
    """
    from tuner.cluster.service import ServiceContext
    from tuner.models import get_adapter

    ctx = ServiceContext(spark=spark)
    return ctx, get_adapter(family).prepare(ctx, data_cfg)


class AdapterContract:
    """Fit on a tiny frame, metric keys present, save -> load same predictions, params round-trip, pickles."""

    family: str
    task: str | None = None  # None: the family's default task

    @pytest.fixture(scope="class")
    def adapter(self):
        from tuner.models import get_adapter

        return get_adapter(self.family)

    def test_adapter_is_the_registered_family(self, adapter):
        from tuner.config import model_type

        spec = model_type(self.family)
        assert type(adapter) is spec.adapter and adapter.metrics == spec.metric_names and adapter.spec is spec

    def test_fit_fold_reports_every_metric_finite(self, adapter, ctx, params):
        result = adapter.fit_fold(ctx, params, 0, SEED)
        metrics = adapter.metric_names(ctx)  # the task's (tuner.config.tasks)
        assert set(metrics) <= set(result)
        assert all(math.isfinite(result[m]) for m in metrics), result
        assert result["fit_seconds"] >= 0 and result["score_seconds"] >= 0

    def test_fit_is_deterministic_for_a_seed(self, adapter, ctx, params):
        a = adapter.fit_fold(ctx, params, 1, SEED)
        b = adapter.fit_fold(ctx, params, 1, SEED)
        metrics = adapter.metric_names(ctx)
        assert {m: a[m] for m in metrics} == pytest.approx({m: b[m] for m in metrics})

    def test_save_then_load_gives_identical_predictions(self, adapter, ctx, params, tmp_path):
        train, valid = adapter.fold_frames(ctx, 0)
        model = adapter.fit(ctx, train, params, SEED)
        path = str(tmp_path / "model")
        adapter.save(model, path)
        again = adapter.load(ctx, path)
        before, after = adapter.predict(ctx, model, valid), adapter.predict(ctx, again, valid)
        assert len(before) > 0 and before == after
        # identical predictions; Spark's AUC sums in partition order, so the metric may differ in its last bit
        assert adapter.score(ctx, again, valid) == pytest.approx(adapter.score(ctx, model, valid), rel=1e-12)

    def test_params_round_trip(self, adapter, ctx, params):
        assert json.loads(json.dumps(params)) == params  # as they travel through Tune and summary.json
        train, _ = adapter.fold_frames(ctx, 0)
        model = adapter.fit(ctx, train, params, SEED)
        fitted = adapter.fitted_params(model)
        assert {k: fitted.get(k) for k in params} == params

    def test_refit_reports_test_metrics_and_reload_check(self, adapter, ctx, params, tmp_path):
        result = adapter.refit_and_test(ctx, params, SEED, str(tmp_path / "refit"), str(tmp_path / "mlflow"))
        metrics = adapter.metric_names(ctx)
        assert set(metrics) <= set(result)
        # the MLflow model folder the run logs to its parent run: a flavour and a signature
        assert result.get("mlflow_model") == str(tmp_path / "mlflow"), result.get("mlflow_model_error")
        mlmodel = (tmp_path / "mlflow" / "MLmodel").read_text()
        assert "signature:" in mlmodel and "python_function:" in mlmodel  # mlflow.pyfunc.load_model reads it
        card = result["card"]
        assert card["reload_identical"] is True
        assert set(card["reload_test_metrics"]) == set(metrics)
        assert isinstance(card.get("format"), str) and card["format"], card  # says how to load the model
        assert card["task"] == adapter.task_of(ctx), card  # serving dispatches on the card's task
        assert json.loads(json.dumps(card)) == card  # the model card is plain JSON

    def test_adapter_pickles(self, adapter):
        back = pickle.loads(pickle.dumps(adapter))
        assert type(back) is type(adapter) and back.metrics == adapter.metrics
