"""Builds the Tune run, refits and tests the best configuration, writes the run directory."""

from tuner.runner.export import export_model
from tuner.runner.preflight import UserError, preflight, user_error
from tuner.runner.run import RunOutcome, resume_run, run_experiment
from tuner.runner.status import run_status

__all__ = ["RunOutcome", "UserError", "export_model", "preflight", "resume_run", "run_experiment", "run_status", "user_error"]
