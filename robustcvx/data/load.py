"""``load_task``: turn a data spec string into a :class:`BinaryTask`."""

from __future__ import annotations

import numbers
import os

from robustcvx.data.images import FASHION_MNIST, MNIST, load_full, load_idx_dir
from robustcvx.data.paths import as_path, check_folder
from robustcvx.data.sample import load_mnist_sample
from robustcvx.data.spec import format_spec, parse_spec
from robustcvx.data.svmlight import load_svmlight
from robustcvx.data.tables import load_csv, load_npz
from robustcvx.data.task import BinaryTask, MulticlassTask
from robustcvx.errors import DataError, InputTypeError, OptionError

_FASHION_REMEDY = (
    "pass --data-dir DIR with the Fashion-MNIST IDX files (DIR/FashionMNIST/raw/ or DIR/), or use "
    "idx:/usr/share/datasets/fashion-mnist:A,B after apt-get install dataset-fashion-mnist"
)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InputTypeError(f"seed must be an integer, got {type(seed).__name__}")
    if seed < 0:
        raise OptionError(f"seed must be >= 0, got {seed}")
    return int(seed)


def load_task(
    spec: str, data_dir: str | os.PathLike | None = None, seed: int = 0, download: bool = True
) -> BinaryTask | MulticlassTask:
    """Load the task named by ``spec``: binary for two classes, multiclass for more (the forms are listed in
    :mod:`robustcvx.data`).

    ``data_dir`` is where ``mnist:``/``fashion-mnist:`` look for (and download) IDX files and
    where ``mnist-sample:`` looks for the official test set (default: :func:`default_data_dir`).
    ``seed`` drives the sample's 80/20 split when no official test set is found.
    ``download=False`` never touches the network (nor imports torchvision).
    """
    source, path, classes = parse_spec(spec)
    seed = _check_seed(seed)
    folder = None if data_dir is None else as_path(data_dir)
    if folder is not None:
        check_folder(folder, "data dir")
    name = format_spec(source, path, classes)
    if source == "mnist-sample":
        return load_mnist_sample(classes, folder, seed, name)
    if source == "mnist":
        task, why = load_full(MNIST, classes, folder, download, name)
        if task is not None:
            return task
        fallback = format_spec("mnist-sample", None, classes)
        note = f"robustcvx: {why}; using the bundled 5,000-digit sample instead ({fallback})"
        try:
            return load_mnist_sample(classes, folder, seed, fallback, notes=(note,))
        except DataError as exc:
            raise DataError(
                f"{why}, and the fallback {fallback} failed too ({exc}); pass --data-dir DIR with the MNIST IDX files"
            ) from None
    if source == "fashion-mnist":
        task, why = load_full(FASHION_MNIST, classes, folder, download, name)
        if task is None:
            raise DataError(f"{why}; {_FASHION_REMEDY}")
        return task
    if source == "idx":
        return load_idx_dir(as_path(path), classes, name)
    if source == "npz":
        return load_npz(as_path(path), classes, name)
    if source == "svmlight":
        return load_svmlight(path, classes, name)
    return load_csv(as_path(path), classes, name)
