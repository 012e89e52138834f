"""Reading YAML safely: duplicate keys are errors, ``1e-3`` is a float, syntax errors carry file:line:col."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tuner.config._errors import (DUPLICATE_KEY, NO_SUCH_FILE, UNREADABLE, YAML_STARTED, YAML_SYNTAX, ConfigError,
                                  Where)


class _Loader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys and reads YAML 1.2 floats without a dot (``1e-3``)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, DUPLICATE_KEY.format(key=key),
                        key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


# PyYAML follows YAML 1.1, where 1e-3 is the string '1e-3'; users (and --set) mean the number.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789"))


def parse(text: str) -> Any:
    """Parse YAML text (a file's content or a ``--set`` value).

    Raises:
        yaml.YAMLError: invalid YAML or a duplicate key.
    """
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader


def read(path: Path, where: Where) -> Any:
    """Read and parse one YAML file.

    Args:
        path: the file.
        where: how the file is named in messages.

    Returns:
        The parsed document (None for an empty file).

    Raises:
        ConfigError: missing or unreadable file, or a YAML syntax error (with line and column).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise where.error(None, NO_SUCH_FILE) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise where.error(None, UNREADABLE.format(reason=getattr(exc, "strerror", None) or exc)) from None
    try:
        return parse(text)
    except yaml.YAMLError as exc:
        raise syntax_error(exc, where) from None


def syntax_error(exc: yaml.YAMLError, where: Where) -> ConfigError:
    """A ConfigError for a YAML error, positioned at its problem mark when there is one."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    body = YAML_SYNTAX.format(problem=problem)
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    parsing = isinstance(exc, (yaml.parser.ParserError, yaml.scanner.ScannerError))
    if parsing and context and start is not None and (start.line, start.column) != (mark.line, mark.column):
        # where the broken construct starts (e.g. the list opened two lines up), besides where parsing gave up
        body += YAML_STARTED.format(context=context, line=start.line + 1, column=start.column + 1)
    if mark is None:
        return where.error(None, body)
    return where.error(None, body, line=mark.line + 1, column=mark.column + 1)
