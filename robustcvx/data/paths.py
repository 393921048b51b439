"""Where data lives: the default data folder and locating IDX files in a folder."""

from __future__ import annotations

import os
from pathlib import Path

from robustcvx.errors import DataError

#: The standard IDX file stems, by split: (images, labels).
IDX_STEMS: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "t10k": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def default_data_dir() -> Path:
    """``$ROBUSTCVX_DATA_DIR`` if set, else ``$XDG_CACHE_HOME/robustcvx``, else ``~/.cache/robustcvx``."""
    env = os.environ.get("ROBUSTCVX_DATA_DIR")
    if env:
        return Path(os.path.expanduser(env))
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(os.path.expanduser(xdg)) / "robustcvx"
    return Path.home() / ".cache" / "robustcvx"


def as_path(value: str | os.PathLike) -> Path:
    """A user-given path with ``~`` expanded."""
    return Path(os.path.expanduser(os.fspath(value)))


def check_folder(folder: Path, what: str) -> None:
    """Raise DataError if ``folder`` exists but is not a folder."""
    if folder.exists() and not folder.is_dir():
        raise DataError(f"{what} {folder} is a file, not a folder; pass the folder that holds the data files")


def find_idx_file(folder: Path, stem: str) -> Path | None:
    """The file for ``stem`` in ``folder`` (uncompressed preferred over ``.gz``; ``-idx`` or ``.idx``
    spelling), or None."""
    alt = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", alt, alt + ".gz"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def find_idx_pair(folder: Path, split: str) -> tuple[Path, Path] | None:
    """``(images, labels)`` files of ``split`` ("train" or "t10k") in ``folder`` if both exist, else None."""
    images, labels = (find_idx_file(folder, stem) for stem in IDX_STEMS[split])
    if images is None or labels is None:
        return None
    return images, labels


def unique_folders(folders: list[Path | None]) -> list[Path]:
    """Drop None and duplicates (compared after resolving), keeping order."""
    seen: set[str] = set()
    out: list[Path] = []
    for folder in folders:
        if folder is None:
            continue
        try:
            key = str(folder.resolve())
        except OSError:
            key = str(folder)
        if key not in seen:
            seen.add(key)
            out.append(folder)
    return out
