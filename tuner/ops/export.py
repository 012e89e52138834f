"""Copy a finished run's exported model (and its model card) somewhere else."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tuner.errors import UserError
from tuner.safe_io import atomic_path, atomic_write_text, write_error

OUTSIDE_LINK = ("{link}: a symbolic link to {target}, outside the model folder; export copies only the model's own "
                "files (remove the link, or copy that file by hand).")


def _check_links(src: Path) -> None:
    """Refuse a symlink in the model folder that leads out of it (export would copy what it points at)."""
    root = src.resolve()
    for top, dirs, files in os.walk(src):
        for name in (*dirs, *files):
            p = Path(top, name)
            if p.is_symlink():
                target = p.resolve()
                if target != root and root not in target.parents:
                    raise UserError(OUTSIDE_LINK.format(link=p, target=target))


def export_model(run_dir: str | Path, out: str | Path) -> Path:
    """Copy ``run_dir/model`` to ``out`` and point the copied model card at the new place.

    The copy is made in a temporary folder beside ``out`` and renamed when complete: a failure (a full disk)
    leaves no ``out``, so the export can simply be retried.

    Returns:
        The destination folder.

    Raises:
        UserError: the run has no exported model, ``out`` exists, the model folder links outside itself, or the
        copy could not be written.
    """
    src = Path(run_dir).expanduser() / "model"
    dest = Path(out).expanduser()
    card = src / "model_card.json"
    if not card.is_file():
        summary = Path(run_dir).expanduser() / "summary.json"
        try:
            status = json.loads(summary.read_text()).get("status") if summary.is_file() else None
        except (OSError, ValueError, AttributeError):
            status = "unreadable summary.json"
        raise UserError(f"{run_dir}: no exported model (run status: {status or 'unknown'}); only a completed run "
                        "with output.export_model: true has one.")
    if Path(run_dir).expanduser().resolve() not in src.resolve().parents:
        raise UserError(OUTSIDE_LINK.format(link=src, target=src.resolve()))
    _check_links(src)
    if dest.exists():
        raise UserError(f"{dest}: already exists; choose a new --out folder.")
    try:
        meta = json.loads(card.read_text())
        if not isinstance(meta, dict) or not isinstance(meta.get("path"), str):
            raise ValueError("not an object with a 'path'")
    except (OSError, ValueError) as exc:
        raise UserError(f"{card}: not a readable model card ({str(exc).splitlines()[0][:200]}).") from None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(dest, folder=True) as tmp:
            shutil.copytree(src, tmp)
            meta["path"] = str((dest / Path(meta["path"]).name).resolve())
            atomic_write_text(tmp / "model_card.json", json.dumps(meta, indent=2) + "\n")
    except OSError as exc:
        raise write_error(dest, exc) from None
    return dest
