"""What the binary classifiers share: their metrics, the class_weight rule, row accounting for summary.json."""

from __future__ import annotations

from tuner.config.families import ParamRule

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
