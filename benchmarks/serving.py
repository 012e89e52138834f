"""No-JVM serving (tuner.serve.recommend) against Spark's recommendForUserSubset, on random factors.

Per shape: one-user latency p50/p99 in process (1,000 users, seen items excluded), batch throughput (the same
users, numpy blocks vs Spark local[2] on the same factors), and the whole command from process start (a fresh
``python -c`` calling ``recommend``). Factors and seen lists are random, written in the export layout; the Spark
model is Spark's own ALSModel writer output with its factor Parquet replaced by the same files.
Writes benchmarks/results/serving.json and serving.png.

    python benchmarks/serving.py                  # 1M shape (6,000 x 4,000, rank 16) and 25M (162,541 x 59,047, rank 64)
    python benchmarks/serving.py --shapes 1m
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

SHAPES = {"1m": (6_000, 4_000, 16, 1_000_000), "25m": (162_541, 59_047, 64, 25_000_000)}
K = 10
USERS = 1_000


def _factors(folder: Path, n: int, rank: int, rng) -> None:
    folder.mkdir(parents=True)
    ids = rng.permutation(n).astype(np.int32) + 1
    mat = rng.normal(0, 0.3, (n, rank)).astype(np.float32)
    for p, idx in enumerate(np.array_split(np.arange(n), 2)):
        offsets = pa.array(np.arange(len(idx) + 1, dtype=np.int32) * rank)
        feats = pa.ListArray.from_arrays(offsets, pa.array(mat[idx].ravel()))
        pq.write_table(pa.table({"id": pa.array(ids[idx]), "features": feats}), folder / f"part-{p:05d}.parquet")


def _seen(folder: Path, users: int, items: int, ratings: int, rng) -> None:
    """Per-user item lists (lengths ~ geometric with the shape's mean), sorted by user, ~1 MiB row groups."""
    from tuner.serve import layout

    folder.mkdir(parents=True)
    lengths = np.minimum(rng.geometric(users / ratings, users), items).astype(np.int32)
    flat = rng.integers(1, items + 1, int(lengths.sum()), dtype=np.int32)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    table = pa.table({"user": pa.array(np.arange(1, users + 1, dtype=np.int32)),
                      "items": pa.ListArray.from_arrays(offsets, pa.array(flat))})
    rows_per_group = max(1, int(layout.SEEN_ROW_GROUP_BYTES / (4 * ratings / users)))
    for p, idx in enumerate(np.array_split(np.arange(users), 4)):
        pq.write_table(table.slice(idx[0], len(idx)), folder / f"part-{p:05d}.parquet", row_group_size=rows_per_group)


def build(root: Path, shape: str, spark) -> Path:
    """A model folder: Spark's ALS metadata (rank of the shape) + random factors + seen/ + model_card.json."""
    from pyspark.ml.recommendation import ALS

    users, items, rank, ratings = SHAPES[shape]
    rng = np.random.default_rng(0)
    native = root / "spark-als"
    tiny = spark.createDataFrame([(1, 1, 1.0), (2, 2, 2.0)], "user int, item int, rating double")
    ALS(rank=rank, maxIter=1, userCol="user", itemCol="item", ratingCol="rating").fit(tiny).write().save(str(native))
    for side, n in (("userFactors", users), ("itemFactors", items)):
        shutil.rmtree(native / side)
        _factors(native / side, n, rank, rng)
    _seen(root / "seen", users, items, ratings, rng)
    (root / "model_card.json").write_text(f'{{"model_type": "spark-als", "path": "{native}"}}')
    return root


def numpy_side(root: Path, users: np.ndarray) -> dict:
    from tuner.serve.recommend import Recommender

    t0 = time.perf_counter()
    rec = Recommender(root, load_users=True)
    load = time.perf_counter() - t0
    rec.recommend(int(users[0]), K)  # warm the seen store
    lat = []
    for u in users:
        t = time.perf_counter()
        rec.recommend(int(u), K)
        lat.append((time.perf_counter() - t) * 1e3)
    t = time.perf_counter()
    ordered = np.sort(users)  # as recommend_many (tuner recommend --users) does: a block's seen/ rows are adjacent
    for s in range(0, len(ordered), 512):
        rec.recommend_block(ordered[s:s + 512], K, include_seen=False)
    batch = time.perf_counter() - t
    return {"load_all_factors_s": round(load, 3), "one_user_p50_ms": round(float(np.percentile(lat, 50)), 3),
            "one_user_p99_ms": round(float(np.percentile(lat, 99)), 3),
            "batch_users_per_s": round(len(users) / batch, 1), "batch_breakdown_s": breakdown(rec, ordered)}


def breakdown(rec, users: np.ndarray) -> dict:
    """Where the batch time goes, per phase over the same blocks: the product, the seen lookup and mask, the
    chunked top-k (tuner.serve.topk), a plain row-wide np.argpartition for comparison, and the Arrow write."""
    import pyarrow as pa

    from tuner.serve.recommend import _lists_table
    from tuner.serve.topk import top_k_rows

    f = rec._factors
    phases = {"product": 0.0, "seen": 0.0, "top_k": 0.0, "argpartition_instead": 0.0, "arrow_write": 0.0}
    blocks = []
    for s in range(0, len(users), 512):
        block = users[s:s + 512]
        t = time.perf_counter()
        scores = f.users.matrix[f.users.rows(block)] @ rec.items.matrix.T
        t1 = time.perf_counter()
        owner, item = rec.seen.many(block)
        r, c = np.searchsorted(block, owner), rec.items.rows(item)
        scores[r[c >= 0], c[c >= 0]] = -np.inf
        t2 = time.perf_counter()
        cols, top = top_k_rows(scores, K)
        t3 = time.perf_counter()
        np.argpartition(scores, scores.shape[1] - K, axis=1)
        t4 = time.perf_counter()
        blocks.append((block, rec.items.ids[cols], top))
        for name, dt in zip(phases, (t1 - t, t2 - t1, t3 - t2, t4 - t3)):
            phases[name] += dt
    t = time.perf_counter()
    sink = pa.BufferOutputStream()
    pq.write_table(_lists_table(blocks), sink)
    phases["arrow_write"] = time.perf_counter() - t
    return {k: round(v, 3) for k, v in phases.items()}


def spark_side(spark, root: Path, users: np.ndarray) -> dict:
    from pyspark.ml.recommendation import ALSModel

    model = ALSModel.load(str(root / "spark-als"))
    frame = spark.createDataFrame([(int(u),) for u in users], "user int").cache()
    frame.count()
    runs = []
    for _ in range(2):  # the first run also loads and caches the factor files
        t = time.perf_counter()
        model.recommendForUserSubset(frame, K).write.format("noop").mode("overwrite").save()
        runs.append(time.perf_counter() - t)
    return {"spark_seconds_first": round(runs[0], 3), "spark_seconds_warm": round(runs[1], 3),
            "spark_users_per_s": round(len(users) / runs[1], 1)}


def whole_command(root: Path, user: int, repeats: int = 5) -> dict:
    code = f"from tuner.serve.recommend import recommend; print(recommend({str(root)!r}, {user}, 10))"
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return {"whole_command_s_median": _common.median(times), "whole_command_s_max": round(max(times), 3)}


def plot(results: dict, path: Path) -> None:
    plt = _common.pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    shapes = list(results)
    x = np.arange(len(shapes))
    axes[0].bar(x - 0.2, [results[s]["one_user_p50_ms"] for s in shapes], 0.4, label="p50")
    axes[0].bar(x + 0.2, [results[s]["one_user_p99_ms"] for s in shapes], 0.4, label="p99")
    axes[0].axhline(5, ls="--", c="grey", lw=1)
    axes[0].set(title="one user, in process (ms)", xticks=x, xticklabels=shapes)
    axes[0].legend()
    axes[1].bar(x - 0.2, [results[s]["batch_users_per_s"] for s in shapes], 0.4, label="numpy")
    axes[1].bar(x + 0.2, [results[s]["spark_users_per_s"] for s in shapes], 0.4, label="Spark recommendForUserSubset")
    axes[1].set(title="batch users / s (log)", yscale="log", xticks=x, xticklabels=shapes)
    axes[1].legend(fontsize=8)
    axes[2].bar(x, [results[s]["whole_command_s_median"] for s in shapes], 0.5)
    axes[2].axhline(1, ls="--", c="grey", lw=1)
    axes[2].set(title="whole command from process start (s)", xticks=x, xticklabels=shapes)
    _common.save_figure(fig, path)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    p.add_argument("--out", type=Path, default=_common.RESULTS)
    args = p.parse_args()

    from tuner.cluster.local_spark import local_spark_session, stop_local_spark

    spark = local_spark_session(cores=2, driver_memory="3g", app_name="tuner-bench-serving")
    results = {}
    try:
        for shape in args.shapes:
            with tempfile.TemporaryDirectory() as tmp:
                root = build(Path(tmp) / "model", shape, spark)
                users = np.random.default_rng(1).choice(np.arange(1, SHAPES[shape][0] + 1), USERS, replace=False)
                res = {"users": SHAPES[shape][0], "items": SHAPES[shape][1], "rank": SHAPES[shape][2], "k": K,
                       "queried_users": USERS}
                res.update(numpy_side(root, users))
                res.update(whole_command(root, int(users[0])))
                res.update(spark_side(spark, root, users))
                res["batch_speedup_vs_spark"] = round(res["batch_users_per_s"] / res["spark_users_per_s"], 1)
                results[shape] = res
                print(shape, res, file=sys.stderr)
    finally:
        stop_local_spark(spark)
    out = {"benchmark": "serving", "note": "Spark local[2]; Spark's time excludes seen-item removal, numpy's "
           "includes it", "loadavg_at_end": [round(x, 2) for x in os.getloadavg()], "shapes": results,
           "leftover_processes": _common.check_no_leaks()}
    _common.write_json(out, args.out / "serving.json")
    plot(results, args.out / "serving.png")
    print(json_dump(out))
    return 0


def json_dump(obj) -> str:
    import json

    return json.dumps(obj, indent=2)


if __name__ == "__main__":
    sys.exit(main())
