"""Registration of model families: ``@register(MODEL_TYPE)`` on the adapter class is the one step."""

from __future__ import annotations

import dataclasses
import importlib.util
from typing import Callable

from tuner.config.families import ModelType, UnknownModelError, model_type, model_types, register_model_type
from tuner.models.base import ModelAdapter

__all__ = ["UnknownModelError", "get_adapter", "model_types", "register"]


def register(mt: ModelType) -> Callable[[type[ModelAdapter]], type[ModelAdapter]]:
    """Class decorator: make the adapter available as ``model: {type: mt.name}``, validated by ``mt``.

    Example::

        MY_TYPE = ModelType(name="my-model", task="binary", tasks=("binary", "multiclass"), params=...)

        @register(MY_TYPE)
        class MyAdapter(ModelAdapter): ...
    """

    def deco(cls: type[ModelAdapter]) -> type[ModelAdapter]:
        cls.spec = register_model_type(dataclasses.replace(mt, adapter=cls))
        cls.name = mt.name
        cls.metrics = mt.metric_names
        return cls

    return deco


def get_adapter(name: str) -> ModelAdapter:
    """Instantiate the adapter registered as ``name``.

    Raises:
        UnknownModelError: an unknown name (lists the registered ones) or a missing optional dependency
            (with the ``pip install`` line).
    """
    mt = model_type(name)
    missing = [pip for module, pip in mt.requires.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise UnknownModelError(f"model type {name!r} needs: pip install {' '.join(missing)}")
    return mt.adapter()
