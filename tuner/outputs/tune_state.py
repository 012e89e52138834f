"""Ray Tune's trial records read as plain JSON: nothing in a run directory is unpickled to show or rank trials.

Tune's ``experiment_state-*.json`` holds each trial as two JSON strings (its state and its run metadata); the
fields tuner needs (id, status, config, last result, error file) are plain JSON there. Tune's own reader
(``ExperimentAnalysis``) also unpickles the hex-encoded ``CLOUDPICKLE_FALLBACK`` fields, which would run code a
crafted file carries; :func:`load_trials` only ever calls ``json.loads``, so such a field stays a dict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tuner.errors import UserError

__all__ = ["TrialRecord", "load_trials", "newest_state_file"]

BAD_STATE = "{file}: not a readable Ray Tune experiment state ({why})."


@dataclass(frozen=True)
class TrialRecord:
    """What the leaderboard needs of one Tune trial, with the attribute names of Tune's ``Trial``."""

    trial_id: str
    status: str
    config: dict = field(default_factory=dict)
    last_result: dict = field(default_factory=dict)
    error_file: str | None = None


def newest_state_file(tune_dir: Path) -> Path | None:
    """The newest ``experiment_state-<time>.json`` of a Tune experiment folder (what Tune restores), or None."""
    found = sorted(Path(tune_dir).glob("experiment_state-*.json"))
    return found[-1] if found else None


def _as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _record(tune_dir: Path, pair, file: Path) -> TrialRecord:
    if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
        raise UserError(BAD_STATE.format(file=file, why="a trial entry is not [state, metadata]"))
    try:
        state, meta = json.loads(pair[0]), json.loads(pair[1])
    except ValueError as exc:
        raise UserError(BAD_STATE.format(file=file, why=f"a trial entry is not JSON: {exc}")) from None
    if not isinstance(state, dict) or not isinstance(meta, dict) or not isinstance(state.get("trial_id"), str):
        raise UserError(BAD_STATE.format(file=file, why="a trial entry has no trial_id"))
    error, logdir = meta.get("error_filename"), state.get("relative_logdir")
    error_file = str(tune_dir / logdir / error) if isinstance(error, str) and isinstance(logdir, str) else None
    return TrialRecord(trial_id=state["trial_id"], status=str(state.get("status", "PENDING")),
                       config=_as_dict(state.get("config")), last_result=_as_dict(meta.get("last_result")),
                       error_file=error_file)


def load_trials(tune_dir: str | Path) -> list[TrialRecord]:
    """The trials of a Tune experiment folder, in creation order, from its newest state file (JSON only).

    Returns:
        [] when the folder has no state file yet.

    Raises:
        UserError: the state file is truncated or not Tune's layout (one line naming the file).
    """
    tune_dir = Path(tune_dir)
    file = newest_state_file(tune_dir)
    if file is None:
        return []
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(BAD_STATE.format(file=file, why=str(exc).splitlines()[0][:200])) from None
    pairs = data.get("trial_data") if isinstance(data, dict) else None
    if not isinstance(pairs, list):
        raise UserError(BAD_STATE.format(file=file, why="no trial_data list"))
    return [_record(tune_dir, pair, file) for pair in pairs]
