"""Atomic file output: write to a temporary file in the target folder, then rename.

An interrupted run therefore never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import RobustCVXError


class OutputError(RobustCVXError):
    """An output path cannot be written."""


def _new_file_mode() -> int:
    """``0o666`` minus the process umask: what ``open(path, "w")`` would give a new file."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def check_writable(path: str | os.PathLike) -> Path:
    """The output file ``path`` (``~`` expanded) if it can be created; one clear OutputError if not.

    Called before any work starts (so a bad ``--save`` fails at once, not after a long solve)
    and again by :func:`atomic_path`.
    """
    target = Path(path).expanduser()
    if not target.name or target.is_dir():
        raise OutputError(f"cannot write {target}: it is a folder; give a file name, e.g. {target / 'model.json'}")
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write {target}: {folder} is a file, not a folder; pick a path in an existing folder")
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: folder {folder} does not exist; create it first (mkdir -p {folder})")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: folder {folder} is not writable; pick another folder")
    try:  # the only reliable test on every file system: create (and remove) a file there
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}; pick another folder") from None
    return target


_interrupted = False


def mark_interrupted() -> None:
    """Record a Ctrl-C (the command line's SIGINT handler calls this before raising
    ``KeyboardInterrupt``): an interrupt that lands where Python ignores exceptions (a weakref or
    ``__del__`` callback) still stops the run at its next output, instead of being lost."""
    global _interrupted
    _interrupted = True


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    On any failure (an exception, Ctrl-C) the temporary file is removed and ``path`` is left
    as it was; an ``OSError`` while writing (disk full, ...) becomes an :class:`OutputError`.
    """
    if _interrupted:
        raise KeyboardInterrupt
    target = check_writable(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix or ".tmp",
                                   dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    tmp_path = Path(tmp)
    try:  # mkstemp makes the file private (0600); give it the usual mode of a new file
        os.fchmod(fd, _new_file_mode())
    except (OSError, AttributeError):
        pass
    finally:
        os.close(fd)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def savefig(fig: Any, path: str | os.PathLike, **kwargs: Any) -> None:
    """``fig.savefig`` atomically (format taken from the final name's suffix)."""
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format=target.suffix.lstrip(".") or "png", **kwargs)


def ensure_dir(path: str | os.PathLike) -> Path:
    """Create an output folder (with parents) or raise one clear OutputError."""
    p = Path(path).expanduser()
    for parent in (p, *p.parents):
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"cannot create output folder {p}: {parent} is a file, not a folder; pick another path")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {p}: {exc.strerror or exc}") from None
    if not os.access(p, os.W_OK):
        raise OutputError(f"output folder {p} is not writable")
    return p
