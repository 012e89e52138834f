"""One format for every config mistake: ``file[:line:col]: <key path> <problem>, got <value> (<hint>).``

The templates are module constants so tests can match them. A message ends with a period, except after a
``(did you mean ...?)`` hint.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tuner.errors import MESSAGE_LIMIT, UserError, shorten

MUST_BE = "{key} must be {expected}, got {got}"
REQUIRED = "{key} is required"
REQUIRED_ONE_OF = "{key} is required: {expected}"
UNKNOWN_KEY = "unknown key {name!r} in {parent}"
TOP_LEVEL = "the top level"
KEYED = "{key}: {problem}"
ONE_OF = "one of {options}"
DID_YOU_MEAN = " (did you mean {match!r}?)"
FROM_SET = " (from --set)"

NO_SUCH_FILE = "no such file"
UNREADABLE = "cannot be read: {reason}"
YAML_SYNTAX = "YAML syntax error: {problem}"
YAML_STARTED = " ({context} started at line {line}, column {column})"
DUPLICATE_KEY = "found duplicate key {key!r}"
TOO_LARGE = "is larger than {limit} bytes, too large for an experiment file"
TOO_MANY_NODES = ("holds more than {limit} values once its aliases are expanded (an alias bomb?); an experiment "
                  "file needs far fewer")
TOO_DEEP = "nests deeper than {limit} levels at line {line}; an experiment file needs far fewer"
RECURSIVE_ALIAS = "alias *{name} at line {line} refers to the collection it is in"
NOT_A_MAPPING = "the top level must be a mapping of keys ({keys}), got {got}"

BAD_OVERRIDE = "--set {item!r} must be KEY=VALUE, e.g. --set search.num_samples=40"
OVERRIDE_YAML = "--set {item!r}: the value is not valid YAML: {problem}"
OVERRIDE_NOT_MAPPING = "--set {item!r}: {key} must be a mapping to set keys in it, got {got}"

LOW_HIGH = "low ({low}) must be <= high ({high})"
STEP_MULTIPLE = "high - low ({span}) must be a multiple of step ({step})"
INCREASING = "must be increasing fractions in (0, 1), e.g. [0.1, 0.3], got {got}"
RATING_SCALE = "must be [low, high] with low < high, got [{low}, {high}]"
RELEVANT_ABOVE_SCALE = ("must be <= the top of data.rating_scale ({high}), or no held-out rating is relevant "
                        "and every ranking metric is 0, got {got}")
NEEDS_SOURCE = ("needs data.path (a file or folder) or data.download (a MovieLens name), or format: synthetic "
                "(ratings) or synthetic-churn (a churn table)")
RANKED = ", or {names} with K a positive int"
PATH_WITH_SYNTHETIC = ("{key} is set, but data.format is {format!r}, which generates its data and would ignore "
                       "the file: set data.format to auto (or the file's format), or remove {key}")
MODE_CONTRADICTS = ("{key} is {mode!r}, but {metric} is {right}imised: the search would look for the worst model "
                    "(leave {key} out: it follows the metric)")
DOWNLOAD_RATINGS_ONLY = ("{key} fetches MovieLens ratings, which {model} ({task}) cannot use: set data.path "
                         "to a CSV or Parquet table")
BRANCH_KEY_NOT_STR = ("branches take string choices only (a branch is named by its value), got {got}: use "
                      "string values, e.g. values: [a, b]")
BRANCH_NOT_A_VALUE = "branch {name!r} is not one of the choice's values"
COLUMN_TWICE = "column {name!r} is named in both {first} and {second}"
NEEDS_LABEL = "{key} is required for model type {model!r} on task {task!r} (the label column of the table)"
WRONG_TASK = "{key} {format!r} makes {made}, but model type {model!r} on task {task!r} needs {needs}"
TASK_OF_FAMILY = "{key} {task!r} is not a task of model type {model!r}, whose tasks are {tasks}"
LABEL_MISFIT = ("{key} {label!r} does not fit data.task {task!r}: the first {rows} rows of {path} hold {why}")
FIXED_PARAM = "{key} must be a fixed value, not a search space: {why}"
SCALAR = "a number, a string or true/false"
PARAM_VALUE = "a number, a string, true/false or a search space mapping like {type: int, low: 1, high: 10}"

START_NOT_IN_SPACE = "{key} must be a value the search space can draw ({space}), got {got}"
START_OTHER_BRANCH = ("{name} belongs to the {value!r} branch of {choice}, but this start chooses {got}: set "
                      "{choice} to that branch in the same start, or leave {name} out")
SPACE_NOT_FOUND = "{key} {name!r}: no search space file found; looked for {places}"
SPACE_KIND = "{key} {space!r} draws {draws}, but {name} must be {expected} (use type: {fix})"
NOTHING_TO_TUNE = ("{key} has nothing to tune: name a search space in model.space or make a param a space, "
                   "e.g. {{type: int, low: 1, high: 10}}")
GRACE_FOLDS = ("{key} ({grace}) must be <= the budget steps ({folds}: data.folds plus scheduler.data_fractions): "
               "ASHA can only stop a trial after a whole step")


class ConfigError(UserError):
    """A mistake in an experiment or search-space file (or a ``--set`` override).

    Attributes:
        file: the file as the user gave it (relative stays relative).
        key: the dotted key path at fault, or None for file-level problems.
        message: the text after ``file:``; ``str(error)`` is the full one-line message.
        line, column: 1-based position for YAML syntax errors, else None.
    """

    def __init__(self, file: str, key: str | None, message: str, line: int | None = None,
                 column: int | None = None):
        Exception.__init__(self, file, key, message, line, column)
        self.file, self.key, self.message, self.line, self.column = file, key, message, line, column

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.message}"

    def __reduce__(self):
        return (type(self), (self.file, self.key, self.message, self.line, self.column))


@dataclass(frozen=True)
class Where:
    """The file errors are reported against, and which dotted keys came from ``--set``."""

    file: str
    set_keys: tuple[str, ...] = ()

    def from_set(self, key: str) -> bool:
        """True if ``key`` is, or lies under, a key set with ``--set``."""
        return any(key == k or key.startswith((k + ".", k + "[")) for k in self.set_keys)

    def error(self, key: str | None, body: str, *, line: int | None = None,
              column: int | None = None) -> ConfigError:
        """A ConfigError for ``key`` with ``body`` (built from a template), marked if it came from ``--set``."""
        if key is not None and self.from_set(key):
            body += FROM_SET
        if not body.endswith(("?)", ".")):
            body += "."
        return ConfigError(self.file, key, shorten(body, MESSAGE_LIMIT), line, column)


def dotted(path: Iterable[str | int]) -> str:
    """``('model', 'params', 'x', 'values', 1)`` -> ``'model.params.x.values[1]'``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def show(value: Any) -> str:
    """A value as the user wrote it in YAML: ``true``, ``null``, ``'abc'``, ``0.5``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return shorten(repr(value))


def one_of(options: Iterable[Any]) -> str:
    """``one of 'a', 'b'`` (``null`` included as such)."""
    return ONE_OF.format(options=", ".join(show(o) for o in options))


def did_you_mean(word: Any, options: Sequence[str]) -> str:
    """The ``(did you mean 'x'?)`` hint for the closest option, or '' if none is close."""
    match = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return DID_YOU_MEAN.format(match=match[0]) if match else ""


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


def expected(kind: str, low: float | None = None, high: float | None = None, low_exclusive: bool = False,
             high_exclusive: bool = False) -> str:
    """Words for an allowed value, e.g. ``an int >= 1`` or ``a number > 0 and < 1``.

    Args:
        kind: 'int', 'float', 'bool' or 'str'.
        low, high: bounds, or None.
        low_exclusive, high_exclusive: whether a bound itself is excluded.

    Returns:
        The phrase that follows "must be".
    """
    noun = {"int": "an int", "float": "a number", "bool": "true or false", "str": "a string"}[kind]
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if low_exclusive else '>='} {_number(low)}")
    if high is not None:
        bounds.append(f"{'<' if high_exclusive else '<='} {_number(high)}")
    return " ".join([noun, " and ".join(bounds)]) if bounds else noun


TRACKING_URI = ("must be a URI with a scheme, e.g. sqlite:////abs/path/mlflow.db or http://host:5000 "
                "(or leave it out: $MLFLOW_TRACKING_URI, else <output.dir>/mlflow.db), got {got!r}")
AT_MOST = "must be at most {limit}, got {got}"
ONE_CHARACTER = "must be one character, e.g. ',' or ';' (a tab: \"\\t\"), got {got!r}"
MEMORY_SIZE = ("must be a JVM memory size of at least 128m and at most 9t (a number and k, m, g or t: 512m, "
               "2g), got {got!r}")
TRACKING_SECRET = ("must not hold a password or token (got {got!r}): experiment.yaml, summary.json and the "
                   "output would keep it; set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or "
                   "MLFLOW_TRACKING_TOKEN) in the environment instead")
OBJECTIVE_METRIC = "{key} must be {expected}, got {got}"
ASHA_MULTI = ("{key} is 'asha', but search.objectives names {n} objectives: ASHA stops trials by comparing one "
              "metric at each step and cannot rank on several (set scheduler.type: fifo)")
PATIENCE_MULTI = ("{key} stops the search when the best of one metric stops improving, but search.objectives names "
                  "{n} objectives, which have a front of bests, not one (remove {key})")
METRIC_NOT_PRIMARY = ("{key} is {got!r}, but with search.objectives the metric that ranks the front is {primary!r} "
                      "(search.select.metric, else the first objective): remove {key} or make them agree")
SELECT_NEEDS_OBJECTIVES = "{key} chooses a member of a Pareto front, which needs search.objectives (2 or more)"
SELECT_KEY = "{key} must be metric or max_<objective> / min_<objective> with <objective> {names}, got {got!r}"
SELECT_BOUND = "{key} must be a number, got {got}"
SAMPLER_MULTI = ("{key} is 'skgp', whose expected improvement ranks one metric, but search.objectives names {n} "
                 "objectives (use tpe, random, qmc or gp: Optuna's own handle several)")
GP_NEEDS_TORCH = ("'gp' needs torch, which is not installed: pip install 'tuner[gp]' (or choose 'auto', 'tpe' or "
                  "'qmc', which need no torch)")
