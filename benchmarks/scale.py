"""Scale: ALS fit time and driver / JVM peak memory at 1M, 5M and 25M synthetic ratings.

Each size runs the way ``tuner run`` does: the data are generated, cleaned, split and cached inside the Spark
service (RayDP in a local Ray); this Python driver only sends functions and receives small dicts, so its memory
must stay flat (target: < +100 MB from the smallest to the largest size). The largest size is shaped like
MovieLens 25M (162,541 users x 59,047 items); smaller sizes scale users and items by the same factor.

Per size: a fresh Spark service (so JVM peaks are per size), data preparation, one ALS fit on all training rows
(80%), scoring on the held-out 20%. A thread samples RSS every 0.5 s: this driver, the service actor's Python
process, the Spark driver JVM (its child) and the other JVMs (RayDP app master, executor).
Writes benchmarks/results/scale.json and scale.png.

    python benchmarks/scale.py                                  # 1M, 5M, 25M
    python benchmarks/scale.py --sizes 20000,100000 --executor-memory 2g
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

ML25M_USERS, ML25M_ITEMS, ML25M_RATINGS = 162_541, 59_047, 25_000_095
DRIVER_TARGET_MB = 100


# ---- runs inside the Spark service ----------------------------------------------------------------------------
def fit_all(ctx, params: dict, seed: int) -> dict:
    """Fit ALS on all training rows and score the held-out rows, with tuner's adapter."""
    from tuner.models.registry import get_adapter

    adapter = get_adapter("spark-als")
    train, test = adapter.full_frames(ctx)
    return adapter.timed_fit_score(ctx, train, test, params, seed)


