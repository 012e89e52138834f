"""search.time_budget_s: no trial starts once the budget is spent, and the step a trial is in then is finished
and kept (Tune's own time_budget_s killed it mid-fit)."""

from __future__ import annotations

import pickle
import time

import pytest

from tuner.search.budget import Budget


def test_the_budget_stops_reporting_trials_once_spent_and_never_stops_the_run_by_itself():
    b = Budget(0.2)
    b.setup()
    assert not b.spent() and not b("t1", {})
    time.sleep(0.25)
    assert b.spent() and b("t1", {"rmse": 1.0})
    assert not b.stop_all()  # the searcher ends the search; running trials end at their next report


def test_a_restored_copy_spends_a_fresh_budget():
    b = Budget(0.2)
    b.setup()
    time.sleep(0.25)
    copy = pickle.loads(pickle.dumps(b))
    assert b.spent() and copy.seconds == 0.2 and not copy.spent()


@pytest.mark.ray
def test_a_real_tune_run_keeps_the_steps_in_progress_and_starts_no_trial_after_the_budget(tmp_path):
    import ray
    from ray import tune

    from tuner.config import load_experiment
    from tuner.search import make_searcher

    exp = load_experiment("experiments/quickstart.yaml", ["search.num_samples=50"])
    budget = Budget(3.0)
    searcher = make_searcher(exp.search, exp.model.params, "rmse", "min", budget=budget)
    marks = tmp_path / "marks"
    marks.mkdir()

    def trial(config):
        tid = tune.get_context().get_trial_id()
        for step in range(4):
            (marks / f"{tid}-{step}").touch()  # a step begins
            time.sleep(0.7)  # a fold's fit
            tune.report({"rmse": config["regParam"] * (4 - step), "folds_done": step + 1})

    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=100 * 2**20)
    try:
        grid = tune.Tuner(trial, tune_config=tune.TuneConfig(search_alg=searcher, num_samples=50,
                                                             max_concurrent_trials=2),
                          run_config=tune.RunConfig(storage_path=str(tmp_path / "tune"), verbose=0, stop=budget,
                                                    callbacks=[budget])).fit()
    finally:
        ray.shutdown()
    steps = {r.metrics["trial_id"]: r.metrics["folds_done"] for r in grid}
    begun = {tid: len(list(marks.glob(f"{tid}-*"))) for tid in steps}
    # Tune's own time_budget_s stops the trials running at the deadline without their step's result
    assert begun == steps, "a step begun before the deadline was not reported"
    assert 2 <= len(steps) < 10, f"trials kept starting after the budget: {len(steps)}"
    assert min(steps.values()) < 4, "no trial was stopped by the budget"
    assert all(r.error is None for r in grid)


def test_the_output_says_why_the_search_stopped_early():
    from tuner.config import load_experiment
    from tuner.outputs import stop_line

    exp = load_experiment("experiments/quickstart.yaml", ["search.num_samples=40", "search.time_budget_s=120",
                                                          "search.patience=5"])
    assert stop_line(exp.search, "num_samples", 40, 40) is None
    assert stop_line(exp.search, "time_budget", 12, 40) == (
        "[tuner] search stopped after 12 of 40 trials: search.time_budget_s=120 s was spent (trials running then "
        "finished the fold they were in)")
    assert stop_line(exp.search, "patience", 17, 40) == (
        "[tuner] search stopped after 17 of 40 trials: 5 finished trials in a row did not improve the best CV "
        "metric by more than 0.1% (search.patience)")
