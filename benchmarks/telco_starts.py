"""Which known-good starts to ship for the sklearn space: common settings of its estimators on the real Telco
table, 3-fold CV AUC on the training part and the held-out AUC, over several 80/20 splits (plain scikit-learn,
the preprocessing of tuner's sklearn adapter: median impute + scale numeric, one-hot categorical).

    python benchmarks/telco_starts.py [--splits 0,1,2]

Writes benchmarks/results/telco_starts.json and telco_starts.png (CV AUC of each setting minus the best
setting's, per split: the spread a start can win or lose). The held-out AUC is printed to show how much a split
alone moves it (a reason not to pick starts on it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # HistGradientBoosting's OpenMP crawls on a shared 2-core machine

ROOT = Path(__file__).resolve().parents[1]
TELCO = ROOT / ".." / "shared" / "data" / "churn" / "Telco-Customer-Churn.csv"
RESULTS = ROOT / "benchmarks" / "results"


def settings():
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    return {
        "LogisticRegression C=1 (default)": LogisticRegression(C=1.0, max_iter=2000),
        "LogisticRegression C=0.1": LogisticRegression(C=0.1, max_iter=2000),
        "LogisticRegression C=1 saga l2": LogisticRegression(C=1.0, solver="saga", max_iter=300),
        "HistGradientBoosting (default)": HistGradientBoostingClassifier(),
        "HistGradientBoosting rate 0.05, 100 iter, 8 leaves": HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=100, max_leaf_nodes=8, l2_regularization=0.0001),
        "HistGradientBoosting rate 0.03, 200 iter, 8 leaves, l2 1": HistGradientBoostingClassifier(
            learning_rate=0.03, max_iter=200, max_leaf_nodes=8, l2_regularization=1.0),
        "RandomForest 200 trees, depth 8, leaf 10": RandomForestClassifier(
            n_estimators=200, max_depth=8, min_samples_leaf=10, random_state=0),
    }


def pipeline(estimator, numeric, categorical):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    num = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    cat = Pipeline([("impute", SimpleImputer(strategy="constant", fill_value="__missing__")),
                    ("onehot", OneHotEncoder(handle_unknown="ignore"))])
    pre = ColumnTransformer([("num", num, numeric), ("cat", cat, categorical)])
    return Pipeline([("preprocess", pre), ("estimator", estimator)])


def main() -> None:
    import pandas as pd
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--splits", default="0,1", help="seeds of the 80/20 splits")
    args = p.parse_args()
    if not TELCO.is_file():
        p.error(f"{TELCO}: not found (the shared data sets live in ../shared/data from the repository root)")
    df = pd.read_csv(TELCO)
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"], errors="coerce")
    y = (df.pop("Churn") == "Yes").astype(int)
    df.pop("customerID")
    numeric = ["tenure", "MonthlyCharges", "TotalCharges", "SeniorCitizen"]
    categorical = [c for c in df.columns if c not in numeric]
    rows = []
    for split in [int(s) for s in args.splits.split(",")]:
        x_train, x_test, y_train, y_test = train_test_split(df, y, test_size=0.2, random_state=split)
        for name, est in settings().items():
            folds = StratifiedKFold(3, shuffle=True, random_state=0)
            cv = cross_val_score(pipeline(est, numeric, categorical), x_train, y_train, cv=folds,
                                 scoring="roc_auc").mean()
            fitted = pipeline(est, numeric, categorical).fit(x_train, y_train)
            test = roc_auc_score(y_test, fitted.predict_proba(x_test)[:, 1])
            rows.append({"split": split, "setting": name, "cv_auc": round(cv, 4), "test_auc": round(test, 4)})
            print(f"split {split}  {name:58s} CV AUC {cv:.4f}  held-out AUC {test:.4f}", flush=True)
    by_setting = {}
    for name in settings():
        gaps = []
        for split in {r["split"] for r in rows}:
            best = max(r["cv_auc"] for r in rows if r["split"] == split)
            gaps += [r["cv_auc"] - best for r in rows if r["split"] == split and r["setting"] == name]
        by_setting[name] = round(statistics.median(gaps), 4)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "telco_starts.json").write_text(json.dumps(
        {"data": "Telco-Customer-Churn.csv", "rows": rows, "median_cv_gap_to_best": by_setting}, indent=1) + "\n")
    _plot(by_setting)


def _plot(gaps: dict[str, float]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.5))
    names = list(gaps)
    ax.barh(names, [gaps[n] for n in names])
    ax.set_xlabel("CV AUC minus the best setting's on the same split (median over splits)")
    ax.set_title("Telco: which sklearn settings make good starts")
    fig.tight_layout()
    fig.savefig(RESULTS / "telco_starts.png", dpi=110)


if __name__ == "__main__":
    main()
