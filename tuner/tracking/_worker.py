"""One background thread that runs tracking calls in order, so logging never holds up Tune's driver loop.

The first call that raises (a tracking server that is down, a locked database) prints one warning line and
turns every later call into a no-op: a run without its MLflow record is still a good run.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable

from tuner.config.secrets import redact_text, redact_uri

UNAVAILABLE = "[tuner] warning: MLflow tracking at {uri} failed ({error}); the run goes on without MLflow logging."


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Worker:
    """A daemon thread draining a queue of calls; a failure stops all later calls after one warning.

    Args:
        uri: named in the warning.
        warn: where the single warning line goes (default: stderr).
    """

    def __init__(self, uri: str, warn: Callable[[str], None] = _stderr):
        self.uri, self.warn = uri, warn
        self.failed = False
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="tuner-mlflow", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable, *args, **kwargs) -> None:
        """Queue ``fn(*args, **kwargs)``; returns at once."""
        if not self.failed:
            self._queue.put((fn, args, kwargs))

    def drain(self, timeout_s: float) -> bool:
        """Wait until every queued call ran (or was skipped); False if ``timeout_s`` passed first."""
        end = time.monotonic() + timeout_s
        done = self._queue.all_tasks_done
        with done:
            while self._queue.unfinished_tasks:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                done.wait(left)
        return True

    def _loop(self) -> None:
        while True:
            fn, args, kwargs = self._queue.get()
            try:
                if not self.failed:
                    fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - any tracking failure is reported once and ends tracking
                self.failed = True
                first = redact_text((str(exc).strip().splitlines() or [""])[0][:200])
                self.warn(UNAVAILABLE.format(uri=redact_uri(self.uri), error=f"{type(exc).__name__}: {first}"))
            finally:
                self._queue.task_done()
