import pytest


@pytest.fixture(scope="session")
def spark():
    """One plain local Spark session for the whole test session (data-layer tests)."""
    from tuner.cluster.local_spark import local_spark_session, stop_local_spark

    session = local_spark_session(cores=2, driver_memory="1g", app_name="tuner-tests")
    yield session
    stop_local_spark(session)  # its JVM too, not only the SparkContext
