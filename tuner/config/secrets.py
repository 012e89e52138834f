"""Credentials in URIs: found and masked before a URI is printed or written anywhere.

A tracking URI such as ``https://user:pw@mlflow.example.com`` (or ``...?token=abc``) carries a secret; tuner
refuses one in ``tracking.uri`` (experiment.yaml would keep it) and masks one that comes from
``$MLFLOW_TRACKING_URI`` in every line, summary.json, report.html and mlflow_run.json.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "has_secret", "redact_uri", "redact_text"]

MASK = "***"
# user:password@ in the authority part; password / token / secret / key parameters in the query
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*):(?P<secret>[^/\s]*)@")
_QUERY = re.compile(r"(?P<head>[?&;][^=&;\s]*(?:pass|token|secret|key|auth)[^=&;\s]*=)(?P<secret>[^&;\s#]*)",
                    re.IGNORECASE)


def has_secret(uri: str) -> bool:
    """True if ``uri`` holds a password in its authority or a token-like query parameter."""
    return redact_uri(uri) != uri


def redact_uri(uri: str) -> str:
    """``uri`` with every password / token value replaced by ``***`` (a URI without one is returned as is)."""
    out = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@" if m["secret"] else m[0], uri)
    return _QUERY.sub(lambda m: m["head"] + MASK if m["secret"] else m[0], out)


def redact_text(text: str) -> str:
    """Every URI inside ``text`` (an error message, a log line) redacted as :func:`redact_uri` does."""
    return redact_uri(text)
