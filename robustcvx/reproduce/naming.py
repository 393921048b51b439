"""Display names of a data set and its two classes, derived from the data spec (source and classes).

A spec names its data set either by its source (``mnist:0,1``, ``mnist-sample:0,1``,
``fashion-mnist:0,1``) or, for ``idx:``/``npz:``/``csv:``, by the folder or file it points to
(``idx:/usr/share/datasets/fashion-mnist:0,1`` is the data set ``fashion-mnist``): that name,
the :func:`dataset_key`, is looked up as a whole in :data:`DATASETS`, which gives the display name
and the names of the classes.  An unknown data set keeps its key as name and calls its classes
``class A`` / ``class B``.  Nothing is guessed from substrings of paths or descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError, InputTypeError

DIGITS: tuple[str, ...] = tuple(f"digit {k}" for k in range(10))
FASHION_CLASSES: tuple[str, ...] = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                    "Sneaker", "Bag", "Ankle boot")


@dataclass(frozen=True)
class DatasetInfo:
    """How a known data set is called, and what its class labels 0..9 mean."""

    title: str
    class_names: tuple[str, ...]
    pair_prefix: str = ""     # "digits 0 vs 1" reads better than "digit 0 vs digit 1"


#: Known data sets by :func:`dataset_key`.
DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo("MNIST", DIGITS, "digits"),
    "mnist-sample": DatasetInfo("MNIST sample", DIGITS, "digits"),
    "fashion-mnist": DatasetInfo("Fashion-MNIST", FASHION_CLASSES),
}


def spec_parts(spec: str) -> tuple[str, str | None, Any]:
    """``(source, path, classes)`` of a data spec; a name that is no valid spec (e.g. a test task
    called ``toy:0,1``) is split at its first ``:`` and its classes are not read."""
    from ..data.spec import parse_spec

    try:
        return parse_spec(spec)
    except (DataError, InputTypeError):
        return str(spec).partition(":")[0], None, None


def dataset_key(spec: str) -> str:
    """The data set a spec names: its source, or the stem of the folder / file of a path source."""
    source, path, _ = spec_parts(spec)
    if path is None:
        return source
    name = Path(path.split(",")[0].rstrip("/")).name          # svmlight:TRAIN,TEST names its training file
    for suffix in (".gz", ".bz2", ".csv", ".npz", ".txt", ".svm", ".svmlight", ".libsvm"):
        name = name.removesuffix(suffix)
    return name or source


def _known(task: Any) -> DatasetInfo | None:
    return DATASETS.get(dataset_key(str(task.name)))


def class_names(task: Any) -> dict[float, str]:
    """Display names of the two classes, keyed by the label (-1.0 for ``classes[0]``, +1.0)."""
    classes = tuple(getattr(task, "classes", ()) or ())
    if len(classes) != 2:
        return {-1.0: "class -1", 1.0: "class +1"}
    info = _known(task)
    if info is not None and all(0 <= c < len(info.class_names) for c in classes):
        return {-1.0: info.class_names[classes[0]], 1.0: info.class_names[classes[1]]}
    return {-1.0: f"class {classes[0]}", 1.0: f"class {classes[1]}"}


def dataset_title(task: Any) -> str:
    """The data set's display name, e.g. ``MNIST sample`` or ``Fashion-MNIST`` (else its key)."""
    info = _known(task)
    return info.title if info is not None else dataset_key(str(task.name))


def pair_title(task: Any) -> str:
    """``digits 0 vs 1`` or ``T-shirt/top vs Trouser``."""
    names = class_names(task)
    info = _known(task)
    classes = tuple(getattr(task, "classes", ()) or ())
    if info is not None and info.pair_prefix and len(classes) == 2:
        return f"{info.pair_prefix} {classes[0]} vs {classes[1]}"
    return f"{names[-1.0]} vs {names[1.0]}"


def data_title(task: Any) -> str:
    """Short description for titles, e.g. ``MNIST sample digits 0 vs 1 (1,000 train / 2,115 test)``."""
    _, y_eval, split = task.evaluation_split()
    size = f"{task.n:,} train" + (f" / {len(y_eval):,} test" if split == "test" else ", evaluated on train")
    return f"{dataset_title(task)} {pair_title(task)} ({size})"
