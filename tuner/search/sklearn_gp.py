"""A torch-free Bayesian sampler: a Gaussian process from scikit-learn (a dependency already) with expected
improvement, for the few numeric params and small budgets where model-based search pays most.

Optuna's own ``GPSampler`` needs torch, which the default install must not pull in (see ``tuner[gp]``). This
one fits ``sklearn.gaussian_process.GaussianProcessRegressor`` (Matern 5/2 with one length scale per param,
plus a noise term: CV scores are noisy) on the finished trials in the unit cube (log params on their log
scale), and picks the best of a few thousand seeded random candidates by expected improvement. Running trials
enter as a constant liar (their params with the worst value seen so far), so parallel trials do not get the
same suggestion. Categorical params, and params outside the space every finished trial shares (conditional
branches), are drawn by ``independent`` (random by default).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.search_space import IntersectionSearchSpace
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

CANDIDATES = 2048
MIN_POINTS = 2  # below this the GP has nothing to model: the independent sampler draws


class SklearnGPSampler(BaseSampler):
    """GP + expected improvement over the numeric params every finished trial shares.

    Args:
        seed: seeds the candidates (with the trial number) and the GP's optimiser restarts, so a seed gives the
            same suggestions for the same history.
        independent: draws params the GP does not model; ``RandomSampler(seed)`` by default.
        candidates: random points scored by EI per suggestion.
    """

    def __init__(self, seed: int = 0, independent: BaseSampler | None = None, candidates: int = CANDIDATES):
        self.seed = seed
        self.candidates = candidates
        self._independent = independent or RandomSampler(seed=seed)
        self._space = IntersectionSearchSpace()

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        space = self._space.calculate(study)
        return {k: d for k, d in space.items()
                if isinstance(d, (FloatDistribution, IntDistribution)) and not d.single()}

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        if not search_space:
            return {}
        names = sorted(search_space)
        done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if t.value is not None and math.isfinite(t.value) and all(n in t.params for n in names)]
        if len(done) < MIN_POINTS:
            return {}
        sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0  # minimise sign * value
        x = np.array([[_to_unit(search_space[n], t.params[n]) for n in names] for t in done])
        y = np.array([sign * t.value for t in done])
        running = [t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                   if t.number != trial.number and all(n in t.params for n in names)]
        if running:  # constant liar: a running trial's point counts as the worst seen, so others look elsewhere
            x = np.vstack([x, [[_to_unit(search_space[n], t.params[n]) for n in names] for t in running]])
            y = np.concatenate([y, np.full(len(running), y.max())])
        rng = np.random.default_rng([self.seed, trial.number])
        cand = rng.random((self.candidates, len(names)))
        best = x[int(np.argmin(y))]
        local = np.clip(best + rng.normal(0.0, 0.05, (self.candidates // 4, len(names))), 0.0, 1.0)
        cand = np.vstack([cand, local])
        ei = _expected_improvement(_fit(x, y, self.seed), cand, float(y.min()))
        pick = cand[int(np.argmax(ei))]
        return {n: _from_unit(search_space[n], float(u)) for n, u in zip(names, pick)}

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        return self._independent.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._independent.before_trial(study, trial)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState, values) -> None:
        self._independent.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self._independent.reseed_rng()


def _fit(x: np.ndarray, y: np.ndarray, seed: int):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * Matern(length_scale=np.full(x.shape[1], 0.3),
                                                        length_scale_bounds=(1e-2, 10.0), nu=2.5)
              + WhiteKernel(1e-3, (1e-6, 1e-1)))
    gp = GaussianProcessRegressor(kernel=kernel, normalize_y=True, n_restarts_optimizer=2, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gp.fit(x, y)


def _expected_improvement(gp, cand: np.ndarray, best: float) -> np.ndarray:
    from scipy.stats import norm

    mu, sd = gp.predict(cand, return_std=True)
    sd = np.maximum(sd, 1e-12)
    z = (best - mu) / sd
    return (best - mu) * norm.cdf(z) + sd * norm.pdf(z)


def _to_unit(d: FloatDistribution | IntDistribution, v: float) -> float:
    low, high, v = float(d.low), float(d.high), float(v)
    if d.log:
        low, high, v = math.log(low), math.log(high), math.log(v)
    return (v - low) / (high - low)


def _from_unit(d: FloatDistribution | IntDistribution, u: float) -> float | int:
    low, high = float(d.low), float(d.high)
    v = math.exp(math.log(low) + u * (math.log(high) - math.log(low))) if d.log else low + u * (high - low)
    if isinstance(d, IntDistribution):
        v = d.low + round((v - d.low) / d.step) * d.step
        return int(min(max(v, d.low), d.high))
    if d.step is not None:
        v = d.low + round((v - d.low) / d.step) * d.step
    return float(min(max(v, low), high))
