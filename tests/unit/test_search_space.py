"""Space vocabulary -> Optuna: distributions, inclusive bounds, define-by-run with fixed values."""

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from tuner.config.schema import ChoiceSpec, IntSpec, LogIntSpec, LogUniformSpec, UniformSpec
from tuner.search import DefineByRun, startup_trials, suggest, to_distribution

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.mark.parametrize(
    "spec, expected",
    [
        (UniformSpec(type="uniform", low=0.1, high=0.9), FloatDistribution(0.1, 0.9)),
        (LogUniformSpec(type="loguniform", low=1e-3, high=1.0), FloatDistribution(1e-3, 1.0, log=True)),
        (IntSpec(type="int", low=2, high=10, step=2), IntDistribution(2, 10, step=2)),
        (LogIntSpec(type="logint", low=4, high=64), IntDistribution(4, 64, log=True)),
        (ChoiceSpec(type="choice", values=[True, False]), CategoricalDistribution([True, False])),
    ],
)
def test_each_spec_maps_to_the_matching_optuna_distribution(spec, expected):
    assert to_distribution(spec) == expected


@pytest.mark.parametrize("spec", [IntSpec(type="int", low=1, high=3), LogIntSpec(type="logint", low=1, high=3)])
def test_integer_bounds_are_inclusive_on_both_ends(spec):
    # Ray's tune.randint(1, 3) never yields 3; tuner's {type: int, low: 1, high: 3} must.
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: suggest(t, "x", spec), n_trials=200)
    seen = {t.params["x"] for t in study.trials}
    assert seen == {1, 2, 3}
    assert study.trials[0].distributions["x"] == to_distribution(spec)


def test_float_bounds_stay_inside_the_closed_interval():
    spec = LogUniformSpec(type="loguniform", low=0.01, high=0.1)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(lambda t: suggest(t, "r", spec), n_trials=100)
    values = [t.params["r"] for t in study.trials]
    assert 0.01 <= min(values) and max(values) <= 0.1
    assert max(values) / min(values) > 3  # spread over the range, not stuck


def test_define_by_run_suggests_tuned_and_returns_fixed_values():
    space = DefineByRun({"rank": LogIntSpec(type="logint", low=4, high=64), "maxIter": 8, "implicitPrefs": False})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask()
    fixed = space(trial)
    assert fixed == {"maxIter": 8, "implicitPrefs": False}
    assert set(trial.params) == {"rank"} and 4 <= trial.params["rank"] <= 64
    assert space.tuned() == ["rank"]


def test_define_by_run_pickles_for_ray():
    import pickle

    space = DefineByRun({"rank": IntSpec(type="int", low=1, high=3), "maxIter": 5})
    assert pickle.loads(pickle.dumps(space)).params == space.params


@pytest.mark.parametrize("n, dims, expected", [(1, 2, 3), (10, 2, 3), (12, 4, 4), (30, 4, 10), (300, 9, 10),
                                                (40, 2, 6), (40, 1, 4)])
def test_tpe_startup_trials_scale_with_the_budget_and_the_dimensions(n, dims, expected):
    assert startup_trials(n, dims) == expected


def test_an_explicit_startup_count_wins():
    assert startup_trials(40, 2, explicit=1) == 1


def test_the_searcher_counts_only_searched_params():
    from tuner.config.schema import SearchConfig
    from tuner.search import make_searcher

    params = {"rank": IntSpec(type="int", low=1, high=3), "maxIter": 5,
              "regParam": LogUniformSpec(type="loguniform", low=0.01, high=1.0)}
    searcher = make_searcher(SearchConfig(sampler="tpe", num_samples=40), params, "rmse", "min")
    assert searcher._sampler._n_startup_trials == 6
