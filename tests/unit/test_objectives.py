"""Multi-objective settings (config errors), the Pareto front and search.select, the leaderboard's pareto
column and plot, and `--more`'s checks: pure Python, no Ray."""

import csv
import json

import pytest

from tuner.config import ConfigError, load_experiment
from tuner.config._errors import ASHA_MULTI, PATIENCE_MULTI
from tuner.config.objectives import objectives
from tuner.errors import UserError
from tuner.outputs import RunResult, TrialRow, new_record, write_run_dir
from tuner.outputs.pareto import choose, pareto_front
from tuner.runner.more import check_more, keep_refit
from tuner.search import flat_space

BASE = """name: mo
data: {format: synthetic, folds: 2}
model: {type: spark-als, space: als}
search:
  num_samples: 4
  objectives: [{metric: rmse, mode: min}, {metric: fit_seconds}]
  select: {metric: rmse, max_fit_seconds: 30}
scheduler: {type: fifo}
"""


@pytest.fixture
def mo_file(tmp_path):
    path = tmp_path / "mo.yaml"
    path.write_text(BASE)
    return path


def test_objectives_load_with_their_modes_and_the_primary_metric(mo_file):
    exp = load_experiment(mo_file)
    assert objectives(exp) == [("rmse", "min"), ("fit_seconds", "min")]
    assert (exp.search.metric, exp.search.mode) == ("rmse", "min")
    assert exp.search.select.bounds() == {"max_fit_seconds": ("fit_seconds", 30)}


@pytest.mark.parametrize("override, key, needle", [
    ("scheduler.type=asha", "scheduler.type", ASHA_MULTI.split(":")[0].format(key="scheduler.type", n=2)),
    ("search.sampler=skgp", "search.sampler", "expected improvement ranks one metric"),
    ("search.patience=3", "search.patience", PATIENCE_MULTI[:30].format(key="search.patience")),
    ("search.select={max_fit_secs: 3}", "search.select.max_fit_secs", "did you mean 'max_fit_seconds'?"),
    ("search.select={metric: mae}", "search.select.metric", "one of 'rmse', 'fit_seconds', got 'mae'"),
    ("search.select={max_fit_seconds: abc}", "search.select.max_fit_seconds", "must be a number, got 'abc'"),
    ("search.objectives=[{metric: rmse}, {metric: fit_second}]", "search.objectives[1].metric",
     "did you mean 'fit_seconds'?"),
    ("search.objectives=[{metric: rmse, mode: max}, {metric: fit_seconds}]", "search.objectives[0].mode",
     "rmse is minimised"),
    ("search.objectives=[{metric: rmse}]", "search.objectives", "at least 2"),
    ("search.metric=mae", "search.metric", "ranks the front is 'rmse'"),
])
def test_a_wrong_multi_objective_setting_is_a_config_error_naming_file_key_and_value(mo_file, override, key, needle):
    with pytest.raises(ConfigError) as err:
        load_experiment(mo_file, [override])
    assert err.value.key == key and str(err.value).startswith(f"{mo_file}: ")
    assert needle in str(err.value), str(err.value)


