"""Loading experiments: --set overrides, search-space merging, defaults from the model type, round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tuner.config import (ConfigError, IntSpec, LogIntSpec, LogUniformSpec, experiment_to_dict,
                          find_search_space, is_space, load_experiment, model_type, model_types)
from tuner.config.spaces import SearchSpaceFile

REPO = Path(__file__).resolve().parents[2]
SPACE = {"model": "spark-als", "params": {"rank": {"type": "logint", "low": 4, "high": 64},
                                          "regParam": {"type": "loguniform", "low": 0.005, "high": 0.5},
                                          "maxIter": {"type": "int", "low": 5, "high": 15}}}
EXP = {"name": "als", "data": {"format": "synthetic"},
       "model": {"type": "spark-als", "space": "als", "params": {"maxIter": 8}}}


def write(path: Path, doc) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
    return str(path)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "search_spaces" / "als.yaml", SPACE)
    return tmp_path


def exp_file(project, doc=EXP) -> str:
    write(project / "experiments" / "als.yaml", doc)
    return "experiments/als.yaml"


# ---- overrides -------------------------------------------------------------------------------------------------
def test_overrides_are_parsed_as_yaml_values(project):
    exp = load_experiment(exp_file(project), [
        "search.num_samples=40", "data.path=/x", "data.format=auto", "model.params.rank={type: int, low: 2, high: 8}",
        "output.plots=false", "search.time_budget_s=1e3", "ray.address=auto"])
    assert exp.search.num_samples == 40
    assert exp.data.path == "/x"
    assert exp.model.params["rank"] == IntSpec(type="int", low=2, high=8)
    assert exp.output.plots is False
    assert exp.search.time_budget_s == 1000.0
    assert exp.ray.address == "auto"


def test_later_overrides_win_and_the_file_is_not_touched(project):
    path = exp_file(project)
    before = Path(path).read_text()
    exp = load_experiment(path, ["search.num_samples=4", "search.num_samples=5", "name=other"])
    assert (exp.search.num_samples, exp.name) == (5, "other")
    assert Path(path).read_text() == before


def test_an_override_can_create_a_missing_block(project):
    doc = {k: v for k, v in EXP.items() if k != "data"}
    exp = load_experiment(exp_file(project, doc), ["data={format: synthetic, folds: 4}"])
    assert exp.data.folds == 4


def test_override_can_name_another_space(project):
    write(project / "search_spaces" / "small.yaml", {"model": "spark-als", "params": {"rank": {
        "type": "int", "low": 2, "high": 4}}})
    exp = load_experiment(exp_file(project), ["model.space=small"])
    assert exp.model.params == {"rank": IntSpec(type="int", low=2, high=4), "maxIter": 8}


# ---- search spaces ---------------------------------------------------------------------------------------------
def test_space_is_merged_and_experiment_params_replace_whole_keys(project):
    doc = {**EXP, "model": {"type": "spark-als", "space": "als", "params": {
        "maxIter": 8, "rank": {"type": "int", "low": 2, "high": 6, "step": 2}, "alpha": 0.5}}}
    exp = load_experiment(exp_file(project, doc))
    assert list(exp.model.params) == ["rank", "regParam", "maxIter", "alpha"]
    assert exp.model.params["rank"] == IntSpec(type="int", low=2, high=6, step=2)
    assert exp.model.params["regParam"] == LogUniformSpec(type="loguniform", low=0.005, high=0.5)
    assert exp.model.params["maxIter"] == 8 and not is_space(exp.model.params["maxIter"])
    assert exp.model.space is None


def test_each_param_remembers_the_file_and_key_it_came_from_through_a_round_trip(project, tmp_path_factory):
    doc = {**EXP, "model": {"type": "spark-als", "space": "als", "params": {
        "maxIter": 8, "rank": {"type": "int", "low": 2, "high": 6}}}}
    exp = load_experiment(exp_file(project, doc))
    assert exp.model.param_origins == {"rank": "experiments/als.yaml model.params.rank",
                                       "regParam": "search_spaces/als.yaml params.regParam",
                                       "maxIter": "experiments/als.yaml model.params.maxIter"}
    dumped = write(tmp_path_factory.mktemp("run") / "experiment.yaml", experiment_to_dict(exp))
    assert load_experiment(dumped).model.param_origins == exp.model.param_origins  # a resumed run names the same


def test_space_search_order(project):
    (project / "experiments").mkdir()
    near = {"model": "spark-als", "params": {"rank": {"type": "int", "low": 1, "high": 2}}}
    write(project / "experiments" / "search_spaces" / "als.yaml", near)
    path = exp_file(project)
    assert find_search_space("als", path) == Path("search_spaces/als.yaml")
    (project / "search_spaces" / "als.yaml").unlink()
    assert find_search_space("als", path) == Path("experiments/search_spaces/als.yaml")
    assert load_experiment(path).model.params["rank"] == IntSpec(type="int", low=1, high=2)


def test_space_found_from_any_working_directory(project, tmp_path_factory, monkeypatch):
    path = str(project / exp_file(project))
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert load_experiment(path).model.params["rank"] == LogIntSpec(type="logint", low=4, high=64)


def test_space_given_as_a_yaml_path_relative_to_the_experiment(project):
    write(project / "spaces" / "mine.yaml", {"model": "spark-als", "params": {"regParam": 0.1, "rank": {
        "type": "choice", "values": [8, 16]}}})
    doc = {**EXP, "model": {**EXP["model"], "space": "../spaces/mine.yaml"}}
    exp = load_experiment(exp_file(project, doc))
    assert exp.model.params["regParam"] == 0.1
    assert exp.model.params["rank"].values == [8, 16]


def test_without_a_space_key_the_model_default_space_is_used(project):
    assert model_type("spark-als").default_space == "als"
    doc = {**EXP, "model": {"type": "spark-als", "params": {"maxIter": 8}}}
    assert set(load_experiment(exp_file(project, doc)).model.params) == {"rank", "regParam", "maxIter"}


def test_space_null_merges_no_space(project):
    doc = {**EXP, "model": {"type": "spark-als", "space": None, "params": {"rank": {
        "type": "int", "low": 2, "high": 4}}}}
    assert list(load_experiment(exp_file(project, doc)).model.params) == ["rank"]


def test_a_missing_default_space_is_not_an_error(project):
    (project / "search_spaces" / "als.yaml").unlink()
    doc = {**EXP, "model": {"type": "spark-als", "params": {"rank": {"type": "int", "low": 2, "high": 4}}}}
    assert list(load_experiment(exp_file(project, doc)).model.params) == ["rank"]


def test_yaml_floats_without_a_dot_are_numbers(project):
    write(project / "search_spaces" / "als.yaml", {"model": "spark-als", "params": {}})
    text = ("name: als\ndata: {format: synthetic}\nmodel:\n  type: spark-als\n  params:\n"
            "    regParam: {type: loguniform, low: 1e-3, high: 1E+0}\n")
    assert load_experiment(exp_file(project, text)).model.params["regParam"].low == 0.001


# ---- defaults and results ---------------------------------------------------------------------------------------
def test_metric_and_mode_default_from_the_model(project):
    exp = load_experiment(exp_file(project))
    assert (exp.search.metric, exp.search.mode) == ("rmse", "min")
    exp = load_experiment(exp_file(project), ["search.metric=mae"])
    assert (exp.search.metric, exp.search.mode) == ("mae", "min")


def test_round_trip_through_yaml_gives_an_equal_experiment(project, tmp_path_factory):
    exp = load_experiment(exp_file(project), ["model.params.alpha=2", "data.rating_scale=[1, 10]"])
    data = experiment_to_dict(exp)
    assert json.loads(json.dumps(data)) == data  # plain JSON, nothing lost
    assert data["model"]["space"] is None
    # elsewhere, and next to a different default space that must not be merged again
    other = tmp_path_factory.mktemp("run")
    write(other / "search_spaces" / "als.yaml", {"model": "spark-als", "params": {"numUserBlocks": 4}})
    again = load_experiment(write(other / "experiments" / "experiment.yaml", data))
    assert again == exp
    assert experiment_to_dict(again) == data


def test_both_shipped_experiments_validate(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    quick = load_experiment(REPO / "experiments" / "quickstart.yaml")
    assert (quick.data.format, quick.data.synthetic.ratings, quick.search.num_samples) == ("synthetic", 1_000_000, 10)
    assert quick.model.params["maxIter"] == 8 and is_space(quick.model.params["rank"])
    als = load_experiment(REPO / "experiments" / "als.yaml", ["data.path=/data/ml-25m"])
    assert (als.data.download, als.data.path, als.search.num_samples) == ("ml-25m", "/data/ml-25m", 20)


def test_every_model_type_default_space_is_shipped_and_valid():
    for name, mt in model_types().items():
        assert set(mt.metrics.values()) <= {"min", "max"} and mt.default_metric in mt.metrics
        if mt.default_space is not None:
            found = find_search_space(mt.default_space, REPO / "experiments" / "x.yaml")
            assert found is not None, name
            space = SearchSpaceFile.model_validate(yaml.safe_load(found.read_text()))
            assert space.model == name and set(space.params) <= set(mt.params)


@pytest.mark.parametrize("value, ok", [(1, True), (0, False), (True, False), (1.0, False), ("1", False)])
def test_int_rule(value, ok):
    assert model_type("spark-als").params["rank"].accepts(value) is ok


@pytest.mark.parametrize("value, ok", [(0, True), (0.0, True), (-0.1, False), (float("nan"), False), (False, False)])
def test_float_rule(value, ok):
    assert model_type("spark-als").params["regParam"].accepts(value) is ok


def test_config_errors_are_exceptions_with_the_full_message(project):
    with pytest.raises(ConfigError, match=r"^experiments/als.yaml: search.num_samples must be an int >= 1"):
        load_experiment(exp_file(project), ["search.num_samples=0"])
