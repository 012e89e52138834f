"""Experiment YAML -> validated, frozen Experiment (and back)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tuner.config import _overrides, _yaml
from tuner.config._checks import check_experiment, check_params, model_type
from tuner.config._errors import NOT_A_MAPPING, Where, show
from tuner.config._pydantic import validate
from tuner.config.objectives import check_objectives, resolved_objective
from tuner.config.schema import Experiment
from tuner.config.spaces import find_search_space, load_space, not_found
from tuner.config.starts import resolve_starts


def load_experiment(path: str | Path, overrides: Sequence[str] = ()) -> Experiment:
    """Read, override, merge and validate an experiment file. Starts no JVM and imports no Ray.

    ``model.space: NAME`` merges ``search_spaces/NAME.yaml`` (see :func:`tuner.config.find_search_space`)
    under ``model.params``: an experiment param replaces the space's spec of the same name. Without a
    ``model.space`` key the model type's default space is merged if it is found; ``space: null`` merges none.

    Args:
        path: the experiment YAML; messages show it as given.
        overrides: ``--set`` items ``a.b.c=value``, applied before validation; values are parsed as YAML.

    Returns:
        The Experiment with merged ``model.params``, ``model.space`` None, and ``search.metric`` /
        ``search.mode`` filled from the model type when not set.

    Raises:
        ConfigError: the first problem found, as ``file: key.path message``.
    """
    where = Where(os.fspath(path))
    raw = _yaml.read(Path(path), where)
    if not isinstance(raw, dict):
        raise where.error(None, NOT_A_MAPPING.format(keys="name, data, model, ...", got=show(raw)))
    raw, set_keys = _overrides.apply(raw, overrides, where)
    where = Where(where.file, set_keys)
    exp = validate(Experiment, raw, where)
    mt = model_type(exp, where)

    space_params: dict[str, Any] = {}
    space_starts: list[dict[str, Any]] = []
    space_where = where
    name = raw["model"].get("space", mt.default_space)  # a validated model block came as a mapping
    if name is not None:
        found = find_search_space(name, path)
        if found is None and exp.model.space is not None:
            raise not_found(name, path, where)
        if found is not None:
            space_params, space_starts, space_where = load_space(found, mt.name)

    params = {**space_params, **exp.model.params}
    origins = {k: (space_where, "params") for k in space_params}
    origins.update({k: (where, "model.params") for k in exp.model.params})
    check_params(params, mt, origins)
    check_experiment(exp, params, mt, where)
    check_objectives(exp, mt, where)
    written = {k: f"{_shown(w.file)} {prefix}.{k}" for k, (w, prefix) in origins.items()}

    if exp.model.starts is None:
        starts = resolve_starts(space_starts, params, space_where, "starts", strict=False)
    else:
        starts = resolve_starts(exp.model.starts, params, where, "model.starts", strict=True)

    metric, mode = resolved_objective(exp, mt)
    return exp.model_copy(update={
        "data": exp.data.model_copy(update={"task": mt.task}),
        "model": exp.model.model_copy(update={"space": None, "params": params, "starts": starts,
                                              "param_origins": {**written, **exp.model.param_origins}}),
        "search": exp.search.model_copy(update={"metric": metric, "mode": mode}),
    })


def experiment_to_dict(exp: Experiment) -> dict[str, Any]:
    """A plain, JSON/YAML-safe dict of ``exp``, every key explicit.

    ``model.space`` is written as null and ``model.params`` hold the merged params, so loading the dump
    does not merge a space again: ``load_experiment`` of it gives an Experiment equal to ``exp``.

    Args:
        exp: a loaded Experiment.

    Returns:
        Nested dicts, lists and scalars.
    """
    data = exp.model_dump(mode="json")
    data["model"]["space"] = None
    return data


def _shown(file: str) -> str:
    """``file`` relative to the working directory when it lies below it (as a user would type it)."""
    try:
        rel = os.path.relpath(file)
    except ValueError:  # another drive (Windows)
        return file
    return file if rel.startswith("..") else rel