def test_select_without_objectives_is_a_config_error(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(BASE.replace("  objectives: [{metric: rmse, mode: min}, {metric: fit_seconds}]\n", ""))
    with pytest.raises(ConfigError, match="needs search.objectives"):
        load_experiment(path)


def _row(i, rmse, secs, status="completed"):
    return TrialRow(f"t{i}", status, {"rank": 4 + i, "regParam": 0.01 * (i + 1)},
                    {"rmse": rmse, "mae": rmse * 0.8, "fit_seconds": secs}, {"rmse_fold0": rmse, "rmse_fold1": rmse},
                    2 if status == "completed" else 1, 10.0 + i)


ROWS = [_row(0, 0.90, 5.0), _row(1, 0.80, 40.0), _row(2, 0.85, 20.0), _row(3, 0.95, 25.0),
        _row(4, 0.70, 90.0, "failed"), _row(5, 0.92, 4.0)]
OBJ = [("rmse", "min"), ("fit_seconds", "min")]


def test_the_front_holds_the_non_dominated_completed_trials():
    assert [r.trial_id for r in pareto_front(ROWS, OBJ)] == ["t0", "t1", "t2", "t5"]  # t3 dominated, t4 failed


def test_select_takes_the_best_metric_within_the_bounds_and_says_so():
    front = pareto_front(ROWS, OBJ)
    best, said = choose(front, OBJ, "rmse", {"max_fit_seconds": ("fit_seconds", 30.0)})
    assert best.trial_id == "t2" and "fit_seconds <= 30" in said and "t2" in said
    best, _ = choose(front, OBJ, "rmse", {})
    assert best.trial_id == "t1"
    best, said = choose(front, OBJ, "rmse", {"max_fit_seconds": ("fit_seconds", 1.0)})
    assert best.trial_id == "t1" and "no front member has fit_seconds <= 1" in said


def test_the_run_directory_has_a_pareto_column_plot_and_summary(mo_file, tmp_path):
    exp = load_experiment(mo_file, [f"output.dir={tmp_path}"])
    from tuner.config.plan import run_plan
    from tuner.runner.selection import choose_best

    said = []
    best, pareto = choose_best(exp, run_plan(exp), ROWS, said.append)
    assert best.trial_id == "t2" and "Pareto front: 4 of 5 completed trials" in said[0]
    record = new_record(exp, "rmse", "min").but(pareto=pareto)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_run_dir(RunResult(exp, run_dir, record, ROWS, flat_space(exp.model.params), ("rmse", "mae")))
    with open(run_dir / "leaderboard.csv") as fh:
        table = list(csv.DictReader(fh))
    assert {r["trial_id"]: r["pareto"] for r in table} == {"t0": "true", "t1": "true", "t2": "true", "t3": "false",
                                                             "t4": "false", "t5": "true"}
    assert table[0]["fit_seconds"]  # the other objective's value has its column
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["pareto"]["selected"] == "t2"
    assert [m["trial_id"] for m in summary["pareto"]["front"]] == ["t0", "t1", "t2", "t5"]
    assert (run_dir / "plots" / "pareto.png").stat().st_size > 1000
    page = (run_dir / "report.html").read_text()
    assert "Pareto front" in page and "chose trial t2" in page

    from tuner.outputs.summary import write_model_card

    record = record.but(model_path="/m", best_params=ROWS[2].params, best_cv_metric=0.85,
                        test_metrics={"rmse": 0.86}, rows={"train": 8, "test": 2})
    write_model_card(exp, record, run_dir / "model_card.json")
    card = json.loads((run_dir / "model_card.json").read_text())
    assert card["selection"]["why"].startswith("chose trial t2")


def test_more_needs_a_finished_run_with_a_study_and_keeps_an_unchanged_refit(tmp_path):
    with pytest.raises(UserError, match="--more must be a whole number"):
        check_more(tmp_path, 0)
    (tmp_path / "summary.json").write_text(json.dumps({"status": "interrupted"}))
    with pytest.raises(UserError, match="this one is interrupted: finish it first"):
        check_more(tmp_path, 2)
    (tmp_path / "summary.json").write_text(json.dumps({"status": "completed"}))
    with pytest.raises(UserError, match="no Optuna study"):
        check_more(tmp_path, 2)

    previous = {"best_trial": "t2", "test_metrics": {"rmse": 0.8}, "model_path": "/m", "refit_seconds": 3.0,
                "rows": {"test_dropped_cold_start": 4}}
    assert keep_refit(previous, ROWS[1], print) is None
    said = []
    kept = keep_refit(previous, ROWS[2], said.append)
    assert kept == {"test_metrics": {"rmse": 0.8}, "model_path": "/m", "refit_seconds": 3.0, "refit": "kept",
                    "rows": {"test_dropped_cold_start": 4}}
    assert "still t2" in said[0]
