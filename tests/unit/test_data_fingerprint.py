"""The model card's data fingerprint: size + SHA-256 of a file or folder, or the synthetic generator's
parameters; a remote URI is named, not read."""

from __future__ import annotations

import hashlib

from tuner.config.schema import DataConfig
from tuner.data.fingerprint import source_fingerprint


def test_a_file_is_its_size_and_sha256(tmp_path):
    f = tmp_path / "ratings.csv"
    f.write_bytes(b"userId,movieId,rating\n1,2,4.0\n" * 1000)
    got = source_fingerprint(str(f), DataConfig(path=str(f)))
    assert got == {"path": str(f), "bytes": f.stat().st_size, "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}


def test_a_folder_hashes_its_files_in_name_order_and_skips_spark_markers(tmp_path):
    (tmp_path / "part-1.parquet").write_bytes(b"b")
    (tmp_path / "part-0.parquet").write_bytes(b"a")
    (tmp_path / "_SUCCESS").write_bytes(b"")
    (tmp_path / ".part-0.parquet.crc").write_bytes(b"x")
    got = source_fingerprint(str(tmp_path), DataConfig(path=str(tmp_path)))
    want = hashlib.sha256(b"part-0.parquet\0a" + b"part-1.parquet\0b").hexdigest()
    assert (got["bytes"], got["files"], got["sha256"]) == (2, 2, want)
    (tmp_path / "part-1.parquet").write_bytes(b"c")
    assert source_fingerprint(str(tmp_path), None)["sha256"] != want


def test_synthetic_data_is_its_generator_parameters_and_a_remote_uri_is_not_read():
    cfg = DataConfig(format="synthetic", synthetic={"ratings": 5000, "users": 50}, seed=7)
    got = source_fingerprint("synthetic", cfg)
    assert got["seed"] == 7 and got["synthetic"]["ratings"] == 5000 and got["synthetic"]["users"] == 50
    assert "not hashed" in source_fingerprint("s3a://bucket/ratings.parquet", None)["note"]
