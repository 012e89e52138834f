"""search.patience: the stopper counts finished trials, improvements beyond the tolerance reset it; in a real
Tune run it stops the search before num_samples."""

from __future__ import annotations

import pytest

from tuner.search.patience import Patience


def test_finished_trials_without_improvement_trigger_the_stop():
    p = Patience(patience=3, tolerance=0.01, folds=3, metric="rmse", mode="min")
    p.finished({"rmse": 1.0, "folds_done": 3})  # the first completed trial is the best so far
    p.finished({"rmse": 0.995, "folds_done": 3})  # better, but by less than 1 %: no improvement
    p.finished({"rmse": 0.5, "folds_done": 1})  # pruned after one fold: finished, no CV metric
    assert not p.stop_all()
    p.finished({"rmse": 0.9, "folds_done": 3})  # a real improvement resets the count
    assert p.since == 0 and p.best == 0.9
    for _ in range(3):
        p.finished({"rmse": 0.95, "folds_done": 3})
    assert p.stop_all() and p.triggered


def test_max_mode_improves_upwards():
    p = Patience(patience=1, tolerance=0.0, folds=2, metric="auc_roc", mode="max")
    p.finished({"auc_roc": 0.8, "folds_done": 2})
    p.finished({"auc_roc": 0.81, "folds_done": 2})
    assert p.best == 0.81 and not p.stop_all()
    p.finished({"auc_roc": 0.7, "folds_done": 2})
    assert p.stop_all()


@pytest.mark.ray
def test_a_real_tune_run_stops_for_patience(tmp_path):
    import ray
    from ray import tune

    ray.init(num_cpus=1, include_dashboard=False, object_store_memory=100 * 2**20)
    try:
        p = Patience(patience=3, tolerance=0.0, folds=1, metric="rmse", mode="min")

        def trial(config):
            tune.report({"rmse": 1.0 + config["i"] * 0.1, "folds_done": 1})  # only the first is the best

        grid = tune.Tuner(trial, param_space={"i": tune.grid_search(list(range(20)))},
                          tune_config=tune.TuneConfig(metric="rmse", mode="min", max_concurrent_trials=1),
                          run_config=tune.RunConfig(storage_path=str(tmp_path), verbose=0, stop=p,
                                                    callbacks=[p])).fit()
        finished = [r for r in grid if r.metrics and "rmse" in r.metrics]
        assert p.triggered and 4 <= len(finished) < 20
    finally:
        ray.shutdown()
