"""MovieLens download: cache hit, offline message, MD5 verification; a local http.server, never the internet."""

import hashlib
import http.server
import io
import pickle
import threading
import zipfile
from functools import partial

import pytest

from tuner.config.schema import DataConfig
from tuner.data import BadRowsError, DataError, download, resolve_ratings_path

RATINGS = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Serves tmp_path/site on 127.0.0.1 and points download.BASE_URL at it."""
    site = tmp_path / "site"
    site.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(download, "BASE_URL", f"http://127.0.0.1:{httpd.server_address[1]}/")
    yield site
    httpd.shutdown()
    thread.join()
    httpd.server_close()


def _publish(site, name, members, md5=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for member, text in members.items():
            zf.writestr(member, text)
    data = buffer.getvalue()
    (site / f"{name}.zip").write_bytes(data)
    digest = md5 or hashlib.md5(data).hexdigest()
    (site / f"{name}.zip.md5").write_text(f"MD5 ({name}.zip) = {digest}\n")


def _cfg(tmp_path, name):
    return DataConfig(download=name, cache_dir=str(tmp_path / "cache"))


def test_path_wins_and_expands_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = DataConfig(path="~/data/ratings.csv", download="ml-25m")
    assert resolve_ratings_path(cfg) == str(tmp_path / "data" / "ratings.csv")


def test_cache_hit_needs_no_network(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "BASE_URL", "http://127.0.0.1:9/")
    cached = tmp_path / "cache" / "ml-1m" / "ratings.dat"
    cached.parent.mkdir(parents=True)
    cached.write_text("1::1::5::1\n")
    assert resolve_ratings_path(_cfg(tmp_path, "ml-1m")) == str(cached)


def test_offline_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "BASE_URL", "http://127.0.0.1:9/")
    with pytest.raises(DataError) as err:
        resolve_ratings_path(_cfg(tmp_path, "ml-25m"))
    message = str(err.value)
    assert "http://127.0.0.1:9/ml-25m.zip" in message
    assert "--set data.path=/path/to/ml-25m/ratings.csv" in message
    assert "tuner run experiments/quickstart.yaml" in message
    assert "\n" not in message
    assert not list((tmp_path / "cache").rglob("*.*"))


def test_download_verifies_and_extracts_only_the_ratings(tmp_path, server, capsys):
    members = {"ml-latest-small/ratings.csv": RATINGS, "ml-latest-small/movies.csv": "movieId,title\n"}
    _publish(server, "ml-latest-small", members)
    path = resolve_ratings_path(_cfg(tmp_path, "ml-latest-small"))
    assert path == str(tmp_path / "cache" / "ml-latest-small" / "ratings.csv")
    assert open(path).read() == RATINGS
    assert sorted(p.name for p in (tmp_path / "cache" / "ml-latest-small").iterdir()) == ["ratings.csv"]
    assert "100%" in capsys.readouterr().err
    (server / "ml-latest-small.zip").unlink()  # a second call is a cache hit
    assert resolve_ratings_path(_cfg(tmp_path, "ml-latest-small")) == path


def test_ratings_file_found_in_any_folder_of_the_zip(tmp_path, server, monkeypatch):
    _publish(server, "ml-10m", {"ml-10M100K/ratings.dat": "1::1::5::1\n", "ml-10M100K/tags.dat": ""})
    monkeypatch.delitem(download.KNOWN_MD5, "ml-10m")  # our stand-in zip is not the real release
    path = resolve_ratings_path(_cfg(tmp_path, "ml-10m"))
    assert path.endswith("ml-10m/ratings.dat") and open(path).read() == "1::1::5::1\n"


def test_checksum_mismatch_keeps_nothing(tmp_path, server):
    _publish(server, "ml-latest-small", {"ml-latest-small/ratings.csv": RATINGS}, md5="0" * 32)
    with pytest.raises(DataError, match="checksum mismatch") as err:
        resolve_ratings_path(_cfg(tmp_path, "ml-latest-small"))
    assert "0" * 32 in str(err.value)
    assert list((tmp_path / "cache").rglob("*")) == [tmp_path / "cache" / "ml-latest-small"]


def test_published_md5_must_match_the_known_one(tmp_path, server):
    _publish(server, "ml-100k", {"ml-100k/u.data": "1\t1\t5\t1\n"})
    with pytest.raises(DataError, match=download.KNOWN_MD5["ml-100k"]):
        resolve_ratings_path(_cfg(tmp_path, "ml-100k"))


def test_errors_pickle():
    for error in (DataError("no such file"), BadRowsError("line 3 is bad")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
