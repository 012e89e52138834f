"""Classifiers: tuner against scikit-learn's and Spark's own search, on the same rows and the same folds.

Per data set (the real Telco CSV, or synthetic churn of ``--rows`` rows), one after the other in one process:
  prepare   one local Ray + RayDP Spark (``_common.SPARK``): tuner's own preparation of the table (read, clean,
            stratified test split and folds, exactly as a tuner run does it), first for spark-logreg (cached in
            Spark), then for sklearn (the numpy arrays tuner's trials read, copied out to this process)
  grid      Spark's CrossValidator(Pipeline = tuner's spark-logreg stages, ParamGridBuilder regParam x
            elasticNetParam at 3 points of each range of search_spaces/spark_logreg.yaml, maxIter and the other
            params at fixed values, BinaryClassificationEvaluator(areaUnderROC), foldCol=tuner's _fold,
            parallelism=2), in that Spark, on the cached rows
  random    RandomizedSearchCV(Pipeline(tuner's ColumnTransformer, clf), one param_distributions dict per
            estimator of search_spaces/sklearn.yaml, n_iter = tuner's num_samples, scoring roc_auc,
            cv=PredefinedSplit(tuner's folds), n_jobs=2) on the arrays, with Ray and Spark stopped
  halving   HalvingRandomSearchCV, the same, n_candidates = num_samples, factor 3, resource n_samples,
            min_resources "exhaust" (the last round fits all rows, so its best_score_ is a full-data CV AUC)
  tuner     ``tuner.runner.run_experiment`` of experiments/churn_sklearn.yaml and churn_spark_lr.yaml (their
            own search spaces, samplers and ASHA; data, Spark and Ray blocks set as above), in their own Ray
The baselines' rows are tuner's: ``fold_arrays`` of the sklearn adapter's hand-over, so a baseline sees the
same cleaned table, the same test rows and the same folds as the trials do.

Times: a baseline's ``search_seconds`` is its fit minus its own refit (``refit_time_``; CrossValidator: one
refit timed apart), against tuner's Tune time; ``fit_seconds`` (search + refit) against tuner's whole
``run_experiment`` (Ray and Spark start, preparation, Tune, refit and test, shutdown), where the baselines'
data preparation is not counted (their arrays were prepared once, above): the whole-command ratio is what a
user waits for in each case, minus the baselines' own loading.

Results are APPENDED to benchmarks/results/classifiers.json (one entry per data set and comparison, with
commit, date and load average); the PNG classifiers.png shows the latest entry of each.

    python benchmarks/classifiers.py --data telco
    python benchmarks/classifiers.py --data synthetic --rows 200000
    python benchmarks/classifiers.py --data synthetic --rows 2000 --comparisons sklearn --trials 4   # toy
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

# tuner's make_estimator passes n_jobs to LogisticRegression, which sklearn 1.8+ warns about once per fit, in
# every joblib worker; the warning says nothing about the comparison
os.environ.setdefault("PYTHONWARNINGS", "ignore::FutureWarning")

ROOT = _common.HERE.parent
SK_EXPERIMENT = ROOT / "experiments" / "churn_sklearn.yaml"
LR_EXPERIMENT = ROOT / "experiments" / "churn_spark_lr.yaml"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"  # ../shared/data from the repository root
TELCO = Path(os.environ.get("TUNER_TELCO", SHARED / "churn" / "Telco-Customer-Churn.csv"))
OUT_NAME = "classifiers.json"
COMPARISONS = ("sklearn", "spark")
# the grid's values of the params it does not search (Spark defaults, maxIter at the top of tuner's range)
GRID_FIXED = {"maxIter": 50, "fitIntercept": True}


# ---- runs inside the Spark service (pickled by value: this file is __main__) --------------------------------
def cross_validate(ctx, grid: dict[str, list[float]], fixed: dict, folds: int, parallelism: int, seed: int) -> dict:
    """Spark's own CrossValidator over tuner's cached spark-logreg rows and folds; test AUC of its best model."""
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    from tuner.models.spark_logreg import FOLD, LABEL, build_pipeline

    data = ctx.state["data"]
    pipe = build_pipeline(data["numeric"], data["categorical"], dict(fixed), weighted=False)
    lr = pipe.getStages()[-1]
    builder = ParamGridBuilder()
    for name, values in grid.items():
        builder.addGrid(lr.getParam(name), values)
    maps = builder.build()
    ev = BinaryClassificationEvaluator(labelCol=LABEL, rawPredictionCol="rawPrediction", metricName="areaUnderROC")
    cv = CrossValidator(estimator=pipe, estimatorParamMaps=maps, evaluator=ev, numFolds=folds, foldCol=FOLD,
                        parallelism=parallelism, seed=seed)
    t0 = time.monotonic()
    model = cv.fit(data["train"])
    seconds = time.monotonic() - t0
    points = [{**{p.name: v for p, v in pm.items()}, "cv_auc": m} for pm, m in zip(maps, model.avgMetrics)]
    best_i = max(range(len(maps)), key=lambda i: model.avgMetrics[i])
    # CrossValidator.fit ends with a refit of the best map on all rows: time one such fit to take it out
    t1 = time.monotonic()
    refit = pipe.copy(maps[best_i]).fit(data["train"])
    refit_seconds = time.monotonic() - t1
    test_auc = ev.evaluate(refit.transform(data["test"]))
    return {"fit_seconds": seconds, "refit_seconds": refit_seconds, "search_seconds": seconds - refit_seconds,
            "best_cv_auc": points[best_i]["cv_auc"], "test_auc": test_auc, "best_params": points[best_i],
            "points": points, "fits": len(maps) * folds + 1}


# ---- spaces: tuner's search-space files -> the baselines' grids and distributions ----------------------------
class LogInt:
    """An int drawn log-uniformly from [low, high], both inclusive (as Optuna's ``suggest_int(log=True)``)."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def rvs(self, size=None, random_state=None):
        import numpy as np

        rng = np.random.default_rng(random_state) if not isinstance(random_state, np.random.RandomState) \
            else random_state
        u = rng.uniform(math.log(self.low - 0.5), math.log(self.high + 0.5), size=size)
        return np.clip(np.round(np.exp(u)), self.low, self.high).astype(int) if size is not None \
            else int(min(max(round(math.exp(u)), self.low), self.high))

    def __repr__(self):
        return f"LogInt({self.low}, {self.high})"


def to_sklearn(spec):
    """One tuner space spec (or a fixed value) -> what RandomizedSearchCV samples from."""
    from scipy import stats

    from tuner.config.schema import ChoiceSpec, IntSpec, LogIntSpec, LogUniformSpec, UniformSpec

    if isinstance(spec, UniformSpec):
        return stats.uniform(spec.low, spec.high - spec.low)
    if isinstance(spec, LogUniformSpec):
        return stats.loguniform(spec.low, spec.high)
    if isinstance(spec, IntSpec):
        return list(range(spec.low, spec.high + 1, spec.step))
    if isinstance(spec, LogIntSpec):
        return LogInt(spec.low, spec.high)
    values = list(spec.values) if isinstance(spec, ChoiceSpec) else [spec]
    return [None if v == "none" else v for v in values]  # tuner's class_weight `none` is sklearn's None


def param_distributions(params: dict, seed: int) -> list[dict]:
    """One RandomizedSearchCV dict per estimator of tuner's ``estimator`` choice: ``clf`` is the estimator
    (built by tuner's own ``make_estimator``, so random_state and n_jobs are set as in a trial), ``clf__<p>``
    its branch's params, searched or fixed. Built from the loaded experiment, so it cannot drift from the
    search-space file."""
    from tuner.config.schema import is_space
    from tuner.models.sklearn_model import make_estimator

    est = params["estimator"]
    top = {k: v for k, v in params.items() if k != "estimator" and not is_space(v)}
    out = []
    for path in est.values:
        branch = (est.branches or {}).get(path, {})
        fixed = {f"{path.rsplit('.', 1)[1]}.{k}": v for k, v in branch.items() if not is_space(v)}
        clf = make_estimator({"estimator": path, **top, **fixed}, seed)
        out.append({"clf": [clf], **{f"clf__{k}": to_sklearn(v) for k, v in branch.items() if is_space(v)}})
    return out


def grid_values(spec, points: int) -> list[float]:
    """``points`` values a user would write over one range: evenly spaced, in log space for log ranges."""
    from tuner.config.schema import LogUniformSpec, UniformSpec

    if isinstance(spec, LogUniformSpec):
        lo, hi = math.log10(spec.low), math.log10(spec.high)
        return [float(f"{10 ** (lo + (hi - lo) * i / (points - 1)):.3g}") for i in range(points)]
    if isinstance(spec, UniformSpec):
        return [round(spec.low + (spec.high - spec.low) * i / (points - 1), 6) for i in range(points)]
    raise TypeError(f"the grid takes float ranges only, got {spec!r}")


# ---- the baselines: scikit-learn's own search on tuner's arrays ---------------------------------------------
def sklearn_search(kind: str, arrays: dict, params: dict, n_iter: int, seed: int, n_jobs: int = 2) -> dict:
    """RandomizedSearchCV or HalvingRandomSearchCV over tuner's space on tuner's training rows and folds."""
    import numpy as np
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401 - registers the class
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import HalvingRandomSearchCV, PredefinedSplit, RandomizedSearchCV
    from sklearn.pipeline import Pipeline

    from tuner.models._sklearn_data import TEST_FOLD, fold_arrays
    from tuner.models.sklearn_model import make_pipeline

    (X, y), (X_test, y_test) = fold_arrays(arrays, None)
    folds = arrays["fold"][arrays["fold"] != TEST_FOLD]
    numeric = [c for c in X.columns if X[c].dtype.kind == "f"]  # as the adapter's fit: categoricals are objects
    categorical = [c for c in X.columns if c not in numeric]
    pre = make_pipeline(numeric, categorical, None).named_steps["preprocess"]
    pipe = Pipeline([("preprocess", pre), ("clf", "passthrough")])
    dists = param_distributions(params, seed)
    common = dict(scoring="roc_auc", cv=PredefinedSplit(folds), n_jobs=n_jobs, random_state=seed, refit=True)
    if kind == "random":
        search = RandomizedSearchCV(pipe, dists, n_iter=n_iter, **common)
    else:
        search = HalvingRandomSearchCV(pipe, dists, n_candidates=n_iter, factor=3, resource="n_samples",
                                       min_resources="exhaust", **common)
    t0 = time.monotonic()
    search.fit(X, y)
    fit_seconds = time.monotonic() - t0
    test_auc = float(roc_auc_score(y_test, search.predict_proba(X_test)[:, 1]))
    res = search.cv_results_
    out = {"method": type(search).__name__, "fit_seconds": round(fit_seconds, 2),
           "refit_seconds": round(search.refit_time_, 2), "search_seconds": round(fit_seconds - search.refit_time_, 2),
           "best_cv_auc": float(search.best_score_), "test_auc": test_auc, "best_params": _shown(search.best_params_),
           "candidates": len(res["params"]), "n_jobs": n_jobs}
    if kind == "halving":
        out.update(rounds=int(search.n_iterations_), resources=[int(r) for r in search.n_resources_],
                   candidates_per_round=[int(c) for c in search.n_candidates_])
        out["fits"] = int(sum(search.n_candidates_)) * int(np.unique(folds).size) + 1
    else:
        out["fits"] = len(res["params"]) * int(np.unique(folds).size) + 1
    return out


def _shown(params: dict) -> dict:
    """Best params as JSON: the estimator by class name."""
    return {k: (type(v).__name__ if k == "clf" else v.item() if hasattr(v, "item") else v) for k, v in params.items()}


# ---- driver ------------------------------------------------------------------------------------------------
def data_label(args) -> str:
    if args.data == "telco":
        return "telco"
    n = args.rows
    return f"synthetic-{n // 1_000_000}M" if n % 1_000_000 == 0 else \
        f"synthetic-{n // 1000}k" if n % 1000 == 0 else f"synthetic-{n}"


def overrides(args, out_dir: str, name: str, trials: int | None, spark: bool = True) -> list[str]:
    """``--set`` items: the data set, the benchmarks' cluster shape (``spark``: else the file's own), the run
    directory, the budget."""
    if args.data == "telco":
        sets = ["data.format=csv", f"data.path={TELCO}", "data.label=Churn"]
    else:
        sets = ["data.format=synthetic-churn", f"data.synthetic_churn.rows={args.rows}"]
    sets += [f"spark.{k}={v}" for k, v in _common.SPARK.items()] if spark else []
    sets += [f"ray.{k}={v}" for k, v in _common.RAY.items()]
    sets += [f"name={name}", f"output.dir={out_dir}", "output.plots=false", "output.export_model=false",
             f"search.seed={args.seed}", f"trial.timeout_s={args.trial_timeout}"]
    return sets + ([f"search.num_samples={trials}"] if trials else [])


def load(path: Path, args, out_dir: str, name: str, trials: int | None = None):
    """The experiment file with the benchmark's overrides. churn_sklearn.yaml keeps its own Spark block (1
    executor x 1 core: Spark only reads and cleans there, then stops), as a user running that file would."""
    from tuner.config import load_experiment

    return load_experiment(path, overrides(args, out_dir, name, trials, spark=path != SK_EXPERIMENT))


def prepare_and_grid(args, sk_exp, lr_exp, grid: dict | None, out_dir: str) -> tuple[dict, dict | None, dict]:
    """One Spark service: tuner's spark-logreg preparation and the CrossValidator grid on it (if ``grid``), then
    tuner's sklearn preparation, whose arrays are copied out before Ray stops.

    Returns:
        (arrays, grid result or None, rows of the sklearn preparation).
    """
    import numpy as np
    import ray

    from tuner.cluster import kill_service, start_ray, start_service, stop_ray
    from tuner.models import _tasks
    from tuner.models.base import TRIAL_DATA

    spark_cfg = lr_exp.spark if grid is not None else sk_exp.spark
    if sk_exp.data != lr_exp.data:
        raise SystemExit("the two experiments' data blocks differ; the comparison needs the same rows")
    session = service = None
    try:
        session = start_ray(sk_exp.ray)
        service, info = start_service("clf-bench", spark_cfg, str(Path(out_dir) / "grid-checkpoints"),
                                      session.logs_dir)
        log(f"Spark started in {info['seconds']:.0f} s")
        result = None
        if grid is not None:
            rows = ray.get(service.call.remote(_tasks.prepare, "spark-logreg", lr_exp.data))
            log(f"spark-logreg rows: {rows['train']:,} training in folds {rows['fold_rows']}, {rows['test']:,} test")
            result = ray.get(service.call.remote(cross_validate, grid, GRID_FIXED, lr_exp.data.folds, 2, args.seed))
            result["rows"] = {k: rows.get(k) for k in ("read", "kept", "train", "test", "fold_rows")}
            log(f"CrossValidator {len(result['points'])} maps: {result['search_seconds']:.1f} s (+ refit "
                f"{result['refit_seconds']:.1f} s), best CV AUC {result['best_cv_auc']:.4f}, test {result['test_auc']:.4f}")
        if "sklearn" not in args.comparisons:
            return {}, result, result["rows"]
        t0 = time.monotonic()
        rows = ray.get(service.call.remote(_tasks.prepare, "sklearn", sk_exp.data))
        ref = rows.pop(TRIAL_DATA)["arrays"]  # the trial handle: the arrays' ObjectRef and the task
        arrays = {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in ray.get(ref).items()}
        del ref
        log(f"sklearn arrays: {len(arrays['y']):,} rows ({rows['train']:,} training in folds {rows['fold_rows']}) "
            f"in {time.monotonic() - t0:.0f} s")
        if result is not None and (result["rows"]["train"], result["rows"]["fold_rows"]) != \
                (rows["train"], rows["fold_rows"]):
            raise SystemExit(f"spark-logreg and sklearn preparations differ: {result['rows']} vs {rows}")
        return arrays, result, {k: rows.get(k) for k in ("read", "kept", "train", "test", "fold_rows")}
    finally:
        kill_service(service)
        stop_ray(session)


def run_tuner(exp) -> dict:
    """One ``run_experiment``: its Tune time, whole time, best CV AUC and test AUC."""
    from tuner.runner import run_experiment

    t0 = time.monotonic()
    outcome = run_experiment(exp, echo=lambda *a: print(*a, file=sys.stderr, flush=True))
    seconds = time.monotonic() - t0
    s = outcome.summary
    return {"status": s.get("status"), "command_seconds": round(seconds, 2), "wall_seconds": s.get("wall_seconds"),
            "tune_seconds": s.get("tune_seconds"), "spark_start_seconds": s.get("spark_start_seconds"),
            "refit_seconds": s.get("refit_seconds"),
            # the fixed-cost split: all but "search"; the rest of command_seconds - wall_seconds is writing the
            # run directory and closing the MLflow run
            "phase_seconds": s.get("phase_seconds"), "best_cv_auc": s.get("best_cv_metric"),
            "test_auc": (s.get("test_metrics") or {}).get("auc_roc"), "best_params": s.get("best_params"),
            "trials": s.get("trials"), "concurrency": s.get("concurrency"), "work_seconds": s.get("work_seconds"),
            "sampler": exp.search.sampler, "num_samples": exp.search.num_samples,
            "scheduler": exp.scheduler.model_dump(mode="json"), "stop_reason": s.get("stop_reason")}


def compare(tuner: dict, base: dict) -> dict:
    """tuner / baseline times and tuner - baseline AUCs."""
    def ratio(a, b):
        return round(a / b, 3) if a is not None and b else None

    def diff(a, b):
        return round(a - b, 4) if a is not None and b is not None else None

    return {"tune_over_search": ratio(tuner["tune_seconds"], base["search_seconds"]),
            "command_over_fit": ratio(tuner["command_seconds"], base["fit_seconds"]),
            "cv_auc_diff": diff(tuner["best_cv_auc"], base["best_cv_auc"]),
            "test_auc_diff": diff(tuner["test_auc"], base["test_auc"])}


def entry(args, comparison: str, tuner: dict, baselines: dict[str, dict], rows: dict, extra: dict) -> dict:
    return {"data": data_label(args), "comparison": comparison, "rows": rows, "seed": args.seed,
            "tuner": tuner, "baselines": baselines,
            "ratios": {name: compare(tuner, b) for name, b in baselines.items()}, **extra,
            **_common.provenance(), "loadavg_start": args.loadavg_start,
            "command": " ".join(["python", "benchmarks/classifiers.py", *sys.argv[1:]])}


def run_sklearn(args, arrays: dict, rows: dict, out_dir: str) -> dict:
    exp = load(SK_EXPERIMENT, args, out_dir, "clf-sklearn", args.trials)
    n = exp.search.num_samples
    baselines = {}
    for kind in args.baselines:
        log(f"{kind} search: {n} candidates, n_jobs=2")
        b = sklearn_search(kind, arrays, dict(exp.model.params), n, args.seed)
        log(f"  {b['method']}: fit {b['fit_seconds']:.1f} s (search {b['search_seconds']:.1f} s), best CV AUC "
            f"{b['best_cv_auc']:.4f} ({b['best_params'].get('clf')}), test {b['test_auc']:.4f}")
        baselines[b["method"]] = b
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)  # joblib's idle workers would otherwise live on beside tuner's
    log(f"tuner sklearn: {n} trials")
    t = run_tuner(exp)
    log(f"  tuner: Tune {t['tune_seconds']} s, whole {t['command_seconds']} s, best CV AUC {t['best_cv_auc']}, "
        f"test {t['test_auc']}")
    return entry(args, "sklearn", t, baselines, rows, {"experiment": str(SK_EXPERIMENT.relative_to(ROOT)),
                                                         "space": "search_spaces/sklearn.yaml"})


