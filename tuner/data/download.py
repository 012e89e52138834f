"""MovieLens download: fetched once from GroupLens, MD5-verified, only the ratings file kept in the cache."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tuner.config.schema import DataConfig
from tuner.data.errors import DataError

BASE_URL = "https://files.grouplens.org/datasets/movielens/"
TIMEOUT_S = 30.0
RATINGS_FILES = {
    "ml-25m": "ratings.csv",
    "ml-20m": "ratings.csv",
    "ml-latest": "ratings.csv",
    "ml-latest-small": "ratings.csv",
    "ml-1m": "ratings.dat",
    "ml-10m": "ratings.dat",
    "ml-100k": "u.data",
}
# MD5s of the frozen releases as GroupLens publishes them in <name>.zip.md5 (ml-latest* change over time).
KNOWN_MD5 = {
    "ml-25m": "6b51fb2759a8657d3bfcbfc42b592ada",
    "ml-20m": "cd245b17a1ae2cc31bb14903e1204af3",
    "ml-10m": "ce571fd55effeba0271552578f2648bd",
    "ml-1m": "c4d9eecfca2ab87c1945afe126590906",
    "ml-100k": "0e33842e24a9c977be4e0107933c0723",
}
OFFLINE = (
    "could not download {url} ({reason}). Without internet here: download that zip on a machine that has it, "
    "unzip it, copy the folder over and pass --set data.path=/path/to/{name}/{ratings}; "
    "`tuner run experiments/quickstart.yaml` runs offline on synthetic data"
)
_CHUNK = 1 << 20


def cached_ratings_path(cfg: DataConfig) -> str:
    """Where ``cfg.download``'s ratings file is (or will be) cached: ``<cache_dir>/<name>/<ratings file>``."""
    return str(Path(cfg.cache_dir).expanduser() / cfg.download / RATINGS_FILES[cfg.download])


def resolve_ratings_path(cfg: DataConfig) -> str:
    """The local ratings file or folder to read: ``cfg.path``, else the cached (or now downloaded) MovieLens set.

    Args:
        cfg: the data config (``path``, ``download``, ``cache_dir``).

    Returns:
        ``cfg.path`` with ``~`` expanded, or ``<cache_dir>/<name>/<ratings file>``.

    Raises:
        DataError: no source configured, the download failed (with what to do offline), or a checksum mismatch.
    """
    if cfg.path is not None:
        return os.path.expanduser(cfg.path)
    if cfg.download is None:
        raise DataError("data needs data.path (a file or folder) or data.download (a MovieLens name)")
    target = Path(cached_ratings_path(cfg))
    if not target.is_file():
        download_movielens(cfg.download, target)
    return str(target)


def download_movielens(name: str, target: Path) -> None:
    """Download ``<name>.zip``, verify its MD5, and extract only its ratings file to ``target``.

    Args:
        name: a MovieLens set (a key of ``RATINGS_FILES``).
        target: where the ratings file goes; written atomically.

    Raises:
        DataError: network failure (with how to get the file by hand) or checksum mismatch.
    """
    url = f"{BASE_URL}{name}.zip"
    offline = {"url": url, "name": name, "ratings": RATINGS_FILES[name]}
    published = _published_md5(url + ".md5", offline)
    known = KNOWN_MD5.get(name)
    if known is not None and known != published:
        raise DataError(f"{url}.md5 says {published}, but tuner knows {name}.zip as {known}; not downloading it")
    target.parent.mkdir(parents=True, exist_ok=True)
    archive = target.parent / f"{name}.zip.part"
    try:
        actual = _fetch(url, archive, offline)
        if actual != published:
            raise DataError(
                f"checksum mismatch for {url}: MD5 {actual}, expected {published}; the download is corrupt "
                "or incomplete: run again, or download and unzip it by hand and set data.path"
            )
        _extract(archive, RATINGS_FILES[name], target)
    finally:
        archive.unlink(missing_ok=True)


def _published_md5(url: str, offline: dict) -> str:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            text = response.read(4096).decode("ascii", errors="replace")
    except (urllib.error.URLError, OSError) as exc:
        raise DataError(OFFLINE.format(reason=_reason(exc), **offline)) from None
    match = re.search(r"\b[0-9a-fA-F]{32}\b", text)  # "MD5 (ml-25m.zip) = <hex>" or "<hex>  ml-25m.zip"
    if match is None:
        raise DataError(f"{url} holds no MD5 checksum: {text[:200]!r}")
    return match.group(0).lower()


def _fetch(url: str, dest: Path, offline: dict) -> str:
    """Stream ``url`` to ``dest`` with a text progress bar on stderr; returns the MD5 of the bytes."""
    digest = hashlib.md5()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, open(dest, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done, shown = 0, None
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                step = 100 * done // total if total else done // (10 * _CHUNK)  # a percent, or 10 MB
                if step != shown:
                    shown = step
                    size = f"{step:3d}% ({done / 1e6:.1f}/{total / 1e6:.1f} MB)" if total else f"{done / 1e6:.1f} MB"
                    print(f"\rDownloading {url}: {size}", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr, flush=True)
    except (urllib.error.URLError, OSError) as exc:
        raise DataError(OFFLINE.format(reason=_reason(exc), **offline)) from None
    return digest.hexdigest()


def _extract(archive: Path, filename: str, target: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        members = sorted((m for m in zf.namelist() if m.rsplit("/", 1)[-1] == filename), key=len)
        if not members:
            raise DataError(f"{archive.name.removesuffix('.part')} has no {filename}")
        partial = target.with_name(target.name + ".part")
        with zf.open(members[0]) as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
    os.replace(partial, target)


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return f"{type(exc).__name__}: {reason}"
