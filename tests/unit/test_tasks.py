"""Tasks are a registry: a toy task registered here (no file of tuner/ changed) validates through the CLI with its
own label rule and metrics; the built-in tasks' label rules catch a label that does not fit, from the file's
header and first rows, before any cluster starts (no JVM)."""

from __future__ import annotations

import pytest

from tuner.cli import main
from tuner.config import ModelType, load_experiment, register_model_type, unregister_model_type
from tuner.config.families import POS_INT
from tuner.config.tasks import Metric, Task, display_name, register_task, task, tasks, unregister_task
from tuner.runner.preflight import preflight
from tests.shared_data import SHARED_DATA

DIAMONDS = SHARED_DATA / "diamonds" / "diamonds.csv"
PENGUINS = SHARED_DATA / "penguins" / "penguins.csv"
needs_data = pytest.mark.skipif(not DIAMONDS.is_file() or not PENGUINS.is_file(), reason="shared data absent")


def _even(values):
    odd = [v for v in values if v.isdigit() and int(v) % 2]
    return f"odd values ({odd[0]!r})" if odd else None


TOY_TASK = Task("toy-even", "a table whose label is an even count", {"miss": Metric("min", "misses")}, "miss",
                label_problem=_even)


@pytest.fixture
def toy_task(tmp_path):
    register_task(TOY_TASK)
    register_model_type(ModelType(name="toy-family", task="toy-even", params={"k": POS_INT}))
    yield tmp_path
    unregister_model_type("toy-family")
    unregister_task("toy-even")


def _experiment(folder, label_values: list[str], **data) -> str:
    (folder / "t.csv").write_text("x,y\n" + "".join(f"{i},{v}\n" for i, v in enumerate(label_values)))
    block = {"path": str(folder / "t.csv"), "label": "y", **data}
    (folder / "e.yaml").write_text(f"name: t\ndata: {block}\nmodel:\n  type: toy-family\n"
                                   "  params: {k: {type: int, low: 1, high: 4}}\n")
    return str(folder / "e.yaml")


def test_a_toy_task_registered_in_the_test_drives_metrics_and_label_checks(toy_task, capsys):
    assert "toy-even" in tasks() and display_name("miss") == "misses"
    good = _experiment(toy_task, ["2", "4", "6"])
    exp = load_experiment(good)
    assert exp.data.task == "toy-even" and (exp.search.metric, exp.search.mode) == ("miss", "min")
    assert main(["validate", good]) == 0
    capsys.readouterr()
    assert main(["validate", _experiment(toy_task, ["2", "3"])]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("data.label 'y' does not fit data.task 'toy-even': the first 2 rows of "
                        f"{toy_task / 't.csv'} hold odd values ('3').") and "Traceback" not in err


def test_a_task_the_family_does_not_have_is_a_config_error(toy_task, capsys):
    assert main(["validate", _experiment(toy_task, ["2"], task="regression")]) == 2
    assert ("data.task 'regression' is not a task of model type 'toy-family', whose tasks are toy-even."
            in capsys.readouterr().err)
    assert main(["validate", _experiment(toy_task, ["2"], task="regresion")]) == 2
    assert "(did you mean 'regression'?)" in capsys.readouterr().err


@pytest.mark.parametrize("kind,values,why", [
    ("binary", ["a", "b", "c", "d", "e", "f", "g"], "7 distinct values ('a', 'b', 'c', 'd', 'e', ...), but a binary "
                                                   "label has two classes"),
    ("regression", ["1.5", "Ideal", "2"], "text values ('Ideal'), but a regression label is a number"),
    ("multiclass", [str(i) for i in range(150)], "150 distinct values ('0', '1', '2', '3', '4', ...), more than "
                                                 "100 classes (regression)"),
])
def test_the_builtin_label_rules(kind, values, why):
    assert why in task(kind).label_problem(values)


def test_the_builtin_label_rules_accept_fitting_labels():
    assert task("binary").label_problem(["yes", "no", "yes"]) is None
    assert task("regression").label_problem(["326", "1.5e3", "-2"]) is None
    assert task("multiclass").label_problem(["Ideal", "Good", "Fair"]) is None


def _sklearn(tmp_path, label: str, kind: str, path=DIAMONDS) -> str:
    (tmp_path / "e.yaml").write_text(
        f"name: d\ndata: {{path: {path}, label: {label}, task: {kind}}}\nmodel:\n  type: sklearn\n"
        "  params:\n    n_jobs: 1\n    estimator: {type: choice, values: [sklearn.linear_model.Ridge]}\n")
    return str(tmp_path / "e.yaml")


@needs_data
def test_validate_reads_the_real_files_label_and_names_file_key_and_values(tmp_path, capsys):
    # diamonds' cut is text: a regression on it is a config error, caught from the first rows, no JVM
    assert main(["validate", _sklearn(tmp_path, "cut", "regression")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'e.yaml'}: data.label 'cut' does not fit data.task 'regression': "
                          f"the first 2000 rows of {DIAMONDS} hold text values ('Ideal', 'Premium'")
    assert main(["validate", _sklearn(tmp_path, "price", "regression")]) == 0


@needs_data
def test_a_classifier_choice_on_a_regression_task_is_a_config_error(tmp_path, capsys):
    path = _sklearn(tmp_path, "price", "regression")
    text = open(path).read().replace("sklearn.linear_model.Ridge", "sklearn.linear_model.LogisticRegression")
    open(path, "w").write(text)
    assert main(["validate", path]) == 2
    assert "model.params.estimator.values[0] must be one of 'sklearn.linear_model.Ridge'" in capsys.readouterr().err


@needs_data
def test_binary_on_penguins_species_is_caught(tmp_path, capsys):
    path = _sklearn(tmp_path, "species", "binary", PENGUINS)
    text = open(path).read().replace("sklearn.linear_model.Ridge", "sklearn.linear_model.LogisticRegression")
    open(path, "w").write(text)
    exp = load_experiment(path)
    with pytest.raises(Exception, match=r"data.label 'species' does not fit data.task 'binary': the first 344 rows "
                                        r".* hold 3 distinct values \('Adelie', 'Gentoo', 'Chinstrap'\)"):
        preflight(exp, path, fetch=False)
