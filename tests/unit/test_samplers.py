"""The sampler choice rule, each sampler's suggestions (distinct in parallel, seeded), the Sobol start, resume."""

from __future__ import annotations

import sys

import optuna
import pytest
from pydantic import ValidationError

from tuner.config._errors import GP_NEEDS_TORCH
from tuner.config.schema import ChoiceSpec, IntSpec, LogIntSpec, LogUniformSpec, SearchConfig, UniformSpec
from tuner.errors import UserError
from tuner.search import SpaceShape, StartupSampler, build_sampler, choose_sampler, make_searcher, resolved_sampler
from tuner.search.sklearn_gp import SklearnGPSampler
from tuner.search.space import DefineByRun

optuna.logging.set_verbosity(optuna.logging.WARNING)

ALS = {"rank": LogIntSpec(type="logint", low=8, high=64),
       "regParam": LogUniformSpec(type="loguniform", low=0.01, high=0.3), "maxIter": 10}
CONDITIONAL = {"estimator": ChoiceSpec(type="choice", values=["a.LogisticRegression", "b.Forest"], branches={
    "a.LogisticRegression": {"C": LogUniformSpec(type="loguniform", low=0.01, high=10.0)},
    "b.Forest": {"max_depth": IntSpec(type="int", low=2, high=12)}})}


def objective(params: dict) -> float:
    return abs(params.get("rank", 20) - 20) / 10 + abs(params.get("regParam", 0.05) - 0.05)


def run(sampler, space=ALS, n=8) -> list[dict]:
    study = optuna.create_study(sampler=sampler)
    f = DefineByRun(space)
    study.optimize(lambda t: (f(t), objective(t.params))[1], n_trials=n)
    return [t.params for t in study.trials]


# ---- the auto rule -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, budget", [
    (SpaceShape(dims=2, conditional=False, categorical=False), 40),
    (SpaceShape(dims=6, conditional=False, categorical=True), 100),
    (SpaceShape(dims=7, conditional=False, categorical=False), 40),
    (SpaceShape(dims=2, conditional=False, categorical=False), 101),
    (SpaceShape(dims=3, conditional=True, categorical=True), 20),
])
def test_auto_rule_is_tpe_for_every_shape_measured(shape, budget):
    # docs/benchmarks.md: on 1M ratings TPE's random start beat qmc's Sobol start (4 of 5 seeds vs 1 of 5)
    assert choose_sampler(shape, budget) == "tpe"


def test_space_shape_and_resolved_name():
    assert SpaceShape.of(ALS) == SpaceShape(dims=2, conditional=False, categorical=False)
    assert SpaceShape.of(CONDITIONAL) == SpaceShape(dims=3, conditional=True, categorical=True)
    assert resolved_sampler(SearchConfig(sampler="auto"), ALS) == "tpe"
    assert resolved_sampler(SearchConfig(), CONDITIONAL) == "tpe"
    assert resolved_sampler(SearchConfig(sampler="qmc"), ALS) == "qmc"
    assert resolved_sampler(SearchConfig(sampler="random"), ALS) == "random"


@pytest.mark.parametrize("space, grouped", [(ALS, False), (CONDITIONAL, True)])
def test_auto_builds_multivariate_tpe_grouped_only_for_branches(space, grouped):
    sampler = build_sampler(SearchConfig(), space)
    assert isinstance(sampler, optuna.samplers.TPESampler)
    assert sampler._multivariate and sampler._group is grouped and sampler._constant_liar
    # auto and an explicit tpe are the same sampler: same seed, same configurations
    assert run(build_sampler(SearchConfig(seed=3), space)) == run(build_sampler(SearchConfig(sampler="tpe", seed=3),
                                                                                    space))


# ---- every sampler: distinct parallel suggestions, seeded ----------------------------------------------------
@pytest.mark.parametrize("kind", ["auto", "tpe", "qmc", "random", "skgp"])
@pytest.mark.parametrize("finished", [0, 6])  # in the start-up phase, and once the model samples
def test_two_parallel_trials_get_distinct_configs(kind, finished):
    study = optuna.create_study(sampler=build_sampler(SearchConfig(sampler=kind, num_samples=20), ALS))
    f = DefineByRun(ALS)
    for _ in range(finished):
        t = study.ask()
        f(t)
        study.tell(t, objective(t.params))
    a, b = study.ask(), study.ask()  # both running at once, as two Tune trials
    f(a), f(b)
    assert a.params != b.params


@pytest.mark.parametrize("kind", ["tpe", "qmc", "random", "skgp"])
def test_a_seed_gives_the_same_configs_at_concurrency_1(kind):
    cfg = SearchConfig(sampler=kind, num_samples=20, seed=3)
    first = run(build_sampler(cfg, ALS), n=10)
    assert first == run(build_sampler(cfg, ALS), n=10)
    assert first != run(build_sampler(cfg.model_copy(update={"seed": 4}), ALS), n=10)


