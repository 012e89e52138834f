"""Model families: one module per family (adapter + its ModelType), registered with ``@register``.

Importing this package registers the built-in families; it imports no Spark or Ray (their imports are inside
the adapters' methods), so ``tuner validate`` stays light.
"""

from tuner.models import (  # noqa: F401 - they register
    sklearn_model, spark_als, spark_kmeans, spark_logreg, spark_regressors, spark_trees)
from tuner.models.base import ModelAdapter
from tuner.models.registry import UnknownModelError, get_adapter, model_types, register

__all__ = ["ModelAdapter", "UnknownModelError", "get_adapter", "model_types", "register"]
