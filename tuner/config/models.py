"""What each ``model.type`` accepts: metrics, default objective and space, and a rule per upstream param.

Adding a model family is one entry in ``MODEL_TYPES`` (its adapter lives in ``tuner.models``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tuner.config._errors import expected, one_of


@dataclass(frozen=True)
class ParamRule:
    """The values one model param accepts.

    Attributes:
        kind: 'int', 'float' (an int is accepted too), 'bool' or 'str'.
        min, max: inclusive bounds, or None.
        min_exclusive: True if ``min`` itself is not allowed.
        choices: the only allowed values, or None.
    """

    kind: Literal["int", "float", "bool", "str"]
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    choices: tuple[Any, ...] | None = None

    def accepts(self, value: Any) -> bool:
        """True if ``value`` is of the right kind, within the bounds and among the choices."""
        if self.kind == "bool" or isinstance(value, bool):
            return self.kind == "bool" and isinstance(value, bool)
        kinds = {"int": int, "float": (int, float), "str": str}[self.kind]
        if not isinstance(value, kinds) or (isinstance(value, float) and not math.isfinite(value)):
            return False
        if self.choices is not None and value not in self.choices:
            return False
        if self.min is not None and (value < self.min or (self.min_exclusive and value == self.min)):
            return False
        return self.max is None or value <= self.max

    def describe(self) -> str:
        """What follows "must be" in a message, e.g. ``an int >= 1``."""
        if self.choices is not None:
            return one_of(self.choices)
        return expected(self.kind, self.min, self.max, self.min_exclusive)


@dataclass(frozen=True)
class ModelType:
    """One model family as the config layer sees it.

    Attributes:
        name: the ``model.type`` value.
        metrics: what a trial reports; ``search.metric`` must be one of them.
        default_metric: the objective when ``search.metric`` is not set.
        default_mode: 'min' or 'max', when ``search.mode`` is not set.
        default_space: the ``search_spaces/<name>.yaml`` used when ``model.space`` is absent, or None.
        params: a rule per allowed param, under the upstream library's own names.
        metric_modes: the mode of metrics whose direction differs from ``default_mode``.
    """

    name: str
    metrics: tuple[str, ...]
    default_metric: str
    default_mode: Literal["min", "max"]
    default_space: str | None
    params: Mapping[str, ParamRule]
    metric_modes: Mapping[str, Literal["min", "max"]] = field(default_factory=dict)
    task: Literal["ratings", "binary"] = "ratings"
    branch_params: Mapping[str, Mapping[str, ParamRule]] = field(default_factory=dict)
    fixed_params: Mapping[str, str] = field(default_factory=dict)  # param -> why it cannot be searched

    def __post_init__(self) -> None:
        if self.default_metric not in self.metrics or not set(self.metric_modes) <= set(self.metrics):
            raise ValueError(f"model type {self.name!r}: metrics {self.metrics} must include every metric named")

    def mode_for(self, metric: str) -> Literal["min", "max"]:
        """Whether ``metric`` is minimised or maximised."""
        return self.metric_modes.get(metric, self.default_mode)


_INT_POS = ParamRule("int", min=1)
_FLOAT_NONNEG = ParamRule("float", min=0)
_BOOL = ParamRule("bool")

SPARK_ALS = ModelType(
    name="spark-als",
    metrics=("rmse", "mae"),
    default_metric="rmse",
    default_mode="min",
    default_space="als",
    params={
        "rank": _INT_POS,
        "maxIter": _INT_POS,
        "regParam": _FLOAT_NONNEG,
        "alpha": _FLOAT_NONNEG,
        "implicitPrefs": _BOOL,
        "nonnegative": _BOOL,
        "numUserBlocks": _INT_POS,
        "numItemBlocks": _INT_POS,
        "checkpointInterval": _INT_POS,
    },
)

from tuner.config.classifiers import SKLEARN, SPARK_LOGREG  # noqa: E402 - they use the rules above

MODEL_TYPES: dict[str, ModelType] = {m.name: m for m in (SPARK_ALS, SPARK_LOGREG, SKLEARN)}