def test_qmc_start_then_tpe():
    cfg = SearchConfig(sampler="qmc", num_samples=30, seed=0)
    sampler = build_sampler(cfg, ALS)
    assert isinstance(sampler, StartupSampler) and isinstance(sampler.then, optuna.samplers.TPESampler)
    n = sampler.n_startup
    assert n == 6 and sampler.then._n_startup_trials == n  # TPE models at once when it takes over
    params = run(sampler, n=n + 4)
    sobol = run(optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=0), n=n)
    assert params[:n] == sobol  # the start-up is the scrambled Sobol sequence (its first point drawn at random)
    tpe_only = run(build_sampler(cfg.model_copy(update={"sampler": "tpe"}), ALS), n=n + 4)
    assert params[n:] != tpe_only[n:]  # afterwards TPE, modelling the Sobol points instead of random ones


def test_skgp_models_the_space_after_the_sobol_start():
    cfg = SearchConfig(sampler="skgp", num_samples=30, seed=0)
    sampler = build_sampler(cfg, ALS)
    assert isinstance(sampler, StartupSampler) and isinstance(sampler.then, SklearnGPSampler)
    params = run(sampler, n=20)
    assert params[:6] == run(optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=0), n=6)
    assert all(8 <= p["rank"] <= 64 and isinstance(p["rank"], int) and 0.01 <= p["regParam"] <= 0.3 for p in params)
    # the objective's optimum is rank 20, regParam 0.05: expected improvement gets close to it, and its points
    # lie nearer the optimum, on average, than the space-filling start's
    scores = [objective(p) for p in params]
    assert min(scores) < 0.1
    assert sum(scores[10:]) / 10 < sum(scores[:6]) / 6


def test_skgp_maximises_when_the_study_does():
    study = optuna.create_study(direction="maximize", sampler=build_sampler(
        SearchConfig(sampler="skgp", num_samples=20, seed=1), ALS))
    f = DefineByRun(ALS)
    study.optimize(lambda t: (f(t), -objective(t.params))[1], n_trials=16)
    assert study.best_value > -0.2


# ---- gp: torch only with the extra -----------------------------------------------------------------------------
def test_gp_without_torch_names_the_extra(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(ValidationError, match="pip install 'tuner\\[gp\\]'"):
        SearchConfig(sampler="gp")
    monkeypatch.setitem(sys.modules, "torch", None)  # found but not importable: the sampler says the same
    with pytest.raises(UserError) as info:
        build_sampler(SearchConfig.model_construct(sampler="gp", num_samples=10, seed=0, startup_trials=None), ALS)
    assert GP_NEEDS_TORCH in str(info.value)


def test_gp_config_error_in_the_standard_format(tmp_path, monkeypatch):
    import importlib.util

    import yaml

    from tuner.config import ConfigError, load_experiment

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    path = tmp_path / "gp.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "data": {"format": "synthetic"},
                                    "model": {"type": "spark-als", "space": None, "params": ALS | {
                                        "rank": {"type": "int", "low": 4, "high": 8}, "regParam": 0.1}},
                                    "search": {"sampler": "gp"}}))
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    assert str(info.value) == f"{path}: search.sampler: {GP_NEEDS_TORCH}."


@pytest.mark.parametrize("key, value, message", [
    ("sampler", "gpp", "search.sampler must be one of 'auto', 'tpe', 'qmc', 'random', 'skgp', 'gp', got 'gpp' "
                       "(did you mean 'gp'?)"),
    ("patience", 0, "search.patience must be an int >= 1 or null, got 0."),
    ("patience_tolerance", -0.1, "search.patience_tolerance must be a number >= 0, got -0.1."),
])
def test_invalid_search_values(tmp_path, key, value, message):
    import yaml

    from tuner.config import ConfigError, load_experiment

    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "data": {"format": "synthetic"},
                                    "model": {"type": "spark-als", "space": None,
                                              "params": {"rank": {"type": "int", "low": 4, "high": 8}}},
                                    "search": {key: value}}))
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    assert str(info.value) == f"{path}: {message}"


# ---- resume: the searcher's state (sampler + study) survives save/restore --------------------------------------
@pytest.mark.parametrize("kind", ["qmc", "tpe", "skgp"])
def test_searcher_restored_mid_run_continues_without_repeats(tmp_path, kind):
    cfg = SearchConfig(sampler=kind, num_samples=20, seed=0)

    def ask_and_tell(searcher, ids):
        out = []
        for i in ids:
            config = searcher.suggest(i)
            searcher.on_trial_complete(i, {"rmse": objective(config), "training_iteration": 3})
            out.append(config)
        return out

    searcher = make_searcher(cfg, ALS, "rmse", "min")
    first = ask_and_tell(searcher, [f"t{i}" for i in range(4)])
    searcher.save(str(tmp_path / "searcher.pkl"))
    after = ask_and_tell(searcher, [f"t{i}" for i in range(4, 10)])

    restored = make_searcher(cfg, ALS, "rmse", "min")
    restored.restore(str(tmp_path / "searcher.pkl"))
    resumed = ask_and_tell(restored, [f"t{i}" for i in range(4, 10)])
    assert resumed == after  # the Sobol position and TPE's state came back: the run goes on as if never stopped
    assert not any(c in first for c in resumed)
