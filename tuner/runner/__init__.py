"""Builds the Tune run, refits and tests the best configuration, writes the run directory."""

from tuner.runner.preflight import UserError, preflight, user_error
from tuner.runner.run import RunOutcome, run_experiment

__all__ = ["RunOutcome", "UserError", "preflight", "run_experiment", "user_error"]
