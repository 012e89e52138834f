"""The real MovieLens ml-latest-small ratings.csv from the shared data folder (read in place, never copied)."""

import pytest

from tuner.config.schema import DataConfig
from tuner.data import prepare_ratings

from tests.shared_data import ML_LATEST_SMALL

pytestmark = pytest.mark.spark



@pytest.mark.skipif(not (ML_LATEST_SMALL / "ratings.csv").is_file(), reason="shared MovieLens data not present")
def test_ml_latest_small_reads_clean(spark):
    prepared = prepare_ratings(spark, DataConfig(path=str(ML_LATEST_SMALL)))
    assert prepared.format == "movielens-csv"
    assert prepared.rows.read == prepared.rows.kept == 100836
    assert not any(prepared.rows.dropped.values())
