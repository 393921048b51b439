"""The :class:`BinaryTask` container: one binary classification data set, ready to use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from robustcvx.errors import DataError


def _as_features(value: Any, field: str) -> np.ndarray:
    """Return ``value`` as a float64, C-contiguous 2-D array, or raise DataError."""
    try:
        arr = np.ascontiguousarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"BinaryTask.{field} is not numeric ({exc}); pass a 2-D array of numbers") from None
    if arr.ndim != 2:
        raise DataError(f"BinaryTask.{field} must be 2-D (n, d), got shape {arr.shape}; reshape it to (n, -1)")
    return arr


def _as_labels(value: Any, field: str, n: int) -> np.ndarray:
    """Return ``value`` as a float64 1-D array of -1/+1 of length ``n``, or raise DataError."""
    try:
        arr = np.ascontiguousarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"BinaryTask.{field} is not numeric ({exc}); pass labels -1.0/+1.0") from None
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DataError(f"BinaryTask.{field} must have shape ({n},) to match the features, got {arr.shape}")
    if not np.all((arr == 1.0) | (arr == -1.0)):
        raise DataError(f"BinaryTask.{field} must hold only -1.0 and +1.0; map the two classes to -1/+1 first")
    return arr


@dataclass(frozen=True, eq=False)
class BinaryTask:
    """A binary classification task: features, labels in {-1, +1}, optional test split.

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
        X_train = _as_features(self.X_train, "X_train")
        if X_train.shape[0] == 0 or X_train.shape[1] == 0:
            raise DataError(f"BinaryTask.X_train is empty (shape {X_train.shape}); need at least one example and one feature")
        y_train = _as_labels(self.y_train, "y_train", X_train.shape[0])
        if (self.X_test is None) != (self.y_test is None):
            raise DataError("BinaryTask needs both X_test and y_test, or neither")
        X_test = y_test = None
        if self.X_test is not None:
            X_test = _as_features(self.X_test, "X_test")
            if X_test.shape[1] != X_train.shape[1]:
                raise DataError(
                    f"BinaryTask.X_test has {X_test.shape[1]} features but X_train has {X_train.shape[1]}; "
                    "both splits need the same columns"
                )
            y_test = _as_labels(self.y_test, "y_test", X_test.shape[0])
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
