"""Tune's experiment-state upload race is not shown as an ERROR; a real upload failure still is."""

import logging

from tuner.runner.search_run import quiet_tune_logs

STAGED = ("Failed to open local file '/tmp/ray/session_x/artifacts/t/tune/driver_artifacts/"
          ".296a3071-b55c-4211-8b9c-5837ea366551-tmp-search_gen_state-2026-12-05_11-04-58.json'")


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def _logged(exc: BaseException) -> list[logging.LogRecord]:
    log = logging.getLogger("ray.tune.execution.experiment_state")
    seen = _Records()
    log.addHandler(seen)
    try:
        try:
            raise exc
        except Exception:
            log.error("Saving experiment state to storage at '/x' failed with exception: ", exc_info=True)
    finally:
        log.removeHandler(seen)
    return seen.records


def test_the_staging_race_is_dropped_and_other_failures_are_shown():
    quiet_tune_logs()
    quiet_tune_logs()  # twice: one filter, not two
    assert len(logging.getLogger("ray.tune.execution.experiment_state").filters) == 1
    assert _logged(FileNotFoundError(2, STAGED)) == []
    missing_dir = _logged(FileNotFoundError(2, "Failed to open local file '/data/tune/experiment_state.json'"))
    assert [r.getMessage() for r in missing_dir] == ["Saving experiment state to storage at '/x' failed with "
                                                     "exception: "]
    assert len(_logged(PermissionError(13, STAGED))) == 1  # a temp file it may not write is a real failure
