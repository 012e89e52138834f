"""Binary classifiers as the config layer sees them: spark-logreg and sklearn (an allow-list of estimators).

Checking a name against the allow-list imports nothing; xgboost/lightgbm are listed only when installed
(``importlib.util.find_spec`` looks for the package without importing it).
"""

from __future__ import annotations

import importlib.util

from tuner.config.models import ModelType, ParamRule

CLASSIFIER_METRICS = ("auc_roc", "auc_pr", "log_loss", "accuracy", "f1")

_POS_INT = ParamRule("int", min=1)
_POS_FLOAT = ParamRule("float", min=0, min_exclusive=True)
_NONNEG_FLOAT = ParamRule("float", min=0)
_UNIT = ParamRule("float", min=0, max=1)
_BOOL = ParamRule("bool")
_CLASS_WEIGHT = ParamRule("str", choices=("balanced", "none"))

SPARK_LOGREG = ModelType(
    name="spark-logreg",
    metrics=CLASSIFIER_METRICS,
    default_metric="auc_roc",
    default_mode="max",
    default_space="spark_logreg",
    metric_modes={"log_loss": "min"},
    task="binary",
    params={
        "regParam": _NONNEG_FLOAT,
        "elasticNetParam": _UNIT,
        "maxIter": _POS_INT,
        "fitIntercept": _BOOL,
        "class_weight": _CLASS_WEIGHT,  # tuner's own: 'balanced' weights rows by n / (2 * rows of their class)
        "standardization": _BOOL,
        "tol": _POS_FLOAT,
        "threshold": _UNIT,
        "aggregationDepth": ParamRule("int", min=2),
    },
)

# import path -> the params tuner checks (upstream names); others are refused so typos are caught.
ESTIMATORS: dict[str, dict[str, ParamRule]] = {
    "sklearn.linear_model.LogisticRegression": {
        "C": _POS_FLOAT,
        "l1_ratio": _UNIT,
        "solver": ParamRule("str", choices=("lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga")),
        "max_iter": _POS_INT,
        "fit_intercept": _BOOL,
        "tol": _POS_FLOAT,
        "class_weight": _CLASS_WEIGHT,
    },
    "sklearn.ensemble.RandomForestClassifier": {
        "n_estimators": _POS_INT,
        "max_depth": _POS_INT,
        "min_samples_leaf": _POS_INT,
        "max_features": ParamRule("float", min=0, max=1, min_exclusive=True),
        "criterion": ParamRule("str", choices=("gini", "entropy", "log_loss")),
        "class_weight": _CLASS_WEIGHT,
    },
    "sklearn.ensemble.ExtraTreesClassifier": {
        "n_estimators": _POS_INT,
        "max_depth": _POS_INT,
        "min_samples_leaf": _POS_INT,
        "max_features": ParamRule("float", min=0, max=1, min_exclusive=True),
        "class_weight": _CLASS_WEIGHT,
    },
    "sklearn.ensemble.HistGradientBoostingClassifier": {
        "learning_rate": _POS_FLOAT,
        "max_iter": _POS_INT,
        "max_depth": _POS_INT,
        "max_leaf_nodes": ParamRule("int", min=2),
        "min_samples_leaf": _POS_INT,
        "l2_regularization": _NONNEG_FLOAT,
        "class_weight": _CLASS_WEIGHT,
    },
}
_OPTIONAL = {
    "xgboost.XGBClassifier": ("xgboost", {"n_estimators": _POS_INT, "max_depth": _POS_INT,
                                          "learning_rate": _POS_FLOAT, "subsample": _UNIT,
                                          "colsample_bytree": _UNIT, "reg_lambda": _NONNEG_FLOAT}),
    "lightgbm.LGBMClassifier": ("lightgbm", {"n_estimators": _POS_INT, "num_leaves": ParamRule("int", min=2),
                                             "learning_rate": _POS_FLOAT, "subsample": _UNIT,
                                             "colsample_bytree": _UNIT, "reg_lambda": _NONNEG_FLOAT}),
}
for _path, (_package, _rules) in _OPTIONAL.items():
    if importlib.util.find_spec(_package) is not None:
        ESTIMATORS[_path] = _rules


def short_name(path: str) -> str:
    """``sklearn.ensemble.RandomForestClassifier`` -> ``RandomForestClassifier`` (prefix of its branch params)."""
    return path.rsplit(".", 1)[-1]


SKLEARN = ModelType(
    name="sklearn",
    metrics=CLASSIFIER_METRICS,
    default_metric="auc_roc",
    default_mode="max",
    default_space="sklearn",
    metric_modes={"log_loss": "min"},
    task="binary",
    params={"estimator": ParamRule("str", choices=tuple(ESTIMATORS)), "n_jobs": _POS_INT},
    branch_params=ESTIMATORS,
    fixed_params={"n_jobs": "it sets the CPUs each trial asks Ray for"},
)
