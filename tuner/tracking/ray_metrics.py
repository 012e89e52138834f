"""tuner's own numbers in Ray's metrics (``ray.util.metrics``), beside Ray's: trials by status, the best metric
so far, folds fitted. Ray's metrics agent serves them on each node's Prometheus endpoint, so a cluster's
Prometheus / Grafana (and the dashboard's Metrics page) show the search next to the cluster."""

from __future__ import annotations

from ray.tune import Callback

from tuner.search.trial_status import STATUSES, trial_status

#: the names as Prometheus shows them (Ray prefixes application metrics with ``ray_``)
METRIC_NAMES = ("ray_tuner_trials", "ray_tuner_best_metric", "ray_tuner_folds_fitted_total")


class TunerMetrics(Callback):
    """A Tune callback on the driver that keeps the three metrics current, tagged with the experiment name.

    Args:
        experiment: the config's ``name`` (tag ``experiment``).
        folds: full CV folds per trial (a trial with all of them is completed; stopped earlier: pruned).
        metric, mode: the objective.
    """

    def __init__(self, experiment: str, folds: int, metric: str, mode: str):
        self.experiment, self.folds, self.metric, self.mode = experiment, folds, metric, mode
        self.best: float | None = None
        self._made = False

    def setup(self, **info):
        from ray.util import metrics

        tags = ("experiment",)
        self.trials = metrics.Gauge("tuner_trials", "Trials of a tuner search by status", tag_keys=(*tags, "status"))
        self.best_metric = metrics.Gauge("tuner_best_metric", "Best CV metric so far (completed trials)",
                                         tag_keys=(*tags, "metric"))
        self.folds_fitted = metrics.Counter("tuner_folds_fitted", "CV folds (and data-fraction steps) fitted",
                                            tag_keys=tags)
        self._made = True

    def _counts(self, trials, ended=None, failed: bool = False) -> None:
        """Set the per-status gauge; ``ended`` is a trial Tune is finishing (its status is not updated yet)."""
        counts = dict.fromkeys(STATUSES, 0)
        for t in trials:
            status = "ERROR" if t is ended and failed else t.status
            counts[trial_status(status, (t.last_result or {}).get("folds_done", 0), self.folds, ended=t is ended)] += 1
        for status, n in counts.items():
            self.trials.set(n, tags={"experiment": self.experiment, "status": status})

    def on_trial_result(self, iteration, trials, trial, result, **info):
        if not self._made:
            self.setup()
        self.folds_fitted.inc(1, tags={"experiment": self.experiment})
        value = result.get(self.metric)
        if result.get("folds_done") == self.folds and value is not None and (
                self.best is None or (value < self.best if self.mode == "min" else value > self.best)):
            self.best = value
            self.best_metric.set(value, tags={"experiment": self.experiment, "metric": self.metric})
        self._counts(trials)

    def on_trial_start(self, iteration, trials, trial, **info):
        if self._made:
            self._counts(trials)

    def on_trial_complete(self, iteration, trials, trial, **info):
        if self._made:
            self._counts(trials, ended=trial)

    def on_trial_error(self, iteration, trials, trial, **info):
        if self._made:
            self._counts(trials, ended=trial, failed=True)

    def on_experiment_end(self, trials, **info):
        if self._made:
            self._counts(trials)
