"""The one translation from tuner's space vocabulary to Optuna. Bounds are inclusive on both ends."""

from __future__ import annotations

from typing import Any, Mapping

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from tuner.config.schema import ChoiceSpec, IntSpec, LogIntSpec, LogUniformSpec, UniformSpec, is_space
from tuner.config.starts import branch_key, flat_space

__all__ = ["DefineByRun", "branch_key", "flat_space", "suggest", "to_distribution"]


def to_distribution(spec) -> BaseDistribution:
    """Translate one space spec into an Optuna distribution.

    Optuna's int and float bounds are both inclusive, as tuner's are (Ray's ``tune.randint`` is not: an
    ``int`` spec never goes through Tune's own space classes).

    Args:
        spec: a UniformSpec, LogUniformSpec, IntSpec, LogIntSpec or ChoiceSpec.

    Returns:
        The matching FloatDistribution, IntDistribution or CategoricalDistribution.
    """
    if isinstance(spec, UniformSpec):
        return FloatDistribution(spec.low, spec.high)
    if isinstance(spec, LogUniformSpec):
        return FloatDistribution(spec.low, spec.high, log=True)
    if isinstance(spec, IntSpec):
        return IntDistribution(spec.low, spec.high, step=spec.step)
    if isinstance(spec, LogIntSpec):
        return IntDistribution(spec.low, spec.high, log=True)
    if isinstance(spec, ChoiceSpec):
        return CategoricalDistribution(list(spec.values))
    raise TypeError(f"not a space spec: {spec!r}")


def suggest(trial: optuna.Trial, name: str, spec) -> Any:
    """Ask ``trial`` for ``name`` through its public ``suggest_*`` API (Ray's define-by-run captor hooks those)."""
    dist = to_distribution(spec)
    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, log=dist.log, step=dist.step)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    return trial.suggest_categorical(name, dist.choices)


class DefineByRun:
    """Picklable define-by-run space for Ray's OptunaSearch: suggests the tuned params, returns the fixed ones.

    A ``choice`` with ``branches`` is conditional: after its value is drawn, only that branch's params are
    suggested (named by :func:`branch_key`) and its fixed params returned, so Optuna's trials of one branch
    never carry another branch's params.
    """

    def __init__(self, params: Mapping[str, Any]):
        self.params = dict(params)

    def __call__(self, trial: optuna.Trial) -> dict[str, Any]:
        fixed = self.fixed()
        for name, spec in self.params.items():
            if is_space(spec):
                value = suggest(trial, name, spec)
                branch = (getattr(spec, "branches", None) or {}).get(value, {})
                for sub, sub_spec in branch.items():
                    if is_space(sub_spec):
                        suggest(trial, branch_key(value, sub), sub_spec)
                    else:
                        fixed[branch_key(value, sub)] = sub_spec
        return fixed

    def fixed(self) -> dict[str, Any]:
        """The params that are not searched."""
        return {k: v for k, v in self.params.items() if not is_space(v)}

    def tuned(self) -> list[str]:
        """Names of the searched params (branch params included), in declaration order."""
        return list(flat_space(self.params))
