"""Orchestration: builds the Tune run and the trial function, refits and tests the best configuration."""

from tuner.runner.preflight import preflight
from tuner.runner.run import RunOutcome, resume_run, run_experiment

__all__ = ["RunOutcome", "preflight", "resume_run", "run_experiment"]
