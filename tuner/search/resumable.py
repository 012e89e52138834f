"""Ray Tune's OptunaSearch, made safe for ``tuner resume`` after a kill and bounded by the time budget (imports
Ray: load it lazily)."""

from __future__ import annotations

import logging
import warnings

from optuna.trial import TrialState
from ray.tune.search import Searcher
from ray.tune.search.optuna import OptunaSearch

from tuner.search.budget import Budget
from tuner.search.trial_status import trial_status

logger = logging.getLogger(__name__)


class ResumableOptunaSearch(OptunaSearch):
    """OptunaSearch that tolerates, after a resume, results of a trial the study has already finished.

    A driver killed after a trial was told to the study (the run's sqlite file) but before Tune's next
    experiment checkpoint leaves that trial unfinished for Tune, so the resumed run fits it again. Its results
    must not be reported to the finished Optuna trial (Optuna raises ``UpdateFinishedTrialError``, which would
    end the resumed run): the study keeps the value it was told. A re-run step the study already holds (a trial
    killed mid-run) is not warned about again. Completion needs nothing here: OptunaSearch already logs, not
    raises, a ``tell`` on a finished trial.

    With a :class:`~tuner.search.budget.Budget` (``budget=``), ``suggest`` ends the search once it is spent.

    With ``folds`` (the CV folds a completed trial reports), the study records each trial in tuner's words
    (:func:`~tuner.search.trial_status.trial_status`): a trial stopped before its last fold (ASHA, a stopper,
    the budget) is PRUNED with its per-fold intermediate values, a failed one FAIL, and only a trial with every
    fold COMPLETE with its CV mean. (Ray's OptunaSearch tells every trial that reported anything as COMPLETE
    with its last value, so optuna-dashboard and ``study.best_value`` would count partial means as results.)
    """

    def __init__(self, *args, budget: Budget | None = None, folds: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.budget = budget
        self.folds = folds

    def suggest(self, trial_id: str):
        if self.budget is not None and self.budget.spent():
            return Searcher.FINISHED
        return super().suggest(trial_id)

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        folds = getattr(self, "folds", None)  # None: a searcher pickled before tuner set it (resume)
        ot_trial = self._ot_trials.get(trial_id)
        if folds is None or ot_trial is None or trial_id in self._completed_trials:
            return super().on_trial_complete(trial_id, result, error)
        status = trial_status("ERROR" if error else "TERMINATED", int((result or {}).get("folds_done", 0)), folds)
        step = (result or {}).get("training_iteration")
        stored = ot_trial.storage.get_trial(ot_trial._trial_id)  # finished already: told before a kill (resume)
        if not isinstance(self.metric, list) and step is not None and self.metric in result and (
                not stored.state.is_finished() and step not in stored.intermediate_values):
            # a result the scheduler stopped the trial on reaches the searcher only here, not as a trial result
            ot_trial.report(result[self.metric], step)
        if status == "completed":
            return super().on_trial_complete(trial_id, result, error)
        state = TrialState.FAIL if status == "failed" else TrialState.PRUNED
        try:  # PRUNED: Optuna keeps the last intermediate value as the trial's value, never as a best
            self._ot_study.tell(ot_trial, None, state=state)
        except Exception as exc:  # noqa: BLE001 - as OptunaSearch: a trial already finished in the study (resume)
            logger.warning(exc)
        self._completed_trials.add(trial_id)
        return None

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        ot_trial = self._ot_trials.get(trial_id)
        if ot_trial is not None and ot_trial.storage.get_trial(ot_trial._trial_id).state.is_finished():
            return
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The reported value is ignored")
            super().on_trial_result(trial_id, result)
