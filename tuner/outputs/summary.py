"""summary.json, the model card, and the lines printed about them."""

from __future__ import annotations

import json
import math
import platform
from collections import Counter
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from tuner.outputs.leaderboard import TrialRow
from tuner.outputs.record import RunRecord
from tuner.safe_io import atomic_write_text

KNOWN_GOOD = {"ray": "2.60.0", "raydp": "1.6.5", "pyspark": "3.5.7", "optuna": "5.0.0", "scikit-learn": "1.9.1"}


def versions(java=None) -> dict:
    """Versions of everything that must fit together."""
    out = {"python": platform.python_version()}
    for key, dist in (("ray", "ray"), ("raydp", "raydp"), ("pyspark", "pyspark"), ("optuna", "optuna"),
                      ("sklearn", "scikit-learn"), ("tuner", "tuner")):
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[key] = None
    out["java"] = f"{java.version} ({java.source}: {java.home})" if java else None
    return out


_TABLE_FACTS = ("task", "label", "classes", "positive_label", "negative_label", "positives", "missing_values", "missing_policy",
                "not_numbers", "numeric", "categorical", "ignored_id_like", "spark_stopped_after_handover")


def rows_summary(rows: dict) -> dict:
    """The ``rows`` block: read, kept, dropped by reason, train, test (+ data facts)."""
    return {k: rows[k] for k in ("read", "kept", "dropped", "train", "test", "fold_rows", "users", "items", "source",
                                 "format", *_TABLE_FACTS) if k in rows}


def rows_line(rows: dict) -> str:
    """One line on what the data step kept and dropped."""
    dropped = {k: v for k, v in rows["dropped"].items() if v}
    why = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in dropped.items()) or "none"
    return (f"[tuner] data: {rows['read']:,} rows read from {rows.get('source')}, {rows['kept']:,} kept, "
            f"dropped: {why}; train {rows['train']:,} in {len(rows.get('fold_rows', []))} folds, "
            f"test {rows['test']:,}")


def stop_line(search, reason: str, started: int, planned: int) -> str | None:
    """One line on why the search stopped before ``search.num_samples`` trials, or None if it did not.

    Args:
        search: the experiment's ``search`` block (``time_budget_s``, ``patience``, ``patience_tolerance``).
        reason: summary.json's ``stop_reason`` (``num_samples``, ``time_budget`` or ``patience``).
        started, planned: how many trials ran, and how many the run planned (``num_samples``, or more after
            ``tuner resume --more``).
    """
    if reason == "time_budget":
        why = (f"search.time_budget_s={search.time_budget_s:g} s was spent (trials running then finished the fold "
               "they were in)")
    elif reason == "patience":
        why = (f"{search.patience} finished trials in a row did not improve the best CV metric by more than "
               f"{search.patience_tolerance:.1%} (search.patience)")
    else:
        return None
    return f"[tuner] search stopped after {started} of {planned} trials: {why}"


def failure_reasons(rows: list[TrialRow]) -> dict[str, int]:
    """Distinct failure reasons with how many trials hit each."""
    return dict(Counter(r.error for r in rows if r.status == "failed"))


def _clean(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def write_summary(summary: Mapping, path: Path) -> None:
    """summary.json (``RunRecord.summary()``) (NaN/inf written as null, so every JSON reader accepts it), replaced atomically."""
    atomic_write_text(path, json.dumps(_clean(summary), indent=2, default=str) + "\n")


def write_model_card(exp, record: RunRecord, path: Path, extra: dict | None = None) -> None:
    """model_card.json next to the exported model: what it is, how it was chosen, how well it did.

    Args:
        record: the run's outcome (read, never changed).
        extra: what the adapter adds (format, trusted types, input columns, reload check); overrides keys.
    """
    s = record.summary()
    card = {
        "model_type": exp.model.type,
        "task": exp.data.task,  # what serving dispatches on, with the adapter's ``serve``
        "format": None,  # the adapter's card() says
        "path": s["model_path"],
        "experiment": exp.name,
        "params": s["best_params"],
        "cv": {"metric": s["metric"], "mode": s["mode"], "value": s["best_cv_metric"],
               "folds": exp.data.folds, "metrics": s["best_cv_metrics"]},
        "test_metrics": s["test_metrics"],
        "bound_hits": s.get("bound_hits", []),  # a best value at a searched bound: widen that range
        **{k: s[k] for k in ("baseline_test_metrics", "ranking") if s.get(k)},
        "rows": s["rows"],
        "data": {"source": (s["rows"] or {}).get("source"), "format": (s["rows"] or {}).get("format"),
                 "test_fraction": exp.data.test_fraction, "seed": exp.data.seed},
        "versions": versions(),
        **(extra or {}),
    }
    if s.get("pareto"):  # chosen from a Pareto front: which objectives, and why this member
        card["selection"] = {"objectives": s["pareto"]["objectives"], "why": s["pareto"]["selection"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(_clean(card), indent=2, default=str) + "\n")
