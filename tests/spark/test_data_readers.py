"""Every reader, on small files: exact counts per reason and the invariant read == kept + dropped."""

import pytest

from tuner.config.schema import DataConfig
from tuner.data import REASONS, DataError, clean_ratings, prepare_ratings, read_raw
from tuner.data.readers import RAW_COLUMNS

from ._files import PLANTED_CSV, PLANTED_DROPPED, PLANTED_KEPT, write_lines

pytestmark = pytest.mark.spark


def _clean(spark, path, fmt, **kw):
    cfg = DataConfig(path=str(path), format=fmt, **kw)
    raw = read_raw(spark, str(path), fmt, cfg)
    assert tuple(raw.columns) == RAW_COLUMNS
    ratings, rows = clean_ratings(raw, cfg)
    assert rows.read == rows.kept + sum(rows.dropped.values()) and set(rows.dropped) == set(REASONS)
    return {(r.user, r.item, r.rating) for r in ratings.collect()}, rows


def test_movielens_csv_with_planted_bad_rows(spark, tmp_path):
    path = write_lines(tmp_path / "ratings.csv", PLANTED_CSV)
    kept, rows = _clean(spark, path, "movielens-csv")
    assert rows.dropped == PLANTED_DROPPED
    assert (rows.read, rows.kept) == (20, 6)
    assert kept == PLANTED_KEPT  # the first occurrence of a duplicate pair is kept


def test_movielens_dat(spark, tmp_path):
    lines = ["1::1193::5::978300760", "1::661::3::978302109", "1::661::4::978302110", "2::3408::4", "2::x::4::1"]
    kept, rows = _clean(spark, write_lines(tmp_path / "ratings.dat", lines), "movielens-dat", rating_scale=(1, 5))
    assert kept == {(1, 1193, 5.0), (1, 661, 3.0)}
    assert rows.dropped == dict.fromkeys(REASONS, 0) | {"duplicate": 1, "malformed": 1, "non_numeric": 1}


def test_movielens_tsv(spark, tmp_path):
    lines = ["196\t242\t3\t881250949", "186\t302\t3\t891717742", "22\t377\t9\t878887116", "244 51 2 880606923"]
    kept, rows = _clean(spark, write_lines(tmp_path / "u.data", lines), "movielens-tsv")
    assert kept == {(196, 242, 3.0), (186, 302, 3.0)}
    assert rows.dropped == dict.fromkeys(REASONS, 0) | {"rating_out_of_scale": 1, "malformed": 1}


def test_generic_csv_other_names_and_separator(spark, tmp_path):
    lines = ['ts;score;"iid";uid', '1;4.5;"7";"3"', "2;2.0;8;3", "3;6;9;3", "4;1.0;9"]
    columns = {"user": "uid", "item": "iid", "rating": "score"}
    kept, rows = _clean(spark, write_lines(tmp_path / "export.txt", lines), "csv", csv_separator=";", columns=columns)
    assert kept == {(3, 7, 4.5), (3, 8, 2.0)}
    assert (rows.read, rows.dropped["rating_out_of_scale"], rows.dropped["malformed"]) == (4, 1, 1)


def test_generic_csv_without_header_uses_positions(spark, tmp_path):
    path = write_lines(tmp_path / "export.csv", ["4.0|10|1", "3.0|11|1"])
    columns = {"user": "2", "item": "1", "rating": "0"}
    kept, _ = _clean(spark, path, "csv", csv_header=False, csv_separator="|", columns=columns)
    assert kept == {(1, 10, 4.0), (1, 11, 3.0)}


def test_generic_csv_unknown_column_lists_the_header(spark, tmp_path):
    path = write_lines(tmp_path / "export.csv", ["a,b,c", "1,2,3"])
    with pytest.raises(DataError, match="its columns are a, b, c"):
        read_raw(spark, str(path), "csv", DataConfig(path=str(path), format="csv"))


def test_parquet(spark, tmp_path):
    rows_in = [(1, 10, 4.0), (1, 11, None), (2, 10, 9.0), (2, 10, 9.0), (3, 12, 0.5), (1, 10, 3.0)]
    path = str(tmp_path / "ratings.parquet")
    spark.createDataFrame(rows_in, "u long, i int, stars double").coalesce(1).write.parquet(path)
    columns = {"user": "u", "item": "i", "rating": "stars"}
    kept, rows = _clean(spark, path, "parquet", columns=columns)
    assert kept == {(1, 10, 4.0), (3, 12, 0.5)}
    assert rows.dropped == dict.fromkeys(REASONS, 0) | {"missing_value": 1, "rating_out_of_scale": 2, "duplicate": 1}


def test_parquet_unknown_column(spark, tmp_path):
    path = str(tmp_path / "t.parquet")
    spark.createDataFrame([(1, 2, 3.0)], "a int, b int, c double").write.parquet(path)
    with pytest.raises(DataError, match="its columns are a, b, c"):
        read_raw(spark, path, "parquet", DataConfig(path=path, format="parquet"))


def test_prepare_from_a_movielens_folder(spark, tmp_path):
    write_lines(tmp_path / "ml" / "ratings.csv", PLANTED_CSV)
    prepared = prepare_ratings(spark, DataConfig(path=str(tmp_path / "ml")))
    assert (prepared.format, prepared.source) == ("movielens-csv", str(tmp_path / "ml" / "ratings.csv"))
    assert prepared.rows.dropped == PLANTED_DROPPED
    assert prepared.train.count() + prepared.test.count() == prepared.rows.kept
    assert prepared.train.columns == ["user", "item", "rating", "fold"]


def test_unreadable_path_is_a_data_error(spark, tmp_path):
    with pytest.raises(DataError, match="cannot read data.path"):
        read_raw(spark, str(tmp_path / "gone.dat"), "movielens-dat", DataConfig(path="x"))
