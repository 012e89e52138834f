import pytest


@pytest.fixture(scope="package")
def local_ray():
    """A small local Ray (no Spark, no dashboard) shared by the tracking tests; shut down when they end, so later
    tests (e.g. tests/unit/test_patience.py) can start their own."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=80 * 2**20, log_to_driver=False)
    yield
    ray.shutdown()


def fold_objective(config):
    """Reports like tuner's trainable (x < 0 fails on fold 1): CV mean ``loss``, ``loss_fold<k>``, ``folds_done``
    after each of 3 folds."""
    from ray import tune

    folds, extra = [], {}
    for k in range(3):
        if config["x"] < 0 and k == 1:  # the best first fold (ASHA keeps it), then a failure
            raise RuntimeError(f"boom at x={config['x']}")
        value = config["x"] + 0.01 * k
        folds.append(value)
        extra[f"loss_fold{k}"] = value
        tune.report({"loss": sum(folds) / len(folds), **extra, "folds_done": k + 1, "data_fraction": 1.0,
                     "fit_seconds": 0.01, "score_seconds": 0.001, "work_seconds": 0.011 * (k + 1)})
