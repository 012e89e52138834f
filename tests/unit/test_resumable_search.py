"""After a kill, a resumed run may re-fit a trial the study had already been told: its results are ignored."""

from __future__ import annotations

import warnings

import optuna
import pytest

from tuner.config.schema import LogUniformSpec, SearchConfig
from tuner.search import make_searcher

SPACE = {"regParam": LogUniformSpec(type="loguniform", low=0.01, high=0.3)}


def searcher(tmp_path):
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'optuna.db'}")
    return make_searcher(SearchConfig(sampler="tpe", seed=0), SPACE, "rmse", "min",
                         study={"study_name": "s", "storage": storage})


def test_a_result_of_a_trial_the_study_already_finished_is_ignored(tmp_path):
    s = searcher(tmp_path)
    s.suggest("t1")
    ot_trial = s._ot_trials["t1"]
    s.on_trial_result("t1", {"rmse": 0.9, "training_iteration": 1})
    ot_trial.study.tell(ot_trial, 0.9)  # what the killed driver had done before Tune's last checkpoint

    s.on_trial_result("t1", {"rmse": 0.9, "training_iteration": 1})  # the resumed run fits it again
    s.on_trial_complete("t1", {"rmse": 0.9, "training_iteration": 2})

    (t,) = ot_trial.study.get_trials()
    assert t.state == optuna.trial.TrialState.COMPLETE and t.value == 0.9


def test_a_step_already_reported_is_not_warned_about_and_new_steps_still_are_reported(tmp_path):
    s = searcher(tmp_path)
    s.suggest("t1")
    s.on_trial_result("t1", {"rmse": 0.9, "training_iteration": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.on_trial_result("t1", {"rmse": 0.9, "training_iteration": 1})
    s.on_trial_result("t1", {"rmse": 0.8, "training_iteration": 2})
    (t,) = s._ot_trials["t1"].study.get_trials()
    assert t.intermediate_values == {1: 0.9, 2: 0.8}


def test_plain_optuna_search_would_end_the_resumed_run(tmp_path):
    # the failure this class exists for (seen in CI, 2026-12-04): kept so the guard above is not vacuous
    from ray.tune.search.optuna import OptunaSearch

    s = searcher(tmp_path)
    s.suggest("t1")
    ot_trial = s._ot_trials["t1"]
    ot_trial.study.tell(ot_trial, 0.9)
    with pytest.raises(optuna.exceptions.UpdateFinishedTrialError):
        OptunaSearch.on_trial_result(s, "t1", {"rmse": 0.9, "training_iteration": 1})


def _study_states(tmp_path, reports: dict[str, tuple[list[float], bool]]):
    """Trials reporting the given running CV means fold by fold (a 3-fold CV), then ending (error or not)."""
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'optuna.db'}")
    s = make_searcher(SearchConfig(sampler="tpe", seed=0), SPACE, "rmse", "min",
                      study={"study_name": "s", "storage": storage}, folds=3)
    for trial_id, (means, error) in reports.items():
        s.suggest(trial_id)
        for k, mean in enumerate(means[:-1], 1):  # Tune hands the result a scheduler stops on only to complete
            s.on_trial_result(trial_id, {"rmse": mean, "training_iteration": k, "folds_done": k})
        last = {"rmse": means[-1], "training_iteration": len(means), "folds_done": len(means)} if means else None
        s.on_trial_complete(trial_id, last, error=error)
    return optuna.load_study(study_name="s", storage=storage).get_trials()


def test_the_study_records_stopped_trials_as_pruned_and_failed_ones_as_fail(tmp_path):
    done, pruned, failed, failed_early = _study_states(tmp_path, {
        "done": ([0.9, 0.85, 0.86], False), "pruned": ([0.7], False), "failed": ([0.6, 0.5], True),
        "failed_early": ([], True)})
    TS = optuna.trial.TrialState
    assert (done.state, done.value, done.intermediate_values) == (TS.COMPLETE, 0.86, {1: 0.9, 2: 0.85, 3: 0.86})
    assert pruned.state == TS.PRUNED and pruned.intermediate_values == {1: 0.7}
    assert failed.state == TS.FAIL and failed.intermediate_values == {1: 0.6, 2: 0.5} and failed.value is None
    assert failed_early.state == TS.FAIL
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'optuna.db'}")
    assert study.best_value == 0.86  # the pruned trial's 0.7 and the failed one's partial 0.5 never compete
