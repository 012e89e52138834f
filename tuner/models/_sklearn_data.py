"""The sklearn path's data hand-over: Spark table -> Arrow blocks in Ray -> numpy arrays, once, in the object store.

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
    """Hand the cleaned, split table from Spark to Ray once, and materialise it once as numpy arrays.

    Args:
        train: Spark frame with ``_fold``; test: Spark frame (gets fold ``TEST_FOLD``).
        numeric, categorical: feature columns.

    Returns:
        An ObjectRef of ``{"num", "cat", "y", "fold", "numeric", "categorical"}`` (ready when returned).
    """
    from pyspark.sql import functions as F

    cols = [*numeric, *categorical, "_label", "_fold"]
    both = train.select(*cols).unionByName(test.withColumn("_fold", F.lit(TEST_FOLD)).select(*cols))
    blocks, release = _arrow_blocks(both)
    try:
        ref = _to_arrays.remote(blocks, numeric, categorical)
        ray.get(ref)  # materialised (zero-copy here) and errors raised before Spark may stop
    finally:
        release()
    return ref


def _arrow_blocks(df) -> tuple[list, object]:
    """ObjectRefs of the frame's partitions as Arrow tables, and a function that frees Spark's cached copy.

    This is ``ray.data.from_spark`` (RayDP 1.6.5's recoverable hand-over: the executors cache each partition's
    Arrow bytes, one zero-CPU Ray task per partition fetches them) without its last step, Ray Data's
    ``from_arrow_refs``: that runs one metadata task per block asking for 1 CPU, and while the Spark executors
    hold every CPU of the cluster (one executor with all of a laptop's cores) those tasks wait forever. Nothing
    here needs Ray Data: the blocks go straight to :func:`_to_arrays`.
    """
    from pyspark import StorageLevel
    from raydp.spark.dataset import _fetch_arrow_table_from_executor

    sc = df.sparkSession.sparkContext
    writer = sc._jvm.org.apache.spark.sql.raydp.ObjectStoreWriter
    info = writer.prepareRecoverableRDD(df._jdf, sc._getJavaStorageLevel(StorageLevel.MEMORY_AND_DISK))
    rdd_id, locations, schema, agent = info.rddId(), info.locations(), info.schemaJson(), info.driverAgentUrl()
    fetch = _fetch_arrow_table_from_executor.options(num_cpus=0)
    blocks = [fetch.remote(f"raydp-executor-{locations[i]}", rdd_id, i, schema, agent)
              for i in range(info.numPartitions())]
    return blocks, lambda: writer.releaseRecoverableRDD(rdd_id)


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
