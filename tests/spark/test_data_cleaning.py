"""bad_rows: fail names the reason, the raw line and its 1-based line number; RowCounts keeps its invariant."""

import pytest

from tuner.config.schema import DataConfig
from tuner.data import BadRowsError, DataError, RowCounts, clean_ratings, prepare_ratings, read_raw

from ._files import PLANTED_CSV, write_lines

pytestmark = pytest.mark.spark

GOOD = [f"{u},{u % 5 + 1},{(u % 9 + 1) / 2},964982703" for u in range(1, 200)]


def _fail(spark, path, fmt="movielens-csv"):
    cfg = DataConfig(path=str(path), format=fmt, bad_rows="fail")
    with pytest.raises(BadRowsError) as err:
        clean_ratings(read_raw(spark, str(path), fmt, cfg), cfg)
    assert isinstance(err.value, DataError)
    return str(err.value)


def test_fail_names_reason_line_and_raw_text(spark, tmp_path):
    lines = ["userId,movieId,rating,timestamp", *GOOD[:5], "7,8,x,964982703", *GOOD[5:]]
    message = _fail(spark, write_lines(tmp_path / "ratings.csv", lines))
    assert f"{tmp_path / 'ratings.csv'} line 7: '7,8,x,964982703'" in message
    assert "non_numeric" in message and "set data.bad_rows: drop to drop and count such rows" in message


def test_fail_reports_the_first_bad_line_in_the_file(spark, tmp_path):
    message = _fail(spark, write_lines(tmp_path / "ratings.csv", PLANTED_CSV))
    assert "the first is duplicate at" in message and "line 5: '1,10,2.0,100'" in message
    assert "14 of 20 rows are bad" in message
    assert "malformed: 2, missing_value: 3, non_numeric: 5, rating_out_of_scale: 2, duplicate: 2" in message


def test_fail_line_numbers_across_splits(spark, tmp_path):
    """Many input splits of one file: line numbers still count from the top of the file."""
    lines = ["userId,movieId,rating,timestamp", *GOOD[:150], "1,2,3", *GOOD[150:]]
    path = write_lines(tmp_path / "ratings.csv", lines)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "400")
    try:
        assert read_raw(spark, str(path), "movielens-csv", DataConfig(path="x")).rdd.getNumPartitions() > 5
        assert "line 152: '1,2,3'" in _fail(spark, path)
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")


def test_fail_line_numbers_in_a_folder_of_files(spark, tmp_path):
    header = "ts;r;i;u"
    for k in range(3):
        rows = [f"1;4;{j};{k}" for j in range(1, 30)]
        if k == 1:
            rows[9] = "1;4;x;1"
        write_lines(tmp_path / "export" / f"part-{k}.csv", [header, *rows])
    cfg = DataConfig(path="x", format="csv", csv_separator=";", columns={"user": "u", "item": "i", "rating": "r"})
    raw = read_raw(spark, str(tmp_path / "export"), "csv", cfg)
    with pytest.raises(BadRowsError, match="part-1.csv line 11: '1;4;x;1'"):
        clean_ratings(raw, cfg.model_copy(update={"bad_rows": "fail"}))


def test_fail_on_parquet_shows_the_row(spark, tmp_path):
    path = str(tmp_path / "t.parquet")
    spark.createDataFrame([(1, 1, 4.0), (1, 2, 11.0)], "userId int, movieId int, rating double").write.parquet(path)
    message = _fail(spark, path, "parquet")
    assert "rating_out_of_scale" in message and '{"userId":1,"movieId":2,"rating":11.0}' in message


def test_clean_source_passes_fail_policy(spark, tmp_path):
    write_lines(tmp_path / "ratings.csv", ["userId,movieId,rating,timestamp", *GOOD])
    prepared = prepare_ratings(spark, DataConfig(path=str(tmp_path / "ratings.csv"), bad_rows="fail"))
    assert prepared.rows.read == prepared.rows.kept == len(GOOD)


def test_row_counts_invariant():
    dropped = dict.fromkeys(("malformed", "missing_value", "non_numeric", "rating_out_of_scale", "duplicate"), 1)
    assert RowCounts(read=7, kept=2, dropped=dropped).as_dict() == {"read": 7, "kept": 2, "dropped": dropped}
    with pytest.raises(AssertionError, match="accounting"):
        RowCounts(read=8, kept=2, dropped=dropped)
    with pytest.raises(AssertionError):
        RowCounts(read=2, kept=2, dropped={})
