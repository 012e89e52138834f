"""MLflow model folders of a refit best model (``mlflow.spark`` for Spark models, ``mlflow.sklearn`` for
scikit-learn), written where the model lives (inside the Spark service) with a signature and an input example.

``tuner.tracking`` may not import pyspark (import-linter), so the folders are written here and the driver logs
the folder as the parent run's ``model`` artifact (:meth:`tuner.tracking.MlflowRuns.finish`). The pip
requirements are given, not inferred: MLflow's inference loads the model again in a subprocess (seconds).
"""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path


def _pins(*dists: str) -> list[str]:
    out = []
    for d in dists:
        try:
            out.append(f"{d}=={metadata.version(d)}")
        except metadata.PackageNotFoundError:
            continue
    return out


def _fresh(path: str | Path) -> str:
    """``path`` emptied (MLflow writes only into a folder that does not exist; ``--more`` may write it again)."""
    shutil.rmtree(path, ignore_errors=True)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return str(path)


def _sql(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _any_number(signature):
    """``signature`` with each numeric input column typed ``any``: MLflow refuses a user's int64 for a double column
    (pandas makes int64 of ``[12, 40]``), and the model converts numbers itself (a cast stage, sklearn's own)."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import AnyType, ColSpec, DataType, Schema

    numeric = (DataType.double, DataType.float, DataType.long, DataType.integer)
    inputs = Schema([ColSpec(AnyType(), c.name, required=c.required) if c.type in numeric else c
                     for c in signature.inputs.inputs])
    return ModelSignature(inputs=inputs, outputs=signature.outputs, params=signature.params)


def save_spark_model(model, path: str | Path, example_df, n_rows: int = 5) -> Path:
    """Write a fitted Spark ML model as an MLflow ``spark`` model (pyfunc-loadable) with a signature.

    Call it inside the Spark service right after the refit, on the live model (``mlflow.spark`` saves from a
    model object; a non-pipeline model such as ``ALSModel`` is wrapped in a ``PipelineModel`` by MLflow).

    Args:
        model: a fitted ``pyspark.ml`` model or ``PipelineModel``.
        path: a local (or shared, on several nodes) folder; replaced if it exists.
        example_df: a Spark DataFrame of the model's input columns (e.g. test rows without the label).
        n_rows: how many rows go into the signature's example.

    Returns:
        ``path``.
    """
    import mlflow.spark
    from mlflow.models import infer_signature

    from pyspark.ml import PipelineModel
    from pyspark.ml.feature import SQLTransformer

    small = example_df.limit(n_rows).cache()
    example = small.toPandas()
    predicted = model.transform(small).select("prediction").toPandas()
    small.unpersist()
    numbers = [c for c, t in example.dtypes.items() if t.kind in "iuf"]
    if numbers:  # Spark casts a user's int64 (or int32, float32) to the double the pipeline was fitted on
        cols = ", ".join(f"CAST({_sql(c)} AS DOUBLE) AS {_sql(c)}" if c in numbers else _sql(c) for c in example)
        stages = model.stages if isinstance(model, PipelineModel) else [model]
        model = PipelineModel([SQLTransformer(statement=f"SELECT {cols} FROM __THIS__"), *stages])
    # executors write the model first: into the run directory (shared storage on several nodes), not /tmp
    dfs_tmp = str(Path(path).parent / "mlflow-dfs-tmp")
    mlflow.spark.save_model(model, _fresh(path), signature=_any_number(infer_signature(example, predicted)),
                            input_example=example, dfs_tmpdir=dfs_tmp,
                            pip_requirements=_pins("pyspark", "mlflow-skinny", "pandas"))
    return Path(path)


def save_als_model(model, path: str | Path, example_df, n_rows: int = 5) -> Path:
    """Write a fitted ``ALSModel`` as an MLflow pyfunc model (:mod:`tuner.models.als_pyfunc`): int64 ``user`` and
    ``item`` in its signature (what pandas makes of a user's ids; int32 converts safely), one prediction per row.

    Args:
        model: the refit ``ALSModel``.
        path: a folder; replaced if it exists.
        example_df: a Spark DataFrame with ``user`` and ``item``.
        n_rows: how many rows go into the signature's example.

    Returns:
        ``path``.
    """
    import mlflow.pyfunc
    from mlflow.models import infer_signature

    from tuner.models.als_pyfunc import FACTORS, INPUT, AlsPyfunc
    from tuner.serve.factors import load_factors

    native = Path(path).parent / "als-native"  # executors write it: into the run directory, not /tmp
    model.write().overwrite().save(str(native))
    example = example_df.select(*INPUT).limit(n_rows).toPandas().astype("int64")
    scorer = AlsPyfunc()
    scorer.factors = load_factors(native)
    mlflow.pyfunc.save_model(_fresh(path), python_model=AlsPyfunc(), artifacts={FACTORS: str(native)},
                             signature=infer_signature(example, scorer.predict(None, example)),
                             input_example=example,
                             pip_requirements=_pins("mlflow-skinny", "pandas", "numpy", "pyarrow"))
    shutil.rmtree(native, ignore_errors=True)  # copied into the MLflow model's artifacts
    return Path(path)


def save_sklearn_model(model, path: str | Path, X_example, method: str | None = None) -> Path:
    """Write ``model`` as an MLflow sklearn model (pyfunc-loadable) with a signature inferred from ``X_example``.

    Args:
        model: a fitted scikit-learn estimator or pipeline.
        path: a folder; replaced if it exists.
        X_example: a few rows of the model's input (a pandas DataFrame keeps column names and types).
        method: what ``pyfunc.predict`` calls: ``predict_proba`` (the default when the model has it: tuner's
            classifiers are scored on probabilities) or ``predict``.

    Returns:
        ``path``.
    """
    import mlflow.sklearn
    import skops.io as sio
    from mlflow.models import infer_signature

    method = method or ("predict_proba" if hasattr(model, "predict_proba") else "predict")
    example = X_example.head(5) if hasattr(X_example, "head") else X_example[:5]
    signature = _any_number(infer_signature(example, getattr(model, method)(example)))
    mlflow.sklearn.save_model(model, _fresh(path), signature=signature, input_example=example,
                              pyfunc_predict_fn=method,
                              # skops (MLflow's default format): the types of the pipeline tuner just built
                              skops_trusted_types=sio.get_untrusted_types(data=sio.dumps(model)),
                              pip_requirements=_pins("scikit-learn", "mlflow-skinny", "pandas", "numpy", "skops"))
    return Path(path)
