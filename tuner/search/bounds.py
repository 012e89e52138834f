"""Say when the space is too small: the best value of a searched range lies at (or near) one of its bounds."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from tuner.config.families import ModelType
from tuner.config.schema import IntSpec, LogIntSpec, LogUniformSpec, UniformSpec, is_space
from tuner.search.space import branch_key

NEAR = 0.03  # of the range's width (of its log width for log ranges)
BOUND_HIT = ("{name}={value:g} is at the {side} bound of {where} ({low:g}..{high:g}): widen it, the best may lie "
             "beyond")
NEAR_BOUND = ("{name}={value:g} is within 3% of the {side} bound of {where} ({low:g}..{high:g}): widen it, the best "
              "may lie beyond")


@dataclass(frozen=True)
class BoundHit:
    """One searched param whose best value lies at or near a bound.

    Attributes:
        name: the param (a branch param by its flat name, e.g. ``LogisticRegression.C``).
        value: its best value.
        side: ``"lower"`` or ``"upper"``.
        low, high: the searched range.
        where: ``<file> <key path>`` of the range, or the key path alone when the file is not known.
        message: the sentence for the output, summary.json and the model card.
    """

    name: str
    value: float
    side: str
    low: float
    high: float
    where: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (summary.json ``bound_hits``, model card)."""
        return {"param": self.name, "value": self.value, "bound": self.side, "low": self.low, "high": self.high,
                "where": self.where, "message": self.message}


def _position(spec, value: float) -> float:
    """Where ``value`` lies in the range of ``spec``, 0 (low) .. 1 (high), on the log scale for log ranges."""
    low, high = float(spec.low), float(spec.high)
    if isinstance(spec, (LogUniformSpec, LogIntSpec)) or getattr(spec, "log", False):
        low, high, value = math.log(low), math.log(high), math.log(value)
    return (value - low) / (high - low)


def _ranges(params: Mapping[str, Any], family: ModelType | None):
    """(flat name, spec, key path under ``params``, the family's rule for the param or None) of every searched
    spec, branch params included."""
    rules = family.params if family else {}
    for name, spec in params.items():
        if not is_space(spec):
            continue
        yield name, spec, name, rules.get(name)
        for choice, branch in (getattr(spec, "branches", None) or {}).items():
            branch_rules = family.branch_params.get(choice, {}) if family else {}
            for sub, sub_spec in branch.items():
                if is_space(sub_spec):
                    yield branch_key(choice, sub), sub_spec, f"{name}.branches.{choice}.{sub}", branch_rules.get(sub)


def bound_hits(params: Mapping[str, Any], best_params: Mapping[str, Any], space_file: str | None = None,
               origins: Mapping[str, str] | None = None, family: ModelType | None = None) -> list[BoundHit]:
    """The searched numeric params whose best value is at, or within 3% of the (log) range of, a bound.

    Args:
        params: ``model.params`` as loaded (specs and fixed values; branch specs included).
        best_params: the best trial's params (flat names for branch params, as in summary.json).
        space_file: the search-space file the ranges came from, e.g. ``search_spaces/als.yaml``; its key path is
            ``params.<name>``. None: only the key path ``model.params.<name>`` is named.
        origins: per param, ``<file> <key path>`` where its range was written, overriding ``space_file`` (for
            a range the experiment file itself sets or overrides).
        family: the model type, whose param rules say where a range cannot be widened: a bound that is the
            param's own limit (``elasticNetParam`` 0..1) is no hit. None: every bound may be widened.

    Returns:
        One BoundHit per such param, in the order of the space. Choices and zero-width ranges never hit.
    """
    hits = []
    for name, spec, key, rule in _ranges(params, family):
        if not isinstance(spec, (UniformSpec, LogUniformSpec, IntSpec, LogIntSpec)) or spec.low == spec.high:
            continue
        value = best_params.get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        pos = _position(spec, float(value))
        side = "lower" if pos <= NEAR else "upper" if pos >= 1 - NEAR else None
        if side is None:
            continue
        limit = None if rule is None else rule.min if side == "lower" else rule.max
        if limit is not None and limit == (spec.low if side == "lower" else spec.high):
            continue  # the param's own limit: nothing to widen
        where = (origins or {}).get(name) or (f"{space_file} params.{key}" if space_file else f"model.params.{key}")
        at = value == (spec.low if side == "lower" else spec.high)
        text = (BOUND_HIT if at else NEAR_BOUND).format(name=name, value=value, side=side, where=where, low=spec.low,
                                                        high=spec.high)
        hits.append(BoundHit(name, value, side, spec.low, spec.high, where, text))
    return hits
