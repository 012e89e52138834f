"""``tuner predict`` for Spark pipelines (a model card with ``serve: spark``): a local Spark reads the input, the saved
PipelineModel transforms it and Spark writes the output; no row passes through the driver (nothing is
collected). Models tuner serves without a JVM (ALS, sklearn) never come here: see :mod:`tuner.serve.predict`.
"""

from __future__ import annotations

from pathlib import Path

from tuner.serve.errors import ServeError
from tuner.serve.model_dir import ModelDir

__all__ = ["predict_with_spark"]


def _read(spark, path: Path):
    if not path.exists():
        raise ServeError(f"{path}: no such input file.")
    if path.suffix.lower() == ".csv":
        return spark.read.csv(str(path), header=True, inferSchema=False), "csv"
    if path.suffix.lower() in (".parquet", ".pq") or path.is_dir():
        return spark.read.parquet(str(path)), "parquet"
    raise ServeError(f"{path}: unknown file type {path.suffix or '(none)'}; use .csv or .parquet.")


def _typed(frame, numeric: list[str], categorical: list[str], where: Path):
    """The model's feature columns as it was fitted on them: numbers as double, categories as trimmed strings
    (blank = missing, imputed by the pipeline); a non-number in a numeric column is an error naming it."""
    from pyspark.sql import functions as F

    missing = [c for c in [*numeric, *categorical] if c not in frame.columns]
    if missing:
        raise ServeError(f"{where}: missing column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(map(repr, missing))} (the file has: {', '.join(frame.columns)}).")
    as_double = {c: F.expr(f"try_cast(trim(cast(`{c}` AS STRING)) AS DOUBLE)") for c in numeric}
    blank = {c: F.col(c).isNull() | (F.trim(F.col(c).cast("string")) == "") for c in numeric}
    if numeric:
        bad = frame.agg(*[F.sum((~blank[c] & as_double[c].isNull()).cast("long")).alias(c) for c in numeric]).first()
        wrong = {c: bad[c] for c in numeric if bad[c]}
        if wrong:
            c, n = next(iter(wrong.items()))
            raise ServeError(f"{where}: column {c!r} must be numeric (the model was trained on it as a number); "
                             f"{n} rows hold something else.")
    others = [c for c in frame.columns if c not in numeric and c not in categorical]
    return frame.select(*[F.col(f"`{c}`") for c in others], *[as_double[c].alias(c) for c in numeric],
                        *[F.when(F.trim(F.col(c).cast("string")) != "", F.trim(F.col(c).cast("string")))
                          .alias(c) for c in categorical])


def _outputs(task: str, classes: list) -> list:
    """The columns the card's task adds (tuner.config.tasks ``predicts``), as Spark expressions."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    if task == "binary":
        return [vector_to_array("probability")[1].alias("probability"), F.col("prediction")]
    if task == "multiclass":
        p = vector_to_array("probability")
        name = F.element_at(F.array(*[F.lit(str(c)) for c in classes]), F.col("prediction").cast("int") + 1)
        return [name.alias("prediction"), *[p[i].alias(f"probability_{c}") for i, c in enumerate(classes)]]
    if task == "clustering":
        return [F.col("prediction").cast("int").alias("cluster")]
    return [F.col("prediction")]


def predict_with_spark(model: ModelDir, input_file: str | Path, out_file: str | Path) -> dict:
    """Predictions for every row of ``input_file`` with a saved Spark pipeline, written by Spark to ``out_file``.

    Args:
        model: a resolved model folder whose card says ``serve: spark``.
        input_file: CSV (header row) or Parquet with the model card's input columns.
        out_file: a folder Spark writes (``.csv`` -> CSV part files with a header, else Parquet): the input
            columns plus the task's: binary ``probability`` and ``prediction`` (1.0 = positive); multiclass
            ``prediction`` (the class) and ``probability_<class>``; regression ``prediction``; clustering
            ``cluster``.

    Returns:
        ``{"rows": n, "nan": 0, "out": path, "spark": "local"}``.
    """
    from pyspark.ml import PipelineModel
    from pyspark.sql import functions as F

    from tuner.cluster.local_spark import local_spark_session, stop_local_spark

    spec = model.card.get("input_columns")
    if not spec:
        raise ServeError(f"{model.root}: the model card lists no input_columns; re-export the model.")
    src, out = Path(input_file).expanduser(), Path(out_file).expanduser()
    spark = local_spark_session(cores=2, driver_memory="1g", app_name="tuner-predict")
    try:
        frame, _ = _read(spark, src)
        typed = _typed(frame, spec["numeric"], spec["categorical"], src)
        scored = PipelineModel.load(str(model.native)).transform(typed)
        result = scored.select(*[F.col(f"`{c}`") for c in typed.columns],
                               *_outputs(model.task, model.card.get("classes") or []))
        writer = result.write.mode("overwrite")
        (writer.option("header", True).csv(str(out)) if out.suffix.lower() == ".csv" else writer.parquet(str(out)))
        rows = spark.read.parquet(str(out)).count() if out.suffix.lower() != ".csv" else \
            spark.read.option("header", True).csv(str(out)).count()
        return {"rows": rows, "nan": 0, "out": str(out), "spark": "local"}
    finally:
        stop_local_spark(spark)
