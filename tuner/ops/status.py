"""``tuner status RUN_DIR``: the progress picture of a running, interrupted or finished run, from its files."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tuner.errors import UserError


def run_status(run_dir: str | Path) -> str:
    """Render a run's state: trial counts, best so far, the leaderboard, and the outcome if it finished.

    Raises:
        UserError: ``run_dir`` is not a run directory.
    """
    from tuner.config.ranking import trial_metrics
    from tuner.config.schema import is_space
    from tuner.outputs import best_row, counts, load_run_trials, read_run_experiment, render_table, sort_rows, trial_rows

    run_dir, exp = read_run_experiment(run_dir)
    metric, mode = exp.search.metric, exp.search.mode
    summary_path = run_dir / "summary.json"
    try:
        summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{summary_path}: not readable JSON ({str(exc).splitlines()[0][:200]}); the run that "
                        "wrote it did not finish writing, or something else changed it.") from None
    if not isinstance(summary, dict):
        raise UserError(f"{summary_path}: not a JSON object; not a summary tuner wrote.")
    lines = [f"run {run_dir.name}: {exp.model.type}, {exp.search.num_samples} trials x {exp.data.folds} folds, "
             f"status {summary.get('status', 'running')}"]
    if not list(run_dir.glob("tune/experiment_state-*.json")):
        return "\n".join(lines + ["no trial has started yet"])
    trials = load_run_trials(run_dir)  # tune/ and the tune-more-<k>/ of `tuner resume --more`
    tuned = [k for k, v in exp.model.params.items() if is_space(v)]
    rows = sort_rows(trial_rows(trials, trial_metrics(exp), exp.data.folds), metric, mode)
    c = counts(rows)
    running = sum(t.status == "RUNNING" for t in trials)
    best = best_row(rows, metric, mode)
    age = time.time() - max(p.stat().st_mtime for p in run_dir.glob("tune/*"))
    planned = max(exp.search.num_samples, len(rows))  # `tuner resume --more N` adds trials to the plan
    lines.append(f"trials {c['completed'] + c['pruned'] + c['failed']}/{planned} done · "
                 f"{c['completed']} completed · {c['pruned']} pruned · {c['failed']} failed"
                 + (f" · {running} running" if running and not summary else "")
                 + (f" · best {metric} {best.metrics[metric]:.4f}" if best else ""))
    lines.append(f"last update {age:.0f} s ago")
    lines.append(render_table(rows, tuned, metric))
    tested = summary.get("test_metrics")
    if isinstance(tested, dict) and tested:
        lines.append("test: " + ", ".join(f"{str(k).upper()} {v:.4f}" if isinstance(v, (int, float)) else
                                          f"{str(k).upper()} {v!r:.40}" for k, v in tested.items()))
    if summary.get("model_path"):
        lines.append(f"model: {summary['model_path']}")
    if summary.get("status") == "interrupted":
        lines.append(f"continue with: tuner resume {run_dir}")
    return "\n".join(lines)