def run_spark(args, grid_result: dict, out_dir: str) -> dict:
    exp = load(LR_EXPERIMENT, args, out_dir, "clf-spark-lr", args.lr_trials or len(grid_result["points"]))
    log(f"tuner spark-logreg: {exp.search.num_samples} trials")
    t = run_tuner(exp)
    log(f"  tuner: Tune {t['tune_seconds']} s, whole {t['command_seconds']} s, best CV AUC {t['best_cv_auc']}, "
        f"test {t['test_auc']}")
    base = {k: v for k, v in grid_result.items() if k != "rows"}
    return entry(args, "spark", t, {"CrossValidator": base}, grid_result["rows"],
                 {"experiment": str(LR_EXPERIMENT.relative_to(ROOT)), "space": "search_spaces/spark_logreg.yaml",
                  "grid": args.grid, "grid_fixed": GRID_FIXED})


def read_entries(path: Path) -> list[dict]:
    return json.loads(path.read_text()) if path.is_file() else []


def append_entry(path: Path, new: dict) -> list[dict]:
    return _common.append_json_entries(path, [new], read_entries(path))


def log(msg: str) -> None:
    print(f"[clf {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", choices=("telco", "synthetic"), default="synthetic")
    p.add_argument("--rows", type=int, default=1_000_000, help="synthetic churn rows (the issue asks for 1M)")
    p.add_argument("--comparisons", default=",".join(COMPARISONS), help="subset of: " + ", ".join(COMPARISONS))
    p.add_argument("--baselines", default="random,halving", help="sklearn baselines: random, halving")
    p.add_argument("--trials", type=int, help="sklearn: tuner's num_samples = the baselines' n_iter "
                                              "(default: experiments/churn_sklearn.yaml's)")
    p.add_argument("--lr-trials", type=int, help="spark-logreg: tuner's num_samples (default: the grid's size)")
    p.add_argument("--grid-points", type=int, default=3, help="points per range of the regParam x elasticNetParam grid")
    p.add_argument("--seed", type=int, default=0, help="search seed (tuner's search.seed, the baselines' random_state)")
    p.add_argument("--trial-timeout", type=float, default=1800)
    p.add_argument("--out", type=Path, default=_common.RESULTS)
    args = p.parse_args(argv)
    args.comparisons = [c.strip() for c in args.comparisons.split(",") if c.strip()]
    args.baselines = [b.strip() for b in args.baselines.split(",") if b.strip()]
    if set(args.comparisons) - set(COMPARISONS) or set(args.baselines) - {"random", "halving"}:
        p.error("unknown --comparisons or --baselines value")
    if args.data == "telco" and not TELCO.is_file():
        p.error(f"{TELCO}: not found; set TUNER_TELCO to the Telco-Customer-Churn.csv (read in place)")
    args.loadavg_start = [round(x, 2) for x in os.getloadavg()]
    return args


