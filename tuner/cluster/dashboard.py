"""Talk to a Ray dashboard's REST API with Ray's token authentication (on by default since Ray 2.60)."""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from tuner.cluster.errors import ClusterError


def auth_token() -> str | None:
    """The cluster token the way Ray finds it: ``RAY_AUTH_TOKEN``, the file ``RAY_AUTH_TOKEN_PATH``, then
    ``~/.ray/auth_token`` (written by the first ``ray start`` / ``ray.init`` on this machine)."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return os.environ["RAY_AUTH_TOKEN"].strip()
    path = Path(os.environ.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token").expanduser()
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


PLAIN_HTTP_TOKEN = ("[tuner] warning: the cluster token goes to {host} over plain http: anyone on the network path "
                    "can read it and run code on the cluster. Use https (a TLS proxy in front of the dashboard) or "
                    "an SSH tunnel (ssh -L 8265:localhost:8265 {host_only}, then --address http://127.0.0.1:8265).")


def plain_http_warning(url: str) -> str | None:
    """The warning for sending a token to ``url``: plain http to a host that is not this machine; else None."""
    import ipaddress

    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:  # a name, not an address
        pass
    return PLAIN_HTTP_TOKEN.format(host=parts.netloc, host_only=host)


def auth_headers(url: str | None = None, warn=None) -> dict[str, str]:
    """``{"Authorization": "Bearer <token>"}``, or ``{}`` when there is no token (auth disabled).

    Args:
        url: where the header goes; plain http to another machine prints :func:`plain_http_warning` once.
        warn: where that line goes (default: stderr).
    """
    token = auth_token()
    if not token:
        return {}
    line = plain_http_warning(url) if url else None
    if line and line not in _WARNED:
        _WARNED.add(line)
        (warn or (lambda s: print(s, file=sys.stderr)))(line)
    return {"Authorization": f"Bearer {token}"}


_WARNED: set[str] = set()


def http_url(address: str) -> str:
    """``head:8265`` or ``http://head:8265/`` -> ``http://head:8265``."""
    url = address if "://" in address else f"http://{address}"
    return url.rstrip("/")


def get_json(dashboard_url: str, path: str, params: dict | None = None, timeout: float = 30) -> dict:
    """GET ``path`` from the dashboard with the auth header.

    Raises:
        ClusterError: not reachable, or 401/403 (with how to give the token).
    """
    url = http_url(dashboard_url) + path + (("?" + urllib.parse.urlencode(params, doseq=True)) if params else "")
    req = urllib.request.Request(url, headers={"Accept": "application/json", **auth_headers(url)})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode())
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise ClusterError(f"{url}: the Ray dashboard refused the request ({exc.code}). Put the cluster's token "
                               "in ~/.ray/auth_token or RAY_AUTH_TOKEN (`ray get-auth-token` on the head prints "
                               "it).") from None
        raise ClusterError(f"{url}: HTTP {exc.code}: {exc.read()[:200]!r}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ClusterError(f"{url}: cannot reach the Ray dashboard ({exc}). Check the address and that the head "
                           "was started with the dashboard (ray[default]).") from None


def list_actors(dashboard_url: str, name: str | None = None, state: str | None = "ALIVE") -> list[dict]:
    """Actors from the dashboard's state API (``/api/v0/actors``), optionally filtered by name and state."""
    keys, preds, values = [], [], []
    for key, value in (("name", name), ("state", state)):
        if value is not None:
            keys.append(key)
            preds.append("=")
            values.append(value)
    params = {"limit": 1000, "detail": 1}
    if keys:
        params.update(filter_keys=keys, filter_predicates=preds, filter_values=values)
    body = get_json(dashboard_url, "/api/v0/actors", params)
    return body.get("data", {}).get("result", {}).get("result", [])
