"""The ``tuner`` command: parse arguments, call the runner, print results. User mistakes never show a traceback."""

from __future__ import annotations

import argparse
import sys

from tuner.errors import EXIT_USAGE, MESSAGE_LIMIT, shorten

_EPILOG = """examples:
  tuner validate experiments/quickstart.yaml
  tuner run experiments/quickstart.yaml
  tuner run experiments/als.yaml --set search.num_samples=40 --set data.path=/data/ml-25m/ratings.csv
  tuner run experiments/als.yaml --address ray://head:10001
  tuner submit experiments/als.yaml --address http://head:8265
  tuner doctor
  tuner recommend runs/quickstart-20261203-1012 --user 1 -k 5
  tuner predict runs/quickstart-20261203-1012 --input pairs.csv --out predictions.parquet
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tuner", description="Hyperparameter search for Spark MLlib and "
                                "scikit-learn on Ray (RayDP + Ray Tune + Optuna).", epilog=_EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"tuner {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sets = dict(action="append", default=[], metavar="KEY=VALUE",
                help="override a config key, e.g. --set search.num_samples=40 (repeatable)")

    run = sub.add_parser("run", help="run an experiment: tune, refit the best, test, export")
    run.add_argument("config", help="experiment YAML file")
    run.add_argument("--set", dest="overrides", **sets)
    run.add_argument("--address", help="join this Ray cluster (e.g. ray://head:10001 or auto) instead of starting one")

    res = sub.add_parser("resume", help="continue an interrupted run; finished trials are not re-run")
    res.add_argument("run_dir", help="the run directory `tuner run` printed")
    res.add_argument("--more", type=int, default=0, metavar="N",
                     help="run N more trials of a finished run (the sampler sees every earlier trial); refit, "
                     "test and export are redone only if the best changes")
    res.add_argument("--address", help="join this Ray cluster instead of starting one")

    exp = sub.add_parser("export", help="copy a run's best model and its model card to another folder")
    exp.add_argument("run_dir", help="the run directory `tuner run` printed")
    exp.add_argument("--out", required=True, help="destination folder (must not exist)")

    st = sub.add_parser("status", help="show a run's trials, best result and outcome from its run directory")
    st.add_argument("run_dir", help="the run directory `tuner run` printed")

    sbm = sub.add_parser("submit", help="run an experiment as a Ray Job on a cluster (shows on the dashboard's Jobs page)")
    sbm.add_argument("config", help="experiment YAML file")
    sbm.add_argument("--set", dest="overrides", **sets)
    sbm.add_argument("--address", required=True, help="the head's dashboard, e.g. http://head:8265")
    sbm.add_argument("--working-dir", help="upload this folder with the job (the experiment file must be in it); "
                     "without it the head must see the file at the same absolute path")
    sbm.add_argument("--wait", action="store_true", help="follow the job's logs until it ends; exit 1 if it fails")

    doc = sub.add_parser("doctor", help="check Python, Java, Ray, RayDP, PySpark and start a tiny Spark service")
    doc.add_argument("config", nargs="?", help="also check that this experiment's executors and trials fit the cluster")
    doc.add_argument("--set", dest="overrides", **sets)
    doc.add_argument("--address", help="check this Ray cluster (e.g. auto or head:6379) instead of a local one")

    _serve_parsers(sub)

    val = sub.add_parser("validate", help="check an experiment file without starting Ray or Java")
    val.add_argument("config", help="experiment YAML file")
    val.add_argument("--set", dest="overrides", **sets)
    return p


def _serve_parsers(sub) -> None:
    """``recommend`` and ``predict``: answers from an exported model with numpy/pyarrow (no JVM, no Ray)."""
    model = dict(metavar="MODEL_DIR|RUN_DIR", help="a run directory, its model/ folder, or an exported copy")
    rec = sub.add_parser("recommend", help="an ALS model's top-k items for a user (or a file of users), no JVM")
    rec.add_argument("model", **model)
    rec.add_argument("--user", help="the user id to answer")
    rec.add_argument("--users", metavar="FILE", help="a CSV/Parquet file with a 'user' column (with --out)")
    rec.add_argument("--out", metavar="OUT.parquet", help="where --users' answers go (user, items, scores)")
    rec.add_argument("-k", default="10", help="how many items (default 10)")
    rec.add_argument("--include-seen", action="store_true", help="keep the user's training items")
    rec.add_argument("--fallback", metavar="popular", help="answer a user the model never saw with the "
                     "most-rated items instead of an error")
    pre = sub.add_parser("predict", help="an exported model's predictions for the rows of a CSV/Parquet file, "
                         "no JVM (ALS: user,item -> rating; sklearn: P(positive))")
    pre.add_argument("model", **model)
    pre.add_argument("--input", required=True, metavar="FILE", help="CSV or Parquet rows to predict")
    pre.add_argument("--out", required=True, metavar="FILE", help="CSV or Parquet: the input plus the prediction")


def _version() -> str:
    from tuner import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tuner`` console script.

    Returns:
        0 on success; a ``TunerError``'s exit code (2 for a user mistake, 1 for a failed run); 130 if interrupted.
    """
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return EXIT_USAGE
    import signal

    from tuner.errors import find_tuner_error

    signal.signal(signal.SIGTERM, _interrupt)  # a terminated run cleans up like Ctrl-C: no JVM or raylet left
    try:
        return _COMMANDS[args.command](args)
    except Exception as exc:  # the one place a user-facing error becomes a line and an exit code
        found = find_tuner_error(exc)  # also inside a Ray worker's wrapped exception
        if found is None:
            raise
        print(f"error: {shorten(str(found), MESSAGE_LIMIT)}", file=sys.stderr)
        return found.exit_code


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _load(args):
    from tuner.config import load_experiment

    return load_experiment(args.config, args.overrides)


