"""scikit-learn estimators from an allow-list, preprocessed by a ColumnTransformer, trials in their own Ray workers.

Tasks: binary and multiclass (the classifiers), regression (the regressors), clustering (KMeans,
MiniBatchKMeans); ``data.task`` narrows the ``estimator`` choice to the estimators of that task.

Spark (in the service) reads, cleans and splits the table; it is handed to Ray once (RayDP's Arrow hand-over)
and materialised as numpy arrays in the object store. Spark is then stopped so its executors' CPUs go to the
trials, each of which asks Ray for ``n_jobs`` CPUs. Export: a skops file whose non-default types are listed
in the model card and checked on load against the one exact allow-list, tuner.serve.trust.SKOPS_TRUSTED.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import Any

import numpy as np

from tuner.config.families import BOOL, NONNEG_FLOAT, POS_FLOAT, POS_INT, UNIT, ModelType, ParamRule, short_name
from tuner.models._classifier import CLASS_WEIGHT, label_card, table_rows
from tuner.models.base import TRIAL_DATA, ModelAdapter
from tuner.models.registry import register

_HIST_GB = {"learning_rate": POS_FLOAT, "max_iter": POS_INT, "max_depth": POS_INT,
            "max_leaf_nodes": ParamRule("int", min=2), "min_samples_leaf": POS_INT, "l2_regularization": NONNEG_FLOAT}
# import path -> the params tuner checks (upstream names); others are refused so typos are caught.
ESTIMATORS: dict[str, dict[str, ParamRule]] = {
    "sklearn.linear_model.LogisticRegression": {
        "C": POS_FLOAT,
        "l1_ratio": UNIT,
        "solver": ParamRule("str", choices=("lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga")),
        "max_iter": POS_INT,
        "fit_intercept": BOOL,
        "tol": POS_FLOAT,
        "class_weight": CLASS_WEIGHT,
    },
    "sklearn.ensemble.RandomForestClassifier": {
        "n_estimators": POS_INT,
        "max_depth": POS_INT,
        "min_samples_leaf": POS_INT,
        "max_features": ParamRule("float", min=0, max=1, min_exclusive=True),
        "criterion": ParamRule("str", choices=("gini", "entropy", "log_loss")),
        "class_weight": CLASS_WEIGHT,
    },
    "sklearn.ensemble.ExtraTreesClassifier": {
        "n_estimators": POS_INT,
        "max_depth": POS_INT,
        "min_samples_leaf": POS_INT,
        "max_features": ParamRule("float", min=0, max=1, min_exclusive=True),
        "class_weight": CLASS_WEIGHT,
    },
    "sklearn.ensemble.HistGradientBoostingClassifier": {**_HIST_GB, "class_weight": CLASS_WEIGHT},
}
REGRESSORS: dict[str, dict[str, ParamRule]] = {
    "sklearn.linear_model.Ridge": {"alpha": NONNEG_FLOAT, "fit_intercept": BOOL, "tol": POS_FLOAT},
    "sklearn.linear_model.SGDRegressor": {
        "alpha": NONNEG_FLOAT,
        "l1_ratio": UNIT,
        "penalty": ParamRule("str", choices=("l2", "l1", "elasticnet")),
        "loss": ParamRule("str", choices=("squared_error", "huber", "epsilon_insensitive")),
        "learning_rate": ParamRule("str", choices=("invscaling", "optimal", "constant", "adaptive")),
        "eta0": POS_FLOAT,
        "max_iter": POS_INT,
        "tol": POS_FLOAT,
    },
    "sklearn.ensemble.HistGradientBoostingRegressor": {
        **_HIST_GB, "loss": ParamRule("str", choices=("squared_error", "absolute_error", "gamma", "poisson"))},
    "sklearn.ensemble.RandomForestRegressor": {
        "n_estimators": POS_INT,
        "max_depth": POS_INT,
        "min_samples_leaf": POS_INT,
        "max_features": ParamRule("float", min=0, max=1, min_exclusive=True),
    },
}
_KMEANS = {"n_clusters": ParamRule("int", min=2), "init": ParamRule("str", choices=("k-means++", "random")),
           "n_init": POS_INT, "max_iter": POS_INT}
CLUSTERERS: dict[str, dict[str, ParamRule]] = {
    "sklearn.cluster.KMeans": {**_KMEANS, "tol": POS_FLOAT, "algorithm": ParamRule("str", choices=("lloyd", "elkan"))},
    "sklearn.cluster.MiniBatchKMeans": {**_KMEANS, "batch_size": POS_INT, "reassignment_ratio": NONNEG_FLOAT},
}
# Listed only when installed (find_spec looks for the package without importing it).
_OPTIONAL = {
    "xgboost.XGBClassifier": ("xgboost", {"n_estimators": POS_INT, "max_depth": POS_INT, "learning_rate": POS_FLOAT,
                                          "subsample": UNIT, "colsample_bytree": UNIT, "reg_lambda": NONNEG_FLOAT}),
    "lightgbm.LGBMClassifier": ("lightgbm", {"n_estimators": POS_INT, "num_leaves": ParamRule("int", min=2),
                                             "learning_rate": POS_FLOAT, "subsample": UNIT, "colsample_bytree": UNIT,
                                             "reg_lambda": NONNEG_FLOAT}),
}
for _path, (_package, _rules) in _OPTIONAL.items():
    if importlib.util.find_spec(_package) is not None:
        ESTIMATORS[_path] = _rules
CLASSIFIERS = tuple(ESTIMATORS)
ESTIMATORS.update(REGRESSORS)
ESTIMATORS.update(CLUSTERERS)

SKLEARN = ModelType(
    name="sklearn",
    task="binary",
    tasks=("binary", "multiclass", "regression", "clustering"),
    default_space="sklearn",
    params={"estimator": ParamRule("str", choices=CLASSIFIERS), "n_jobs": POS_INT},
    branch_params=ESTIMATORS,
    task_choices={"estimator": {"binary": CLASSIFIERS, "multiclass": CLASSIFIERS, "regression": tuple(REGRESSORS),
                                "clustering": tuple(CLUSTERERS)}},
    task_spaces={"regression": "sklearn_regression", "clustering": "sklearn_clustering"},
    fixed_params={"n_jobs": "it sets the CPUs each trial asks Ray for"},
    requires={"sklearn": "scikit-learn", "skops": "skops"},
)

MODEL_FILE = "model.skops"


class NotAllowed(ValueError):
    """An estimator outside the allow-list (config validation catches this first)."""

    def __reduce__(self):
        return (type(self), self.args)


def make_estimator(params: dict, seed: int):
    """The estimator of ``params["estimator"]`` with its branch params (``Short.param`` keys).

    Args:
        params: a trial's flat params: ``estimator``, ``n_jobs``, ``<ShortName>.<param>``.
        seed: ``random_state`` when the estimator has one.

    Raises:
        NotAllowed: the import path is not in the allow-list (nothing is imported).
    """
    path = params["estimator"]
    if path not in ESTIMATORS:
        raise NotAllowed(f"estimator {path!r} is not in the allow-list: {', '.join(ESTIMATORS)}")
    module, cls = path.rsplit(".", 1)
    estimator = getattr(importlib.import_module(module), cls)()
    prefix = short_name(path) + "."
    kwargs = {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}
    if kwargs.get("class_weight") == "none":
        kwargs["class_weight"] = None
    accepted = estimator.get_params()
    if "random_state" in accepted:
        kwargs["random_state"] = seed
    if "n_jobs" in accepted:
        kwargs["n_jobs"] = params.get("n_jobs", 1)
    return estimator.set_params(**kwargs)


def make_pipeline(numeric: list[str], categorical: list[str], estimator):
    """ColumnTransformer (median impute + scale numeric; constant impute + one-hot categorical) -> estimator."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    num = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    cat = Pipeline([("impute", SimpleImputer(strategy="constant", fill_value="__missing__")),
                    ("onehot", OneHotEncoder(handle_unknown="ignore"))])
    pre = ColumnTransformer([("num", num, numeric), ("cat", cat, categorical)])
    return Pipeline([("preprocess", pre), ("estimator", estimator)])


