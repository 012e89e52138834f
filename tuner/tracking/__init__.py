"""Where runs are recorded besides the run directory: MLflow runs (a parent per ``tuner run``, a nested run per
trial), the Optuna study kept in the run directory, and tuner's numbers in Ray's metrics."""

from tuner.tracking._store import RUN_FILE, read_run_file, tracking_uri
from tuner.tracking.mlflow_runs import MlflowRuns, TrialRuns, open_runs
from tuner.tracking.study import (STUDY_FILE, close_stale_trials, finished_trials, searcher_args,
                                  study_ref, study_storage)

__all__ = ["RUN_FILE", "STUDY_FILE", "MlflowRuns", "TrialRuns", "close_stale_trials",
           "finished_trials", "open_runs", "read_run_file", "searcher_args", "study_ref", "study_storage",
           "tracking_uri"]
