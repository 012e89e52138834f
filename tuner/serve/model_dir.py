"""Find what to serve from a path the user gives: a model folder, a run directory, or Spark's native ALS folder."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tuner.serve import layout
from tuner.errors import shorten
from tuner.serve.errors import ServeError

__all__ = ["ALS_TYPE", "ModelDir", "resolve_model_dir"]

ALS_TYPE = "spark-als"
#: how a model card written before cards named ``task`` and ``serve`` (tuner <= dc6a6ec) is served; every
#: newer card says it itself, so serving never needs a family's name
_LEGACY = {"spark-als": ("ratings", "als"), "sklearn": ("binary", "skops"), "spark-logreg": ("binary", "spark"),
           "spark-trees": ("binary", "spark")}


@dataclass(frozen=True)
class ModelDir:
    """A resolved model.

    Attributes:
        root: the folder holding model_card.json and the serving files (the native folder itself when none).
        native: the model's own folder (Spark's ALS folder; the sklearn folder with model.skops).
        model_type: ``spark-als``, ``sklearn``, ``spark-logreg``, ...
        card: model_card.json as a dict ({} when there is none).
    """

    root: Path
    native: Path
    model_type: str
    card: dict = field(default_factory=dict)

    @property
    def task(self) -> str:
        """The card's ``task`` (ratings, binary, multiclass, regression, clustering)."""
        return self.card.get("task") or _LEGACY.get(self.model_type, ("ratings", "als"))[0]

    @property
    def serve(self) -> str:
        """What answers for it: ``als`` (factors, numpy), ``skops`` (sklearn, no JVM) or ``spark`` (a local
        Spark runs the saved pipeline: tuner.ops.predict_spark)."""
        return self.card.get("serve") or _LEGACY.get(self.model_type, ("ratings", "als"))[1]

    def require(self, task: str) -> None:
        """Raise ServeError unless this model's task (its card's) is ``task``."""
        if self.task != task:
            raise ServeError(f"{self.root}: a {self.model_type} model of task {self.task}; this command serves "
                             f"{task} models.")


def _from_card(root: Path) -> ModelDir:
    card_file = root / layout.MODEL_CARD
    try:
        card = json.loads(card_file.read_text())
    except (OSError, ValueError) as exc:
        raise ServeError(f"{card_file}: cannot read the model card ({shorten(str(exc))}).") from None
    if not isinstance(card, dict):
        raise ServeError(f"{card_file}: not a JSON object; is this a tuner model card?")
    model_type = card.get("model_type")
    if not model_type or not isinstance(model_type, str):
        raise ServeError(f"{card_file}: no 'model_type' string; is this a tuner model card?")
    path = card.get("path")
    if path is not None and not isinstance(path, str):
        raise ServeError(f"{card_file}: 'path' must be a string, got {shorten(repr(path))}.")
    # ``path`` is absolute when written; after a copy (tuner export) or a move, the folder of that name here.
    name = Path(path or model_type).name
    native = root / name
    try:
        found = native.is_dir()
    except OSError:  # a name longer than the filesystem allows
        found = False
    if not found:
        raise ServeError(f"{root}: the model card names {shorten(name)}/, which is not in this folder.")
    return ModelDir(root, native, model_type, card)


def resolve_model_dir(path: str | Path | ModelDir) -> ModelDir:
    """The model behind ``path``.

    Args:
        path: a model folder (with model_card.json), a run directory (``runs/<name>-<stamp>/``, whose
            ``model/`` is used) or a native Spark ALS folder (``userFactors/`` + ``itemFactors/``).

    Raises:
        ServeError: the path does not exist or holds none of these.
    """
    if isinstance(path, ModelDir):
        return path
    p = Path(path).expanduser()
    if not p.exists():
        raise ServeError(f"{p}: no such model folder or run directory.")
    if (p / layout.MODEL_CARD).is_file():
        return _from_card(p)
    if (p / "model" / layout.MODEL_CARD).is_file():
        return _from_card(p / "model")
    if (p / layout.USER_FACTORS).is_dir() and (p / layout.ITEM_FACTORS).is_dir():
        parent = p.parent
        if (parent / layout.MODEL_CARD).is_file():
            return _from_card(parent)
        return ModelDir(p, p, ALS_TYPE, {})
    if (p / "summary.json").is_file():
        raise ServeError(f"{p}: this run has no exported model (model/model_card.json); only a completed run "
                         "with output.export_model: true has one.")
    raise ServeError(f"{p}: not a model folder (no model_card.json), a run directory (no model/) or a Spark ALS "
                     "folder (no userFactors/ and itemFactors/).")
