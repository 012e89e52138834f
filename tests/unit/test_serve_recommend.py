"""tuner.serve.recommend against brute-force numpy on a pyarrow-written export (no JVM)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from tests.serve_export import write_export
from tuner.serve.errors import ServeError
from tuner.serve.model_dir import resolve_model_dir
from tuner.serve.recommend import Recommender, recommend, recommend_many
from tuner.serve.store import seen_items

RNG = np.random.default_rng(7)
USERS = RNG.permutation(np.arange(100, 140))  # 40 users, ids not starting at 0, unsorted on disk
ITEMS = RNG.permutation(np.arange(1000, 1060))  # 60 items
U = RNG.normal(size=(40, 8)).astype(np.float32)
V = RNG.normal(size=(60, 8)).astype(np.float32)
SEEN = {int(u): sorted(RNG.choice(ITEMS, size=int(RNG.integers(1, 15)), replace=False).tolist()) for u in USERS}
POPULAR = [(int(i), 100 - n) for n, i in enumerate(ITEMS[:20])]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_export(tmp_path_factory.mktemp("als"), USERS, ITEMS, U, V, SEEN, POPULAR)


def brute(user: int, k: int, include_seen: bool) -> list[tuple[int, float]]:
    scores = (V @ U[list(USERS).index(user)]).astype(np.float64)
    pairs = [(int(i), s) for i, s in zip(ITEMS, scores) if include_seen or int(i) not in SEEN[user]]
    return sorted(pairs, key=lambda p: -p[1])[:k]


@pytest.mark.parametrize("user", [int(USERS[0]), int(USERS[17]), int(USERS[-1])])
def test_top_k_equals_brute_force_without_seen_items(model, user):
    got = recommend(model, user, k=7)
    want = brute(user, 7, include_seen=False)
    assert [i for i, _ in got] == [i for i, _ in want]
    assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)
    assert not set(SEEN[user]) & {i for i, _ in got}


def test_include_seen_ranks_every_item(model):
    user = int(USERS[3])
    got = recommend(model, user, k=60, include_seen=True)
    assert [i for i, _ in got] == [i for i, _ in brute(user, 60, include_seen=True)]
    assert len(recommend(model, user, k=60)) == 60 - len(SEEN[user])  # only the unseen items remain


def test_loaded_users_answer_the_same_as_one_user_reads(model):
    rec = Recommender(model, load_users=True)
    for user in USERS[:10]:
        assert rec.recommend(int(user), 5) == recommend(model, int(user), 5)


def test_unknown_user_is_a_user_error_or_the_popular_items(model):
    with pytest.raises(ServeError, match="user 99999 is not in the model.*--fallback popular") as err:
        recommend(model, 99999)
    assert err.value.exit_code == 2
    assert recommend(model, 99999, k=3, fallback="popular") == [(i, float(c)) for i, c in POPULAR[:3]]


def test_bad_k_and_fallback_are_rejected(model):
    with pytest.raises(ServeError, match="-k must be an int >= 1, got 0"):
        recommend(model, int(USERS[0]), k=0)
    with pytest.raises(ServeError, match="--fallback must be one of: popular, got 'random'"):
        recommend(model, int(USERS[0]), fallback="random")


def test_one_users_seen_lookup_reads_one_row_group(model):
    user = int(USERS[5])
    assert seen_items(model, user).tolist() == SEEN[user]
    dataset = ds.dataset(model / "seen", format="parquet")
    groups = [g for f in dataset.get_fragments() for g in f.split_by_row_group(ds.field("user") == user)]
    assert pq.ParquetFile(next(dataset.get_fragments()).path).num_row_groups == 20
    assert len(groups) == 1


def test_seen_store_decodes_a_row_group_once_and_stays_right_when_its_cache_evicts(model, monkeypatch):
    from tuner.serve.store import SeenStore

    store = SeenStore(model)
    reads = []
    real = pq.ParquetFile.read_row_group
    monkeypatch.setattr(pq.ParquetFile, "read_row_group", lambda self, *a, **kw: reads.append(a) or real(self, *a, **kw))
    users = [int(u) for u in USERS]
    for u in users + users:  # warm: the second pass reads nothing
        assert store.one(u).tolist() == SEEN[u]
    assert len(reads) == len(store.groups)
    owner, item = store.many(np.array(users[::3] + [5]))  # 5 is no user of the model
    assert sorted(zip(owner.tolist(), item.tolist())) == sorted((u, i) for u in users[::3] for i in SEEN[u])

    small = SeenStore(model)
    small.CACHE_BYTES = 8 * 20  # a few lists' worth: groups are dropped and read again
    reads.clear()
    for u in users + users:
        assert small.one(u).tolist() == SEEN[u]
    newest = next(reversed(small._cache.values()))[2].nbytes  # the cap is checked before the newest group joins
    assert len(reads) > len(small.groups) and small._cached_bytes <= small.CACHE_BYTES + newest


def test_batch_writes_every_known_user_and_counts_unknown(model, tmp_path):
    users_file = tmp_path / "users.csv"
    users_file.write_text("user\n" + "\n".join(map(str, [*USERS[:25].tolist(), 5, 6])) + "\n")
    out = tmp_path / "out" / "recs.parquet"
    info = recommend_many(model, users_file, out, k=4)
    assert (info["users"], info["answered"], info["unknown"]) == (27, 25, 2)
    table = pq.read_table(out).to_pylist()
    assert len(table) == 25
    for row in table:
        want = brute(row["user"], 4, include_seen=False)
        assert row["items"] == [i for i, _ in want]
        assert np.allclose(row["scores"], [s for _, s in want], atol=1e-5)
    pop = recommend_many(model, users_file, tmp_path / "p.parquet", k=2, fallback="popular")
    rows = {r["user"]: r["items"] for r in pq.read_table(tmp_path / "p.parquet").to_pylist()}
    assert pop["answered"] == 27 and rows[5] == [POPULAR[0][0], POPULAR[1][0]]


def test_users_file_without_user_column_names_it(model, tmp_path):
    f = tmp_path / "u.csv"
    f.write_text("id\n1\n")
    with pytest.raises(ServeError, match="missing column 'user' \\(the file has: id\\)"):
        recommend_many(model, f, tmp_path / "o.parquet")


def test_model_dir_resolves_run_dir_native_folder_and_moved_copies(model, tmp_path):
    run = tmp_path / "runs" / "als-20260101-000000"
    (run / "model").mkdir(parents=True)
    import shutil

    shutil.copytree(model, run / "model", dirs_exist_ok=True)  # the card's absolute path points elsewhere now
    for path in (run, run / "model", run / "model" / "spark-als"):
        m = resolve_model_dir(path)
        assert (m.root, m.native, m.model_type) == (run / "model", run / "model" / "spark-als", "spark-als")
    assert recommend(run, int(USERS[0]), 3) == recommend(model, int(USERS[0]), 3)


def test_model_dir_errors_say_what_is_missing(tmp_path):
    with pytest.raises(ServeError, match="no such model folder"):
        resolve_model_dir(tmp_path / "nope")
    (tmp_path / "summary.json").write_text(json.dumps({"status": "failed"}))
    with pytest.raises(ServeError, match="this run has no exported model"):
        resolve_model_dir(tmp_path)


def test_batch_fallback_with_fewer_popular_items_than_k(model, tmp_path):
    # regression: blocks of different widths (popular.parquet holds 20 items, k = 25) failed to concatenate
    users_file = tmp_path / "users.csv"
    users_file.write_text(f"user\n{int(USERS[0])}\n5\n")
    recommend_many(model, users_file, tmp_path / "o.parquet", k=25, fallback="popular")
    rows = {r["user"]: r["items"] for r in pq.read_table(tmp_path / "o.parquet").to_pylist()}
    assert len(rows[int(USERS[0])]) == min(25, 60 - len(SEEN[int(USERS[0])])) and len(rows[5]) == 20


def test_one_user_answers_without_importing_pandas_or_pyarrow_compute(model):
    """They cost ~0.5 s of a fresh `tuner recommend` process (pq.read_table -> pyarrow.dataset -> pandas;
    ChunkedArray.to_numpy; ListArray.flatten -> pyarrow.compute)."""
    import subprocess
    import sys

    code = ("import sys; from tuner.serve.recommend import Recommender; "
            f"r = Recommender({str(model)!r}); r.recommend({int(USERS[0])}, 5); r.recommend(99999, 3, "
            "fallback='popular'); heavy = sorted({'pandas', 'pyarrow.compute', 'pyarrow.dataset'} & set(sys.modules)); "
            "assert not heavy, heavy")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
