"""Known-good starts (``starts:`` in a space file, ``model.starts`` in an experiment): resolved against the
merged space, checked strictly where the user wrote them, and tried first by a real Tune + Optuna search."""

from __future__ import annotations

import time

import pytest

from tuner.config import ConfigError, load_experiment


def _experiment(tmp_path, body: str, space: str | None = None):
    (tmp_path / "experiments").mkdir(exist_ok=True)
    if space is not None:
        (tmp_path / "search_spaces").mkdir(exist_ok=True)
        (tmp_path / "search_spaces" / "mine.yaml").write_text(space)
    path = tmp_path / "experiments" / "e.yaml"
    path.write_text("name: e\ndata: {format: synthetic}\n" + body)
    return path


SPACE = """model: spark-als
params:
  rank: {type: logint, low: 4, high: 64}
  regParam: {type: loguniform, low: 0.005, high: 0.5}
  maxIter: {type: int, low: 5, high: 15}
starts:
  - {rank: 10, regParam: 0.1, maxIter: 10}
  - {rank: 100, regParam: 0.2}
  - {rank: 10, regParam: 0.1, maxIter: 10}
"""


def test_the_space_files_starts_are_hints_fixed_or_narrowed_params_are_left_to_the_sampler(tmp_path):
    exp = load_experiment(_experiment(tmp_path, "model: {type: spark-als, space: mine, params: {maxIter: 8}}\n",
                                      SPACE))
    # maxIter is fixed by the experiment; rank 100 lies outside 4..64; the duplicate is tried once
    assert exp.model.starts == [{"rank": 10, "regParam": 0.1}, {"regParam": 0.2}]


def test_an_experiments_own_starts_replace_the_spaces_and_are_checked_strictly(tmp_path):
    exp = load_experiment(_experiment(tmp_path, "model: {type: spark-als, space: mine, starts: [{rank: 12}]}\n",
                                      SPACE))
    assert exp.model.starts == [{"rank": 12}]
    none = load_experiment(_experiment(tmp_path, "model: {type: spark-als, space: mine, starts: []}\n", SPACE))
    assert none.model.starts == []

    with pytest.raises(ConfigError) as e:
        load_experiment(_experiment(tmp_path, "model: {type: spark-als, space: mine, starts: [{rnak: 12}]}\n",
                                    SPACE))
    assert str(e.value).endswith("e.yaml: unknown key 'rnak' in model.starts[0] (did you mean 'rank'?)")

    with pytest.raises(ConfigError) as e:
        load_experiment(_experiment(tmp_path, "model: {type: spark-als, space: mine, starts: [{rank: 100}]}\n",
                                    SPACE))
    assert "model.starts[0].rank must be a value the search space can draw (an int in [4, 64]), got 100." in str(e.value)


def test_a_start_in_a_conditional_space_names_its_branch(tmp_path):
    exp = load_experiment("experiments/churn_sklearn.yaml")
    first = exp.model.starts[0]
    assert first["estimator"] == "sklearn.linear_model.LogisticRegression" and first["LogisticRegression.C"] == 1.0

    body = ("model: {type: sklearn, space: sklearn, starts: [{estimator: sklearn.ensemble.RandomForestClassifier, "
            "LogisticRegression.C: 1.0}]}\ndata: {format: synthetic-churn}\n")
    path = _experiment(tmp_path, "", None)
    path.write_text("name: e\n" + body)
    (tmp_path / "search_spaces").mkdir(exist_ok=True)
    (tmp_path / "search_spaces" / "sklearn.yaml").write_text(open("search_spaces/sklearn.yaml").read())
    with pytest.raises(ConfigError) as e:
        load_experiment(path)
    assert ("LogisticRegression.C belongs to the 'LogisticRegression' branch of estimator, but this start chooses "
            "'sklearn.ensemble.RandomForestClassifier'") in str(e.value)


def test_a_choice_start_takes_the_spaces_own_value():
    exp = load_experiment("experiments/churn_sklearn.yaml", ["model.starts=[{LogisticRegression.l1_ratio: 1, "
                                                             "estimator: sklearn.linear_model.LogisticRegression}]"])
    value = exp.model.starts[0]["LogisticRegression.l1_ratio"]
    assert value == 1.0 and isinstance(value, float)


def test_the_resolved_starts_survive_the_run_directorys_experiment_yaml(tmp_path):
    import yaml

    from tuner.config import experiment_to_dict

    exp = load_experiment("experiments/als.yaml")
    dumped = tmp_path / "experiment.yaml"
    dumped.write_text(yaml.safe_dump(experiment_to_dict(exp)))
    assert load_experiment(dumped) == exp


@pytest.mark.ray
def test_a_real_tune_search_tries_the_starts_first_then_samples(tmp_path):
    import ray
    from ray import tune

    from tuner.search import make_searcher

    exp = load_experiment("experiments/quickstart.yaml", [
        "search.num_samples=6", "model.starts=[{rank: 10, regParam: 0.1}, {rank: 10, regParam: 0.2}, {rank: 16}]"])
    assert len(exp.model.starts) == 3
    searcher = make_searcher(exp.search, exp.model.params, "rmse", "min", starts=exp.model.starts)

    def trial(config):
        tune.report({"rmse": config["regParam"] + 1.0 / config["rank"], "began": time.time()})

    ray.init(num_cpus=1, include_dashboard=False, object_store_memory=100 * 2**20)
    try:
        grid = tune.Tuner(trial, tune_config=tune.TuneConfig(search_alg=searcher, num_samples=6,
                                                             max_concurrent_trials=1),
                          run_config=tune.RunConfig(storage_path=str(tmp_path / "tune"), verbose=0)).fit()
    finally:
        ray.shutdown()
    # one trial at a time: the order they began in is the order the searcher proposed them
    tried = [{k: r.config[k] for k in ("rank", "regParam")} for r in sorted(grid, key=lambda r: r.metrics["began"])]
    assert tried[:2] == exp.model.starts[:2] and tried[2]["rank"] == 16  # the third start's regParam is drawn
    assert len({(t["rank"], t["regParam"]) for t in tried}) == 6  # then the sampler's own, new points
