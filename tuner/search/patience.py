"""Stop starting trials once the search has converged: ``search.patience`` finished trials in a row without
improving the best CV metric by more than ``search.patience_tolerance`` (relative)."""

from __future__ import annotations

from ray.tune import Callback
from ray.tune.stopper import Stopper


class Patience(Stopper, Callback):
    """A Tune stopper (``RunConfig(stop=...)``) that is also a callback (``callbacks=[...]``), because only a
    callback sees a trial end: completed (all folds) or stopped early by ASHA, both count as finished.

    Args:
        patience: finished trials without an improvement before the search stops.
        tolerance: an improvement must beat the best by more than ``tolerance * |best|``.
        folds: full folds per trial (a trial with all of them has a CV metric that can improve the best).
        metric, mode: the objective.

    Attributes:
        triggered: True once the search was stopped for patience (``stop_reason`` in summary.json).
    """

    def __init__(self, patience: int, tolerance: float, folds: int, metric: str, mode: str):
        self.patience, self.tolerance, self.folds, self.metric, self.mode = patience, tolerance, folds, metric, mode
        self.best: float | None = None
        self.since = 0
        self.triggered = False

    def improves(self, value: float) -> bool:
        """True if ``value`` beats the best so far by more than the tolerance."""
        if self.best is None:
            return True
        margin = self.tolerance * abs(self.best)
        return value < self.best - margin if self.mode == "min" else value > self.best + margin

    def finished(self, result: dict) -> None:
        """Count one finished trial by its last result."""
        value = result.get(self.metric)
        if result.get("folds_done", 0) >= self.folds and value is not None and self.improves(value):
            self.best, self.since = value, 0
        else:
            self.since += 1

    def on_trial_complete(self, iteration, trials, trial, **info):
        self.finished(trial.last_result or {})

    def __call__(self, trial_id, result) -> bool:
        return False  # never stops a running trial; ASHA decides those

    def stop_all(self) -> bool:
        if self.since >= self.patience:
            self.triggered = True
        return self.triggered
