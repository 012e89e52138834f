"""A compact live progress line in place of Ray Tune's tables."""

from __future__ import annotations

import sys
import time

from ray.tune import Callback

from tuner.search.trial_status import trial_status


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def eta_text(elapsed: float, done: int, total: int) -> str:
    """``ETA mm:ss`` from the mean time per finished trial; before the first one finishes it is not known."""
    if done == 0:
        return "ETA unknown until a trial finishes"
    return f"ETA {_clock(elapsed / done * (total - done) if done < total else 0.0)}"


class ProgressLine(Callback):
    """Prints ``trials done/total · running · pruned · failed · best · elapsed · ETA``.

    On a terminal the line is redrawn in place; otherwise a line is printed whenever the counts change.
    """

    def __init__(self, total: int, folds: int, metric: str, mode: str):
        self.total, self.folds, self.metric, self.mode = total, folds, metric, mode
        self.start = time.monotonic()
        self.best: float | None = None
        self.last = ""

    def setup(self, **info):
        # Also called when a restored experiment starts again in a new process.
        self.start = time.monotonic()

    def _better(self, value: float) -> bool:
        return self.best is None or (value < self.best if self.mode == "min" else value > self.best)

    def on_trial_result(self, iteration, trials, trial, result, **info):
        if result.get("folds_done") == self.folds and self._better(result[self.metric]):
            self.best = result[self.metric]
        self._draw(trials)

    def on_trial_complete(self, iteration, trials, trial, **info):
        self._draw(trials)

    def on_trial_error(self, iteration, trials, trial, **info):
        from tuner.outputs.leaderboard import trial_error

        self._say(f"[tuner] trial {trial.trial_id} failed: {trial_error(trial)}")
        self._draw(trials)

    def _say(self, text: str) -> None:
        stream = sys.stdout
        stream.write(("\r\033[K" if stream.isatty() else "") + text + "\n")
        self.last = ""

    def on_experiment_end(self, trials, **info):
        self._draw(trials, final=True)

    def _draw(self, trials, final: bool = False) -> None:
        status = [trial_status(t.status, (t.last_result or {}).get("folds_done", 0), self.folds) for t in trials]
        done = [t for t in trials if t.status in ("TERMINATED", "ERROR")]
        failed, pruned, running = (status.count(k) for k in ("failed", "pruned", "running"))
        elapsed = time.monotonic() - self.start
        best = f"{self.best:.4f}" if self.best is not None else "-"
        line = (f"[tuner] trials {len(done)}/{self.total} done · {running} running · {pruned} pruned · "
                f"{failed} failed · best {self.metric} {best} · {_clock(elapsed)} elapsed · "
                + eta_text(elapsed, len(done), self.total))
        key = line.rsplit("·", 2)[0]
        stream = sys.stdout
        if stream.isatty():
            stream.write("\r\033[K" + line + ("\n" if final else ""))
        elif key != self.last or final:
            stream.write(line + "\n")
        self.last = key
        stream.flush()
