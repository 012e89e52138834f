"""bound_hits: a best value at or near a bound names the key and the file to widen."""

from __future__ import annotations

from tuner.config.schema import ChoiceSpec, IntSpec, LogIntSpec, LogUniformSpec, UniformSpec
from tuner.search import bound_hits

ALS = {"rank": LogIntSpec(type="logint", low=4, high=64),
       "regParam": LogUniformSpec(type="loguniform", low=0.005, high=0.5),
       "alpha": UniformSpec(type="uniform", low=0.0, high=10.0), "maxIter": 10,
       "implicitPrefs": ChoiceSpec(type="choice", values=[True, False])}


def test_at_the_lower_bound_names_key_bound_and_file():
    (hit,) = bound_hits(ALS, {"rank": 4, "regParam": 0.05, "alpha": 5.0, "maxIter": 10}, "search_spaces/als.yaml")
    assert hit.message == ("rank=4 is at the lower bound of search_spaces/als.yaml params.rank (4..64): widen it, "
                           "the best may lie beyond")
    assert hit.to_dict()["bound"] == "lower" and hit.where == "search_spaces/als.yaml params.rank"


def test_near_a_bound_is_measured_on_the_log_range_for_log_params():
    # 0.48 is 99% of the log range 0.005..0.5; 0.4 is 95% (> 3% away); alpha 9.8 is within 3% of 10
    hits = bound_hits(ALS, {"rank": 16, "regParam": 0.48, "alpha": 9.8}, "search_spaces/als.yaml")
    assert [(h.name, h.side) for h in hits] == [("regParam", "upper"), ("alpha", "upper")]
    assert "within 3% of the upper bound" in hits[0].message
    assert bound_hits(ALS, {"rank": 16, "regParam": 0.4, "alpha": 5.0}) == []


def test_without_a_file_the_key_path_alone_and_origins_win():
    (hit,) = bound_hits(ALS, {"rank": 64})
    assert hit.where == "model.params.rank" and "upper bound of model.params.rank (4..64)" in hit.message
    (hit,) = bound_hits(ALS, {"rank": 64}, "search_spaces/als.yaml",
                        origins={"rank": "experiments/als.yaml model.params.rank"})
    assert hit.where == "experiments/als.yaml model.params.rank"


def test_branch_params_choices_and_fixed_values():
    params = {"estimator": ChoiceSpec(type="choice", values=["sklearn.linear_model.LogisticRegression"], branches={
        "sklearn.linear_model.LogisticRegression": {"C": LogUniformSpec(type="loguniform", low=0.01, high=10.0),
                                                    "max_iter": 200}}),
        "depth": IntSpec(type="int", low=3, high=3)}
    (hit,) = bound_hits(params, {"estimator": "sklearn.linear_model.LogisticRegression", "LogisticRegression.C": 0.01,
                                 "depth": 3}, "search_spaces/sklearn.yaml")
    assert hit.name == "LogisticRegression.C"
    assert hit.where == ("search_spaces/sklearn.yaml "
                         "params.estimator.branches.sklearn.linear_model.LogisticRegression.C")


def test_a_bound_that_is_the_params_own_limit_is_no_hit():
    """elasticNetParam 0..1 is the whole of its domain: a best of pure L2 (0) or L1 (1) says nothing to widen."""
    from tuner.config import model_type

    lr = {"regParam": LogUniformSpec(type="loguniform", low=0.0001, high=0.1),
          "elasticNetParam": UniformSpec(type="uniform", low=0.0, high=1.0)}
    best = {"regParam": 0.0001, "elasticNetParam": 0.00998}
    family = model_type("spark-logreg")
    assert [h.name for h in bound_hits(lr, best)] == ["regParam", "elasticNetParam"]  # no rules known: both
    # regParam's limit is 0, not the range's 0.0001: that bound can still be widened
    assert [h.name for h in bound_hits(lr, best, family=family)] == ["regParam"]
    assert bound_hits(lr, {"regParam": 0.01, "elasticNetParam": 1.0}, family=family) == []
    narrow = {"elasticNetParam": UniformSpec(type="uniform", low=0.2, high=0.8)}
    assert [h.side for h in bound_hits(narrow, {"elasticNetParam": 0.2}, family=family)] == ["lower"]
