"""Where the workplace's shared public data sets are read in place (never copied into the repo): ``../shared/data``
from the repository root, wherever the checkout is.

``TUNER_SHARED_DATA`` overrides the folder; tests that need a file skip when it is absent.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TUNER_SHARED_DATA", ROOT.parent / "shared" / "data"))
TELCO = SHARED_DATA / "churn" / "Telco-Customer-Churn.csv"
ML_LATEST_SMALL = SHARED_DATA / "movielens" / "ml-latest-small"