# ---- driver ------------------------------------------------------------------------------------------------
def data_block(ratings: int) -> dict:
    f = ratings / ML25M_RATINGS
    return _common.synthetic_block(ratings, users=max(int(ML25M_USERS * f), 100), items=max(int(ML25M_ITEMS * f), 100),
                                   partitions=max(8, ratings // 1_000_000))


def run_size(ratings: int, args, sampler: _common.MemorySampler, tmp: str) -> dict:
    import ray

    from tuner.cluster import kill_service, start_service
    from tuner.config import Experiment
    from tuner.models import _tasks

    exp = Experiment.model_validate({
        "name": f"scale-{ratings}", "data": data_block(ratings), "model": {"type": "spark-als"},
        "spark": {**_common.SPARK, "executor_memory": args.executor_memory, "driver_memory": args.driver_memory},
        "ray": _common.RAY,
    })
    params = {"rank": args.rank, "regParam": 0.05, "maxIter": args.max_iter}
    service = None
    try:
        service, info = start_service(exp.name, exp.spark, f"{tmp}/ckpt-{ratings}", None)
        sampler.phase(ray.get(service.pid.remote()))
        t0 = time.monotonic()
        rows = ray.get(service.call.remote(_tasks.prepare, "spark-als", exp.data))
        prep = time.monotonic() - t0
        log(f"{ratings:,}: {rows['kept']:,} ratings, {rows['users']:,} users, {rows['items']:,} items prepared in "
            f"{prep:.0f} s")
        fit = ray.get(service.call.remote(fit_all, params, exp.seed))
        mem = sampler.peaks()
        log(f"{ratings:,}: fit {fit['fit_seconds']:.0f} s, score {fit['score_seconds']:.0f} s, test RMSE "
            f"{fit['rmse']:.4f}; peaks MiB {mem}")
        return {
            "ratings_requested": ratings,
            "ratings": rows["kept"], "train": rows["train"], "test": rows["test"],
            "users": rows["users"], "items": rows["items"],
            "spark_start_seconds": round(info["seconds"], 1),
            "prepare_seconds": round(prep, 1),
            "fit_seconds": round(fit["fit_seconds"], 1),
            "score_seconds": round(fit["score_seconds"], 1),
            "test_rmse": round(fit["rmse"], 4),
            "test_cold_start_dropped": fit["cold_start_dropped"],
            "peak_rss_mib": mem,
            "completed": True,
        }
    finally:
        kill_service(service)


def log(msg: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000000,5000000,25000000", help="comma-separated rating counts, ascending")
    p.add_argument("--rank", type=int, default=10)
    p.add_argument("--max-iter", type=int, default=10)
    p.add_argument("--executor-memory", default="10g", help="RayDP executor heap (2 cores / 24 GiB: 10g for 25M)")
    p.add_argument("--driver-memory", default="2g", help="Spark driver heap (in the service actor's JVM)")
    p.add_argument("--out", type=Path, default=_common.RESULTS)
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from tuner.cluster import start_ray, stop_ray
    from tuner.config.schema import RayConfig

    sampler = _common.MemorySampler()
    points, error = [], None
    session = None
    started = time.time()
    driver_start_mib = round(_common.psutil.Process().memory_info().rss / 2**20, 1)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            session = start_ray(RayConfig(**_common.RAY))
            for n in sizes:
                try:
                    points.append(run_size(n, args, sampler, tmp))
                except Exception as exc:  # noqa: BLE001 - record what completed, say what did not
                    error = f"{n:,} ratings: {type(exc).__name__}: {str(exc).splitlines()[-1][:300]}"
                    log("failed: " + error)
                    points.append({"ratings_requested": n, "completed": False, "error": error,
                                   "peak_rss_mib": sampler.peaks()})
                    break
                _write(points, args, driver_start_mib, started)  # keep what completed if a later size is cut off
        except KeyboardInterrupt:
            error = "interrupted"
        finally:
            stop_ray(session)
            sampler.close()
    result = _write(points, args, driver_start_mib, started)
    left = _common.check_no_leaks()
    if left:
        log(f"warning: still alive: {left}")
    print(_common.json.dumps({k: v for k, v in result.items() if k != "versions"}, indent=2))
    return 0 if not error else 1


def _write(points: list[dict], args, driver_start_mib: float, started: float) -> dict:
    done = [pt for pt in points if pt["completed"]]
    drivers = [pt["peak_rss_mib"]["driver_python"] for pt in done]
    result = {
        "params": {"rank": args.rank, "regParam": 0.05, "maxIter": args.max_iter},
        "spark": {**_common.SPARK, "executor_memory": args.executor_memory, "driver_memory": args.driver_memory},
        "driver_rss_at_start_mib": driver_start_mib,
        "points": points,
        "driver_growth_mib": round(drivers[-1] - drivers[0], 1) if len(drivers) > 1 else None,
        "driver_target_mib": DRIVER_TARGET_MB,
        "sizes_requested": [int(s) for s in args.sizes.split(",")],
        "all_completed": len(done) == len(args.sizes.split(",")),
        "wall_seconds": round(time.time() - started, 1),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "command": " ".join(["python", "benchmarks/scale.py", *sys.argv[1:]]),
    }
    result["driver_target_met"] = result["driver_growth_mib"] is not None and \
        result["driver_growth_mib"] < DRIVER_TARGET_MB
    _common.write_json(result, args.out / "scale.json")
    if done:
        plot(result, args.out / "scale.png")
    return result


def plot(r: dict, path: Path) -> None:
    plt = _common.pyplot()
    done = [pt for pt in r["points"] if pt["completed"]]
    xs = [pt["ratings"] / 1e6 for pt in done]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("prepare_seconds", "generate + clean + split + cache"), ("fit_seconds", "ALS fit"),
                       ("score_seconds", "score test rows")):
        a1.plot(xs, [pt[key] for pt in done], marker="o", label=label)
    a1.set_xlabel("ratings (millions)")
    a1.set_ylabel("seconds")
    a1.set_title(f"ALS rank {r['params']['rank']}, maxIter {r['params']['maxIter']}, 2 cores")
    a1.legend(fontsize=8)
    for key, label in (("driver_python", "tuner driver (Python)"), ("service_python", "service actor (Python)"),
                       ("spark_driver_jvm", "Spark driver JVM"), ("other_jvms", "executor + app master JVMs")):
        a2.plot(xs, [pt["peak_rss_mib"][key] for pt in done], marker="o", label=label)
    a2.set_xlabel("ratings (millions)")
    a2.set_ylabel("peak RSS (MiB)")
    a2.set_title(f"driver growth {r['driver_growth_mib']} MiB (target < {r['driver_target_mib']})")
    a2.legend(fontsize=8)
    _common.save_figure(fig, path)


if __name__ == "__main__":
    sys.exit(main())
