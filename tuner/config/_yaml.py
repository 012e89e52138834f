"""Reading YAML safely: duplicate keys are errors, ``1e-3`` is a float, syntax errors carry file:line:col."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tuner.config._errors import (DUPLICATE_KEY, NO_SUCH_FILE, TOO_LARGE, UNREADABLE, YAML_STARTED, YAML_SYNTAX,
                                  ConfigError, Where)


MAX_BYTES = 1 << 20  # an experiment or search-space file is a few KiB
MAX_NODES = 100_000  # scalars + collections, every alias counted as what it expands to
MAX_DEPTH = 64


class _Strict:
    """Rejects duplicate keys (mixed into both loaders below)."""

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


class _Loader(_Strict, yaml.SafeLoader):
    """The pure-Python SafeLoader: its syntax error messages are the ones tuner shows."""


# libyaml's parser where PyYAML was built with it (the wheels are): several times faster on a large file
_CLoader = type("_CLoader", (_Strict, yaml.CSafeLoader), {}) if hasattr(yaml, "CSafeLoader") else _Loader

# PyYAML follows YAML 1.1, where 1e-3 is the string '1e-3'; users (and --set) mean the number.
for _cls in {_Loader, _CLoader}:
    _cls.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
                               list("-+0123456789"))


class ShapeError(ValueError):
    """A document too large, too deep or with too many (alias-expanded) values to be an experiment file."""


def check_shape(text: str, loader=_CLoader) -> None:
    """Walk the parser's events (iteratively: no recursion, nothing built) and refuse a document nested deeper
    than :data:`MAX_DEPTH` or holding more than :data:`MAX_NODES` values with every alias expanded, before
    PyYAML composes it (recursively) and before a validator or a message walks the expanded structure.

    Raises:
        ShapeError: the limit hit, with the line.
        yaml.YAMLError: a syntax error (reported as such by the caller).
    """
    from tuner.config._errors import RECURSIVE_ALIAS, TOO_DEEP, TOO_MANY_NODES

    count, sizes, open_ = 0, {}, []
    for ev in yaml.parse(text, Loader=loader):
        if isinstance(ev, yaml.AliasEvent):
            if ev.anchor not in sizes:
                raise ShapeError(RECURSIVE_ALIAS.format(name=ev.anchor, line=ev.start_mark.line + 1))
            count += sizes[ev.anchor]
        elif isinstance(ev, yaml.ScalarEvent):
            count += 1
            if ev.anchor:
                sizes[ev.anchor] = 1
        elif isinstance(ev, yaml.CollectionStartEvent):
            count += 1
            open_.append((ev.anchor, count))
            if len(open_) > MAX_DEPTH:
                raise ShapeError(TOO_DEEP.format(limit=MAX_DEPTH, line=ev.start_mark.line + 1))
        elif isinstance(ev, yaml.CollectionEndEvent):
            anchor, start = open_.pop()
            if anchor:
                sizes[anchor] = count - start + 1
        if count > MAX_NODES:
            raise ShapeError(TOO_MANY_NODES.format(limit=MAX_NODES))


def parse(text: str) -> Any:
    """Parse YAML text (a file's content or a ``--set`` value), after :func:`check_shape`.

    Raises:
        yaml.YAMLError: invalid YAML or a duplicate key.
        ShapeError: too deep, or too many values once aliases are expanded.
    """
    try:
        check_shape(text)
    except yaml.YAMLError:  # libyaml words errors its own way: report it as the Python parser does
        check_shape(text, _Loader)  # its parser is iterative too; raises the same error in its words
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    return yaml.load(text, Loader=_CLoader)  # noqa: S506 - a SafeLoader


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
        with open(path, "rb") as fh:  # read at most MAX_BYTES + 1: /dev/zero or a huge file is refused, not read
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise where.error(None, TOO_LARGE.format(limit=MAX_BYTES))
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise where.error(None, NO_SUCH_FILE) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise where.error(None, UNREADABLE.format(reason=getattr(exc, "strerror", None) or exc)) from None
    try:
        return parse(text)
    except ShapeError as exc:
        raise where.error(None, str(exc)) from None
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
