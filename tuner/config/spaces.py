"""Named, reusable search spaces: ``search_spaces/<name>.yaml`` files that an experiment names in ``model.space``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tuner.config import _yaml
from tuner.config._errors import MUST_BE, NOT_A_MAPPING, SPACE_NOT_FOUND, ConfigError, Where, show
from tuner.config._pydantic import validate
from tuner.config.schema import ParamValue, StartValue, _Frozen


class SearchSpaceFile(_Frozen):
    """A ``search_spaces/*.yaml`` file: the model type it is for, a spec (or fixed value) per param, and
    known-good configurations to try first (:mod:`tuner.config.starts`)."""

    model: str
    params: dict[str, ParamValue]
    starts: list[dict[str, StartValue]] = []


def candidates(name: str, experiment_file: str | Path | None = None) -> list[str]:
    """Where the space ``name`` is looked for, in order, as shown to the user.

    A bare name ``NAME`` is ``search_spaces/NAME.yaml`` in the experiment's parent folder, in the experiment's
    own folder, then in the current directory. A name ending in ``.yaml`` is a path relative to the
    experiment's folder, then to the current directory.
    """
    here = os.path.dirname(os.fspath(experiment_file)) if experiment_file is not None else None
    if name.endswith((".yaml", ".yml")):
        roots = [here, ""] if here is not None and not os.path.isabs(name) else [""]
        paths = [os.path.join(root, name) for root in roots]
    else:
        roots = [os.path.join(here, ".."), here] if here is not None else []
        paths = [os.path.join(root, "search_spaces", f"{name}.yaml") for root in [*roots, ""]]
    unique: dict[str, str] = {}
    for p in paths:
        unique.setdefault(os.path.realpath(p), os.path.normpath(p))
    return list(unique.values())


def find_search_space(name: str, experiment_file: str | Path | None = None) -> Path | None:
    """Find the file of search space ``name``.

    Args:
        name: a space name (``als``) or a path ending in ``.yaml``.
        experiment_file: the experiment that names it; its folder is searched first.

    Returns:
        The first existing candidate (see :func:`candidates`), or None.
    """
    return next((Path(p) for p in candidates(name, experiment_file) if os.path.isfile(p)), None)


def load_space(path: Path, model_type: str) -> tuple[dict[str, Any], list[dict[str, Any]], Where]:
    """Read and validate a search-space file for ``model_type``.

    Returns:
        The params (specs and fixed values), the starts as written, and the Where that names the file.

    Raises:
        ConfigError: naming the space file and the key path in it.
    """
    where = Where(str(path))
    raw = _yaml.read(path, where)
    if not isinstance(raw, dict):
        raise where.error(None, NOT_A_MAPPING.format(keys="model, params", got=show(raw)))
    space = validate(SearchSpaceFile, raw, where)
    if space.model != model_type:
        expected = f"{model_type!r} (the experiment's model.type)"
        raise where.error("model", MUST_BE.format(key="model", expected=expected, got=show(space.model)))
    return dict(space.params), list(space.starts), where


def not_found(name: str, experiment_file: str | Path, where: Where) -> ConfigError:
    """The error for a ``model.space`` that names no existing file, listing the places searched."""
    places = ", ".join(candidates(name, experiment_file))
    return where.error("model.space", SPACE_NOT_FOUND.format(key="model.space", name=name, places=places))
