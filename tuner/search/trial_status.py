"""The one rule for what a Ray Tune trial's status means in tuner's words (leaderboard, progress line, metrics)."""

from __future__ import annotations

STATUSES = ("pending", "running", "completed", "pruned", "failed")


def trial_status(tune_status: str, folds_done: int, folds: int, *, ended: bool = False) -> str:
    """``completed`` (all CV folds reported), ``pruned`` (stopped before them: ASHA, a stopper, the budget),
    ``failed`` (Tune's ERROR), else ``running`` or ``pending``.

    Args:
        tune_status: Tune's ``Trial.status`` (PENDING, RUNNING, PAUSED, TERMINATED, ERROR).
        folds_done: folds the trial reported (its last result's ``folds_done``).
        folds: the CV folds of the experiment.
        ended: Tune is finishing the trial and has not updated its status yet (callbacks' on_trial_complete).
    """
    if tune_status == "ERROR":
        return "failed"
    if folds_done >= folds:
        return "completed"
    if tune_status == "TERMINATED" or ended:
        return "pruned"
    return "running" if tune_status == "RUNNING" else "pending"
