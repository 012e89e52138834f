"""What tuner trusts when it loads a file that could run code: the one allow-list of skops types.

skops refuses every type outside its own default set unless the caller trusts it by name; ``skops.io.load``
with ``trusted=get_untrusted_types(...)`` would trust whatever the file names, ``builtins.exec`` included. So a
type is trusted here only if it is in :data:`SKOPS_TRUSTED`, exactly: the types the shipped estimators' fitted
pipelines hold beyond skops' defaults (measured with ``skops.io.get_untrusted_types`` on each of them).
Both the adapter (``tuner.models.sklearn_model``) and ``tuner predict`` load through :func:`load_skops_file`.
"""

from __future__ import annotations

from pathlib import Path

from tuner.serve.errors import ServeError

__all__ = ["SKOPS_TRUSTED", "UNTRUSTED_TYPES", "load_skops_file", "untrusted_types"]

SKOPS_TRUSTED = frozenset({
    "numpy.dtype",  # every pipeline (the ColumnTransformer's and imputers' dtypes)
    "sklearn.tree._tree.Tree",  # RandomForestClassifier, ExtraTreesClassifier
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",  # HistGradientBoostingClassifier
    # lightgbm.LGBMClassifier (when installed)
    "lightgbm.sklearn.LGBMClassifier", "lightgbm.basic.Booster", "collections.OrderedDict",
})

UNTRUSTED_TYPES = ("{file} holds types tuner does not trust: {types}; tuner loads only the types its own "
                   "estimators need, so this file was not written by tuner (or by a version that trusted more).")


def untrusted_types(file: Path) -> list[str]:
    """The types ``file`` names that neither skops' defaults nor :data:`SKOPS_TRUSTED` cover (reads, runs nothing).

    Raises:
        ServeError: the file is not a skops archive skops can list.
    """
    import skops.io as sio

    try:
        found = sio.get_untrusted_types(file=file)
    except Exception as exc:  # noqa: BLE001 - a corrupt zip or schema: skops raises many types, none runs code
        raise ServeError(f"{file}: not a readable skops file ({type(exc).__name__}: {str(exc)[:200]}).") from None
    return sorted(t for t in found if t not in SKOPS_TRUSTED)


def load_skops_file(file: str | Path):
    """The object in a skops file, trusting only :data:`SKOPS_TRUSTED` beyond skops' defaults.

    Raises:
        ServeError: a missing file, a type outside the list (the message names each), or a file skops cannot load.
    """
    import skops.io as sio

    file = Path(file)
    if not file.is_file():
        raise ServeError(f"{file}: no such skops file.")
    bad = untrusted_types(file)
    if bad:
        shown = ", ".join(t[:120] for t in bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise ServeError(UNTRUSTED_TYPES.format(file=file, types=shown))
    try:
        return sio.load(file, trusted=sorted(SKOPS_TRUSTED))
    except Exception as exc:  # noqa: BLE001 - only trusted types are constructed; anything else is a broken file
        raise ServeError(f"{file}: cannot load the model ({type(exc).__name__}: {str(exc)[:200]}).") from None
