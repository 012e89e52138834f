"""A data fingerprint for the model card: which data a model was fitted on, checkable later.

A local file: its size and SHA-256 (a folder: total size and a SHA-256 over its files' names and contents, in
name order). Synthetic data: the generator's parameters and seed, which regenerate it exactly. A remote URI
(s3a://, hdfs://) is named only: hashing it would pull the whole file to the driver.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["source_fingerprint"]

_CHUNK = 1 << 20


def _hash_into(digest, path: Path) -> int:
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size


def source_fingerprint(source: str, data_cfg) -> dict:
    """What identifies the source the ratings were read from.

    Args:
        source: the path read (``PreparedRatings.source``) or ``synthetic``.
        data_cfg: the experiment's DataConfig (the synthetic generator's parameters and seed).

    Returns:
        ``{"synthetic": {...params}, "seed": n}``, ``{"path", "bytes", "sha256"}``, or ``{"path", "note"}``.
    """
    if source == "synthetic":
        return {"synthetic": data_cfg.synthetic.model_dump(), "seed": data_cfg.seed}
    if "://" in source and not source.startswith("file://"):
        return {"path": source, "note": "remote source: not hashed (it would be read through the driver)"}
    path = Path(source.removeprefix("file://")).expanduser()
    digest = hashlib.sha256()
    if path.is_dir():
        files = sorted(f for f in path.rglob("*") if f.is_file() and not f.name.startswith((".", "_")))
        size = 0
        for f in files:
            digest.update(str(f.relative_to(path)).encode() + b"\0")
            size += _hash_into(digest, f)
        return {"path": str(path), "bytes": size, "files": len(files), "sha256": digest.hexdigest()}
    return {"path": str(path), "bytes": _hash_into(digest, path), "sha256": digest.hexdigest()}
