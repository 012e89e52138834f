"""Every writer of the run directory (summary.json, leaderboard.csv, model card, plots), fed once from one
:class:`RunResult`."""

from tuner.outputs.leaderboard import (MORE_PREFIX, TrialRow, best_row, counts, load_run_trials, load_trials, render_table,
                                      sort_rows, trial_rows, tune_dirs)
from tuner.outputs.ranking import ranked_test_summary
from tuner.outputs.run_dir import (RunResult, check_resumable, lock_run_dir, new_run_dir, read_run_experiment,
                                   write_run_dir)
from tuner.outputs.record import RunRecord, new_record
from tuner.outputs.summary import failure_reasons, rows_line, rows_summary, stop_line, versions

__all__ = ["MORE_PREFIX", "RunResult", "check_resumable", "lock_run_dir", "TrialRow", "load_run_trials", "tune_dirs", "RunRecord", "new_record", "best_row", "counts", "failure_reasons", "load_trials",
           "new_run_dir", "read_run_experiment", "render_table", "rows_line", "rows_summary", "sort_rows",
           "ranked_test_summary", "stop_line", "trial_rows", "versions", "write_run_dir"]
