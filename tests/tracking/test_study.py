"""The Optuna study in the run directory with real Ray Tune + OptunaSearch: restore after Ctrl-C, from another
working directory (`tuner resume --more N` is tested through the CLI: tests/integration/test_tracking_run.py)."""

import os
import signal

import optuna
import pytest
from optuna.trial import TrialState
from ray import tune
from ray.tune.search.optuna import OptunaSearch

from tuner.tracking import close_stale_trials, searcher_args, study_ref

pytestmark = pytest.mark.ray
SPACE = {"x": tune.uniform(0.0, 1.0)}


def objective(config, log):
    import time

    with open(log, "a") as fh:  # every execution, to prove which trials ran
        fh.write(f"{config['x']!r}\n")
    time.sleep(0.3)
    tune.report({"loss": (config["x"] - 0.3) ** 2})


class InterruptAfter(tune.Callback):
    """Ctrl-C (SIGINT to this driver) once ``n`` trials completed: Tune saves its state and stops.

    Tune pickles callbacks into its experiment state and ``Tuner.restore`` brings them back, so a marker file
    keeps it from interrupting the restored run too.
    """

    def __init__(self, n, marker):
        self.n, self.done, self.marker = n, 0, str(marker)

    def on_trial_complete(self, iteration, trials, trial, **info):
        self.done += 1
        if self.done == self.n and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os.kill(os.getpid(), signal.SIGINT)


def _tuner(run_dir, log, searcher, num_samples, name="tune", callbacks=()):
    return tune.Tuner(
        tune.with_parameters(objective, log=str(log)),
        param_space=SPACE,
        tune_config=tune.TuneConfig(search_alg=searcher, metric="loss", mode="min", num_samples=num_samples,
                                    max_concurrent_trials=1),
        run_config=tune.RunConfig(name=name, storage_path=str(run_dir), verbose=0, callbacks=list(callbacks)),
    )


def _study(run_dir):
    ref = study_ref(run_dir)
    return optuna.load_study(study_name=ref["name"], storage=ref["storage"])


def test_restore_after_interrupt_keeps_every_finished_trial_once(local_ray, tmp_path, monkeypatch):
    run_dir, log = tmp_path / "exp-1", tmp_path / "ran.txt"
    run_dir.mkdir()
    searcher = OptunaSearch(sampler=optuna.samplers.TPESampler(seed=0), **searcher_args(run_dir))
    _tuner(run_dir, log, searcher, 6, callbacks=[InterruptAfter(2, tmp_path / "interrupted")]).fit()
    first = _study(run_dir).get_trials(states=(TrialState.COMPLETE,))
    assert 2 <= len(first) < 6  # interrupted part-way, the study on disk already holds the finished trials

    monkeypatch.chdir(tmp_path.parent)  # restore from elsewhere: the pickled storage URL is absolute
    grid = tune.Tuner.restore(str(run_dir / "tune"), trainable=tune.with_parameters(objective, log=str(log)),
                              resume_unfinished=True).fit()
    assert len(grid) == 6 and not grid.errors
    close_stale_trials(run_dir)
    study = _study(run_dir)
    done = study.get_trials(states=(TrialState.COMPLETE,))
    assert sorted(t.params["x"] for t in done) == sorted(r.config["x"] for r in grid)  # each exactly once
    assert [t.params["x"] for t in first] == [t.params["x"] for t in done[:len(first)]]
    assert not study.get_trials(states=(TrialState.RUNNING,))
    assert study_ref(run_dir)["storage"] == f"sqlite:///{run_dir}/optuna.db"
