"""The run directory: making a new one, reading an existing one's experiment, and writing every file of it
once, from one :class:`RunResult`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from tuner.config import ConfigError, Experiment, experiment_to_dict, load_experiment
from tuner.errors import UserError
from tuner.safe_io import FolderLock, atomic_write_text
from tuner.outputs.leaderboard import TrialRow, render_table, sort_rows, write_leaderboard
from tuner.outputs.record import RunRecord
from tuner.outputs.report import write_report
from tuner.outputs.summary import write_model_card, write_summary

NOT_A_RUN_DIR = "{run_dir}: not a run directory (no experiment.yaml)."
#: written by new_run_dir; `tuner resume` unpickles Ray Tune's state, so it resumes only folders that have it
MARKER = ".tuner-run"
NOT_OURS = ("{run_dir}: not written by tuner on this account (no {marker}); `tuner resume` loads Ray Tune's "
            "pickled state, which can run code, so it resumes only run directories tuner created.")
NOT_OWNED = ("{path} belongs to uid {owner}, not to you (uid {uid}); `tuner resume` loads Ray Tune's pickled "
             "state, which can run code, so it resumes only run directories you own.")


@dataclass
class RunResult:
    """Everything one run produced; :func:`write_run_dir` turns it into files.

    Attributes:
        exp: the experiment.
        run_dir: its directory.
        record: the run's outcome (:class:`RunRecord`); the runner replaces it as steps end, writers only read it.
        rows: leaderboard rows in trial order (empty if no trial ran).
        space: the searched params' specs, flat (branch params included); its keys are the leaderboard's
            param columns (:attr:`tuned`).
        metrics: the metric names every trial reports.
        card: what the adapter adds to the model card (None: no model was exported).
    """

    exp: Experiment
    run_dir: Path
    record: RunRecord
    rows: list[TrialRow] = field(default_factory=list)
    space: dict[str, Any] = field(default_factory=dict)
    metrics: tuple[str, ...] = ()
    card: dict | None = None
    table: str = ""  # the printed leaderboard, set by write_run_dir's caller

    @property
    def tuned(self) -> list[str]:
        """The searched param names, in the space's order."""
        return list(self.space)


def new_run_dir(exp: Experiment) -> Path:
    """``<output.dir>/<name>-<yyyymmdd-hhmmss>`` (made unique if two runs start in the same second), holding
    ``experiment.yaml``, the resolved config."""
    base = Path(exp.output.dir).expanduser().resolve()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:  # mkdir is the test: two runs in the same second never get the same folder
        path = base / (f"{exp.name}-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            path.mkdir()
            break
        except FileExistsError:
            n += 1
    atomic_write_text(path / MARKER, json.dumps({"written_by": "tuner", "uid": os.getuid()}) + "\n")
    atomic_write_text(path / "experiment.yaml",
                      yaml.safe_dump(experiment_to_dict(exp), sort_keys=False))
    return path


def lock_run_dir(run_dir: Path) -> FolderLock:
    """Hold ``run_dir`` for this process (``tuner run`` and ``tuner resume``): release it when done.

    Raises:
        UserError: another process holds it; the line names its pid.
    """
    return FolderLock(run_dir)


def check_resumable(run_dir: Path) -> None:
    """Refuse to resume a run directory tuner did not write, or that another user owns (or any of whose Tune
    state files another user owns): ``Tuner.restore`` unpickles that state.

    Raises:
        UserError: the first reason, naming the file.
    """
    if not (run_dir / MARKER).is_file():
        raise UserError(NOT_OURS.format(run_dir=run_dir, marker=MARKER))
    uid = os.getuid()
    from tuner.outputs.leaderboard import tune_dirs

    paths = [run_dir, run_dir / MARKER]
    for tune in tune_dirs(run_dir):
        for top, dirs, files in os.walk(tune):
            paths += [Path(top, n) for n in (*dirs, *files)]
    for p in paths:
        owner = p.lstat().st_uid
        if owner != uid:
            raise UserError(NOT_OWNED.format(path=p, owner=owner, uid=uid))


def read_run_experiment(run_dir: str | Path) -> tuple[Path, Experiment]:
    """The absolute run directory and its resolved experiment.

    Raises:
        UserError: not a run directory, or its experiment.yaml no longer validates.
    """
    path = Path(run_dir).expanduser().resolve()
    if not (path / "experiment.yaml").is_file():
        raise UserError(NOT_A_RUN_DIR.format(run_dir=path))
    try:
        return path, load_experiment(path / "experiment.yaml")
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def write_run_dir(result: RunResult) -> str:
    """Write leaderboard.csv, plots/, model/model_card.json, report.html and summary.json (the last, always),
    all from ``result.record`` (the report at its ``report`` path).

    Returns:
        The leaderboard as printed at the end ('' when no trial ran).
    """
    exp, folder, rec = result.exp, result.run_dir, result.record
    ranked = sort_rows(result.rows, rec.metric, rec.mode)
    pareto = rec.pareto or {}
    objectives = [(o["metric"], o["mode"]) for o in pareto.get("objectives", ())]
    front = {m["trial_id"] for m in pareto.get("front", ())} if pareto else None
    if result.rows:
        also = tuple(m for m, _ in objectives if m not in result.metrics)
        write_leaderboard(ranked, folder / "leaderboard.csv", result.tuned, result.metrics, exp.data.folds, front, also)
        if exp.output.plots:
            from tuner.outputs.pareto import write_pareto_plot
            from tuner.outputs.plots import write_plots

            write_plots(result.rows, result.space, rec.metric, rec.mode, folder / "plots")
            if objectives:
                write_pareto_plot(result.rows, front, objectives, folder / "plots" / "pareto.png")
    if result.card is not None and rec.model_path:
        write_model_card(exp, rec, folder / "model" / "model_card.json", result.card)
    summary = rec.summary()
    try:
        write_report(summary, ranked, result.tuned, result.metrics, folder, Path(rec.report or folder / "report.html"))
    finally:
        write_summary(summary, folder / "summary.json")
    return render_table(ranked, result.tuned, rec.metric) if result.rows else ""
