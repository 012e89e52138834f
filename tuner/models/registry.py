"""Adapters by ``model.type`` name, imported lazily so the CLI starts fast and optional libraries stay optional."""

from __future__ import annotations

import importlib
from typing import Callable

from tuner.models.base import ModelAdapter

# type name -> (module that defines it, pip packages it needs beyond tuner's own)
_MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "spark-als": ("tuner.models.spark_als", ()),
    "spark-logreg": ("tuner.models.spark_logreg", ()),
    "sklearn": ("tuner.models.sklearn_model", ("scikit-learn", "skops")),
}
_REGISTRY: dict[str, type[ModelAdapter]] = {}


class UnknownModelError(ValueError):
    """``model.type`` names no adapter (normally caught by config validation first)."""


def register(name: str) -> Callable[[type[ModelAdapter]], type[ModelAdapter]]:
    """Class decorator: make an adapter available as ``model: {type: name}``."""

    def deco(cls: type[ModelAdapter]) -> type[ModelAdapter]:
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def model_types() -> list[str]:
    """Every registered type name."""
    return sorted(_MODULES)


def get_adapter(name: str) -> ModelAdapter:
    """Instantiate the adapter for ``name``.

    Raises:
        UnknownModelError: unknown name (lists the valid ones) or a missing optional dependency (with the pip line).
    """
    if name not in _MODULES:
        raise UnknownModelError(f"unknown model type {name!r}; valid: {', '.join(model_types())}")
    module, needs = _MODULES[name]
    try:
        importlib.import_module(module)
    except ImportError as exc:
        if needs:
            raise UnknownModelError(f"model type {name!r} needs: pip install {' '.join(needs)} ({exc})") from exc
        raise
    return _REGISTRY[name]()
