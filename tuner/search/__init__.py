"""Search spaces -> Optuna; Ray Tune searchers and schedulers."""

from tuner.search.space import DefineByRun, branch_key, flat_space, suggest, to_distribution
from tuner.search.tune_setup import make_scheduler, make_searcher, startup_trials

__all__ = ["DefineByRun", "branch_key", "flat_space", "make_scheduler", "make_searcher", "startup_trials", "suggest", "to_distribution"]