def task_metrics(task: str, model, X, y: np.ndarray) -> dict:
    """The metrics of ``task`` (tuner.config.tasks) of a fitted pipeline on ``(X, y)``, plus ``rows``."""
    from sklearn import metrics as M

    if task == "clustering":
        return clustering_metrics(model, X, y)
    if task == "regression":
        yhat = model.predict(X)
        return {"rmse": float(np.sqrt(M.mean_squared_error(y, yhat))), "mae": float(M.mean_absolute_error(y, yhat)),
                "r2": float(M.r2_score(y, yhat)), "rows": int(len(y))}
    proba = model.predict_proba(X)
    if task == "multiclass":
        classes = model.classes_
        yhat = classes[np.argmax(proba, axis=1)]
        return {"f1_macro": float(M.f1_score(y, yhat, average="macro", zero_division=0)),
                "accuracy": float(M.accuracy_score(y, yhat)),
                "log_loss": float(M.log_loss(y, np.clip(proba, 1e-15, 1 - 1e-15), labels=classes)),
                "rows": int(len(y))}
    p = proba[:, 1]
    return numpy_metrics(y, p, (p >= 0.5).astype(np.float64))


def clustering_metrics(model, X, y: np.ndarray) -> dict:
    """silhouette of the held-out rows (squared Euclidean on the pipeline's scaled features, as spark-kmeans),
    rows, and adjusted_rand against the reference label where it is set (NaN: no reference)."""
    from sklearn import metrics as M

    labels = model.predict(X)
    if np.unique(labels).size < 2:
        raise ValueError("every held-out row fell into one cluster, so the silhouette is undefined")
    features = model.named_steps["preprocess"].transform(X)
    out = {"silhouette": float(M.silhouette_score(features, labels, metric="sqeuclidean")), "rows": int(len(y))}
    known = ~np.isnan(y)
    if known.any():
        out["adjusted_rand"] = float(M.adjusted_rand_score(y[known], labels[known]))
    return out


