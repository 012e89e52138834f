"""One rule for a trial's status, read the same by the leaderboard, the progress line and the metrics."""

from __future__ import annotations

import pytest

from tuner.search.trial_status import trial_status


@pytest.mark.parametrize("tune, done, ended, expected", [
    ("ERROR", 3, False, "failed"),        # an error wins even after every fold
    ("TERMINATED", 3, False, "completed"),
    ("RUNNING", 3, False, "completed"),   # reported its last fold, Tune has not ended it yet
    ("TERMINATED", 1, False, "pruned"),   # ASHA (or a stopper, or the budget) ended it after one fold
    ("RUNNING", 1, True, "pruned"),       # a callback's on_trial_complete: Tune is ending it now
    ("RUNNING", 1, False, "running"),
    ("PENDING", 0, False, "pending"),
    ("PAUSED", 2, False, "pending"),
])
def test_trial_status(tune, done, ended, expected):
    assert trial_status(tune, done, 3, ended=ended) == expected
