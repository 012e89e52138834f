"""Model adapters, one per family, selected by ``model.type``."""

from tuner.models.base import ModelAdapter
from tuner.models.registry import UnknownModelError, get_adapter, model_types, register

__all__ = ["ModelAdapter", "UnknownModelError", "get_adapter", "model_types", "register"]
