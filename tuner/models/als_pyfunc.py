"""The MLflow pyfunc of a refit ALS model: what ``tuner predict`` computes, for MLflow's own client.

``mlflow.spark``'s pyfunc scores ALS with ``ALSModel.transform``: a join, so rows of an unknown user or item are
dropped (``coldStartStrategy=drop``) and the rest may come back in another order. This model reads Spark's factor
Parquet (an artifact of the MLflow model) with numpy, as ``tuner predict`` does (the same function, so the same
numbers): one prediction per input row, in input order, NaN where the model cannot score. Loading it needs tuner
importable (no JVM, no Ray). Imports mlflow: load this module lazily.
"""

from __future__ import annotations

import mlflow.pyfunc
import numpy as np
import pandas as pd

FACTORS = "als"  # the artifact: Spark's native ALS folder (userFactors/, itemFactors/ Parquet)
INPUT = ("user", "item")  # the model's own column names (ALS's userCol / itemCol)
OUTPUT = "prediction"


class AlsPyfunc(mlflow.pyfunc.PythonModel):
    """``predict(frame with user, item)`` -> a float32 ``prediction`` Series, one per row, NaN when unknown."""

    def load_context(self, context) -> None:
        from tuner.serve.factors import load_factors

        self.factors = load_factors(context.artifacts[FACTORS])

    def predict(self, context, model_input, params=None) -> pd.Series:
        from tuner.serve.predict import als_scores

        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        ids = [pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan) for c in INPUT]
        empty = np.isnan(ids[0]) | np.isnan(ids[1])
        users, items = (np.where(empty, -1, x).astype(np.int64) for x in ids)
        pred, _ = als_scores(self.factors, users, items)
        pred[empty] = np.nan
        return pd.Series(pred, index=frame.index, name=OUTPUT)
