"""The :class:`BinaryTask` container: one binary classification data set, ready to use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from robustcvx.errors import DataError
from robustcvx.validation import check_features, check_pm1_labels


@dataclass(frozen=True, eq=False)
class BinaryTask:
    """A binary classification task: features (dense, or scipy.sparse CSR), labels in {-1, +1},
    optional test split.

    Class ``classes[0]`` is labelled -1 and ``classes[1]`` is labelled +1; ``classes`` is
    ``()`` when the file's labels were already binary (0/1 or -1/+1). Image features are
    scaled to [0, 1]; other features are used as given. Construction validates and
    normalises the arrays (float64, C-contiguous, labels exactly -1.0/+1.0).
    Equality is identity (arrays make value equality ambiguous).
    """

    name: str
    source: str
    classes: tuple
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray | None
    y_test: np.ndarray | None
    split: str
    image_shape: tuple | None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        X_train = check_features(self.X_train, "BinaryTask.X_train", sparse=True)
        y_train = check_pm1_labels(self.y_train, X_train.shape[0], "BinaryTask.y_train")
        if (self.X_test is None) != (self.y_test is None):
            raise DataError("BinaryTask needs both X_test and y_test, or neither")
        X_test = y_test = None
        if self.X_test is not None:
            X_test = check_features(self.X_test, "BinaryTask.X_test", sparse=True)
            if X_test.shape[1] != X_train.shape[1]:
                raise DataError(
                    f"BinaryTask.X_test has {X_test.shape[1]} features but X_train has {X_train.shape[1]}; "
                    "both splits need the same columns"
                )
            y_test = check_pm1_labels(self.y_test, X_test.shape[0], "BinaryTask.y_test")
        image_shape = None if self.image_shape is None else tuple(int(s) for s in self.image_shape)
        if image_shape is not None and int(np.prod(image_shape)) != X_train.shape[1]:
            raise DataError(f"BinaryTask.image_shape {image_shape} does not match {X_train.shape[1]} features")
        object.__setattr__(self, "X_train", X_train)
        object.__setattr__(self, "y_train", y_train)
        object.__setattr__(self, "X_test", X_test)
        object.__setattr__(self, "y_test", y_test)
        object.__setattr__(self, "classes", tuple(int(c) for c in self.classes))
        object.__setattr__(self, "image_shape", image_shape)
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))

    @property
    def n(self) -> int:
        """Number of training examples."""
        return int(self.X_train.shape[0])

    @property
    def d(self) -> int:
        """Number of features."""
        return int(self.X_train.shape[1])

    @property
    def n_test(self) -> int | None:
        """Number of test examples, or None when there is no test split."""
        return None if self.X_test is None else int(self.X_test.shape[0])

    def info(self) -> dict:
        """JSON-safe summary: name, source, classes, n, d, n_test (None if no test split), split, image_shape, notes."""
        return {
            "name": self.name,
            "source": self.source,
            "classes": list(self.classes),
            "n": self.n,
            "d": self.d,
            "n_test": self.n_test,
            "split": self.split,
            "image_shape": None if self.image_shape is None else list(self.image_shape),
            "sparse": bool(hasattr(self.X_train, "tocsr")),
            "notes": list(self.notes),
        }

    def evaluation_split(self) -> tuple[np.ndarray, np.ndarray, str]:
        """Return ``(X_test, y_test, "test")`` when there is a test split, else ``(X_train, y_train, "train")``."""
        if self.X_test is not None and self.y_test is not None:
            return self.X_test, self.y_test, "test"
        return self.X_train, self.y_train, "train"

    def __repr__(self) -> str:
        test = "no test split" if self.X_test is None else f"n_test={self.n_test}"
        return f"BinaryTask(name={self.name!r}, n={self.n}, d={self.d}, {test}, classes={self.classes})"


def _class_indices(value: Any, n: int, k: int, field: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise DataError(f"MulticlassTask.{field} must hold class indices 0..{k - 1}") from None
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DataError(f"MulticlassTask.{field} must have shape ({n},) to match the features, got {arr.shape}")
    if arr.size and (not np.all(arr == np.round(arr)) or arr.min() < 0 or arr.max() >= k):
        raise DataError(f"MulticlassTask.{field} must hold class indices 0..{k - 1}")
    return np.ascontiguousarray(arr, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class MulticlassTask:
    """A task with ``K >= 3`` classes: features (dense or scipy.sparse CSR), labels ``0..K-1`` indexing
    ``classes`` (the original labels, in the spec's order), optional test split.  Otherwise like
    :class:`BinaryTask` (same fields, ``info()``, ``evaluation_split()``)."""

    name: str
    source: str
    classes: tuple
    X_train: Any
    y_train: np.ndarray
    X_test: Any
    y_test: np.ndarray | None
    split: str
    image_shape: tuple | None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        classes = tuple(int(c) for c in self.classes)
        if len(classes) < 3 or len(set(classes)) != len(classes):
            raise DataError(f"MulticlassTask needs three or more distinct classes, got {classes}")
        k = len(classes)
        X_train = check_features(self.X_train, "MulticlassTask.X_train", sparse=True)
        y_train = _class_indices(self.y_train, X_train.shape[0], k, "y_train")
        if (self.X_test is None) != (self.y_test is None):
            raise DataError("MulticlassTask needs both X_test and y_test, or neither")
        X_test = y_test = None
        if self.X_test is not None:
            X_test = check_features(self.X_test, "MulticlassTask.X_test", sparse=True)
            if X_test.shape[1] != X_train.shape[1]:
                raise DataError(f"MulticlassTask.X_test has {X_test.shape[1]} features but X_train has "
                                f"{X_train.shape[1]}; both splits need the same columns")
            y_test = _class_indices(self.y_test, X_test.shape[0], k, "y_test")
        image_shape = None if self.image_shape is None else tuple(int(s) for s in self.image_shape)
        if image_shape is not None and int(np.prod(image_shape)) != X_train.shape[1]:
            raise DataError(f"MulticlassTask.image_shape {image_shape} does not match {X_train.shape[1]} features")
        for key, value in (("classes", classes), ("X_train", X_train), ("y_train", y_train), ("X_test", X_test),
                           ("y_test", y_test), ("image_shape", image_shape),
                           ("notes", tuple(str(n) for n in self.notes))):
            object.__setattr__(self, key, value)

    @property
    def n(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def d(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def n_test(self) -> int | None:
        return None if self.X_test is None else int(self.X_test.shape[0])

    def info(self) -> dict:
        """JSON-safe summary, as :meth:`BinaryTask.info` plus ``n_classes``."""
        return {"name": self.name, "source": self.source, "classes": list(self.classes), "n_classes": self.n_classes,
                "n": self.n, "d": self.d, "n_test": self.n_test, "split": self.split,
                "image_shape": None if self.image_shape is None else list(self.image_shape),
                "sparse": bool(hasattr(self.X_train, "tocsr")), "notes": list(self.notes)}

    def evaluation_split(self) -> tuple[Any, np.ndarray, str]:
        if self.X_test is not None and self.y_test is not None:
            return self.X_test, self.y_test, "test"
        return self.X_train, self.y_train, "train"

    def __repr__(self) -> str:
        test = "no test split" if self.X_test is None else f"n_test={self.n_test}"
        return f"MulticlassTask(name={self.name!r}, n={self.n}, d={self.d}, K={self.n_classes}, {test})"
