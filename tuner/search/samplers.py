"""The Optuna sampler of a search: ``search.sampler`` (``auto | tpe | qmc | random | skgp | gp``), the space and
the budget.

``qmc``, ``skgp`` and ``gp`` start with scrambled Sobol points instead of random draws (:class:`StartupSampler`);
``skgp`` is a Gaussian process on scikit-learn (no torch, :mod:`tuner.search.sklearn_gp`); ``gp`` is Optuna's
GPSampler and needs torch, which only the extra ``tuner[gp]`` installs.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial, TrialState

from tuner.config._errors import GP_NEEDS_TORCH
from tuner.config.schema import ChoiceSpec, SearchConfig
from tuner.errors import UserError
from tuner.search.space import flat_space

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


@dataclass(frozen=True)
class SpaceShape:
    """What the sampler choice looks at: searched dims, any conditional branch, any categorical param."""

    dims: int
    conditional: bool
    categorical: bool

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> "SpaceShape":
        """The shape of ``model.params`` (fixed values are not searched and do not count)."""
        flat = flat_space(params)
        choices = [s for s in flat.values() if isinstance(s, ChoiceSpec)]
        return cls(dims=len(flat), conditional=any(c.branches for c in choices), categorical=bool(choices))


def choose_sampler(shape: SpaceShape, num_samples: int) -> str:
    """What ``search.sampler: auto`` becomes: ``tpe`` (multivariate TPE after a random start; grouped by branch
    for a conditional space) for every space and budget measured so far.

    The candidates were measured side by side on ALS's rank x regParam (docs/benchmarks.md, section 1): on 1M
    ratings TPE after a random start reached the 4x4 grid's quality in 4 of 5 seeds (median 0.338x of the
    grid's time; 3 of 5 and 0.305x one trial at a time), TPE after a scrambled Sobol start (``qmc``, the
    previous pick for small numeric spaces) in 1 of 5; on ml-latest-small tpe, qmc and skgp tied (0.24-0.25x).
    So no shape is known where another sampler wins; ``qmc``, ``skgp`` and ``gp`` stay choices by hand, and a
    measured exception belongs here, as a rule on ``shape`` and ``num_samples``.

    ``auto`` never picks ``gp``: it needs torch (the extra ``tuner[gp]``), and what ``auto`` means must not
    depend on what happens to be installed.

    Args:
        shape: the searched space.
        num_samples: the trial budget (``search.num_samples``).

    Returns:
        ``"tpe"``.
    """
    del shape, num_samples  # the rule has no exception yet (see above)
    return "tpe"


def startup_trials(num_samples: int, dims: int, explicit: int | None = None) -> int:
    """Start-up trials (random or Sobol) before the model-based sampler takes over.

    Args:
        num_samples: the trial budget.
        dims: how many parameters are searched (branch parameters included).
        explicit: ``search.startup_trials`` if the user set it; it wins.

    Returns:
        ``explicit``, else ``2 * (dims + 1)`` (the usual space-filling start of model-based search) capped by a
        third of the budget and by Optuna's default of 10, and at least 3.
    """
    if explicit is not None:
        return explicit
    return max(3, min(10, num_samples // 3, 2 * (dims + 1)))


def resolved_sampler(cfg: SearchConfig, params: Mapping[str, Any]) -> str:
    """``cfg.sampler``, with ``auto`` replaced by :func:`choose_sampler`'s pick (for the run's first line)."""
    return _pick(cfg, SpaceShape.of(params))


def _pick(cfg: SearchConfig, shape: SpaceShape) -> str:
    return choose_sampler(shape, cfg.num_samples) if cfg.sampler == "auto" else cfg.sampler


def build_sampler(cfg: SearchConfig, params: Mapping[str, Any]) -> BaseSampler:
    """The seeded Optuna sampler for ``cfg`` over ``params``.

    Parallel trials get distinct suggestions: TPE runs with ``constant_liar`` (running trials count as bad),
    Sobol points are distinct by construction, GP puts running trials into its batch acquisition. A seed gives
    the same configurations at concurrency 1; with more trials at a time they depend on finish order.

    Raises:
        UserError: ``gp`` without torch (``pip install 'tuner[gp]'``).
    """
    shape = SpaceShape.of(params)
    kind = _pick(cfg, shape)
    startup = startup_trials(cfg.num_samples, shape.dims, cfg.startup_trials)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=cfg.seed)
    if kind == "tpe":
        return _tpe(cfg.seed, startup, shape.conditional)
    if kind == "qmc":
        return StartupSampler(_sobol(cfg.seed), _tpe(cfg.seed, startup, shape.conditional), startup)
    if kind == "gp":
        return StartupSampler(_sobol(cfg.seed), _gp(cfg.seed, startup), startup)
    if kind == "skgp":
        from tuner.search.sklearn_gp import SklearnGPSampler

        return StartupSampler(_sobol(cfg.seed), SklearnGPSampler(cfg.seed), startup)
    raise ValueError(f"unknown sampler {kind!r}")  # the schema allows no other value


def _tpe(seed: int, startup: int, conditional: bool) -> BaseSampler:
    # group=True models each branch's params jointly instead of falling back to independent TPE for them.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup, constant_liar=True,
                                          multivariate=True, group=conditional)


def _sobol(seed: int) -> BaseSampler:
    # Without scramble the seed is ignored and the first point is every lower bound.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=seed,
                                          warn_independent_sampling=False)


def _gp(seed: int, startup: int) -> BaseSampler:
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch loads: the cores belong to the Spark executors
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UserError(f"search.sampler: {GP_NEEDS_TORCH}.") from None
    return optuna.samplers.GPSampler(seed=seed, n_startup_trials=startup)


class StartupSampler(BaseSampler):
    """``start`` for the first trials, ``then`` once ``n_startup`` trials have finished (completed or pruned).

    Optuna's TPE and GP draw their start-up from a RandomSampler and take no other; this puts e.g. Sobol points
    there. Each trial keeps the phase it began in, so one trial's params never come from both samplers. The
    model sampler is built with the same ``n_startup``, so when it takes over it models at once. Picklable:
    Ray's OptunaSearch saves it with the study (resume); the Sobol position lives in the study itself.
    """

    def __init__(self, start: BaseSampler, then: BaseSampler, n_startup: int):
        self.start, self.then, self.n_startup = start, then, n_startup
        self._phase: dict[int, bool] = {}  # trial number -> started in the start phase

    def _in_start(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        if trial.number not in self._phase:
            finished = study._get_trials(deepcopy=False, states=_FINISHED, use_cache=True)
            self._phase[trial.number] = len(finished) < self.n_startup
        return self._phase[trial.number]

    def _for(self, study: optuna.Study, trial: FrozenTrial) -> BaseSampler:
        return self.start if self._in_start(study, trial) else self.then

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._for(study, trial).before_trial(study, trial)

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return self._for(study, trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        return self._for(study, trial).sample_relative(study, trial, search_space)

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        return self._for(study, trial).sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        self._for(study, trial).after_trial(study, trial, state, values)
        self._phase.pop(trial.number, None)

    def reseed_rng(self) -> None:
        self.start.reseed_rng()
        self.then.reseed_rng()
