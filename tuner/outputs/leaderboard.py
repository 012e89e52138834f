"""Turn Tune's trial records into the leaderboard, the trial counts and the best configuration."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from tuner.outputs.tune_state import load_trials
from tuner.safe_io import atomic_write_text
from tuner.search.trial_status import trial_status


@dataclass
class TrialRow:
    """One line of the leaderboard."""

    trial_id: str
    status: str  # completed | pruned | failed
    params: dict
    metrics: dict  # CV means over the folds done
    fold_metrics: dict
    folds_done: int
    seconds: float
    error: str = ""
    extra: dict = field(default_factory=dict)


def first_line(error) -> str:
    """The user-facing line of a trial's error (the last line of a Ray traceback names the cause)."""
    text = str(error).strip().splitlines()
    return text[-1][:300] if text else type(error).__name__


MORE_PREFIX = "tune-more-"  # `tuner resume RUN --more N` runs its N trials as Tune experiment tune-more-<k>


def tune_dirs(run_dir: str | Path) -> list[Path]:
    """The run's Tune experiment folders in the order they ran: ``tune/``, then ``tune-more-1/``, ..."""
    run_dir = Path(run_dir)
    more = sorted((p for p in run_dir.glob(MORE_PREFIX + "*") if p.name[len(MORE_PREFIX):].isdigit()),
                  key=lambda p: int(p.name[len(MORE_PREFIX):]))
    return [p for p in [run_dir / "tune", *more] if p.is_dir()]


def load_run_trials(run_dir: str | Path) -> list:
    """Every trial of a run directory, over all its Tune experiments (see :func:`tune_dirs`), read as JSON only
    (:mod:`tuner.outputs.tune_state`): showing or ranking trials unpickles nothing."""
    return [t for d in tune_dirs(run_dir) for t in load_trials(d)]


def trial_rows(trials, metrics: tuple[str, ...], folds: int, also: tuple[str, ...] = ()) -> list[TrialRow]:
    """Leaderboard rows from Ray Tune ``Trial`` objects (works for live runs and restored experiments).

    ``also``: other reported keys kept in each row's ``metrics`` (objectives such as ``fit_seconds``).
    """
    rows = []
    for t in trials:
        last = t.last_result or {}
        done = int(last.get("folds_done", 0))
        status = trial_status(t.status, done, folds)
        if status in ("running", "pending"):
            status = "unfinished"  # an interrupted run's trial: resume runs it again
        error = trial_error(t) if status == "failed" else ""
        rows.append(TrialRow(
            trial_id=t.trial_id,
            status=status,
            params={k: t.config.get(k) for k in t.config},
            metrics={m: last[m] for m in (*metrics, *also) if m in last},
            fold_metrics={k: v for k, v in last.items() if "_fold" in k},
            folds_done=done,
            seconds=float(last.get("time_total_s", 0.0)),
            error=error,
            extra={"work_seconds": float(last.get("work_seconds", 0.0)), "pid": last.get("trial_pid")},
        ))
    return rows


def trial_error(trial) -> str:
    """One line saying why a Tune trial failed."""
    return first_line(getattr(trial, "error_msg", None) or _error_file(trial) or "error")


def _error_file(trial) -> str | None:
    path = getattr(trial, "error_file", None) or getattr(getattr(trial, "run_metadata", None), "error_filename", None)
    try:
        return Path(path).read_text() if path else None
    except OSError:
        return None


def best_row(rows: list[TrialRow], metric: str, mode: str) -> TrialRow | None:
    """The completed trial with the best CV mean (pruned trials have fewer folds and do not compete)."""
    done = [r for r in rows if r.status == "completed" and math.isfinite(r.metrics.get(metric, math.nan))]
    if not done:
        return None
    return (min if mode == "min" else max)(done, key=lambda r: r.metrics[metric])


def sort_rows(rows: list[TrialRow], metric: str, mode: str) -> list[TrialRow]:
    """Completed first by metric, then pruned by their partial mean, then failed."""
    order = {"completed": 0, "pruned": 1, "unfinished": 2, "failed": 3}
    sign = 1 if mode == "min" else -1
    return sorted(rows, key=lambda r: (order[r.status], sign * r.metrics.get(metric, math.inf * sign)))