def _cmd_validate(args) -> int:
    from tuner.config.schema import is_space
    from tuner.runner.preflight import preflight

    exp = _load(args)
    note = preflight(exp, args.config, fetch=False)  # the checks `tuner run` makes before Ray starts
    tuned = [k for k, v in exp.model.params.items() if is_space(v)]
    print(f"ok: {exp.name}: {exp.model.type}, tuning {', '.join(tuned)}; {exp.search.num_samples} trials x "
          f"{exp.data.folds} folds" + (f" ({note})" if note else ""))
    return 0


def _cmd_run(args) -> int:
    from tuner.runner import preflight, run_experiment

    exp = _load(args)
    preflight(exp, args.config)
    return _print_outcome(run_experiment(exp, address=args.address))


def _cmd_resume(args) -> int:
    from tuner.runner import resume_run

    return _print_outcome(resume_run(args.run_dir, address=args.address, more=args.more))


def _cmd_status(args) -> int:
    from tuner.ops import run_status

    print(run_status(args.run_dir))
    return 0


def _cmd_submit(args) -> int:
    from tuner.ops import submit

    exp = _load(args)
    return submit(exp.name, args.config, args.overrides, args.address, args.working_dir, args.wait)


def _cmd_export(args) -> int:
    from tuner.ops import export_model

    dest = export_model(args.run_dir, args.out)
    print(f"Exported the best model and model_card.json to {dest}")
    return 0


def _cmd_doctor(args) -> int:
    from tuner.ops import run_doctor

    exp = _load(args) if args.config else None  # a config mistake stops here, before Ray starts
    return run_doctor(address=args.address, exp=exp)


def _cmd_recommend(args) -> int:
    from tuner.serve.cli_args import id_arg, k_arg

    k = k_arg(args.k)
    if (args.user is None) == (args.users is None):
        from tuner.errors import UserError

        raise UserError("give one of --user ID or --users FILE (with --out OUT.parquet).")
    if args.users is not None:
        from tuner.serve.recommend import recommend_many

        info = recommend_many(args.model, args.users, _need_out(args.out), k, args.include_seen, args.fallback)
        print(_batch_line(info, args.fallback))
        return 0
    from tuner.serve.recommend import Recommender

    user = id_arg(args.user)
    items, fallback = Recommender(args.model).answer(user, k, args.include_seen, args.fallback)
    print(f"user {user} is not in the model: the {len(items)} most-rated items (score = training ratings)"
          if fallback else f"top {len(items)} for user {user}" + (" (training items included)" if
                                                                 args.include_seen else ""))
    for n, (item, score) in enumerate(items, 1):
        print(f"{n:>3}  item {item:<8} score {score:.4f}")
    return 0


def _need_out(out):
    if out is None:
        from tuner.errors import UserError

        raise UserError("--users needs --out OUT.parquet (where the answers go).")
    return out


def _batch_line(info: dict, fallback) -> str:
    unknown = info["unknown"]
    why = "answered with the most-rated items" if fallback else "left out (pass --fallback popular to answer them)"
    sample = f" (e.g. {', '.join(map(str, info['unknown_sample']))})" if unknown else ""
    return (f"wrote {info['answered']} of {info['users']} users' recommendations to {info['out']} in "
            f"{info['seconds']:.2f} s" + (f"; {unknown} users not in the model{sample}, {why}" if unknown else ""))


def _cmd_predict(args) -> int:
    from tuner.serve.model_dir import resolve_model_dir

    model = resolve_model_dir(args.model)
    if model.serve == "spark":  # the card says: a local Spark reads, transforms and writes; nothing collected
        from tuner.ops.predict_spark import predict_with_spark

        info = predict_with_spark(model, args.input, args.out)
    else:
        from tuner.serve.predict import predict

        info = predict(model, args.input, args.out)
    extra = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in info.items() if k not in ("rows", "nan", "out") and v)
    print(f"wrote {info['rows']} rows with predictions to {info['out']}" +
          (f"; NaN for {info['nan']} ({extra})" if info["nan"] else ""))
    return 0


