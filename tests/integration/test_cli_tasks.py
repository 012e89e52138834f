"""`tuner run` and `tuner predict` of the regression, multi-class and clustering tasks through the real console script, on the
shared diamonds and penguins files read in place: real Ray, RayDP Spark, Tune, Optuna. Kept small (2 trials x 2
folds) for CI's time budget; the tuned numbers are measured by the full experiments (README)."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.conftest import ROOT, run_cli, run_dirs
from tests.shared_data import SHARED_DATA

pytestmark = [pytest.mark.cluster, pytest.mark.spark]

DIAMONDS = SHARED_DATA / "diamonds" / "diamonds.csv"
PENGUINS = SHARED_DATA / "penguins" / "penguins.csv"
TINY = ["--set", "search.num_samples=2", "--set", "data.folds=2", "--set", "ray.dashboard_port=0",
        "--set", "ray.object_store_memory_mb=300", "--set", "trial.timeout_s=300", "--set", "scheduler.type=fifo"]


def _run(tmp_path, experiment: str, *sets: str) -> tuple[str, dict, dict]:
    proc = run_cli("run", str(ROOT / "experiments" / experiment), *TINY, *sets,
                   "--set", f"output.dir={tmp_path / 'runs'}", cwd=tmp_path, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run_dir,) = run_dirs(tmp_path / "runs")
    summary = json.loads((run_dir / "summary.json").read_text())
    card = json.loads((run_dir / "model" / "model_card.json").read_text())
    assert card["reload_identical"] is True and card["test_metrics"] == summary["test_metrics"]
    return proc.stdout, summary, card


def _predict_with_spark(tmp_path, rows_csv: str):
    """``tuner predict`` of the run's Spark pipeline on ``rows_csv`` (a local Spark); the output as a pandas frame."""
    import pyarrow.parquet as pq

    (tmp_path / "rows.csv").write_text(rows_csv)
    (run_dir,) = run_dirs(tmp_path / "runs")
    pred = run_cli("predict", str(run_dir), "--input", str(tmp_path / "rows.csv"), "--out",
                   str(tmp_path / "pred.parquet"), cwd=tmp_path, timeout=300)
    assert pred.returncode == 0, pred.stderr[-3000:]
    return pq.read_table(tmp_path / "pred.parquet").to_pandas()


@pytest.mark.skipif(not DIAMONDS.is_file(), reason="shared data absent")
def test_spark_linreg_regression_on_diamonds_then_predict_with_spark(tmp_path, no_leaks):
    out, summary, card = _run(tmp_path, "diamonds_spark.yaml", "--set", f"data.path={DIAMONDS}",
                              "--set", "model.type=spark-linreg", "--set", "model.space=spark_linreg")
    assert re.search(r"^Test RMSE: \d+\.\d\d$", out, re.M) and re.search(r"^Test R\^2: 0\.\d\d$", out, re.M), out
    assert summary["metric"] == "rmse" and summary["mode"] == "min"
    assert set(summary["test_metrics"]) == {"rmse", "mae", "r2"} and summary["test_metrics"]["r2"] > 0.85
    assert summary["rows"]["read"] == 53940 and summary["rows"]["task"] == "regression"
    assert (card["task"], card["serve"], card["label"]) == ("regression", "spark", "price")

    got = _predict_with_spark(tmp_path, 'carat,cut,color,clarity,depth,table,x,y,z\n'
                                        '0.3,Ideal,E,SI1,61.5,55,4.3,4.3,2.6\n2.0,Premium,G,VS2,62,58,8.1,8.0,5.0\n')
    got = got.sort_values("carat")
    assert list(got.columns)[-1] == "prediction" and got["prediction"].iloc[0] < got["prediction"].iloc[1]


@pytest.mark.skipif(not PENGUINS.is_file(), reason="shared data absent")
def test_multinomial_spark_logreg_on_penguins_with_missing_values(tmp_path, no_leaks):
    out, summary, card = _run(tmp_path, "penguins_species.yaml", "--set", f"data.path={PENGUINS}")
    assert re.search(r"^Test macro F1: 0\.\d\d$", out, re.M), out
    assert summary["metric"] == "f1_macro" and set(summary["test_metrics"]) == {"f1_macro", "accuracy", "log_loss"}
    assert summary["test_metrics"]["f1_macro"] > 0.9  # the species are nearly separable
    rows = summary["rows"]
    assert rows["read"] == 344 and rows["missing_values"] and rows["classes"] == ["Adelie", "Gentoo", "Chinstrap"]
    assert (card["task"], card["classes"]) == ("multiclass", ["Adelie", "Gentoo", "Chinstrap"])


@pytest.mark.skipif(not PENGUINS.is_file(), reason="shared data absent")
def test_spark_kmeans_on_penguins_reports_the_silhouette_and_the_species_agreement_then_assigns_clusters(
        tmp_path, no_leaks):
    out, summary, card = _run(tmp_path, "penguins_kmeans.yaml", "--set", f"data.path={PENGUINS}",
                              "--set", "model.params.k=3")
    assert re.search(r"^Test silhouette: 0\.\d\d$", out, re.M), out
    assert re.search(r"^Test adjusted Rand index vs data\.label \(not tuned on\): -?\d\.\d\d$", out, re.M), out
    assert summary["metric"] == "silhouette" and summary["mode"] == "max"
    assert set(summary["test_metrics"]) == {"silhouette", "adjusted_rand"}
    assert summary["test_metrics"]["adjusted_rand"] > 0.3  # three clusters of penguins follow the species
    rows = summary["rows"]
    assert rows["read"] == 344 and "species" not in rows["numeric"] + rows["categorical"]
    assert (card["task"], card["serve"], card["label"]) == ("clustering", "spark", "species")

    got = _predict_with_spark(tmp_path, "id,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex\n"
                                        "a,Torgersen,39.1,18.7,181,3750,male\nb,Biscoe,47.5,14.2,217,5200,female\n")
    got = got.sort_values("id")
    assert list(got.columns)[-1] == "cluster" and got["cluster"].between(0, 2).all()
    assert got["cluster"].iloc[0] != got["cluster"].iloc[1]  # an Adelie and a Gentoo
