"""Optuna samplers from ``search.sampler``: TPE (random start), random, and qmc (TPE with a scrambled Sobol
start instead of random draws: the start-up points cover the space evenly, which matters when a budget
allows only ~15 trials)."""

from __future__ import annotations

import optuna
from optuna.samplers import BaseSampler, QMCSampler, TPESampler


class QMCStartTPE(BaseSampler):
    """Trials ``0 .. n_startup - 1`` from a scrambled, seeded Sobol sequence, then multivariate TPE (with its
    constant liar, so parallel trials do not get the same suggestion) on everything seen.

    Optuna's QMCSampler learns the space from the first trial, which it draws at random; the Sobol points
    follow. Params outside that space (a conditional branch first met later) are drawn at random until TPE
    takes over. Both samplers keep their state in this object and the study, so OptunaSearch's save/restore
    (a pickle) resumes the sequence where it stopped.
    """

    def __init__(self, n_startup: int, seed: int):
        self.n_startup = n_startup
        self._qmc = QMCSampler(qmc_type="sobol", scramble=True, seed=seed, warn_independent_sampling=False,
                               warn_asynchronous_seeding=False)
        self._tpe = TPESampler(seed=seed, n_startup_trials=n_startup, constant_liar=True, multivariate=True,
                               warn_independent_sampling=False)

    def _pick(self, trial) -> BaseSampler:
        return self._qmc if trial.number < self.n_startup else self._tpe

    def infer_relative_search_space(self, study, trial):
        return self._pick(trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._pick(trial).sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._pick(trial).sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study, trial):
        self._pick(trial).before_trial(study, trial)

    def after_trial(self, study, trial, state, values):
        self._pick(trial).after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self._qmc.reseed_rng()
        self._tpe.reseed_rng()


def make_sampler(name: str, seed: int, startup: int) -> BaseSampler:
    """The sampler called ``name`` (``tpe``, ``random`` or ``qmc``), seeded, with ``startup`` start-up trials."""
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "qmc":
        return QMCStartTPE(startup, seed)
    return TPESampler(seed=seed, n_startup_trials=startup, constant_liar=True, multivariate=True)
