"""One experiment, start to end: Ray, the Spark service, data, the Tune run, refit + test, run directory."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from tuner.config import MODEL_TYPES, Experiment, experiment_to_dict
from tuner.models.base import TRIAL_DATA
from tuner.runner import report
from tuner.runner.results import best_row, counts, sort_rows, trial_rows, write_leaderboard


TRIAL_MEMORY = 64 * 2**20


@dataclass
class RunOutcome:
    """What ``tuner run`` prints and returns."""

    run_dir: Path
    summary: dict
    table: str
    exit_code: int


def new_run_dir(exp: Experiment) -> Path:
    """``<output.dir>/<name>-<yyyymmdd-hhmmss>``, made unique if two runs start in the same second."""
    base = Path(exp.output.dir).expanduser().resolve()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = base / f"{exp.name}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = base / f"{exp.name}-{stamp}-{n}"
    path.mkdir(parents=True)
    return path


def run_experiment(exp: Experiment, address: str | None = None, echo=print) -> RunOutcome:
    """Run ``exp`` and write its run directory.

    Args:
        exp: a validated experiment.
        address: Ray address to join instead of starting a local Ray.
        echo: where progress messages go.

    Returns:
        The outcome; ``exit_code`` is 0 on success, 1 if no trial completed, 130 if interrupted.
    """
    run_dir = new_run_dir(exp)
    (run_dir / "experiment.yaml").write_text(yaml.safe_dump(experiment_to_dict(exp), sort_keys=False))
    echo(f"[tuner] run directory: {run_dir}")
    return _execute(exp, run_dir, address, echo, resume=False)


def resume_run(run_dir: str | Path, address: str | None = None, echo=print) -> RunOutcome:
    """Continue an interrupted run (Ctrl-C, killed driver, reboot) in its own run directory.

    Finished trials are kept, unfinished ones start over, the Optuna searcher's state is restored from
    ``tune/``; refit, test and export then happen once.

    Args:
        run_dir: a directory ``tuner run`` made.
        address: Ray address to join instead of starting a local Ray.
        echo: where progress messages go.

    Raises:
        UserError: ``run_dir`` is not a resumable run directory.
    """
    from tuner.config import ConfigError, load_experiment
    from tuner.runner.preflight import UserError

    run_dir = Path(run_dir).expanduser().resolve()
    if not (run_dir / "experiment.yaml").is_file():
        raise UserError(f"{run_dir}: not a run directory (no experiment.yaml); give the folder `tuner run` printed.")
    if not (run_dir / "tune").is_dir():
        raise UserError(f"{run_dir}: the run stopped before any trial started; start it again with `tuner run`.")
    try:
        exp = load_experiment(run_dir / "experiment.yaml")
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    echo(f"[tuner] resuming {run_dir}")
    return _execute(exp, run_dir, address, echo, resume=True)


def _execute(exp: Experiment, run_dir: Path, address: str | None, echo, resume: bool) -> RunOutcome:
    import optuna
    import ray

    from tuner.cluster import kill_service, start_ray, start_service, stop_ray
    from tuner.models import _tasks
    from tuner.runner.cluster_checks import check_cluster
    from tuner.search import flat_space

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    t0 = time.monotonic()
    mt = MODEL_TYPES[exp.model.type]
    metric = exp.search.metric or mt.default_metric
    mode = exp.search.mode or mt.default_mode
    session = service = None
    summary = report.base_summary(exp, metric, mode)
    try:
        session = start_ray(exp.ray, address)
        echo(f"[tuner] Ray dashboard: {session.dashboard_url or 'not running'} (Java {session.java.version} from "
             f"{session.java.source})")
        check_cluster(exp)  # shared storage when multi-node; room for executors + trials, per node
        service, info = start_service(exp.name, exp.spark, str(run_dir / "tmp" / "checkpoints"), session.logs_dir)
        summary.update(spark_start_seconds=round(info["seconds"], 2), spark_ui=info["spark_ui"])
        echo(f"[tuner] Spark {info['spark_version']} started in {info['seconds']:.1f} s · Spark UI: {info['spark_ui']}")
        rows = ray.get(service.call.remote(_tasks.prepare, exp.model.type, exp.data))
        trial_data = rows.pop(TRIAL_DATA, None)  # adapters whose trials run in their own workers
        summary["rows"] = report.rows_summary(rows)
        echo(report.rows_line(rows))
        t_tune = time.monotonic()
        grid_trials, concurrency = _tune(exp, run_dir, service, metric, mode, mt.metrics, echo, resume, trial_data)
        summary["tune_seconds"] = round(time.monotonic() - t_tune, 2)
        tuned = list(flat_space(exp.model.params))
        trows = sort_rows(trial_rows(grid_trials, tuned, mt.metrics, exp.data.folds), metric, mode)
        write_leaderboard(trows, run_dir / "leaderboard.csv", tuned, mt.metrics, exp.data.folds)
        summary["trials"] = counts(trows)
        summary["work_seconds"] = round(sum(r.extra["work_seconds"] for r in trows), 2)
        summary["concurrency"] = concurrency
        interrupted = summary["trials"]["unfinished"] > 0
        best = best_row(trows, metric, mode)
        if exp.output.plots:
            from tuner.runner.plots import write_plots

            order = {t.trial_id: i for i, t in enumerate(grid_trials)}
            write_plots(sorted(trows, key=lambda r: order[r.trial_id]),
                        flat_space(exp.model.params), metric, mode, run_dir / "plots")
        if interrupted:
            summary["status"] = "interrupted"
            code = 130
        elif best is None:
            summary["status"] = "failed"
            summary["failure_reasons"] = report.failure_reasons(trows)
            code = 1
        else:
            summary.update(best_params=best.params, best_cv_metric=best.metrics[metric], best_trial=best.trial_id)
            echo(f"[tuner] refitting the best configuration ({best.trial_id}) on all {summary['rows']['train']} "
                 "training rows and testing it")
            model_path = str(run_dir / "model" / exp.model.type) if exp.output.export_model else None
            test = ray.get(service.call.remote(_tasks.refit_and_test, exp.model.type, best.params, exp.seed,
                                               model_path))
            summary["test_metrics"] = {m: test[m] for m in mt.metrics}
            summary["rows"]["test_dropped_cold_start"] = test.get("cold_start_dropped", 0)
            summary["refit_seconds"] = round(test["seconds"], 2)
            if model_path:
                summary["model_path"] = model_path
                report.write_model_card(exp, summary, run_dir / "model" / "model_card.json", test.get("card"))
            summary["status"] = "completed"
            code = 0
        table = report.render(trows, tuned, metric)
        return RunOutcome(run_dir, summary, table, code)
    except KeyboardInterrupt:
        summary["status"] = "interrupted"
        return RunOutcome(run_dir, summary, "", 130)
    finally:
        summary["wall_seconds"] = round(time.monotonic() - t0, 2)
        summary["dashboard_url"] = session.dashboard_url if session else None
        summary["versions"] = report.versions(session.java if session else None)
        report.write_summary(summary, run_dir / "summary.json")
        kill_service(service)
        stop_ray(session)


def _steps(exp: Experiment) -> str:
    fr = exp.scheduler.data_fractions
    return (f"data fractions {', '.join(f'{f:g}' for f in fr)} of fold 0, then " if fr else "") + f"{exp.data.folds} folds"


def concurrent_trials(exp: Experiment) -> int:
    """``search.max_concurrent_trials``, or as many trials as the executors have cores."""
    return exp.search.max_concurrent_trials or exp.spark.executors * exp.spark.executor_cores


def _tune(exp: Experiment, run_dir: Path, service, metric: str, mode: str, metrics, echo, resume: bool,
          trial_data=None) -> tuple[list, int]:
    # Save Tune's experiment state (trials + Optuna searcher) every 2 s, so a killed driver loses little.
    os.environ.setdefault("TUNE_GLOBAL_CHECKPOINT_S", "2")
    import logging

    from ray import tune

    # Failed trials are reported by tuner (one line each, the reason in leaderboard.csv, the traceback in the
    # trial's error.txt); Tune's own tracebacks and its Tuner.restore hint would only bury that.
    for name in ("ray.tune.execution.tune_controller", "ray.tune.tune", "ray.tune.analysis.experiment_analysis"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    from tuner.runner.progress import ProgressLine
    from tuner.runner.trainable import named_trainable, run_trial
    from tuner.search import make_scheduler, make_searcher

    concurrency = concurrent_trials(exp)
    # Trials only wait on the service: no CPU (the executors hold them all), a little memory so the
    # placement-group bundle is not empty.
    resources = {"CPU": 0, "memory": TRIAL_MEMORY}
    if trial_data is not None:  # trials fit in their own workers (sklearn): they need the CPUs they use
        resources, concurrency = _worker_trials(exp)
    trainable = named_trainable(
        tune.with_parameters(run_trial, service=service, model_type=exp.model.type, metrics=metrics, metric=metric,
                             folds=exp.data.folds, seed=exp.seed, timeout_s=exp.trial.timeout_s,
                             fractions=tuple(exp.scheduler.data_fractions), data=trial_data),
        exp.name, resources,
    )
    if resume:
        tuner = tune.Tuner.restore(str(run_dir / "tune"), trainable=trainable, resume_unfinished=True,
                                   resume_errored=False, restart_errored=False)
        return list(tuner.fit()._experiment_analysis.trials), concurrency
    echo(f"[tuner] {exp.search.num_samples} trials, {exp.search.sampler.upper()} (seed {exp.search.seed}), "
         f"{exp.scheduler.type.upper()} over {_steps(exp)}, {concurrency} at a time")
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            search_alg=make_searcher(exp.search, exp.model.params, metric, mode),
            scheduler=make_scheduler(exp.scheduler, exp.data.folds + len(exp.scheduler.data_fractions), metric, mode),
            num_samples=exp.search.num_samples,
            max_concurrent_trials=concurrency,
            time_budget_s=exp.search.time_budget_s,
            reuse_actors=False,
        ),
        run_config=tune.RunConfig(
            name="tune",
            storage_path=str(run_dir),
            verbose=0,
            failure_config=tune.FailureConfig(max_failures=exp.trial.max_failures),
            callbacks=[ProgressLine(exp.search.num_samples, exp.data.folds, metric, mode)],
        ),
    )
    grid = tuner.fit()
    return list(grid._experiment_analysis.trials), concurrency


def _worker_trials(exp: Experiment) -> tuple[dict, int]:
    """Resources of a trial that fits in its own worker, and how many fit in the cluster at once."""
    import ray

    from tuner.models import get_adapter
    from tuner.search import DefineByRun

    cpus = get_adapter(exp.model.type).trial_resources(DefineByRun(exp.model.params).fixed())["cpu"]
    fit = max(1, int(ray.cluster_resources().get("CPU", 1) // max(cpus, 1)))
    return {"CPU": cpus, "memory": TRIAL_MEMORY}, exp.search.max_concurrent_trials or fit
