"""``--set a.b.c=value`` overrides, applied to the parsed YAML before validation."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import yaml

from tuner.config import _yaml
from tuner.config._errors import BAD_OVERRIDE, OVERRIDE_NOT_MAPPING, OVERRIDE_YAML, Where, show
from tuner.errors import shorten


def apply(raw: dict[str, Any], overrides: Sequence[str], where: Where) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Apply ``KEY=VALUE`` overrides; each VALUE is parsed as YAML (``40`` an int, ``{type: int}`` a mapping).

    Args:
        raw: the parsed experiment (not modified).
        overrides: the ``--set`` items, applied in order.
        where: the experiment file, for messages.

    Returns:
        The overridden copy and the dotted keys that were set.

    Raises:
        ConfigError: an item without ``=`` or with an empty key part, invalid YAML in a value, or a key
            that goes through a value that is not a mapping.
    """
    data = copy.deepcopy(raw)
    keys = []
    for item in overrides:
        key, sep, text = item.partition("=")
        parts = key.strip().split(".")
        if not sep or not all(parts):
            raise where.error(None, BAD_OVERRIDE.format(item=shorten(item)))
        try:
            value = _yaml.parse(text)
        except (yaml.YAMLError, _yaml.ShapeError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise where.error(None, OVERRIDE_YAML.format(item=shorten(item), problem=problem)) from None
        node = data
        for i, part in enumerate(parts[:-1]):
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
            if not isinstance(node, dict):
                raise where.error(None, OVERRIDE_NOT_MAPPING.format(item=item, key=".".join(parts[:i + 1]),
                                                                    got=show(node)))
        node[parts[-1]] = value
        keys.append(".".join(parts))
    return data, tuple(keys)