def write_leaderboard(rows: list[TrialRow], path: Path, tuned: list[str], metrics: tuple[str, ...], folds: int,
                      front: set[str] | None = None, also: tuple[str, ...] = ()) -> None:
    """leaderboard.csv: position, trial, status, tuned params, CV means, per-fold metrics, seconds, error.

    With ``front`` (a multi-objective search), a ``pareto`` column (true for the front's trials) follows the
    status, and the other objectives' values (``also``, e.g. ``fit_seconds``) follow the CV means.
    """
    fold_cols = [f"{m}_fold{k}" for m in metrics for k in range(folds)]
    pareto = ["pareto"] if front is not None else []
    header = ["position", "trial_id", "status", *pareto, *tuned, *[f"cv_{m}" for m in metrics], *also, *fold_cols,
              "folds_done", "seconds", "error"]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([_cell(h) for h in header])
    for i, r in enumerate(rows, 1):
        mark = [str(r.trial_id in front).lower()] if front is not None else []
        w.writerow([_cell(c) for c in [i, r.trial_id, r.status, *mark, *[r.params.get(p) for p in tuned],
                                       *[_fmt(r.metrics.get(m)) for m in (*metrics, *also)],
                                       *[_fmt(r.fold_metrics.get(c)) for c in fold_cols], r.folds_done,
                                       f"{r.seconds:.1f}", r.error]])
    atomic_write_text(path, buf.getvalue())


def _fmt(v) -> str:
    return "" if v is None else f"{v:.6g}"


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(v):
    """A cell a spreadsheet will not run as a formula (OWASP's CSV-injection rule): text starting with
    ``= + - @``, a tab or a carriage return gets a leading ``'``; numbers (``-0.5``, ``-1e-3``) stay as they are."""
    if not isinstance(v, str) or not v.startswith(_FORMULA):
        return v
    try:
        float(v)
        return v
    except ValueError:
        return "'" + v


def counts(rows: list[TrialRow]) -> dict[str, int]:
    """summary.json ``trials``: completed, pruned, failed (and unfinished, for interrupted runs)."""
    out = {"completed": 0, "pruned": 0, "failed": 0, "unfinished": 0}
    for r in rows:
        out[r.status] += 1
    return out


def render_table(rows: list[TrialRow], tuned: list[str], metric: str, limit: int = 10) -> str:
    """A plain-text leaderboard for the terminal.

    A conditional space (a choice with branches) shows one ``params`` column holding only the params each row's
    branch has (``estimator=RandomForestClassifier max_depth=7``), not every branch's column, mostly empty.
    """
    conditional = any(r.params.get(p) is None for r in rows for p in tuned)
    params_head = ["params"] if conditional else tuned
    head = ["#", "trial", "status", *params_head, f"cv {metric}", "folds", "sec"]
    body = []
    for i, r in enumerate(rows[:limit], 1):
        vals = [_branch_params(r.params, tuned)] if conditional else [_short(r.params.get(p)) for p in tuned]
        body.append([str(i), r.trial_id, r.status, *vals, _fmt(r.metrics.get(metric)) or "-", str(r.folds_done),
                     f"{r.seconds:.0f}"])
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [head, *body]]
    if len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more in leaderboard.csv")
    return "\n".join(lines)


def _branch_params(params: dict, tuned: list[str]) -> str:
    """``name=value`` for the tuned params this row has; a branch param by its own name (``max_depth``, not
    ``RandomForestClassifier.max_depth``: the choice's value beside it names the branch)."""
    return " ".join(f"{p.rsplit('.', 1)[-1]}={_short(params[p])}" for p in tuned if params.get(p) is not None)


def _short(v) -> str:
    if isinstance(v, str) and "." in v and " " not in v:  # a dotted class path: its last part
        return v.rsplit(".", 1)[-1]
    return f"{v:.4g}" if isinstance(v, float) else str(v)