def numpy_metrics(y: np.ndarray, p: np.ndarray, yhat: np.ndarray) -> dict:
    """auc_roc, auc_pr, log_loss, accuracy, f1 and rows from labels, P(positive) and 0/1 predictions."""
    from sklearn import metrics as M

    two = len(np.unique(y)) == 2
    return {
        "auc_roc": float(M.roc_auc_score(y, p)) if two else float("nan"),
        "auc_pr": float(M.average_precision_score(y, p)) if two else float("nan"),
        "log_loss": float(M.log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1])),
        "accuracy": float(M.accuracy_score(y, yhat)),
        "f1": float(M.f1_score(y, yhat, zero_division=0)),
        "rows": int(len(y)),
    }


@register(SKLEARN)
class SklearnClassifier(ModelAdapter):
    """Any allow-listed sklearn-style classifier behind the ColumnTransformer of :func:`make_pipeline`."""

    trials_in_worker = True

    def trial_resources(self, params: dict) -> dict:
        return {"cpu": int(params.get("n_jobs", 1))}

    def task_of(self, ctx) -> str:
        # a trial worker's context holds only the data handle, which carries the task
        data = ctx.state.get("data")
        return data["task"] if isinstance(data, dict) and "task" in data else super().task_of(ctx)

    def prepare(self, ctx, data_cfg: Any) -> dict:
        import raydp

        from tuner.data.tabular import prepare_table
        from tuner.models._sklearn_data import table_to_object_store

        prepared = prepare_table(ctx.spark, data_cfg, self.spec.task)
        task = prepared.facts["task"]
        # not cached: the hand-over is the one job that reads the prepared frames (rows are counted on its arrays)
        ref, folds, test_rows = table_to_object_store(prepared.train, prepared.test, prepared.numeric,
                                                      prepared.categorical)
        rows = table_rows(prepared, folds, test_rows, data_cfg.folds)
        raydp.stop_spark()  # the executors' CPUs go to the trials; the arrays no longer need Spark
        handle = {"arrays": ref, "task": task}  # what trials receive: the arrays and the task to score
        ctx.state["data"] = handle
        ctx.state["task"] = task
        ctx.state["facts"] = prepared.facts
        return {**rows, "spark_stopped_after_handover": True, TRIAL_DATA: handle}

    @staticmethod
    def _arrays(ctx):
        data = ctx.state["data"]  # the handle prepare returned, or (in unit tests) the arrays themselves
        return data["arrays"] if isinstance(data, dict) and "arrays" in data else data

    def fold_frames(self, ctx, fold):
        from tuner.models._sklearn_data import fold_arrays

        return fold_arrays(self._arrays(ctx), fold)

    def full_frames(self, ctx):
        from tuner.models._sklearn_data import fold_arrays

        return fold_arrays(self._arrays(ctx), None)

    def subsample(self, frame, fraction: float, seed: int):
        """A seeded ``fraction`` of ``(X, y)`` (the data-fraction budget), stratified by class unless regression."""
        X, y = frame
        rng = np.random.default_rng(seed)
        keep = np.zeros(len(y), dtype=bool)
        groups = [np.ones(len(y), dtype=bool)] if np.unique(y).size > 100 else [y == cls for cls in np.unique(y)]
        for mask in groups:
            idx = np.flatnonzero(mask)
            keep[rng.choice(idx, size=max(1, round(fraction * len(idx))), replace=False) if len(idx) else idx] = True
        return X[keep].reset_index(drop=True), y[keep]

    def fit(self, ctx, train, params, seed):
        X, y = train
        numeric = [c for c in X.columns if X[c].dtype.kind == "f"]  # categoricals are object columns
        categorical = [c for c in X.columns if c not in numeric]
        return make_pipeline(numeric, categorical, make_estimator(params, seed)).fit(X, y)

    def score(self, ctx, model, frame):
        X, y = frame
        return task_metrics(self.task_of(ctx), model, X, y)

    def predict(self, ctx, model, frame) -> list:
        task = self.task_of(ctx)
        if task in ("regression", "clustering"):
            return model.predict(frame[0]).tolist()
        proba = model.predict_proba(frame[0])
        return proba.tolist() if task == "multiclass" else proba[:, 1].tolist()

    def fitted_params(self, model) -> dict:
        est = model.named_steps["estimator"]
        path = next(p for p in ESTIMATORS if short_name(p) == type(est).__name__)
        rules, got = ESTIMATORS[path], est.get_params()
        out = {"estimator": path, "n_jobs": got.get("n_jobs", 1)}  # HistGradientBoosting*: OpenMP, no n_jobs
        for k in rules:
            value = got.get(k)
            out[f"{short_name(path)}.{k}"] = "none" if k == "class_weight" and value is None else value
        return out

    def save_mlflow(self, ctx, model, test, path):
        from tuner.models.mlflow_flavour import save_sklearn_model

        save_sklearn_model(model, path, test[0])

    def save(self, model, path):
        import skops.io as sio

        os.makedirs(path, exist_ok=True)
        sio.dump(model, os.path.join(path, MODEL_FILE))

    def load(self, ctx, path):
        from tuner.serve.trust import load_skops_file

        return load_skops_file(os.path.join(path, MODEL_FILE))

    def card(self, ctx, model) -> dict:
        import skops.io as sio

        facts = ctx.state.get("facts", {})
        pre = model.named_steps["preprocess"]
        numeric, categorical = list(pre.transformers[0][2]), list(pre.transformers[1][2])
        return {"format": f"scikit-learn Pipeline saved with skops ({MODEL_FILE}); load with "
                          "skops.io.load(path, trusted=<trusted_types>)",
                "trusted_types": sio.get_untrusted_types(data=sio.dumps(model)),
                **label_card(facts, self.task_of(ctx), serve="skops"),
                "input_columns": {"numeric": numeric, "categorical": categorical}}


__all__ = ["CLUSTERERS", "ESTIMATORS", "REGRESSORS", "SKLEARN", "SklearnClassifier", "make_estimator", "make_pipeline",
           "numpy_metrics", "task_metrics"]
