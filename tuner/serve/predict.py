"""``tuner predict``: an exported model's predictions for the rows of a CSV/Parquet file, no JVM.

ALS: (user, item) pairs -> the dot product of their factors (what ``ALSModel.transform`` computes); a pair with
an id the model never saw gets NaN and is counted. sklearn: what the model card's task writes: binary
``probability`` = P(positive class); multiclass ``prediction`` (the class) and ``probability_<class>`` per
class; regression ``prediction``; clustering ``cluster`` (the index of the nearest centre).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from tuner.serve.errors import ServeError
from tuner.serve.factors import AlsFactors, load_factors
from tuner.serve.model_dir import ModelDir, resolve_model_dir
from tuner.serve.tables import add_column, id_column, read_table, require_columns, write_table
from tuner.serve.trust import load_skops_file

__all__ = ["PREDICTION", "PROBABILITY", "SKOPS_FILE", "SKLEARN_TYPE", "predict", "predict_als",
           "predict_sklearn", "als_scores", "load_skops"]

PREDICTION = "prediction"
PROBABILITY = "probability"
SKLEARN_TYPE = "sklearn"
# As tuner.models.sklearn_model writes and checks them (that module imports Ray, so it is not imported here).
SKOPS_FILE = "model.skops"


def als_scores(factors: AlsFactors, users: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, dict]:
    """float32 predicted ratings of (user, item) pairs, NaN where either id has no factors.

    Returns:
        ``(predictions, counts)`` with counts ``unknown_user``, ``unknown_item`` (rows, may overlap), ``nan``.
    """
    ur, ir = factors.users.rows(users), factors.items.rows(items)
    ok = (ur >= 0) & (ir >= 0)
    out = np.full(len(users), np.nan, dtype=np.float32)
    out[ok] = np.einsum("ij,ij->i", factors.users.matrix[ur[ok]], factors.items.matrix[ir[ok]])
    return out, {"unknown_user": int((ur < 0).sum()), "unknown_item": int((ir < 0).sum()), "nan": int((~ok).sum())}


def predict_als(model: ModelDir, table: pa.Table, where) -> tuple[pa.Table, dict]:
    """``table`` plus a float ``prediction`` column; empty/unknown ids give NaN, counted in the returned dict."""
    require_columns(table, ["user", "item"], where)
    users, uvalid = id_column(table, "user", where, allow_null=True)
    items, ivalid = id_column(table, "item", where, allow_null=True)
    pred, counts = als_scores(load_factors(model.native), users, items)
    empty = ~(uvalid & ivalid)
    pred[empty] = np.nan
    counts.update(empty_id=int(empty.sum()), nan=int(np.isnan(pred).sum()))
    return add_column(table, PREDICTION, pa.array(pred, pa.float32()), where), counts


def load_skops(folder: Path):
    """The sklearn pipeline of ``folder/model.skops``, loading only the types tuner trusts (tuner.serve.trust)."""
    file = folder / SKOPS_FILE
    if not file.is_file():
        raise ServeError(f"{folder}: no {SKOPS_FILE}; not an exported sklearn model.")
    return load_skops_file(file)


def _features(table: pa.Table, numeric: list[str], categorical: list[str], where):
    """The pandas frame the pipeline was fitted on: numeric float64 (NaN for empty), categorical str ('' empty)."""
    import pandas as pd

    require_columns(table, [*numeric, *categorical], where)
    cols = {}
    for name in numeric:
        col = table.column(name)
        if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type) or pa.types.is_null(col.type)):
            raise ServeError(f"{where}: column {name!r} must be numeric (the model was trained on it as a number), "
                             f"got {col.type}.")
        cols[name] = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
    for name in categorical:
        values = table.column(name).cast(pa.string()).fill_null("").to_pylist()
        cols[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(cols)


def predict_sklearn(model: ModelDir, table: pa.Table, where) -> tuple[pa.Table, dict]:
    """``table`` plus the columns of the card's task (see the module doc) from the exported skops pipeline."""
    spec = model.card.get("input_columns")
    if not spec:
        raise ServeError(f"{model.root}: the model card lists no input_columns; re-export the model.")
    pipeline = load_skops(model.native)
    X = _features(table, spec["numeric"], spec["categorical"], where)
    if model.task == "clustering":
        cluster = pipeline.predict(X).astype(np.int32)
        return add_column(table, "cluster", pa.array(cluster, pa.int32()), where), {"nan": 0}
    if model.task == "regression":
        pred = pipeline.predict(X).astype(np.float64)
        return add_column(table, PREDICTION, pa.array(pred, pa.float64()), where), {"nan": int(np.isnan(pred).sum())}
    proba = pipeline.predict_proba(X)
    if model.task == "multiclass":
        return (class_columns(table, proba, model.card.get("classes") or [], where),
                {"nan": int(np.isnan(proba).sum())})
    proba = proba[:, 1]
    return add_column(table, PROBABILITY, pa.array(proba, pa.float64()), where), {"nan": int(np.isnan(proba).sum())}


def class_columns(table: pa.Table, proba: np.ndarray, classes: list, where) -> pa.Table:
    """``table`` plus ``prediction`` (the most probable class's name) and ``probability_<class>`` per class.

    Args:
        proba: one row per input row, one column per class index (the order of ``classes``).
        classes: the card's class names, by index.
    """
    names = [str(c) for c in classes] if len(classes) == proba.shape[1] else [str(i) for i in range(proba.shape[1])]
    out = add_column(table, PREDICTION, pa.array(np.asarray(names, dtype=object)[np.argmax(proba, axis=1)],
                                                 pa.string()), where)
    for i, name in enumerate(names):
        out = add_column(out, f"{PROBABILITY}_{name}", pa.array(proba[:, i], pa.float64()), where)
    return out


def predict(model_dir: str | Path, input_file: str | Path, out_file: str | Path) -> dict:
    """Predict every row of ``input_file`` with an exported model and write ``out_file`` (CSV or Parquet).

    Args:
        model_dir: a model folder, run directory or native ALS folder.
        input_file: ALS: columns ``user``, ``item`` (integers); sklearn: the model card's input columns.
        out_file: the input columns plus ``prediction`` (ALS, regression), ``probability`` (binary), or
            ``prediction`` and ``probability_<class>`` (multiclass), or ``cluster`` (clustering).

    Returns:
        ``{"rows": n, "nan": n, ..., "out": path}`` (ALS adds ``unknown_user``, ``unknown_item``, ``empty_id``).

    Raises:
        ServeError: missing columns or wrong types (the message names the column), unreadable files, or a model
        type this no-JVM path does not serve (Spark pipelines need Spark).
    """
    model = resolve_model_dir(model_dir)
    table = read_table(input_file)
    if model.serve == "als":
        out, counts = predict_als(model, table, input_file)
    elif model.serve == "skops":
        out, counts = predict_sklearn(model, table, input_file)
    else:
        raise ServeError(f"{model.root}: a {model.model_type} model is a Spark pipeline; predicting with it needs "
                         "Spark, which this no-JVM path does not start.")
    write_table(out, out_file)
    return {"rows": out.num_rows, **counts, "out": str(out_file)}
