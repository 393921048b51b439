"""Image sources in IDX format: ``idx:DIR`` folders and the cached/downloaded ``mnist:`` / ``fashion-mnist:``.

Cached files are read with :func:`read_idx`; torchvision is imported only to download.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from robustcvx.data.idx import read_idx
from robustcvx.data.paths import IDX_STEMS, check_folder, default_data_dir, find_idx_file, find_idx_pair
from robustcvx.data.prepare import make_task
from robustcvx.data.spec import Classes
from robustcvx.data.task import BinaryTask, MulticlassTask
from robustcvx.errors import DataError

_EXPECTED_FILES = (
    "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
    "t10k-labels-idx1-ubyte[.gz] (or only the two t10k-* files)"
)


def read_idx_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray, tuple | None]:
    """Read an images/labels IDX pair: ``(X as (n, d), y as (n,), image_shape or None)``."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim < 2:
        raise DataError(f"{images_path}: image IDX file must have at least 2 dimensions (n, ...), got {images.shape}")
    if labels.ndim != 1:
        raise DataError(f"{labels_path}: label IDX file must be 1-D, got shape {labels.shape}; is it an images file?")
    if labels.dtype.kind not in "iu":
        raise DataError(f"{labels_path}: labels must be integers, got {labels.dtype}; pass an idx1-ubyte label file")
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{images_path.name} has {images.shape[0]:,} images but {labels_path.name} has {labels.shape[0]:,} "
            "labels; the files do not belong together"
        )
    image_shape = tuple(images.shape[1:]) if images.ndim >= 3 else None
    return images.reshape(images.shape[0], -1), labels, image_shape


def _pair_or_error(folder: Path, split: str) -> tuple[Path, Path] | None:
    """Both files of ``split`` in ``folder``, None if neither, DataError if only one exists."""
    images, labels = (find_idx_file(folder, stem) for stem in IDX_STEMS[split])
    if (images is None) != (labels is None):
        have, missing = (images, IDX_STEMS[split][1]) if labels is None else (labels, IDX_STEMS[split][0])
        raise DataError(f"{folder} has {have.name} but no {missing}[.gz]; add the missing file")
    return None if images is None else (images, labels)


def load_idx_dir(folder: Path, classes: Classes, name: str) -> BinaryTask | MulticlassTask:
    """``idx:DIR[:A,B]``: the four standard IDX files, or only the two ``t10k-*`` (or ``train-*``) files."""
    if not folder.exists():
        raise DataError(f"IDX folder not found: {folder}; pass idx:DIR with the folder holding {_EXPECTED_FILES}")
    if not folder.is_dir():
        raise DataError(f"idx: needs a folder but {folder} is a file; pass the folder holding {_EXPECTED_FILES}")
    train, test = _pair_or_error(folder, "train"), _pair_or_error(folder, "t10k")
    if train is None and test is None:
        raise DataError(f"no IDX files in {folder}; expected {_EXPECTED_FILES}")
    first = train if train is not None else test
    X, y, shape = read_idx_pair(*first)
    X_test = y_test = None
    if train is not None and test is not None:
        X_test, y_test, test_shape = read_idx_pair(*test)
        if test_shape != shape or X_test.shape[1] != X.shape[1]:
            raise DataError(
                f"{folder}: train images are {shape or X.shape[1:]} but t10k images are "
                f"{test_shape or X_test.shape[1:]}; the files do not belong together"
            )
        split = "train: IDX train-* files ({n_train}); test: IDX t10k-* files ({n_test})"
    elif train is None:
        split = "t10k-* files only ({n_train}; test-only source, no separate test split)"
    else:
        split = "train-* files only ({n_train}); no test split"
    files = ", ".join(p.name for pair in (train, test) if pair is not None for p in pair)
    return make_task(
        name=name, source=f"IDX files in {folder} ({files})", classes=classes,
        X_train=X, y_train=y, X_test=X_test, y_test=y_test, split=split,
        image_shape=shape, scale_uint8=True, what=f"IDX data in {folder}",
    )


@dataclass(frozen=True)
class ImageDataset:
    """A torchvision-style dataset: its folder name under the data dir and display name."""

    key: str  # torchvision class and folder name, e.g. "MNIST"
    title: str  # e.g. "Fashion-MNIST"


MNIST = ImageDataset("MNIST", "MNIST")
FASHION_MNIST = ImageDataset("FashionMNIST", "Fashion-MNIST")


def find_full(dataset: ImageDataset, root: Path) -> Path | None:
    """The folder holding all four IDX files of ``dataset``: ``root/KEY/raw`` or ``root`` itself."""
    for folder in (root / dataset.key / "raw", root):
        if find_idx_pair(folder, "train") and find_idx_pair(folder, "t10k"):
            return folder
    return None


def _remove_if_empty(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.rmdir()  # only succeeds when empty


def download(dataset: ImageDataset, root: Path) -> str | None:
    """Download ``dataset`` into ``root/KEY/raw`` with torchvision; None on success, else why it failed."""
    fresh = [p for p in (root / dataset.key / "raw", root / dataset.key, root) if not p.exists()]
    try:
        import torchvision.datasets as tvd  # lazy: slow import, only needed to download
    except Exception:
        return "torchvision (needed to download it) is not installed"
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # keep torchvision's chatter off our stdout
            for train in (True, False):
                getattr(tvd, dataset.key)(root=str(root), train=train, download=True)
    except Exception:
        _remove_if_empty(fresh)
        return "download failed (offline?)"
    return None


def load_full(
    dataset: ImageDataset, classes: Classes, data_dir: Path | None, download_ok: bool, name: str
) -> tuple[BinaryTask | None, str]:
    """Load full ``dataset`` from the data dir, downloading if allowed.

    Returns ``(task, "")`` on success, or ``(None, reason)`` when the files are not there
    and could not be downloaded; ``reason`` reads like "not found in DIR and ...".
    """
    root = data_dir if data_dir is not None else default_data_dir()
    check_folder(root, "data dir")
    folder = find_full(dataset, root)
    why = "downloading is off (download=False)"
    if folder is None and download_ok:
        failure = download(dataset, root)
        folder = find_full(dataset, root) if failure is None else None
        why = failure or "the download left no IDX files"
    if folder is None:
        return None, f"full {dataset.title} not found in {root} and {why}"
    train, test = find_idx_pair(folder, "train"), find_idx_pair(folder, "t10k")
    assert train is not None and test is not None
    X, y, shape = read_idx_pair(*train)
    X_test, y_test, _ = read_idx_pair(*test)
    task = make_task(
        name=name, source=f"{dataset.title} (IDX files in {folder})", classes=classes,
        X_train=X, y_train=y, X_test=X_test, y_test=y_test,
        split=(f"train: official {dataset.title} training set ({{n_train}}); "
               f"test: official {dataset.title} t10k ({{n_test}})"),
        image_shape=shape, scale_uint8=True, what=f"{dataset.title} in {folder}",
    )
    return task, ""
