"""``tuner resume RUN_DIR --more N``: N more trials of a finished run, and whether its refit still stands."""

from __future__ import annotations

import json
from pathlib import Path

from tuner.errors import UserError

NOT_FINISHED = ("{run_dir}: --more adds trials to a finished run, and this one is {status}: "
                "finish it first with `tuner resume {run_dir}`.")
NO_STUDY = "{run_dir}: no Optuna study (optuna.db) to continue; this run was made before tuner kept one."
BAD_N = "--more must be a whole number of trials >= 1, got {n}."
KEPT = ("[tuner] the best configuration is still {trial}: its refit, test metrics and exported model "
        "stand (not redone)")


def check_more(run_dir: Path, n: int) -> dict:
    """The finished run's summary.json, which ``--more`` compares its new best with.

    Raises:
        UserError: ``n`` < 1, the run did not finish, or it has no study on disk.
    """
    from tuner.tracking import STUDY_FILE

    if n < 1:
        raise UserError(BAD_N.format(n=n))
    try:
        previous = json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        previous = {"status": "unfinished (no summary.json)"}
    if previous.get("status") != "completed":
        raise UserError(NOT_FINISHED.format(run_dir=run_dir, status=previous.get("status")))
    if not (run_dir / STUDY_FILE).is_file():
        raise UserError(NO_STUDY.format(run_dir=run_dir))
    return previous


def keep_refit(previous: dict | None, best, echo) -> dict | None:
    """With ``--more``: if the best trial is the one already refit, its test outcome, to keep.

    Returns:
        None: refit, test and export ``best``. Else the earlier run's facts that stand (``test_metrics``,
        ``model_path``, ``refit_seconds``, ``mlflow``, ``refit: kept`` and ``rows`` with its cold-start count).
    """
    if not previous or previous.get("best_trial") != best.trial_id or previous.get("test_metrics") is None:
        return None
    kept = {key: previous[key] for key in ("test_metrics", "model_path", "refit_seconds", "mlflow")
            if previous.get(key) is not None}
    cold = (previous.get("rows") or {}).get("test_dropped_cold_start", 0)
    echo(KEPT.format(trial=best.trial_id))
    return {**kept, "refit": "kept", "rows": {"test_dropped_cold_start": cold}}