_COMMANDS = {"validate": _cmd_validate, "run": _cmd_run, "resume": _cmd_resume, "status": _cmd_status,
             "submit": _cmd_submit, "export": _cmd_export, "doctor": _cmd_doctor, "recommend": _cmd_recommend,
             "predict": _cmd_predict}


RATING_NOTE = ("  (RMSE, MAE: how far the predicted ratings are from the held-out ones, in rating units; lower is "
               "better)")
IMPLICIT_NOTE = "  (RMSE, MAE: not a rating error here: implicitPrefs predicts preferences, not ratings)"
NOT_A_RANKER = ("Top-{k} ranking, which this model was not tuned for: {metric} {value:.4f}; recommending the "
                "most-popular items: {popular:.4f} (same {users} test users; all ranking metrics in summary.json).")
BELOW_POPULAR = (" A model tuned on {objective} predicts the rating a user gives an item they chose to rate; it is not "
                 "a top-k ranker. For top-k recommendations tune implicit feedback on ndcg@10: "
                 "tuner run experiments/als_implicit.yaml")


def _test_lines(s: dict) -> list[str]:
    """The test metrics and what they mean. An explicit rating model tuned on a rating error gets its ranking
    numbers in one line that says why they are low, not as its headline results."""
    ranking = s.get("ranking") or {}
    implicit, ranks = bool(ranking.get("implicit")), "@" in s["metric"]
    pop = (s.get("baseline_test_metrics") or {}).get("popular") or {}
    explain = bool(pop) and not (implicit or ranks)  # ranking numbers of a model that was not tuned to rank
    from tuner.config.tasks import display_name

    out = [f"Test {display_name(k)}: {v:.2f}" for k, v in s["test_metrics"].items() if "@" not in k]
    if any(k in ("rmse", "mae") for k in s["test_metrics"]):
        out.append(IMPLICIT_NOTE if implicit else RATING_NOTE)
    if not explain:
        out += [f"Test {k}: {v:.4f}" for k, v in s["test_metrics"].items() if "@" in k]
    if explain:
        first = next((k for k in s["test_metrics"] if k.startswith("ndcg@")), next(iter(pop)))
        value, popular = s["test_metrics"][first], pop.get(first) or 0.0
        out.append(NOT_A_RANKER.format(k=first.split("@")[1], metric=first, value=value, popular=popular,
                                       users=ranking.get("users", {}).get("evaluated"))
                   + (BELOW_POPULAR.format(objective=s["metric"].upper()) if value < popular else ""))
    elif pop:
        out.append(f"Most-popular baseline on the same {ranking['users']['evaluated']} test users: "
                   + ", ".join(f"{k} {v:.4f}" for k, v in pop.items() if v is not None)
                   + " (higher is better: a ranker should beat recommending the most-rated items)")
    return out


def _print_outcome(outcome) -> int:
    from tuner.config.tasks import display_name

    s = outcome.record.summary()  # the run's record, as summary.json says it
    if outcome.table:
        print("\nLeaderboard (CV mean over folds; pruned = stopped early by ASHA)")
        print(outcome.table)
    t = s["trials"]
    print(f"\nTrials: {t['completed']} completed, {t['pruned']} pruned, {t['failed']} failed"
          + (f", {t['unfinished']} unfinished" if t.get("unfinished") else ""))
    if s["status"] == "completed":
        if s.get("pareto"):
            print(f"Pareto front: {len(s['pareto']['front'])} trials; {s['pareto']['selection']}")
        print(f"Best params: {s['best_params']}")
        print(f"Best CV {s['metric'].upper()}: {s['best_cv_metric']:.4f}")
        for line in _test_lines(s):
            print(line)
        if s.get("model_path"):
            print(f"Model: {s['model_path']}" + (" (kept: the best did not change)" if s.get("refit") == "kept" else ""))
    elif s["status"] == "failed":
        print("No trial completed. Reasons:")
        for reason, n in (s.get("failure_reasons") or {}).items():
            print(f"  {n} x {reason}")
    elif s["status"] == "interrupted":
        print(f"Interrupted: finished trials are recorded. Continue with: tuner resume {outcome.run_dir}")
    print(f"Dashboard: {s.get('dashboard_url')} (stopped with the run)")
    if s.get("mlflow"):
        print(f"MLflow run: {s['mlflow']['run_id']} at {s['mlflow']['tracking_uri']}")
    if s.get("study"):
        print(f"Optuna study: optuna-dashboard {s['study']['storage']}")
    print(f"Run directory: {outcome.run_dir}")
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
