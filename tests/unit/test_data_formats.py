"""Format detection and path resolution (pure Python, no JVM)."""

import pytest

from tuner.config.schema import DataConfig
from tuner.data import FORMATS, DataError, resolve_source


def _cfg(path, **kw):
    return DataConfig(path=str(path), **kw)


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "name, first_line, fmt",
    [
        ("ratings.csv", "userId,movieId,rating,timestamp", "movielens-csv"),
        ("ratings.dat", "1::1193::5::978300760", "movielens-dat"),
        ("u.data", "196\t242\t3\t881250949", "movielens-tsv"),
    ],
)
def test_movielens_file_names(tmp_path, name, first_line, fmt):
    path = _write(tmp_path / name, first_line + "\n")
    assert resolve_source(str(path), _cfg(path)) == (fmt, str(path))


def test_parquet_by_suffix(tmp_path):
    path = _write(tmp_path / "part-0.parquet", "not read")
    assert resolve_source(str(path), _cfg(path)) == ("parquet", str(path))


@pytest.mark.parametrize("name", ["ratings.csv", "ratings.dat", "u.data"])
def test_movielens_folder_resolves_to_its_ratings_file(tmp_path, name):
    _write(tmp_path / "ml" / "movies.csv", "movieId,title\n")
    path = _write(tmp_path / "ml" / name, "x\n")
    fmt, resolved = resolve_source(str(tmp_path / "ml"), _cfg(tmp_path / "ml"))
    assert resolved == str(path) and fmt.startswith("movielens-")


def test_folder_of_parquet_files(tmp_path):
    _write(tmp_path / "table" / "year=2020" / "part-0.parquet", "x")
    assert resolve_source(str(tmp_path / "table"), _cfg(tmp_path)) == ("parquet", str(tmp_path / "table"))


@pytest.mark.parametrize(
    "first_line, fmt, kw",
    [
        ("userId,movieId,rating,timestamp", "movielens-csv", {}),
        ("\ufeffuserId,movieId,rating,timestamp", "movielens-csv", {}),
        ("1::1193::5::978300760", "movielens-dat", {}),
        ("196\t242\t3\t881250949", "movielens-tsv", {}),
        ("uid;iid;score", "csv", {"csv_separator": ";", "columns": {"user": "uid", "item": "iid", "rating": "score"}}),
    ],
)
def test_first_line_when_the_name_says_nothing(tmp_path, first_line, fmt, kw):
    path = _write(tmp_path / "export.txt", first_line + "\n1,2,3\n")
    assert resolve_source(str(path), _cfg(path, **kw)) == (fmt, str(path))


def test_parquet_magic_bytes(tmp_path):
    path = tmp_path / "export.bin"
    path.write_bytes(b"PAR1\x00\x01")
    assert resolve_source(str(path), _cfg(path))[0] == "parquet"


def test_explicit_format_wins(tmp_path):
    path = _write(tmp_path / "ratings.csv", "1;2;3\n")
    assert resolve_source(str(path), _cfg(path, format="csv"))[0] == "csv"


def test_undetectable_names_path_and_formats(tmp_path):
    path = _write(tmp_path / "notes.txt", "hello world\n")
    with pytest.raises(DataError) as err:
        resolve_source(str(path), _cfg(path))
    message = str(err.value)
    assert str(path) in message and "'hello world'" in message
    assert all(fmt in message for fmt in FORMATS)


def test_undetectable_folder(tmp_path):
    _write(tmp_path / "empty" / "README.txt", "x")
    with pytest.raises(DataError, match="data.format"):
        resolve_source(str(tmp_path / "empty"), _cfg(tmp_path))


def test_missing_path_names_it(tmp_path):
    missing = tmp_path / "nope" / "ratings.csv"
    with pytest.raises(DataError, match="does not exist") as err:
        resolve_source(str(missing), _cfg(missing))
    assert str(missing) in str(err.value)


def test_folder_without_the_file_its_format_reads(tmp_path):
    _write(tmp_path / "ml" / "ratings.csv", "x\n")
    with pytest.raises(DataError, match="ratings.dat"):
        resolve_source(str(tmp_path / "ml"), _cfg(tmp_path, format="movielens-dat"))


def test_file_uri_is_local(tmp_path):
    path = _write(tmp_path / "u.data", "1\t2\t3\t4\n")
    assert resolve_source(f"file://{path}", _cfg(path)) == ("movielens-tsv", str(path))


def test_remote_paths_go_by_name_only():
    cfg = DataConfig(path="s3a://bucket/ml-25m/ratings.csv")
    assert resolve_source("s3a://bucket/ml-25m/ratings.csv", cfg) == ("movielens-csv", "s3a://bucket/ml-25m/ratings.csv")
    assert resolve_source("s3a://bucket/export", DataConfig(path="x", format="parquet"))[0] == "parquet"
    with pytest.raises(DataError, match="remote"):
        resolve_source("s3a://bucket/export", cfg)


@pytest.mark.parametrize("suffix, opener", [(".gz", "gzip"), (".bz2", "bz2")])
def test_compressed_files_are_told_by_their_name_and_content_as_spark_reads_them(tmp_path, suffix, opener):
    import importlib

    mod = importlib.import_module(opener)
    ml = tmp_path / ("ratings.csv" + suffix)
    with mod.open(ml, "wt") as fh:
        fh.write("userId,movieId,rating,timestamp\n1,2,4.0,9\n")
    assert resolve_source(str(ml), _cfg(ml)) == ("movielens-csv", str(ml))
    other = tmp_path / ("export.txt" + suffix)
    with mod.open(other, "wt") as fh:
        fh.write("uid;iid;score\n1;2;3\n")
    cfg = _cfg(other, csv_separator=";", columns={"user": "uid", "item": "iid", "rating": "score"})
    assert resolve_source(str(other), cfg) == ("csv", str(other))


def test_a_folder_of_part_files_reads_as_its_first_file(tmp_path):
    _write(tmp_path / "out" / "_SUCCESS", "")
    _write(tmp_path / "out" / ".part-00000.csv.crc", "crc")
    for k in range(2):
        _write(tmp_path / "out" / f"part-0000{k}.csv", "userId,movieId,rating,timestamp\n1,2,4.0,9\n")
    assert resolve_source(str(tmp_path / "out"), _cfg(tmp_path / "out")) == ("movielens-csv", str(tmp_path / "out"))


@pytest.mark.parametrize("fmt", ["auto", "csv", "parquet"])
def test_a_folder_without_data_files_fails_whatever_the_format(tmp_path, fmt):
    _write(tmp_path / "out" / "_SUCCESS", "")
    _write(tmp_path / "out" / "part-00000.csv", "")  # empty: no data
    with pytest.raises(DataError, match="folder with no data file") as err:
        resolve_source(str(tmp_path / "out"), _cfg(tmp_path / "out", format=fmt))
    assert str(tmp_path / "out") in str(err.value)


def test_a_header_without_the_configured_columns_is_a_csv_whose_columns_preflight_checks(tmp_path):
    path = _write(tmp_path / "export.csv", "user_id,item_id,stars\n1,2,3\n")
    assert resolve_source(str(path), _cfg(path)) == ("csv", str(path))
