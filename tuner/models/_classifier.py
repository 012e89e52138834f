"""What the binary classifiers share: row accounting for summary.json and a refit that proves its export."""

from __future__ import annotations

import math
import time
from typing import Any

from tuner.config.families import ParamRule
from tuner.models.base import ModelAdapter


#: every binary classifier reports these, with their direction
CLASSIFIER_METRICS = {"auc_roc": "max", "auc_pr": "max", "log_loss": "min", "accuracy": "max", "f1": "max"}
#: class_weight is tuner's own: 'balanced' weights rows by n / (2 * rows of their class)
CLASS_WEIGHT = ParamRule("str", choices=("balanced", "none"))


def table_rows(prepared, train_folds: dict[int, int], test_rows: int, folds: int) -> dict:
    """summary.json ``rows`` for a classification table (same keys as for ratings, plus the table's facts).

    Args:
        prepared: the PreparedTable.
        train_folds: training rows per fold.
        test_rows: held-out rows.
        folds: number of folds.
    """
    return {
        **prepared.counts.as_dict(),
        "train": sum(train_folds.values()),
        "test": test_rows,
        "fold_rows": [train_folds.get(k, 0) for k in range(folds)],
        **prepared.facts,
    }


class ClassifierAdapter(ModelAdapter):
    """A binary classifier: the five metrics, and a refit whose saved model is reloaded and re-scored."""

    def refit_and_test(self, ctx, params: dict, seed: int, path: str | None) -> dict:
        """Refit on all training rows and score the test set; with ``path``, save, reload, and score again.

        Returns:
            Test metrics, ``seconds``, and ``card`` (with ``reload_identical``: the reloaded model's test
            metrics equal the reported ones).
        """
        train, test = self.full_frames(ctx)
        t0 = time.monotonic()
        model = self.fit(ctx, train, params, seed)
        result = self.score(ctx, model, test)
        card: dict[str, Any] = {}
        if path:
            self.save(model, path)
            again = self.score(ctx, self.load(ctx, path), test)
            card = {**self.card(ctx, model), "reload_test_metrics": {m: again[m] for m in self.metrics},
                    "reload_identical": all(_same(again[m], result[m]) for m in self.metrics)}
        self.release(model)
        return {**result, "seconds": time.monotonic() - t0, "card": card}


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
