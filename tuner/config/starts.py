"""Known-good starting configurations (``starts:``), tried before the sampler's own picks.

A search space file (or an experiment's ``model.starts``) may list a few configurations that experience says
are good: Spark's or scikit-learn's defaults, the values that won on the data sets in docs/benchmarks.md. They
become the search's first trials (Optuna's ``enqueue_trial``), so a short search is never worse than its best
start. A start names searched params by their flat names (:func:`flat_space`: ``rank``, or
``LogisticRegression.C`` inside a conditional choice); a param it leaves out is drawn by the sampler.

The space file's starts are hints: where the experiment fixes a param or narrows its range, the start's value
for it is left out (the sampler draws it). The experiment's own ``model.starts`` are the user's words and are
checked strictly: an unknown name or a value outside the space is a config error.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from tuner.config._errors import (START_NOT_IN_SPACE, START_OTHER_BRANCH, UNKNOWN_KEY, Where, did_you_mean, show)
from tuner.config.families import short_name
from tuner.config.schema import ChoiceSpec, IntSpec, LogIntSpec, LogUniformSpec, UniformSpec, is_space


def branch_key(choice: Any, param: str) -> str:
    """The flat name of a branch param: ``RandomForestClassifier.max_depth`` for choice
    ``sklearn.ensemble.RandomForestClassifier`` (the last dotted part of the choice, then the param)."""
    return f"{short_name(choice)}.{param}"


def flat_space(params: Mapping[str, Any]) -> dict[str, Any]:
    """Every searched name with its spec, branch params included under :func:`branch_key` names.

    Returns:
        name -> spec, in declaration order (a choice before its branches).
    """
    out: dict[str, Any] = {}
    for name, spec in params.items():
        if not is_space(spec):
            continue
        out[name] = spec
        for choice, branch in (getattr(spec, "branches", None) or {}).items():
            out.update({branch_key(choice, k): v for k, v in branch.items() if is_space(v)})
    return out


def contains(spec: Any, value: Any) -> bool:
    """True if the space ``spec`` can draw ``value`` (bounds inclusive, an int spec's step respected)."""
    if isinstance(spec, ChoiceSpec):
        return _choice(spec, value) is not None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    if isinstance(spec, (IntSpec, LogIntSpec)):
        step = getattr(spec, "step", 1)
        return isinstance(value, int) and spec.low <= value <= spec.high and (value - spec.low) % step == 0
    if isinstance(spec, (UniformSpec, LogUniformSpec)):
        return spec.low <= value <= spec.high
    return False


def resolve_starts(starts: list[Mapping[str, Any]], params: Mapping[str, Any], where: Where, key: str,
                   strict: bool) -> list[dict[str, Any]]:
    """The starts that fit the merged ``params``: each restricted to searched names and values they can draw.

    Args:
        starts: the configurations as written (flat names -> values).
        params: the merged ``model.params`` (space + experiment).
        where: the file the starts came from, for messages.
        key: their key path there (``starts`` in a space file, ``model.starts`` in an experiment).
        strict: True for the user's own starts (an unknown name or an out-of-space value is an error); False for
            a space file's hints (such a value is left out and drawn by the sampler).

    Returns:
        The starts in order, duplicates and empty ones left out.

    Raises:
        ConfigError: with ``strict``, naming ``key[i].name``, what the space allows and the value.
    """
    flat = flat_space(params)
    choices = {n: s for n, s in params.items() if isinstance(s, ChoiceSpec) and s.branches}
    out: list[dict[str, Any]] = []
    for i, start in enumerate(starts):
        kept: dict[str, Any] = {}
        for name, value in start.items():
            at = f"{key}[{i}].{name}"
            spec = flat.get(name)
            if spec is None or not contains(spec, value):
                if strict and spec is None:
                    raise where.error(at, UNKNOWN_KEY.format(name=name, parent=f"{key}[{i}]")
                                      + (did_you_mean(name, list(flat)) or f" (searched: {', '.join(flat)})"))
                if strict:
                    raise where.error(at, START_NOT_IN_SPACE.format(key=at, space=_words(spec), got=show(value)))
                continue
            # the space's own value and type: a choice's 0.0 for a written 0, a float range's 1.0 for 1
            kept[name] = _choice(spec, value) if isinstance(spec, ChoiceSpec) else (
                float(value) if isinstance(spec, (UniformSpec, LogUniformSpec)) else value)
        for name in list(kept):
            owner = _branch_owner(name, choices)
            if owner is not None and short_name(kept.get(owner[0], "")) != owner[1]:
                if strict:
                    raise where.error(f"{key}[{i}].{name}", START_OTHER_BRANCH.format(
                        name=name, choice=owner[0], value=owner[1], got=show(kept.get(owner[0]))))
                del kept[name]
        if kept and kept not in out:
            out.append(kept)
    return out


def _choice(spec: ChoiceSpec, value: Any) -> Any:
    """The value of ``spec`` equal to ``value`` (0 and 0.0 alike; true is not 1, '1' is not 1), or None."""
    for v in spec.values:
        if v == value and isinstance(v, bool) == isinstance(value, bool) and isinstance(v, str) == isinstance(value, str):
            return v
    return None


def _branch_owner(name: str, choices: Mapping[str, ChoiceSpec]) -> tuple[str, str] | None:
    """(choice param, short branch name) of a branch param's flat name, or None for a top-level param."""
    for choice, spec in choices.items():
        for value, branch in (spec.branches or {}).items():
            if any(branch_key(value, p) == name for p in branch):
                return choice, short_name(value)
    return None


def _words(spec: Any) -> str:
    if isinstance(spec, ChoiceSpec):
        return "one of " + ", ".join(show(v) for v in spec.values)
    step = f" in steps of {spec.step}" if getattr(spec, "step", 1) != 1 else ""
    kind = "an int" if isinstance(spec, (IntSpec, LogIntSpec)) else "a number"
    return f"{kind} in [{spec.low}, {spec.high}]{step}"
