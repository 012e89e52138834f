"""Where the MLflow record goes: the tracking URI, the experiment, and the run directory's ``mlflow_run.json``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tuner.config.secrets import redact_uri
from tuner.safe_io import atomic_write_text

RUN_FILE = "mlflow_run.json"
LOCAL_DB = "mlflow.db"
LOCAL_ARTIFACTS = "mlartifacts"


def tracking_uri(uri: str | None, output_dir: str | Path) -> str:
    """The URI to log to: ``uri``, else ``$MLFLOW_TRACKING_URI``, else ``sqlite:///<output_dir>/mlflow.db``.

    A relative sqlite path is made absolute against the current directory (trials run in their own
    directories, and a restored run may start elsewhere); the local default is absolute already.

    Args:
        uri: ``tracking.uri`` from the config, or None.
        output_dir: ``output.dir`` (the parent of run directories).
    """
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI") or None
    if uri is None:
        return "sqlite:///" + str(Path(output_dir).expanduser().resolve() / LOCAL_DB)
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return "sqlite:///" + str(Path(uri[len("sqlite:///"):]).expanduser().resolve())
    return uri


def artifact_location(uri: str) -> str | None:
    """Artifact root for an experiment tuner creates: beside a sqlite database, else the server's default.

    Without it MLflow would put a sqlite store's artifacts in ``./mlruns`` of whatever the current directory is.
    """
    if uri.startswith("sqlite:////"):
        return (Path(uri[len("sqlite:///"):]).parent / LOCAL_ARTIFACTS).as_uri()
    return None


def read_run_file(run_dir: Path) -> dict | None:
    """The saved ``{"tracking_uri", "experiment", "experiment_id", "run_id"}`` of a run directory, or None."""
    try:
        return json.loads((run_dir / RUN_FILE).read_text())
    except (OSError, ValueError):
        return None


def write_run_file(run_dir: Path, **fields) -> None:
    """Save what a resumed run needs to continue the same parent run (a tracking URI's password masked)."""
    if fields.get("tracking_uri"):
        fields["tracking_uri"] = redact_uri(fields["tracking_uri"])
    atomic_write_text(run_dir / RUN_FILE, json.dumps(fields, indent=2) + "\n")


def unmask_uri(saved: str) -> str:
    """The URI a masked ``saved`` one stands for: ``$MLFLOW_TRACKING_URI`` when it masks to the same text (the
    password lives only in the environment), else ``saved`` itself."""
    env = os.environ.get("MLFLOW_TRACKING_URI") or ""
    return env if env and redact_uri(env) == saved else saved