def main() -> int:
    args = parse_args()
    path = args.out / OUT_NAME
    with tempfile.TemporaryDirectory() as tmp:
        sk_exp = load(SK_EXPERIMENT, args, tmp, "clf-sklearn", args.trials)
        lr_exp = load(LR_EXPERIMENT, args, tmp, "clf-spark-lr")
        lr_space = lr_exp.model.params
        args.grid = {k: grid_values(lr_space[k], args.grid_points) for k in ("regParam", "elasticNetParam")}
        arrays, grid_result, rows = prepare_and_grid(args, sk_exp, lr_exp,
                                                     args.grid if "spark" in args.comparisons else None, tmp)
        _leaks("preparation")
        entries = []
        if "sklearn" in args.comparisons:
            entries = append_entry(path, run_sklearn(args, arrays, rows, tmp))
            _leaks("sklearn")
        if "spark" in args.comparisons:
            entries = append_entry(path, run_spark(args, grid_result, tmp))
            _leaks("spark")
        for e in entries[-len(args.comparisons):]:
            log(f"{e['data']} {e['comparison']}: {e['ratios']} (load {e['loadavg']})")
        try:
            plot(entries, args.out / "classifiers.png")
        except Exception as exc:  # noqa: BLE001 - the JSON is the record; a plotting bug must not lose it
            log(f"plot failed: {exc!r}")
    return 0


