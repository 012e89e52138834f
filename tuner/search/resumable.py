"""Ray Tune's OptunaSearch, made safe for ``tuner resume`` after a kill and bounded by the time budget (imports
Ray: load it lazily)."""

from __future__ import annotations

import warnings

from ray.tune.search import Searcher
from ray.tune.search.optuna import OptunaSearch

from tuner.search.budget import Budget


class ResumableOptunaSearch(OptunaSearch):
    """OptunaSearch that tolerates, after a resume, results of a trial the study has already finished.

    A driver killed after a trial was told to the study (the run's sqlite file) but before Tune's next
    experiment checkpoint leaves that trial unfinished for Tune, so the resumed run fits it again. Its results
    must not be reported to the finished Optuna trial (Optuna raises ``UpdateFinishedTrialError``, which would
    end the resumed run): the study keeps the value it was told. A re-run step the study already holds (a trial
    killed mid-run) is not warned about again. Completion needs nothing here: OptunaSearch already logs, not
    raises, a ``tell`` on a finished trial.

    With a :class:`~tuner.search.budget.Budget` (``budget=``), ``suggest`` ends the search once it is spent.
    """

    def __init__(self, *args, budget: Budget | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.budget = budget

    def suggest(self, trial_id: str):
        if self.budget is not None and self.budget.spent():
            return Searcher.FINISHED
        return super().suggest(trial_id)

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        ot_trial = self._ot_trials.get(trial_id)
        if ot_trial is not None and ot_trial.storage.get_trial(ot_trial._trial_id).state.is_finished():
            return
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The reported value is ignored")
            super().on_trial_result(trial_id, result)
