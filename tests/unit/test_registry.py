"""One registration is enough for a new model family: a toy family defined here, in the test (no file of
tuner/ changed), goes through `tuner validate` and the adapter contract suite."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tuner.cli import main
from tuner.config import ModelType, model_type, model_types, unregister_model_type
from tuner.config.families import UNIT, UnknownModelError
from tuner.models import ModelAdapter, get_adapter, register
from tuner.testing.adapter_contract import AdapterContract

TOY = ModelType(name="toy-centroid", task="binary", metrics={"auc_roc": "max", "log_loss": "min"},
                default_metric="auc_roc", default_space=None, params={"shrink": UNIT})


class ToyCentroid(ModelAdapter):
    """Nearest class centroid on numpy arrays; ``shrink`` pulls both centroids towards the overall mean."""

    def prepare(self, ctx, data_cfg):
        rng = np.random.default_rng(0)
        y = (rng.random(400) < 0.4).astype(float)
        x = rng.normal(size=(400, 3)) + y[:, None]
        ctx.state["data"] = (x, y, np.arange(400) % (data_cfg.folds + 1))  # the last group is the test set
        return {"read": 400, "kept": 400, "dropped": {}}

    def _rows(self, ctx, mask):
        x, y, _ = ctx.state["data"]
        return x[mask], y[mask]

    def fold_frames(self, ctx, fold):
        g = ctx.state["data"][2]
        test = g.max()
        return self._rows(ctx, (g != fold) & (g != test)), self._rows(ctx, g == fold)

    def full_frames(self, ctx):
        g = ctx.state["data"][2]
        return self._rows(ctx, g != g.max()), self._rows(ctx, g == g.max())

    def fit(self, ctx, train, params, seed):
        x, y = train
        mean = x.mean(axis=0)
        s = params["shrink"]
        return {"c1": (1 - s) * x[y == 1].mean(axis=0) + s * mean, "c0": (1 - s) * x[y == 0].mean(axis=0) + s * mean,
                "shrink": s}

    def _p(self, model, x):
        d1 = ((x - model["c1"]) ** 2).sum(axis=1)
        d0 = ((x - model["c0"]) ** 2).sum(axis=1)
        return 1 / (1 + np.exp(d1 - d0))

    def score(self, ctx, model, frame):
        from sklearn.metrics import log_loss, roc_auc_score

        x, y = frame
        p = self._p(model, x)
        return {"auc_roc": float(roc_auc_score(y, p)), "log_loss": float(log_loss(y, p, labels=[0, 1])),
                "rows": len(y)}

    def predict(self, ctx, model, frame):
        return self._p(model, frame[0]).tolist()

    def fitted_params(self, model):
        return {"shrink": model["shrink"]}

    def save(self, model, path):
        os.makedirs(path, exist_ok=True)
        np.savez(os.path.join(path, "toy.npz"), **{k: np.asarray(v) for k, v in model.items()})

    def load(self, ctx, path):
        with np.load(os.path.join(path, "toy.npz")) as f:
            return {"c1": f["c1"], "c0": f["c0"], "shrink": float(f["shrink"])}

    def card(self, ctx, model):
        return {"format": "numpy .npz (c1, c0 centroids)", "task": self.task_of(ctx)}

    def save_mlflow(self, ctx, model, test, path):
        # a family without an MLflow flavour of its own logs an MLflow pyfunc model with its signature
        import mlflow.pyfunc
        from mlflow.models import infer_signature

        adapter = self

        class Centroids(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input, params=None):
                return adapter._p(model, np.asarray(model_input, dtype=float))

        x = test[0][:5]
        mlflow.pyfunc.save_model(path, python_model=Centroids(), signature=infer_signature(x, self._p(model, x)))


@pytest.fixture(scope="module", autouse=True)
def toy_family():
    register(TOY)(ToyCentroid)
    yield
    unregister_model_type(TOY.name)


def _write(tmp_path, params: str) -> str:
    path = tmp_path / "toy.yaml"
    path.write_text(f"name: toy\ndata: {{format: synthetic-churn}}\nmodel:\n  type: toy-centroid\n  params: {params}\n")
    return str(path)


def test_the_registered_toy_family_validates_through_the_cli(tmp_path, capsys):
    assert "toy-centroid" in model_types() and model_type("toy-centroid").adapter is ToyCentroid
    assert main(["validate", _write(tmp_path, "{shrink: {type: uniform, low: 0.0, high: 0.5}}")]) == 0
    assert capsys.readouterr().out.startswith("ok: toy: toy-centroid, tuning shrink;")


def test_the_toy_familys_rules_drive_the_config_errors(tmp_path, capsys):
    assert main(["validate", _write(tmp_path, "{shrnk: 0.2}")]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'shrnk' in model.params (did you mean 'shrink'?)" in err and "Traceback" not in err
    assert main(["validate", _write(tmp_path, "{shrink: {type: uniform, low: 0.0, high: 2.0}}")]) == 2
    assert "model.params.shrink.high must be a number >= 0 and <= 1, got 2.0" in capsys.readouterr().err


def test_an_unknown_family_lists_the_registered_ones():
    with pytest.raises(UnknownModelError, match=r"unknown model type 'nope'; registered: .*toy-centroid"):
        get_adapter("nope")


def test_a_missing_dependency_names_the_pip_line():
    import dataclasses

    register(dataclasses.replace(TOY, name="toy-needs", requires={"no_such_module_x": "no-such-package"}))(ToyCentroid)
    try:
        with pytest.raises(UnknownModelError, match=r"model type 'toy-needs' needs: pip install no-such-package"):
            get_adapter("toy-needs")
    finally:
        unregister_model_type("toy-needs")
        register(TOY)(ToyCentroid)  # the decorator re-pointed the class at the other spec


class TestToyContract(AdapterContract):
    family = "toy-centroid"

    @pytest.fixture(scope="class")
    def ctx(self):
        from tuner.cluster.service import ServiceContext
        from tuner.config.schema import DataConfig

        ctx = ServiceContext(spark=None)
        get_adapter("toy-centroid").prepare(ctx, DataConfig(format="synthetic-churn", folds=2))
        return ctx

    @pytest.fixture
    def params(self):
        return {"shrink": 0.25}
