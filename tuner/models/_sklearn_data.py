"""The sklearn path's data hand-over: Spark table -> Ray Dataset -> numpy arrays materialised once in the object store.

Trials ``ray.get`` the arrays zero-copy (numeric float64, categorical fixed-width unicode, label, fold); only
the rows of one fold are copied when a trial builds its frames.
"""

from __future__ import annotations

import numpy as np
import ray

TEST_FOLD = -1


@ray.remote(num_cpus=0)  # the Spark executors hold the CPUs while this runs
def _to_arrays(blocks: list, numeric: list[str], categorical: list[str]) -> dict:
    import pyarrow as pa

    df = pa.concat_tables(ray.get(blocks)).to_pandas()
    cat = df[categorical].astype(object).where(df[categorical].notna(), "").to_numpy()
    return {
        "num": np.ascontiguousarray(df[numeric].to_numpy(dtype=np.float64, na_value=np.nan)),
        "cat": np.ascontiguousarray(cat.astype(str)) if categorical else np.empty((len(df), 0), dtype="U1"),
        "y": df["_label"].to_numpy(dtype=np.float64),
        "fold": df["_fold"].to_numpy(dtype=np.int32),
        "numeric": list(numeric),
        "categorical": list(categorical),
    }


def table_to_object_store(train, test, numeric: list[str], categorical: list[str]):
    """Hand the cleaned, split table from Spark to Ray: one ``ray.data.from_spark``, one materialisation.

    Args:
        train: Spark frame with ``_fold``; test: Spark frame (gets fold ``TEST_FOLD``).
        numeric, categorical: feature columns.

    Returns:
        An ObjectRef of ``{"num", "cat", "y", "fold", "numeric", "categorical"}`` (ready when returned).
    """
    from pyspark.sql import functions as F

    cols = [*numeric, *categorical, "_label", "_fold"]
    both = train.select(*cols).unionByName(test.withColumn("_fold", F.lit(TEST_FOLD)).select(*cols))
    ds = ray.data.from_spark(both)
    # the Arrow blocks as they are: no Ray Data execution (its autoscaling-coordinator actor, a detached actor,
    # fails to load in this setting and restarts forever)
    ref = _to_arrays.remote(ds.to_arrow_refs(), numeric, categorical)
    ray.get(ref)  # materialised (zero-copy here) and errors raised before Spark may stop
    return ref


def fold_arrays(data, fold: int | None):
    """Features and labels of one split, as a pandas frame (categorical missing as NaN) and a numpy vector.

    Args:
        data: the dict from :func:`table_to_object_store` (or its ObjectRef).
        fold: a CV fold: returns (train = other folds, validation = this fold); None: (all training, test).

    Returns:
        ``((X_train, y_train), (X_eval, y_eval))``.
    """
    if isinstance(data, ray.ObjectRef):
        data = ray.get(data)
    folds = data["fold"]
    if fold is None:
        fit_mask, eval_mask = folds != TEST_FOLD, folds == TEST_FOLD
    else:
        fit_mask, eval_mask = (folds != fold) & (folds != TEST_FOLD), folds == fold
    return _frame(data, fit_mask), _frame(data, eval_mask)


def _frame(data: dict, mask: np.ndarray):
    import pandas as pd

    cols = {c: data["num"][mask, i] for i, c in enumerate(data["numeric"])}
    for i, c in enumerate(data["categorical"]):
        values = data["cat"][mask, i].astype(object)
        values[values == ""] = np.nan
        cols[c] = values
    return pd.DataFrame(cols), data["y"][mask]
