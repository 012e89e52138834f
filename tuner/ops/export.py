"""Copy a finished run's exported model (and its model card) somewhere else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tuner.errors import UserError


def export_model(run_dir: str | Path, out: str | Path) -> Path:
    """Copy ``run_dir/model`` to ``out`` and point the copied model card at the new place.

    Returns:
        The destination folder.

    Raises:
        UserError: the run has no exported model, or ``out`` exists.
    """
    src = Path(run_dir).expanduser() / "model"
    dest = Path(out).expanduser()
    card = src / "model_card.json"
    if not card.is_file():
        summary = Path(run_dir).expanduser() / "summary.json"
        status = json.loads(summary.read_text()).get("status") if summary.is_file() else None
        raise UserError(f"{run_dir}: no exported model (run status: {status or 'unknown'}); only a completed run "
                        "with output.export_model: true has one.")
    if dest.exists():
        raise UserError(f"{dest}: already exists; choose a new --out folder.")
    shutil.copytree(src, dest)
    meta = json.loads((dest / "model_card.json").read_text())
    meta["path"] = str((dest / Path(meta["path"]).name).resolve())
    (dest / "model_card.json").write_text(json.dumps(meta, indent=2) + "\n")
    return dest
