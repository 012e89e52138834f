"""One record per run: the runner replaces a frozen :class:`RunRecord` as steps end; summary.json, the model card,
report.html, MLflow and the CLI read it, and nothing can change it in place."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest

from tuner.config import load_experiment
from tuner.outputs import RunRecord, new_record

ROOT = Path(__file__).resolve().parents[2]
#: summary.json's keys written in every run, also while null (the README and users read them)
ALWAYS = ["experiment", "status", "metric", "mode", "best_params", "best_cv_metric", "best_cv_metrics", "test_metrics",
          "model_path", "rows", "trials", "wall_seconds", "dashboard_url", "metrics_url", "versions", "model_type",
          "folds", "num_samples"]


@pytest.fixture
def record() -> RunRecord:
    exp = load_experiment(ROOT / "experiments" / "quickstart.yaml")
    return new_record(exp, "rmse", "min")


def test_a_new_record_has_the_summary_keys_users_read_and_nothing_else(record):
    s = record.summary()
    assert list(s) == ALWAYS
    assert s["status"] == "running" and s["trials"] == {"completed": 0, "pruned": 0, "failed": 0, "unfinished": 0}
    assert s["experiment"] == "quickstart" and s["model_type"] == "spark-als" and s["best_params"] is None


def test_the_record_and_everything_inside_it_are_frozen(record):
    rec = record.but(rows={"read": 10, "dropped": {"duplicate": 2}}, bound_hits=[{"param": "rank"}])
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.status = "completed"
    with pytest.raises(TypeError):
        rec.rows["dropped"]["duplicate"] = 0  # a nested dict is a read-only view
    with pytest.raises(AttributeError):
        rec.bound_hits.append({"param": "alpha"})  # a list is a tuple
    with pytest.raises(TypeError, match="unexpected keyword argument 'best_score'"):
        rec.but(best_score=1.0)  # the schema is closed: a misspelt key fails where it is written
    assert record.rows is None and record.status == "running"  # ``but`` made a new record; the old one stands


def test_summary_is_a_fresh_plain_copy_with_optional_keys_only_once_known(record):
    rec = record.but(status="completed", rows={"train": 8, "dropped": {"duplicate": 1}}, pareto=None,
                     bound_hits=[{"param": "rank", "bound": "high"}], refit_seconds=1.5)
    s = rec.summary()
    assert json.loads(json.dumps(s)) == s  # plain dicts and lists: any JSON writer takes it
    assert "pareto" not in s and "refit" not in s  # None = not known: left out, as summary.json always did
    assert s["bound_hits"] == [{"param": "rank", "bound": "high"}] and s["refit_seconds"] == 1.5
    assert list(s)[:len(ALWAYS)] == ALWAYS
    s["rows"]["train"] = 0
    s["status"] = "failed"
    assert rec.rows["train"] == 8 and rec.status == "completed"  # the copy is the caller's; the record stands


def _writes_into_a_summary(tree: ast.AST) -> list[int]:
    """Lines that change a dict in place: ``x[k] = v``, ``x[k][j] = v``, ``x.update(...)`` on a name ``s`` or
    ``summary``."""
    names = {"s", "summary"}
    out = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AugAssign) else []
        for t in targets:
            while isinstance(t, ast.Subscript):
                t = t.value
                if isinstance(t, ast.Name) and t.id in names:
                    out.append(node.lineno)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("update", "setdefault", "pop") and isinstance(node.func.value, ast.Name)
                and node.func.value.id in names):
            out.append(node.lineno)
    return out


def test_no_runner_writer_or_cli_changes_a_summary_in_place():
    """The runner replaces the record (``record.but``); the writers (outputs, tracking) and the CLI only read."""
    paths = [ROOT / "tuner" / "cli.py", *sorted((ROOT / "tuner").glob("runner/*.py")),
             *sorted((ROOT / "tuner").glob("outputs/*.py")), *sorted((ROOT / "tuner").glob("tracking/*.py"))]
    found = [f"{p.relative_to(ROOT)}:{line}" for p in paths for line in _writes_into_a_summary(ast.parse(p.read_text()))]
    assert found == []


def test_the_in_place_check_finds_what_it_looks_for():
    assert _writes_into_a_summary(ast.parse("s['a'] = 1\nsummary['r']['x'] = 2\ns.update(a=1)\nt['a'] = 1")) == [1, 2, 3]
