"""Translate a pydantic ValidationError into tuner's one-line ConfigError, using the fields' declared constraints."""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from tuner.config._errors import (KEYED, MUST_BE, PARAM_VALUE, REQUIRED, REQUIRED_ONE_OF, SCALAR, TOP_LEVEL,
                                  UNKNOWN_KEY, ConfigError, Where, did_you_mean, dotted, expected, one_of, show)
from tuner.config.schema import SPACE_TYPES

M = TypeVar("M", bound=BaseModel)
_KINDS = {int: "int", float: "float", bool: "bool", str: "str"}


def validate(model: type[M], data: Any, where: Where) -> M:
    """Validate ``data`` as ``model``.

    Args:
        model: the pydantic class of the whole file (e.g. Experiment).
        data: the parsed YAML (after ``--set`` overrides).
        where: the file errors are reported against.

    Returns:
        The validated, frozen object.

    Raises:
        ConfigError: the first problem; an unknown key is reported before the missing keys it may explain.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
        raise translate(errors[0], data, model, where) from None


def translate(error: Mapping[str, Any], data: Any, model: type[BaseModel], where: Where) -> ConfigError:
    """One pydantic error dict -> ConfigError with a dotted key path (union-branch tags dropped)."""
    kind, value = error["type"], error.get("input")
    path = _data_path(error["loc"], data, keep_last=kind == "missing")
    if kind == "missing" and isinstance(path[-1], int):  # a list too short for its tuple
        path, kind = path[:-1], "too_short"
    key = dotted(path)
    if kind == "extra_forbidden":
        parent = _field(model, path[:-1], data)[0]
        options = list(parent.model_fields) if _is_model(parent) else []
        body = UNKNOWN_KEY.format(name=path[-1], parent=dotted(path[:-1]) or TOP_LEVEL)
        return where.error(key, body + did_you_mean(path[-1], options))
    if kind == "missing":
        return where.error(key, REQUIRED.format(key=key))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        key = dotted([*path, "type"])
        if kind == "union_tag_not_found":
            return where.error(key, REQUIRED_ONE_OF.format(key=key, expected=one_of(SPACE_TYPES)))
        tag = error["ctx"]["tag"]
        body = MUST_BE.format(key=key, expected=one_of(SPACE_TYPES), got=show(tag))
        return where.error(key, body + did_you_mean(tag, SPACE_TYPES))
    if kind in ("value_error", "assertion_error"):
        problem = str(error["ctx"]["error"]) if "error" in error.get("ctx", {}) else error["msg"]
        if not key:
            return where.error(None, problem)
        return where.error(key, f"{key} {problem}" if problem.startswith(("must ", "needs ")) else
                           KEYED.format(key=key, problem=problem))
    if kind == "param_value":
        return where.error(key, MUST_BE.format(key=key, expected=PARAM_VALUE, got=show(value)))
    ann, meta, nullable = _field(model, path, data)
    words = _describe(ann, meta, nullable)
    if words is None:
        problem = f"{error['msg'][0].lower()}{error['msg'][1:]}, got {show(value)}"
        return where.error(key, KEYED.format(key=key, problem=problem))
    hint = did_you_mean(value, [str(a) for a in get_args(ann)]) if get_origin(ann) is Literal else ""
    return where.error(key, MUST_BE.format(key=key, expected=words, got=show(value)) + hint)


def _data_path(loc: tuple, data: Any, keep_last: bool) -> list[str | int]:
    """The loc items that are keys/indexes into ``data``; the rest are union-branch tags."""
    path, node = [], data
    for i, part in enumerate(loc):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif not (keep_last and i == len(loc) - 1):
            continue
        path.append(part)
    return path


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _unwrap(ann: Any, value: Any) -> tuple[Any, list, bool]:
    """Strip Annotated and Optional and follow the union branch ``value`` takes.

    Returns:
        (annotation, constraint metadata, whether null is allowed).
    """
    meta: list = []
    nullable = False
    while True:
        origin = get_origin(ann)
        if origin is Annotated:
            ann, *extras = get_args(ann)
            for x in extras:
                meta.extend(x.metadata if isinstance(x, FieldInfo) else [x])
        elif origin in (Union, types.UnionType):
            args = get_args(ann)
            options = [a for a in args if a is not type(None)]
            nullable = nullable or len(options) < len(args)
            branch = options[0] if len(options) == 1 else _branch(options, value)
            if branch is None:
                return ann, meta, nullable
            ann = branch
        else:
            return ann, meta, nullable


def _bare(ann: Any) -> Any:
    while get_origin(ann) is Annotated:
        ann = get_args(ann)[0]
    return ann


def _branch(options: list, value: Any) -> Any:
    for opt in options:
        base = _bare(opt)
        if isinstance(value, Mapping):
            if get_origin(base) in (Union, types.UnionType):
                return opt
            if _is_model(base) and "type" in base.model_fields:
                if value.get("type") in get_args(base.model_fields["type"].annotation):
                    return opt
        elif base in _KINDS and isinstance(value, base) and (base is bool) == isinstance(value, bool):
            return opt
    return None


def _field(model: type[BaseModel], path: list, data: Any) -> tuple[Any, list, bool]:
    """The annotation, constraints and nullability of the field at ``path`` (None if there is no such field)."""
    ann, meta, node = model, [], data
    for part in path:
        ann = _unwrap(ann, node)[0]
        if _is_model(ann) and isinstance(part, str) and part in ann.model_fields:
            info = ann.model_fields[part]
            ann, meta = info.annotation, list(info.metadata)
        elif get_origin(ann) is dict:
            ann, meta = get_args(ann)[1], []
        elif get_origin(ann) in (list, tuple) and isinstance(part, int):
            args = get_args(ann)
            ann, meta = (args[0] if get_origin(ann) is list or args[-1] is Ellipsis else args[part]), []
        else:
            return None, [], False
        node = node[part] if isinstance(node, (Mapping, list, tuple)) and _has(node, part) else None
    ann, more, nullable = _unwrap(ann, node)
    return ann, meta + more, nullable


def _has(node: Any, part: Any) -> bool:
    return part in node if isinstance(node, Mapping) else isinstance(part, int) and 0 <= part < len(node)


def _describe(ann: Any, meta: list, nullable: bool) -> str | None:
    """Words for what a field accepts, from its type and declared constraints (``an int >= 1``)."""
    if get_origin(ann) is Literal:
        words = one_of(get_args(ann))
    elif ann in _KINDS:
        low = high = None
        low_x = high_x = False
        for m in meta:
            if isinstance(m, (at.Ge, at.Gt)):
                low, low_x = (m.ge, False) if isinstance(m, at.Ge) else (m.gt, True)
            elif isinstance(m, (at.Le, at.Lt)):
                high, high_x = (m.le, False) if isinstance(m, at.Le) else (m.lt, True)
        words = expected(_KINDS[ann], low, high, low_x, high_x)
        pattern = next((m.pattern for m in meta if getattr(m, "pattern", None)), None)
        if pattern:
            words += f" matching {pattern!r}"
    elif get_origin(ann) is tuple and Ellipsis not in get_args(ann):
        kinds = {_KINDS.get(a) for a in get_args(ann)}
        noun = {"float": "numbers", "int": "ints"}.get(kinds.pop(), "values") if len(kinds) == 1 else "values"
        words = f"a list of {len(get_args(ann))} {noun}"
    elif get_origin(ann) is list:
        least = next((m.min_length for m in meta if isinstance(m, at.MinLen)), 0)
        words = f"a list of at least {least} value{'s' * (least != 1)}" if least else "a list"
    elif _is_model(ann) or get_origin(ann) is dict:
        words = "a mapping"
    elif get_origin(ann) in (Union, types.UnionType):
        words = SCALAR if all(_bare(a) in _KINDS for a in get_args(ann)) else PARAM_VALUE
    else:
        return None
    return words + " or null" if nullable else words
