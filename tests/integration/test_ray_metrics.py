"""tuner's numbers in Ray's metrics, read back from the node's real Prometheus endpoint during a real Tune run."""

from __future__ import annotations

import re
import socket
import time
import urllib.request

import pytest

pytestmark = [pytest.mark.ray]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scrape(url: str, names: tuple[str, ...], ready, deadline_s: float = 60) -> str:
    """The endpoint's text once every name has a sample and ``ready(text)`` (Ray exports every few seconds,
    so an early scrape may show an earlier state)."""
    end = time.monotonic() + deadline_s
    text = ""
    while time.monotonic() < end:
        text = urllib.request.urlopen(url, timeout=5).read().decode()
        if all(re.search(rf"^{n}{{", text, re.M) for n in names) and ready(text):
            return text
        time.sleep(2)
    raise AssertionError(f"not all of {names} on {url} within {deadline_s} s:\n{text[-2000:]}")


def _sample(text: str, name: str, **tags: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in tags.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} with {tags}")


def test_trials_best_metric_and_folds_reach_prometheus(tmp_path):
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    from tuner.tracking.ray_metrics import METRIC_NAMES, TunerMetrics

    port = _free_port()
    ray.init(num_cpus=2, include_dashboard=True, dashboard_port=0, _metrics_export_port=port,
             object_store_memory=100 * 2**20)
    try:
        def trial(config):
            for fold in range(3):
                tune.report({"rmse": config["x"] + 0.01 * fold, "folds_done": fold + 1})

        tuner = tune.Tuner(
            trial, param_space={"x": tune.grid_search([0.5, 0.9, 0.6, 0.95])},
            tune_config=tune.TuneConfig(metric="rmse", mode="min", max_concurrent_trials=1,
                                        scheduler=ASHAScheduler(max_t=3, grace_period=1, reduction_factor=2)),
            run_config=tune.RunConfig(storage_path=str(tmp_path), verbose=0,
                                      callbacks=[TunerMetrics("probe", 3, "rmse", "min")]))
        grid = tuner.fit()
        done = sum(r.metrics["folds_done"] == 3 for r in grid)
        folds = sum(r.metrics["folds_done"] for r in grid)
        final = (lambda t: _sample(t, "ray_tuner_folds_fitted_total", experiment="probe") == folds
                 and _sample(t, "ray_tuner_trials", experiment="probe", status="running") == 0)
        text = _scrape(f"http://127.0.0.1:{port}/metrics", METRIC_NAMES, final)
        assert _sample(text, "ray_tuner_folds_fitted_total", experiment="probe") == folds
        assert _sample(text, "ray_tuner_best_metric", experiment="probe", metric="rmse") == pytest.approx(
            0.5 + 0.01 * 2)
        assert _sample(text, "ray_tuner_trials", experiment="probe", status="completed") == done
        assert _sample(text, "ray_tuner_trials", experiment="probe", status="pruned") == 4 - done > 0
    finally:
        ray.shutdown()
