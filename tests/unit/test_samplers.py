"""search.sampler qmc: a seeded Sobol start then TPE; distinct, reproducible, in bounds, resumable."""

from __future__ import annotations

import pickle

import optuna

from tuner.config.schema import IntSpec, LogUniformSpec, SearchConfig
from tuner.search import make_searcher
from tuner.search.samplers import QMCStartTPE, make_sampler

SPACE = {"rank": IntSpec(type="int", low=4, high=64), "regParam": LogUniformSpec(type="loguniform", low=0.01, high=0.3)}


def _draws(sampler, n: int) -> list[tuple]:
    study = optuna.create_study(sampler=sampler)
    out = []
    for i in range(n):
        t = study.ask()
        x = (t.suggest_int("rank", 4, 64), t.suggest_float("regParam", 0.01, 0.3, log=True))
        study.tell(t, (x[0] - 16) ** 2 / 100 + abs(x[1] - 0.05))
        out.append(x)
    return out


def test_qmc_start_is_seeded_distinct_and_in_bounds():
    a, b = _draws(QMCStartTPE(6, seed=3), 10), _draws(QMCStartTPE(6, seed=3), 10)
    assert a == b  # same seed, same configurations (sequential asks)
    assert len(set(a[:6])) == 6 and all(4 <= r <= 64 and 0.01 <= g <= 0.3 for r, g in a)
    assert _draws(QMCStartTPE(6, seed=4), 6) != a[:6]


def test_after_the_start_tpe_takes_over():
    sampler = QMCStartTPE(3, seed=0)
    study = optuna.create_study(sampler=sampler)
    t = study.ask()
    assert sampler._pick(t) is sampler._qmc
    for _ in range(3):
        study.tell(t, 1.0)
        t = study.ask()
    assert sampler._pick(t) is sampler._tpe


def test_the_searcher_pickles_and_resumes_the_sequence():
    searcher = make_searcher(SearchConfig(sampler="qmc", num_samples=12, seed=1), SPACE, "rmse", "min")
    first = [searcher.suggest(f"t{i}") for i in range(3)]
    for i, cfg in enumerate(first):
        searcher.on_trial_complete(f"t{i}", {"rmse": 1.0 + i, "training_iteration": 1, **cfg})
    restored = pickle.loads(pickle.dumps(searcher))
    nxt = restored.suggest("t3")
    assert nxt not in first and set(nxt) == {"rank", "regParam"}
    assert isinstance(make_sampler("qmc", 0, 4), QMCStartTPE)
