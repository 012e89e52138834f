"""The Ray Tune run of one experiment: trainable, searcher, scheduler, callbacks; fresh or restored."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from tuner.config import Experiment
from tuner.config.plan import RunPlan
from tuner.outputs import MORE_PREFIX, load_run_trials, tune_dirs
from tuner.runner.resources import TRIAL_MEMORY, concurrent_trials, worker_trials

# Failed trials are reported by tuner (one line each, the reason in leaderboard.csv, the traceback in the
# trial's error.txt); Tune's own tracebacks and its Tuner.restore hint would only bury that.
_QUIET = ("ray.tune.execution.tune_controller", "ray.tune.tune", "ray.tune.analysis.experiment_analysis", "optuna")
_STATE_LOGGER = "ray.tune.execution.experiment_state"


class StagingRace(logging.Filter):
    """Drops Tune's "Saving experiment state ... failed" when the upload only lost a file renamed under it.

    Tune writes its state to a staging dir (``<uuid>-tmp-<name>`` files, renamed when complete) while the
    previous background upload may still list that dir; the upload then fails on a temp file already renamed.
    Nothing is lost (the next upload, and the final forced one at the end of the run, copy the renamed
    file), but Tune logs it as an ERROR with a full traceback. Any other failure is still shown.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, FileNotFoundError) and "-tmp-" in str(exc))


