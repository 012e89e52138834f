"""Config mistakes give one-line messages: golden texts for the likeliest ones, and invalid values generated
from the constraints declared in the schema (sklearn's generate_invalid_param_val idea)."""

from __future__ import annotations

import copy
import pickle
import types
from typing import Annotated, Literal, Union, get_args, get_origin

import annotated_types as at
import pytest
import yaml
from pydantic import BaseModel

from tuner.config import ConfigError, Experiment, load_experiment
from tuner.config import _errors as E
from tuner.config.schema import IntSpec, LogIntSpec, LogUniformSpec, UniformSpec

SPACE = {"model": "spark-als", "params": {"rank": {"type": "logint", "low": 4, "high": 64},
                                          "regParam": {"type": "loguniform", "low": 0.005, "high": 0.5}}}
BASE = {"name": "als", "data": {"format": "synthetic"}, "model": {"type": "spark-als", "space": "als"}}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder as cwd, with search_spaces/als.yaml and an empty experiments/."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "search_spaces").mkdir()
    (tmp_path / "search_spaces" / "als.yaml").write_text(yaml.safe_dump(SPACE))
    (tmp_path / "experiments").mkdir()
    return tmp_path


def error_of(doc, overrides=(), text=None) -> ConfigError:
    path = "experiments/als.yaml"
    with open(path, "w") as f:
        f.write(text if text is not None else yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(ConfigError) as info:
        load_experiment(path, overrides)
    return info.value


def with_(key: str, value, doc=None) -> dict:
    """BASE (or ``doc``) with the dotted ``key`` set to ``value``."""
    doc = copy.deepcopy(BASE if doc is None else doc)
    *parents, last = key.split(".")
    node = doc
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return doc


# ---- golden texts: the ten likeliest mistakes ----------------------------------------------------------------
@pytest.mark.parametrize("key, value, message", [
    ("model.params.rnak", 8,
     "experiments/als.yaml: unknown key 'rnak' in model.params (did you mean 'rank'?)"),
    ("serach", {"num_samples": 4},
     "experiments/als.yaml: unknown key 'serach' in the top level (did you mean 'search'?)"),
    ("search.num_samples", "ten",
     "experiments/als.yaml: search.num_samples must be an int >= 1, got 'ten'."),
    ("search.num_samples", True,
     "experiments/als.yaml: search.num_samples must be an int >= 1, got true."),
    ("model.params.rank", 1.5,
     "experiments/als.yaml: model.params.rank must be an int >= 1, got 1.5."),
    ("model.params.rank", 0,
     "experiments/als.yaml: model.params.rank must be an int >= 1, got 0."),
    ("model.params.rank", {"type": "int", "low": 0, "high": 8},
     "experiments/als.yaml: model.params.rank.low must be an int >= 1, got 0."),
    ("data.test_fraction", 1.0,
     "experiments/als.yaml: data.test_fraction must be a number > 0 and < 1, got 1.0."),
    ("model.params.regParam", {"type": "loguniform", "low": 1.0, "high": 0.1},
     "experiments/als.yaml: model.params.regParam: low (1.0) must be <= high (0.1)."),
    ("model.type", "spark-alss",
     "experiments/als.yaml: model.type must be one of 'sklearn', 'spark-als', 'spark-gbt-regressor', 'spark-kmeans', 'spark-linreg', 'spark-logreg', 'spark-rf-regressor', 'spark-trees', got 'spark-alss' (did you mean 'spark-als'?)"),
    ("model.params.regParam", {"type": "lognormal", "low": 0.01, "high": 1.0},
     "experiments/als.yaml: model.params.regParam.type must be one of 'uniform', 'loguniform', 'int', 'logint', "
     "'choice', got 'lognormal' (did you mean 'loguniform'?)"),
    ("model.params.regParam", {"low": 0.01, "high": 1.0},
     "experiments/als.yaml: model.params.regParam.type is required: one of 'uniform', 'loguniform', 'int', "
     "'logint', 'choice'."),
    ("search.type", "hyperopt",
     "experiments/als.yaml: search.type must be one of 'optuna', got 'hyperopt'."),
    ("scheduler.type", "hyperband",
     "experiments/als.yaml: scheduler.type must be one of 'asha', 'fifo', got 'hyperband'."),
    ("search.metric", "rsme",
     "experiments/als.yaml: search.metric must be one of 'rmse', 'mae', or ndcg@K / map@K / precision@K / recall@K with K a positive int, got 'rsme' (did you mean 'rmse'?)"),
    ("search.metric", "ndcg@0",
     "experiments/als.yaml: search.metric must be one of 'rmse', 'mae', or ndcg@K / map@K / precision@K / recall@K with K a positive int, got 'ndcg@0' (did you mean 'ndcg@10'?)"),
    ("search.metric", "ndcg@x",
     "experiments/als.yaml: search.metric must be one of 'rmse', 'mae', or ndcg@K / map@K / precision@K / recall@K with K a positive int, got 'ndcg@x' (did you mean 'ndcg@10'?)"),
    ("search.metric", "mrr@10",
     "experiments/als.yaml: search.metric must be one of 'rmse', 'mae', or ndcg@K / map@K / precision@K / recall@K with K a positive int, got 'mrr@10' (did you mean 'map@10'?)"),
    ("data.relevant_rating", 6,
     "experiments/als.yaml: data.relevant_rating must be <= the top of data.rating_scale (5.0), or no held-out "
     "rating is relevant and every ranking metric is 0, got 6.0."),
    ("output.top_k", 0, "experiments/als.yaml: output.top_k must be an int >= 1, got 0."),
    ("search.ranking_users", 0, "experiments/als.yaml: search.ranking_users must be an int >= 1, got 0."),
    ("model.params.rank", {"type": "uniform", "low": 4, "high": 64},
     "experiments/als.yaml: model.params.rank.type 'uniform' draws floats, but rank must be an int >= 1 "
     "(use type: int or logint)."),
])
def test_likeliest_mistakes_have_golden_messages(project, key, value, message):
    assert str(error_of(with_(key, value))) == message


def test_missing_file_says_so_with_the_path_as_given(project):
    with pytest.raises(ConfigError) as info:
        load_experiment("experiments/nope.yaml")
    assert str(info.value) == "experiments/nope.yaml: no such file."


def test_yaml_syntax_error_carries_line_and_column(project):
    text = "name: als\ndata:\n  format: synthetic\nmodel:\n  type: spark-als\n   space: als\n"
    err = error_of(None, text=text)
    assert str(err) == "experiments/als.yaml:6:9: YAML syntax error: mapping values are not allowed here."
    assert (err.line, err.column) == (6, 9)


def test_duplicate_key_is_a_syntax_error_at_the_second_one(project):
    err = error_of(None, text="name: als\ndata: {format: synthetic}\nname: other\n")
    assert str(err) == "experiments/als.yaml:3:1: YAML syntax error: found duplicate key 'name'."


@pytest.mark.parametrize("overrides, message", [
    (["search.num_samples"],
     "experiments/als.yaml: --set 'search.num_samples' must be KEY=VALUE, e.g. --set search.num_samples=40."),
    (["search.num_samples=abc"],
     "experiments/als.yaml: search.num_samples must be an int >= 1, got 'abc' (from --set)."),
    (["search.nmu_samples=40"],
     "experiments/als.yaml: unknown key 'nmu_samples' in search (did you mean 'num_samples'?) (from --set)."),
    (["model.params.rnak=8"],
     "experiments/als.yaml: unknown key 'rnak' in model.params (did you mean 'rank'?) (from --set)."),
    (["name.first=x"],
     "experiments/als.yaml: --set 'name.first=x': name must be a mapping to set keys in it, got 'als'."),
])
def test_bad_overrides(project, overrides, message):
    assert str(error_of(BASE, overrides)) == message


def test_a_typo_is_reported_before_the_missing_key_it_explains(project):
    doc = {"nmae": "als", "data": {"format": "synthetic"}, "model": {"type": "spark-als", "space": "als"}}
    assert str(error_of(doc)) == "experiments/als.yaml: unknown key 'nmae' in the top level (did you mean 'name'?)"


def test_errors_in_the_space_file_name_that_file_and_key(project):
    (project / "search_spaces" / "als.yaml").write_text(yaml.safe_dump(
        {"model": "spark-als", "params": {"rank": {"type": "logint", "low": 4, "high": 2}}}))
    err = error_of(BASE)
    assert str(err) == "search_spaces/als.yaml: params.rank: low (4) must be <= high (2)."
    assert (err.file, err.key) == ("search_spaces/als.yaml", "params.rank")


def test_a_missing_named_space_lists_the_places_searched(project):
    err = error_of(with_("model.space", "alss"))
    assert str(err) == ("experiments/als.yaml: model.space 'alss': no search space file found; looked for "
                        "search_spaces/alss.yaml, experiments/search_spaces/alss.yaml.")


def test_config_error_pickles_with_its_fields(project):
    err = error_of(with_("model.params.rank", 0))
    back = pickle.loads(pickle.dumps(err))
    assert (back.file, back.key, back.message, str(back)) == (err.file, err.key, err.message, str(err))
    assert back.key == "model.params.rank"


def test_templates_are_the_messages(project):
    err = error_of(with_("scheduler.grace_period", 4))
    body = E.GRACE_FOLDS.format(key="scheduler.grace_period", grace=4, folds=3) + "."
    assert err.message == body


# ---- invalid values generated from the declared constraints -----------------------------------------------
def _unwrap(ann):
    meta, nullable = [], False
    if get_origin(ann) in (Union, types.UnionType):
        args = [a for a in get_args(ann) if a is not type(None)]
        nullable = len(args) < len(get_args(ann))
        if len(args) != 1:
            return None, [], nullable
        ann = args[0]
    if get_origin(ann) is Annotated:
        ann, *extra = get_args(ann)
        meta = [m for x in extra for m in getattr(x, "metadata", [x])]
    return ann, meta, nullable


def _fields(model: type[BaseModel], prefix: str = ""):
    """(dotted path, annotation, constraint metadata) of every leaf field reachable from ``model``."""
    for name, info in model.model_fields.items():
        ann, meta, _ = _unwrap(info.annotation)
        path = f"{prefix}{name}"
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _fields(ann, path + ".")
        elif ann is not None:
            yield path, ann, list(info.metadata) + meta


def _outside(ann, meta):
    """Values just outside each declared bound."""
    step = 1 if ann is int else 0.001
    for m in meta:
        if isinstance(m, at.Ge):
            yield m.ge - step
        elif isinstance(m, at.Gt):
            yield ann(m.gt)
        elif isinstance(m, at.Le):
            yield m.le + step
        elif isinstance(m, at.Lt):
            yield ann(m.lt)


def _wrong_type(ann):
    return {int: [True, 1.5, "7"], float: [True, "0.5"], bool: ["yes", 1], str: [5, True]}.get(ann, [])


OUT_OF_RANGE = [(p, v) for p, ann, meta in _fields(Experiment) for v in _outside(ann, meta)]
WRONG_TYPE = [(p, v) for p, ann, _ in _fields(Experiment) for v in _wrong_type(ann)]
NOT_LISTED = [(p, "nope") for p, ann, _ in _fields(Experiment) if get_origin(ann) is Literal]
SPACE_FIELDS = [(cls, p, v) for cls in (UniformSpec, LogUniformSpec, IntSpec, LogIntSpec)
                for p, ann, meta in _fields(cls) for v in _outside(ann, meta)]


def test_the_generators_found_the_constrained_fields():
    paths = {p for p, _ in OUT_OF_RANGE}
    assert {"search.num_samples", "data.folds", "data.test_fraction", "scheduler.reduction_factor",
            "ray.dashboard_port", "data.synthetic.ratings"} <= paths
    assert len(OUT_OF_RANGE) >= 20 and len(WRONG_TYPE) >= 30 and len(NOT_LISTED) >= 5
    assert {(c.__name__, p) for c, p, _ in SPACE_FIELDS} >= {("IntSpec", "step"), ("LogUniformSpec", "low"),
                                                             ("LogIntSpec", "high")}


def _assert_names(err: ConfigError, path: str, value) -> None:
    shown = {True: "true", False: "false"}[value] if isinstance(value, bool) else repr(value)
    assert err.key == path
    assert err.file == "experiments/als.yaml"
    assert str(err).startswith(f"experiments/als.yaml: {path} must be ")
    assert f"got {shown}" in str(err)
    assert "\n" not in str(err)


@pytest.mark.parametrize("path, value", OUT_OF_RANGE, ids=[f"{p}={v!r}" for p, v in OUT_OF_RANGE])
def test_out_of_range_value_names_key_and_value(project, path, value):
    _assert_names(error_of(with_(path, value)), path, value)


@pytest.mark.parametrize("path, value", WRONG_TYPE, ids=[f"{p}={v!r}" for p, v in WRONG_TYPE])
def test_wrong_type_names_key_and_value(project, path, value):
    _assert_names(error_of(with_(path, value)), path, value)


@pytest.mark.parametrize("path, value", NOT_LISTED, ids=[p for p, _ in NOT_LISTED])
def test_value_outside_a_literal_lists_the_valid_ones(project, path, value):
    err = error_of(with_(path, value))
    _assert_names(err, path, value)
    ann = dict((p, a) for p, a, _ in _fields(Experiment))[path]
    for option in get_args(ann):
        assert repr(option) in str(err)


@pytest.mark.parametrize("cls, field, value", SPACE_FIELDS, ids=[f"{c.__name__}.{p}={v!r}" for c, p, v in SPACE_FIELDS])
def test_out_of_range_space_bound_names_key_and_value(project, cls, field, value):
    tag = cls.model_fields["type"].annotation.__args__[0]
    param = "rank" if cls in (IntSpec, LogIntSpec) else "regParam"
    spec = {"type": tag, "low": 1, "high": 2, field: value}
    path = f"model.params.{param}.{field}"
    _assert_names(error_of(with_(f"model.params.{param}", spec)), path, value)
