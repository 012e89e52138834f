import os

import pytest


@pytest.fixture(autouse=True)
def _mlflow_uri_does_not_leak():
    """``mlflow.set_tracking_uri`` also sets ``$MLFLOW_TRACKING_URI`` for child processes, so one test that calls it
    would point every later run (and its spawned workers) at that test's store; restore it after each test."""
    before = os.environ.get("MLFLOW_TRACKING_URI")
    yield
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before


@pytest.fixture(scope="session")
def spark():
    """One plain local Spark session for the whole test session (data-layer tests)."""
    from tuner.cluster.local_spark import local_spark_session, stop_local_spark

    session = local_spark_session(cores=2, driver_memory="1g", app_name="tuner-tests")
    yield session
    stop_local_spark(session)  # its JVM too, not only the SparkContext
