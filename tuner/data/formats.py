"""Which reader a ratings path needs (pure Python: the file name, else a peek at its first line)."""

from __future__ import annotations

import bz2
import gzip
import re
from pathlib import Path

from tuner.config.schema import DataConfig
from tuner.data.errors import DataError
from tuner.errors import shorten

FORMATS = ("movielens-csv", "movielens-dat", "movielens-tsv", "csv", "parquet")
# The file each MovieLens layout keeps its ratings in, in the order a folder is searched.
MOVIELENS_FILES = {"ratings.csv": "movielens-csv", "ratings.dat": "movielens-dat", "u.data": "movielens-tsv"}
MOVIELENS_CSV_HEADER = "userId,movieId,rating,timestamp"
_PEEK_BYTES = 64 * 1024
# Codecs Spark's text and CSV readers pick by file extension, as they do (Hadoop's codec factory).
COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open}
NO_DATA_FILES = ("data.path {path} is a folder with no data file in it (Spark reads its files whose names do not "
                 "start with _ or ., and skips empty ones); point data.path at the folder that holds the data")

UNDETECTABLE = (
    "cannot tell the format of data.path {path}: {why}; set data.format to one of " + ", ".join(FORMATS)
)


def is_remote(path: str) -> bool:
    """True for URIs Python cannot open (``s3a://``, ``hdfs://``, ...); ``file:`` paths are local."""
    return "://" in path and not path.startswith("file:")


def resolve_source(path: str, cfg: DataConfig) -> tuple[str, str]:
    """Decide the format of a ratings source and the exact path to read.

    Args:
        path: a file or folder (``~`` expanded by the caller), or a remote URI.
        cfg: the data config; ``cfg.format`` wins unless it is ``auto``.

    Returns:
        ``(format, path)``: one of ``FORMATS`` and the file or folder to hand to the reader
        (a MovieLens folder resolves to its ratings file).

    Raises:
        DataError: the path does not exist, or its format cannot be detected.
    """
    fmt = cfg.format
    if is_remote(path):
        if fmt != "auto":
            return fmt, path
        detected = _format_from_name(path.rstrip("/").rsplit("/", 1)[-1])
        if detected is None:
            raise DataError(UNDETECTABLE.format(path=path, why="a remote path is detected by its file name only"))
        return detected, path
    local = Path(re.sub(r"^file:(//)?", "", path))
    if not local.exists():
        raise DataError(f"data.path {path} does not exist; point data.path at a ratings file or folder")
    if local.is_dir():
        return _resolve_folder(local, cfg)
    if not local.is_file():
        raise DataError(NOT_A_FILE.format(path=path))
    if fmt != "auto":
        return fmt, str(local)
    detected = _format_from_name(local.name) or _format_from_first_line(local, cfg)
    if detected is None:
        line = first_line(local)
        why = (f"its name is not {', '.join(MOVIELENS_FILES)} or *.parquet and its first line "
               f"{shorten(line, 80)!r} fits no format")
        raise DataError(UNDETECTABLE.format(path=path, why=why))
    return detected, str(local)


NOT_A_FILE = "data.path {path} is not a regular file or folder (a device, pipe or socket cannot be read as data)"


def first_line(path: Path) -> str:
    """The first line of a local file (at most 64 KiB of it, decompressed when its name ends in .gz or .bz2, as
    Spark reads it), without its line break; '' for an empty file."""
    opener = COMPRESSED.get(Path(path).suffix, open)
    try:
        with opener(path, "rb") as fh:
            head = fh.read(_PEEK_BYTES)
    except (OSError, EOFError) as exc:  # a .gz that is not gzip: Spark would fail on it too
        raise DataError(f"cannot read {path} as {Path(path).suffix} (compressed by its name): {exc}") from None
    return head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")


def uncompressed_name(name: str) -> str:
    """``ratings.csv.gz`` -> ``ratings.csv``: the name the content has once Spark decompressed it."""
    for suffix in COMPRESSED:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def data_files(folder: Path) -> list[Path]:
    """The non-empty files Spark reads from a folder (and its partition folders), in name order: names starting
    with ``_`` or ``.`` (``_SUCCESS``, ``.crc``) are skipped, as Spark skips them."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.stat().st_size > 0
                  and not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts))


def _format_from_name(name: str) -> str | None:
    name = uncompressed_name(name)
    if name in MOVIELENS_FILES:
        return MOVIELENS_FILES[name]
    return "parquet" if name.endswith(".parquet") else None


def _resolve_folder(folder: Path, cfg: DataConfig) -> tuple[str, str]:
    fmt = cfg.format
    for name, movielens_fmt in MOVIELENS_FILES.items():
        for found in (folder / name, *(folder / (name + c) for c in COMPRESSED)):
            if found.is_file() and fmt in ("auto", movielens_fmt):
                return movielens_fmt, str(found)
    files = data_files(folder)
    if not files:
        raise DataError(NO_DATA_FILES.format(path=folder))
    if fmt in ("csv", "parquet"):
        return fmt, str(folder)
    if fmt == "auto":  # a folder of part files (Spark's own output, or split by hand): as its first file reads
        if any(p.name.endswith(".parquet") for p in files):
            return "parquet", str(folder)
        detected = _format_from_name(files[0].name) or _format_from_first_line(files[0], cfg)
        if detected is not None:
            return detected, str(folder)
        why = (f"the folder holds none of {', '.join(MOVIELENS_FILES)}, no *.parquet files, and the first line of "
               f"its first file {files[0].name} ({first_line(files[0])!r}) fits no format")
        raise DataError(UNDETECTABLE.format(path=folder, why=why))
    wanted = next(name for name, f in MOVIELENS_FILES.items() if f == fmt)
    raise DataError(f"data.path {folder} is a folder without {wanted}, which data.format {fmt} reads")


def _format_from_first_line(path: Path, cfg: DataConfig) -> str | None:
    with open(path, "rb") as fh:
        if fh.read(4) == b"PAR1":
            return "parquet"
    line = first_line(path).lstrip("\ufeff").strip()
    if line == MOVIELENS_CSV_HEADER:
        return "movielens-csv"
    if len(line.split("::")) == 4:
        return "movielens-dat"
    tab_fields = line.split("\t")
    if len(tab_fields) == 4 and all(f.strip().replace(".", "", 1).isdigit() for f in tab_fields):
        return "movielens-tsv"
    names = [f.strip().strip('"') for f in line.split(cfg.csv_separator)]
    # a header of at least user, item and rating: csv (its columns are checked against data.columns before Ray
    # starts, with did-you-mean on the header's names; see tuner/runner/preflight.py)
    if cfg.csv_header and len(names) >= 3 and not all(_is_number(n) for n in names):
        return "csv"
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
