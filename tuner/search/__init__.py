"""Search spaces -> Optuna; samplers, Ray Tune searchers and schedulers; bound warnings."""

from tuner.search.bounds import BoundHit, bound_hits
from tuner.search.samplers import (SpaceShape, StartupSampler, build_sampler, choose_sampler, resolved_sampler,
                                   startup_trials)
from tuner.search.space import DefineByRun, branch_key, flat_space, suggest, to_distribution
from tuner.search.tune_setup import make_scheduler, make_searcher

__all__ = ["BoundHit", "DefineByRun", "SpaceShape", "StartupSampler", "bound_hits", "branch_key", "build_sampler",
           "choose_sampler", "flat_space", "make_scheduler", "make_searcher", "resolved_sampler", "startup_trials",
           "suggest", "to_distribution"]
