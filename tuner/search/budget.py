"""``search.time_budget_s``: once the budget is spent no trial starts, and a trial running then stops after the
step (fold) it is in, with that step reported. Ray Tune's own ``time_budget_s`` kills the running trials at
the deadline instead, throwing away the fits in progress (at 25M ratings a fold is minutes of cluster time)."""

from __future__ import annotations

import time

from ray.tune import Callback
from ray.tune.stopper import Stopper


class Budget(Stopper, Callback):
    """A Tune stopper (``RunConfig(stop=...)``) that is also a callback (its clock starts in ``setup``, when the
    Tune run starts), shared with the searcher, whose ``suggest`` ends the search once :meth:`spent`.

    The run then ends when the trials running at the deadline have reported their current step, at most one
    step (bounded by ``trial.timeout_s``) past the budget. A resumed run spends a fresh budget, as Tune's did:
    the clock is not saved with the run (a restored copy starts it at its first use).

    Args:
        seconds: the budget, from the start of the Tune run.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._start: float | None = None

    def __getstate__(self) -> dict:
        return {"seconds": self.seconds, "_start": None}

    def setup(self, **info) -> None:
        self._start = time.monotonic()

    def spent(self) -> bool:
        """True once ``seconds`` have passed since the run started (or since this copy was first asked)."""
        if self._start is None:
            self._start = time.monotonic()
        return time.monotonic() - self._start >= self.seconds

    def __call__(self, trial_id, result) -> bool:
        return self.spent()  # a trial reporting after the deadline stops here, its step kept

    def stop_all(self) -> bool:
        return False  # the searcher starts no trial after the deadline; the run ends when the running ones stop
