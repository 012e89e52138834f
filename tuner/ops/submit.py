"""``tuner submit``: run an experiment as a Ray Job on a cluster, so it shows on the dashboard's Jobs page."""

from __future__ import annotations

import os
import shlex
import time
from datetime import datetime
from pathlib import Path

from tuner.errors import UserError

TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")


def job_entrypoint(config: str | os.PathLike, overrides: list[str], working_dir: str | None) -> str:
    """The shell command the job runs on the head: ``tuner run FILE --address auto [--set K=V ...]``.

    Args:
        config: the experiment file.
        overrides: ``--set`` values, passed on unchanged.
        working_dir: uploaded with the job; then FILE is given relative to it. Without it FILE is given as an
            absolute path, which the head must see (one machine, or a shared mount).

    Raises:
        UserError: ``config`` is not inside ``working_dir``.
    """
    path = Path(config).expanduser().resolve()
    if working_dir:
        root = Path(working_dir).expanduser().resolve()
        try:
            path = path.relative_to(root)
        except ValueError:
            raise UserError(f"{config} is not inside --working-dir {working_dir}; the job only sees the uploaded "
                            "folder, so put the experiment file in it.") from None
    args = ["tuner", "run", str(path), "--address", "auto"]
    for item in overrides:
        args += ["--set", item]
    return shlex.join(args)


def submit(exp_name: str, config: str, overrides: list[str], address: str, working_dir: str | None = None,
           wait: bool = False, echo=print) -> int:
    """Submit the run as a Ray Job with the cluster's auth token.

    Args:
        exp_name: the experiment's name (names the job).
        config: the experiment file (already validated).
        overrides: ``--set`` values.
        address: the dashboard, e.g. ``http://head:8265``.
        working_dir: a folder to upload with the job (Ray's ``working_dir``), or None.
        wait: follow the job's logs until it ends.
        echo: where lines go.

    Returns:
        0 when submitted (or, with ``wait``, when the job succeeded); 1 when the waited-for job failed.

    Raises:
        UserError: the dashboard cannot be reached or refuses the token.
    """
    from ray.job_submission import JobSubmissionClient

    from tuner.cluster.dashboard import auth_headers, http_url

    url = http_url(address)
    entrypoint = job_entrypoint(config, overrides, working_dir)
    try:
        client = JobSubmissionClient(url, headers=auth_headers(url))
        job_id = client.submit_job(
            entrypoint=entrypoint,
            submission_id=f"tuner-{exp_name}-{datetime.now():%Y%m%d-%H%M%S}",
            runtime_env={"working_dir": str(Path(working_dir).expanduser().resolve())} if working_dir else None,
            metadata={"tool": "tuner", "experiment": exp_name},
        )
    except Exception as exc:  # noqa: BLE001 - requests/ConnectionError/RuntimeError: all mean "cannot submit"
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        hint = (" The cluster refused the token: copy it from the head (`ray get-auth-token`) into "
                "~/.ray/auth_token or RAY_AUTH_TOKEN." if "401" in str(exc) or "403" in str(exc) or
                "nauthorized" in str(exc) else
                " Give the dashboard address of the head, e.g. --address http://HEAD:8265.")
        raise UserError(f"cannot submit to {url}: {first}.{hint}") from None
    echo(f"[tuner] submitted job {job_id}: {entrypoint}")
    echo(f"[tuner] Jobs page: {url}/#/jobs/{job_id}")
    echo(f"[tuner] logs: ray job logs --address {url} --follow {job_id}")
    if not wait:
        return 0
    return _follow(client, job_id, echo)


def _follow(client, job_id: str, echo, poll_s: float = 2.0) -> int:
    """Print the job's logs as they grow until it ends; 0 if it succeeded."""
    shown = 0
    while True:
        status = str(client.get_job_status(job_id)).split(".")[-1]
        logs = client.get_job_logs(job_id)
        if len(logs) > shown:
            echo(logs[shown:].rstrip("\n"))
            shown = len(logs)
        if status in TERMINAL:
            info = client.get_job_info(job_id)
            echo(f"[tuner] job {job_id} {status}" + (f": {info.message}" if status != "SUCCEEDED" and info.message
                                                      else ""))
            return 0 if status == "SUCCEEDED" else 1
        time.sleep(poll_s)
