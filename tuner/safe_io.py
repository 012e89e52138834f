"""Writing files as a database would, and holding a folder for one process.

- :func:`atomic_write_text` / :func:`atomic_path`: write to a temporary name in the same folder, then
  ``os.replace`` (a file) or rename (a folder): a reader sees the old content or the new, never half of it, and
  a full disk leaves the old file as it was (Optuna's RDB storage and MLflow's file store guard writes so).
- :class:`FolderLock`: an exclusive ``fcntl.flock`` on ``<folder>/.lock`` held for the life of the process;
  the lock file names the holder's pid, and a second process gets one line naming it.

Imports only the standard library and tuner.errors, so every layer (tuner.serve included) can use it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tuner.errors import UserError

__all__ = ["LOCK_FILE", "LOCKED", "FolderLock", "atomic_path", "atomic_write_text", "waiting_lock", "write_error"]

LOCK_FILE = ".lock"
LOCKED = ("{folder}: in use by process {pid} (a tuner run or resume holds {lock}); wait for it to finish or stop "
          "it, then try again.")


def write_error(path: str | Path, exc: OSError) -> UserError:
    """The one line for a file tuner could not write (a full disk, a read-only folder, ``--out`` a folder)."""
    return UserError(f"cannot write {path}: {exc.strerror or exc}; nothing was written there.")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


@contextlib.contextmanager
def atomic_path(path: str | Path, folder: bool = False) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that takes a path; moved onto ``path`` only on success.

    Args:
        path: the final file (replaced if it exists) or, with ``folder``, the final folder (which must not
            exist: a folder cannot be replaced in one step).
        folder: the writer makes a folder.

    Yields:
        The temporary path (it does not exist yet). On an exception it is removed and ``path`` is untouched.
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # the writer creates it (pyarrow, matplotlib and copytree refuse or misbehave otherwise)
    try:
        yield tmp
        if folder:
            os.rename(tmp, path)  # fails (and keeps tmp for removal below) if path appeared meanwhile
        else:
            os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (utf-8) to ``path`` through a temporary file and ``os.replace``; fsynced before the rename.

    Raises:
        OSError: the write failed; ``path`` keeps its old content (or does not exist).
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())


class FolderLock:
    """An exclusive lock on a folder, held until :meth:`release` or the process ends (the kernel drops it then,
    after ``kill -9`` too, so a stale lock never blocks).

    Raises:
        UserError: another process holds it (the message names its pid).
    """

    def __init__(self, folder: str | Path):
        import fcntl

        self.folder = Path(folder)
        self.file = self.folder / LOCK_FILE
        self._fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = "".join(c for c in os.pread(self._fd, 32, 0).decode("ascii", "replace") if c.isdigit())
            os.close(self._fd)
            raise UserError(LOCKED.format(folder=self.folder, pid=holder or "unknown", lock=self.file)) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


@contextlib.contextmanager
def waiting_lock(file: str | Path) -> Iterator[None]:
    """An exclusive ``fcntl.flock`` on ``file`` that waits its turn, for a short section two processes must not
    run at once (e.g. creating a shared sqlite store's tables); the kernel drops it if the holder dies."""
    import fcntl

    fd = os.open(file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
