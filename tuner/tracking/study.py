"""The Optuna study of a run, kept in the run directory (``optuna.db``, RDB storage on SQLite).

OptunaSearch writes each trial to it as Tune reports it, so ``optuna-dashboard <run>/optuna.db`` shows the
search live and afterwards. The storage URL is absolute: the searcher (and its storage) is pickled into
Tune's experiment state and unpickled by ``Tuner.restore``, possibly from another working directory.
"""

from __future__ import annotations

from pathlib import Path

STUDY_FILE = "optuna.db"  # its own file: Optuna and MLflow both keep an alembic version table


def storage_url(run_dir: str | Path) -> str:
    """``sqlite:////abs/run_dir/optuna.db``."""
    return "sqlite:///" + str(Path(run_dir).expanduser().resolve() / STUDY_FILE)


def study_storage(run_dir: str | Path):
    """The run's ``optuna.storages.RDBStorage`` (the file is created on first use)."""
    import optuna

    return optuna.storages.RDBStorage(storage_url(run_dir))


def study_name(run_dir: str | Path, storage=None) -> str:
    """The study's name: the one study already in the file, else the run directory's name (unique per run)."""
    import optuna

    path = Path(run_dir).expanduser().resolve()
    if (path / STUDY_FILE).is_file():
        names = optuna.get_all_study_names(storage or study_storage(path))
        if len(names) == 1:
            return names[0]
    return path.name


def searcher_args(run_dir: str | Path) -> dict:
    """``OptunaSearch(..., **searcher_args(run_dir))``: ``study_name`` and ``storage`` for the run's study."""
    storage = study_storage(run_dir)
    return {"study_name": study_name(run_dir, storage), "storage": storage}


def study_ref(run_dir: str | Path) -> dict:
    """What summary.json names: ``{"storage": "sqlite:////abs/optuna.db", "name": ...}``."""
    return {"storage": storage_url(run_dir), "name": study_name(run_dir)}


def close_stale_trials(run_dir: str | Path) -> int:
    """Mark trials still RUNNING in the study as FAIL; call after ``Tuner.fit`` returns.

    A driver killed between Optuna's ``ask`` and Tune's next state checkpoint leaves a RUNNING trial in the
    study that Tune never hears of again (the restored searcher asks a new one). Left alone it would show as
    running forever in optuna-dashboard and, with ``constant_liar``, steer TPE away from its point.

    Returns:
        How many trials were closed.
    """
    import optuna
    from optuna.trial import TrialState

    if not (Path(run_dir).expanduser().resolve() / STUDY_FILE).is_file():
        return 0
    storage = study_storage(run_dir)
    name = study_name(run_dir, storage)
    study = optuna.load_study(study_name=name, storage=storage)
    study_id = storage.get_study_id_from_name(name)
    stale = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    for t in stale:
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, t.number)
        storage.set_trial_system_attr(trial_id, "tuner_closed", "running when the Tune run ended")
        storage.set_trial_state_values(trial_id, TrialState.FAIL)
    return len(stale)


def finished_trials(run_dir: str | Path) -> int:
    """How many trials of the study finished (complete, pruned or failed): the seed offset for ``--more``."""
    import optuna

    storage = study_storage(run_dir)
    study = optuna.load_study(study_name=study_name(run_dir, storage), storage=storage)
    return sum(t.state.is_finished() for t in study.get_trials(deepcopy=False))