def quiet_tune_logs() -> None:
    """Silence the Tune loggers tuner speaks for (:data:`_QUIET`) and the staging race; idempotent."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    state = logging.getLogger(_STATE_LOGGER)
    if not any(isinstance(f, StagingRace) for f in state.filters):
        state.addFilter(StagingRace())


def run_search(exp: Experiment, plan: RunPlan, run_dir: Path, service, echo, resume: bool,
               trial_data=None, runs=None, more: int = 0) -> tuple[list, int, str]:
    """Run (or, with ``resume``, restore and continue) the Tune experiment in ``run_dir/tune``.

    The Optuna study is written to ``run_dir/optuna.db`` as trials finish (:mod:`tuner.tracking.study`).

    Args:
        runs: the run's :class:`tuner.tracking.MlflowRuns` (its callback logs each trial), or None.
        more: with ``resume``, run this many new trials of a finished run as Tune experiment
            ``tune-more-<k>``, the sampler continuing the study on disk (every earlier trial seen).

    Returns:
        Tune's ``Trial`` records of every Tune experiment of the run, in creation order, how many trials ran
        at once, and why the search stopped (``num_samples``, ``time_budget`` or ``patience``).
    """
    from tuner.tracking import close_stale_trials

    # Save Tune's experiment state (trials + Optuna searcher) every 2 s, so a killed driver loses little.
    os.environ.setdefault("TUNE_GLOBAL_CHECKPOINT_S", "2")
    from ray import tune

    quiet_tune_logs()
    trainable, concurrency = _trainable(exp, plan, service, trial_data)
    patience = None
    if exp.search.patience:
        from tuner.search.patience import Patience

        patience = Patience(exp.search.patience, exp.search.patience_tolerance, exp.data.folds, plan.metric,
                            plan.mode)
    callbacks = [runs.callback(plan.trial_metrics, exp.data.folds)] if runs else []
    t0 = time.monotonic()
    if more:
        from tuner.tracking import finished_trials

        earlier = finished_trials(run_dir)
        name = f"{MORE_PREFIX}{len(tune_dirs(run_dir))}"
        # a new seed: the first run's would replay its random start-up points
        exp = exp.model_copy(update={"search": exp.search.model_copy(update={"num_samples": more,
                                                                             "seed": exp.search.seed + earlier})})
        echo(f"[tuner] {more} more trials ({name}/), {exp.search.sampler.upper()} (seed {exp.search.seed}) "
             f"continuing the study's {earlier} finished trials, {concurrency} at a time")
        tuner = _new_tuner(exp, plan, run_dir, trainable, concurrency, patience, callbacks, name)
    elif resume:
        tuner = tune.Tuner.restore(str(tune_dirs(run_dir)[-1]), trainable=trainable, resume_unfinished=True,
                                   resume_errored=False, restart_errored=False)
    else:
        from tuner.search import resolved_sampler

        sampler = resolved_sampler(exp.search, exp.model.params)
        shown = sampler.upper() + (" (auto)" if exp.search.sampler == "auto" else "")
        goal = " x ".join(f"{m} ({d})" for m, d in plan.objectives)
        echo(f"[tuner] {exp.search.num_samples} trials, {shown} (seed {exp.search.seed}), "
             f"{exp.scheduler.type.upper()} over {_steps(exp)}, {concurrency} at a time"
             + (f"; objectives {goal}" if goal else ""))
        tuner = _new_tuner(exp, plan, run_dir, trainable, concurrency, patience, callbacks)
    ran = len(tuner.fit())  # trials of this Tune experiment
    trials = load_run_trials(run_dir)
    if all(t.status in ("TERMINATED", "ERROR") for t in trials):  # not after Ctrl-C: resume tells the unfinished
        close_stale_trials(run_dir)  # a trial Optuna asked for but Tune never ran is not left RUNNING
    budget = exp.search.time_budget_s
    # the budget stops *starting* trials: it is the reason only where fewer than num_samples ran
    reason = ("patience" if patience and patience.triggered else
              "time_budget" if budget and time.monotonic() - t0 >= budget and ran < exp.search.num_samples else
              "num_samples")
    return trials, concurrency, reason


def _trainable(exp: Experiment, plan: RunPlan, service, trial_data):
    """The named function trainable with its fixed arguments and resources; and the concurrency."""
    from ray import tune

    from tuner.runner.trainable import TrialSpec, named_trainable, run_trial

    concurrency = concurrent_trials(exp)
    # Trials only wait on the service: no CPU (the executors hold them all), a little memory.
    resources = {"CPU": 0, "memory": TRIAL_MEMORY}
    if trial_data is not None:  # trials fit in their own workers (sklearn): they need the CPUs they use
        resources, concurrency = worker_trials(exp)
    spec = TrialSpec(model_type=exp.model.type, metrics=plan.trial_metrics, metric=plan.metric,
                     folds=exp.data.folds, seed=exp.seed, timeout_s=exp.trial.timeout_s,
                     fractions=tuple(exp.scheduler.data_fractions), objectives=plan.objective_names)
    fn = tune.with_parameters(run_trial, service=service, spec=spec, data=trial_data)
    return named_trainable(fn, exp.name, resources), concurrency


def _new_tuner(exp: Experiment, plan: RunPlan, run_dir: Path, trainable, concurrency: int, patience=None,
               callbacks=(), name: str = "tune"):
    from ray import tune
    from ray.tune.stopper import CombinedStopper

    from tuner.runner.progress import ProgressLine
    from tuner.search import make_scheduler, make_searcher
    from tuner.search.budget import Budget
    from tuner.tracking import searcher_args
    from tuner.tracking.ray_metrics import TunerMetrics

    metric, mode, several = plan.metric, plan.mode, plan.objectives
    # multi-objective: the searcher gets lists; the rest ranks by the primary metric
    goal = ([m for m, _ in several], [d for _, d in several]) if several else (metric, mode)
    steps = exp.data.folds + len(exp.scheduler.data_fractions)
    # not TuneConfig(time_budget_s): that kills the trials running at the deadline, losing their fits
    budget = Budget(exp.search.time_budget_s) if exp.search.time_budget_s else None
    stoppers = [s for s in (patience, budget) if s is not None]
    return tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            # a new study tries the known-good starts first; `--more` continues one that already has them
            search_alg=make_searcher(exp.search, exp.model.params, *goal, study=searcher_args(run_dir),
                                     budget=budget, folds=exp.data.folds,
                                     starts=exp.model.starts or () if name == "tune" else ()),
            scheduler=make_scheduler(exp.scheduler, steps, metric, mode),
            num_samples=exp.search.num_samples,
            max_concurrent_trials=concurrency,
            # A finished or pruned trial's actor takes the next trial: a new Ray worker per trial costs ~1-2 s,
            # most of the Tune time of a small sklearn search. Safe: a function trainable reports synchronously,
            # so a trial ASHA stops is parked in tune.report with its fit returned (no Spark job of its group
            # runs; an in-worker fit's thread was joined), and reset_config joins that thread or starts a fresh
            # actor. Tune never reuses a failed or timed-out trial's actor: a hung fit's thread ends with it.
            reuse_actors=True,
        ),
        run_config=tune.RunConfig(
            name=name,
            storage_path=str(run_dir),
            verbose=0,
            failure_config=tune.FailureConfig(max_failures=exp.trial.max_failures),
            stop=CombinedStopper(*stoppers) if len(stoppers) > 1 else stoppers[0] if stoppers else None,
            callbacks=[ProgressLine(exp.search.num_samples, exp.data.folds, metric, mode),
                       TunerMetrics(exp.name, exp.data.folds, metric, mode), *stoppers, *callbacks],
        ),
    )


def _steps(exp: Experiment) -> str:
    fr = exp.scheduler.data_fractions
    return (f"data fractions {', '.join(f'{f:g}' for f in fr)} of fold 0, then " if fr else "") + f"{exp.data.folds} folds"
