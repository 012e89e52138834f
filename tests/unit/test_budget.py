import pytest

from tuner.config import ConfigError, load_experiment
from tuner.runner.trainable import budget_steps


def test_fraction_steps_come_first_on_fold_0_then_every_full_fold():
    assert budget_steps(3) == [(0, 1.0), (1, 1.0), (2, 1.0)]
    assert budget_steps(2, (0.1, 0.3)) == [(0, 0.1), (0, 0.3), (0, 1.0), (1, 1.0)]


@pytest.mark.parametrize("fractions, fragment", [
    ("[0.3, 0.1]", "must be increasing fractions in (0, 1)"),
    ("[0.5, 1.0]", "scheduler.data_fractions[1] must be a number > 0 and < 1, got 1.0"),
])
def test_bad_data_fractions_name_the_key(fractions, fragment):
    with pytest.raises(ConfigError) as err:
        load_experiment("experiments/quickstart.yaml", [f"scheduler.data_fractions={fractions}"])
    assert "experiments/quickstart.yaml" in str(err.value) and fragment in str(err.value)
    assert "scheduler.data_fractions" in str(err.value)


def test_grace_period_may_reach_into_the_fraction_steps():
    exp = load_experiment("experiments/quickstart.yaml",
                          ["scheduler.data_fractions=[0.1, 0.3]", "scheduler.grace_period=5"])
    assert exp.scheduler.grace_period == 5
    with pytest.raises(ConfigError, match=r"grace_period \(6\) must be <= the budget steps \(5"):
        load_experiment("experiments/quickstart.yaml", ["scheduler.data_fractions=[0.1, 0.3]",
                                                        "scheduler.grace_period=6"])


def test_als_divides_regparam_by_the_data_fraction_and_other_models_keep_their_params():
    from tuner.models import get_adapter

    als = get_adapter("spark-als")
    assert als.fraction_params({"rank": 16, "regParam": 0.03}, 0.1) == pytest.approx({"rank": 16, "regParam": 0.3})
    assert als.fraction_params({"rank": 16}, 0.5) == {"rank": 16, "regParam": 0.2}
    params = {"regParam": 0.01, "maxIter": 5}
    assert get_adapter("spark-logreg").fraction_params(params, 0.1) == params