def _leaks(phase: str) -> None:
    left = _common.check_no_leaks()
    if left:
        log(f"warning: processes still alive after {phase}: {left}")


def latest(entries: list[dict]) -> dict[tuple[str, str], dict]:
    """The latest entry per (comparison, data)."""
    return {(e["comparison"], e["data"]): e for e in entries}


def _size(data: str, e: dict) -> float:
    return (e.get("rows") or {}).get("kept") or 0


SHORT = {"RandomizedSearchCV": "Randomized", "HalvingRandomSearchCV": "Halving", "CrossValidator": "CrossValidator"}


def plot(entries: list[dict], path: Path) -> None:
    """Left: tuner's time over each baseline's (Tune / search, whole command / search + refit) per data set,
    by size. Right: tuner's best CV AUC and test AUC minus each baseline's."""
    plt = _common.pyplot()
    chosen = sorted(latest(entries).items(), key=lambda kv: (kv[0][0], _size(kv[0][1], kv[1])))
    fig, (ax_t, ax_q) = plt.subplots(1, 2, figsize=(14, 5))
    labels, bars = [], []
    for (comparison, data), e in chosen:
        for name, r in e["ratios"].items():
            who = "sklearn" if comparison == "sklearn" else "spark-logreg"
            labels.append(f"{data}\n{who}\nvs {SHORT.get(name, name)}")
            bars.append(r)
    x = list(range(len(labels)))
    w = 0.38
    for ax, keys, names in ((ax_t, ("tune_over_search", "command_over_fit"),
                             ("Tune time / search time", "whole tuner run / search + refit")),
                            (ax_q, ("cv_auc_diff", "test_auc_diff"),
                             ("best CV AUC, tuner - baseline", "test AUC, tuner - baseline"))):
        for j, (key, name) in enumerate(zip(keys, names)):
            xs = [i + (j - 0.5) * w for i in x]
            ys = [b[key] if b[key] is not None else float("nan") for b in bars]
            ax.bar(xs, ys, w, label=name)
            for xi, yi in zip(xs, ys):
                if yi == yi:
                    ax.annotate(f"{yi:.2f}" if ax is ax_t else f"{yi:+.3f}", (xi, yi), ha="center",
                                va="bottom" if yi >= 0 else "top", fontsize=6)
        ax.set_xticks(x, labels, fontsize=7)
        ax.legend(fontsize=7)
    ax_t.axhline(1.0, color="black", linewidth=1)
    ax_t.set_yscale("log")
    ax_t.set_ylabel("tuner time / baseline time (< 1: tuner faster)")
    ax_q.axhline(0.0, color="black", linewidth=1)
    ax_q.set_ylabel("AUC difference (> 0: tuner better)")
    fig.suptitle("tuner against scikit-learn's and Spark's own search (same rows, same folds, one seed)", fontsize=9)
    _common.save_figure(fig, path)


if __name__ == "__main__":
    sys.exit(main())
