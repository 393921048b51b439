"""Turning raw feature/label arrays into a :class:`BinaryTask` or a :class:`MulticlassTask`.

Validates shapes and values, selects two classes (A -> -1, B -> +1), maps binary labels
(0/1 -> -1/+1, -1/+1 as is) or selects three or more classes (labels re-coded 0..K-1), converts
features to float64 (uint8 images are divided by 255 when asked; sparse input stays sparse) and
checks they are finite.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from robustcvx.data.task import BinaryTask, MulticlassTask
from robustcvx.errors import DataError
from robustcvx.validation import check_raw_features, check_raw_labels


def _fmt_values(values: np.ndarray, limit: int = 12) -> str:
    """Label values for messages: integers without '.0', at most ``limit`` shown."""
    shown = [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in values[:limit]]
    more = f", ... ({len(values)} values)" if len(values) > limit else ""
    return ", ".join(shown) + more


def _binary_map(values: np.ndarray, spec: str = "csv:PATH") -> dict[float, float]:
    """The label map for already-binary labels, or DataError naming what to do instead."""
    present = set(float(v) for v in values)
    if present <= {0.0, 1.0}:
        return {0.0: -1.0, 1.0: 1.0}
    if present <= {-1.0, 1.0}:
        return {-1.0: -1.0, 1.0: 1.0}
    listed = _fmt_values(values)
    if len(values) > 2:
        raise DataError(
            f"labels have {len(values)} distinct values ({listed}); pick two classes with a ':A,B' suffix, "
            f"e.g. {spec}:{listed.split(', ')[0]},{listed.split(', ')[1]} (A -> -1, B -> +1)"
        )
    a, b = listed.split(", ")
    raise DataError(
        f"labels are {listed}, not 0/1 or -1/+1; say which class is -1 with a ':A,B' suffix, e.g. ':{a},{b}'"
    )


def _to_float(X: Any, scale_uint8: bool) -> Any:
    if hasattr(X, "tocsr"):                      # sparse data stays sparse
        out = X.astype(np.float64).tocsr()
        if scale_uint8 and X.dtype == np.uint8:
            out.data /= 255.0
        return out
    out = np.array(X, dtype=np.float64, order="C")
    if scale_uint8 and X.dtype == np.uint8:
        out /= 255.0
    return out


def _check_finite(X: Any, rows: np.ndarray, what: str) -> None:
    """Raise DataError naming the first NaN/inf (row index in the original data, 0-based)."""
    if hasattr(X, "tocsr"):
        bad_at = np.flatnonzero(~np.isfinite(X.data))
        if bad_at.size:
            r = int(np.searchsorted(X.indptr, bad_at[0], side="right") - 1)
            raise DataError(f"{what} features contain NaN or inf (first at row index {int(rows[r])}, column index "
                            f"{int(X.indices[bad_at[0]])}, 0-based); remove or impute those values")
        return
    bad = ~np.isfinite(X)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(
            f"{what} features contain NaN or inf (first at row index {int(rows[r])}, column index {int(c)}, 0-based); "
            "remove or impute those values"
        )


def _integers(values: np.ndarray) -> bool:
    return bool(np.all(np.asarray(values, dtype=float) == np.round(np.asarray(values, dtype=float))))


def _resolve_classes(classes: Any, train_values: np.ndarray, y_test: Any, name: str, what: str) -> tuple | None:
    """The classes to keep: a tuple (two: binary, more: multiclass) or ``None`` (binary labels as given)."""
    if classes == "all":
        if not _integers(train_values):
            raise DataError(f"{what}: ':all' needs integer class labels, got {_fmt_values(train_values)}")
        if len(train_values) < 2:
            raise DataError(f"{what}: training labels have only the value {_fmt_values(train_values)}; "
                            "need examples of at least two classes")
        return tuple(int(v) for v in train_values)
    if classes is not None:
        return tuple(classes)
    all_values = train_values if y_test is None else np.unique(np.concatenate([train_values, np.unique(y_test)]))
    if len(all_values) >= 3 and _integers(all_values):
        return tuple(int(v) for v in train_values)      # integer labels of three or more classes: every class
    _binary_map(all_values, name)  # validates: 0/1 or -1/+1 only
    if len(train_values) < 2:
        raise DataError(
            f"{what}: training labels have only the value {_fmt_values(train_values)}; need examples of both classes"
        )
    return None


def _encode(labels: np.ndarray, classes: tuple) -> np.ndarray:
    """Two classes: ``-1`` for the first, ``+1`` for the second; more: the index of the class."""
    if len(classes) == 2:
        return np.where(labels == classes[1], 1.0, -1.0)
    lookup = {float(c): k for k, c in enumerate(classes)}
    return np.array([lookup[float(v)] for v in labels], dtype=np.int64)


def make_task(
    *,
    name: str,
    source: str,
    classes: Any,
    X_train: Any,
    y_train: np.ndarray,
    X_test: Any,
    y_test: np.ndarray | None,
    split: str,
    image_shape: tuple | None,
    notes: tuple[str, ...] = (),
    scale_uint8: bool = False,
    what: str = "data",
) -> BinaryTask | MulticlassTask:
    """Validate raw arrays, select and encode the classes, build the task.

    ``classes``: two labels (a :class:`BinaryTask`, the first labelled -1), three or more (a
    :class:`MulticlassTask`, labels re-coded ``0..K-1`` in that order), ``"all"`` (every training label),
    or ``None`` (0/1 or -1/+1 labels: binary; integer labels of three or more classes: every class).

    ``split`` may contain ``{n_train}`` and ``{n_test}`` placeholders, filled with the
    example counts after class selection (formatted with thousands separators).
    """
    X_train = check_raw_features(X_train, f"{what} (training split)")
    y_train = check_raw_labels(y_train, X_train.shape[0], f"{what} (training split)")
    if (X_test is None) != (y_test is None):
        raise DataError(f"{what} has test features without test labels or the reverse; give both or neither")
    if X_test is not None:
        X_test = check_raw_features(X_test, f"{what} (test split)")
        y_test = check_raw_labels(y_test, X_test.shape[0], f"{what} (test split)")
        if X_test.shape[1] != X_train.shape[1]:
            raise DataError(
                f"{what}: test split has {X_test.shape[1]} features but training split has {X_train.shape[1]}; "
                "both need the same columns"
            )

    train_values = np.unique(y_train)
    classes = _resolve_classes(classes, train_values, y_test, name, what)
    multiclass = classes is not None and len(classes) >= 3
    if classes is None:
        rows_train = np.arange(X_train.shape[0])
        yb_train = np.where(y_train == 1, 1.0, -1.0)
        rows_test = None if y_test is None else np.arange(y_test.shape[0])
        yb_test = None if y_test is None else np.where(y_test == 1, 1.0, -1.0)
    else:
        for c in classes:
            if not np.any(train_values == c):
                raise DataError(
                    f"{what}: class {c} not found in the training labels (present: {_fmt_values(train_values)}); "
                    f"pick {'two' if len(classes) == 2 else 'some'} of those"
                )
        rows_train = np.flatnonzero(np.isin(y_train, classes))
        yb_train = _encode(y_train[rows_train], classes)
        rows_test = yb_test = None
        if y_test is not None:
            rows_test = np.flatnonzero(np.isin(y_test, classes))
            if rows_test.size == 0:
                raise DataError(
                    f"{what}: the test split has no examples of classes {', '.join(str(c) for c in classes)} "
                    f"(present: {_fmt_values(np.unique(y_test))}); pick classes present in both splits"
                )
            yb_test = _encode(y_test[rows_test], classes)

    Xf_train = _to_float(X_train[rows_train], scale_uint8)
    if X_train.dtype.kind == "f":
        _check_finite(Xf_train, rows_train, f"{what} (training split)")
    Xf_test = None
    if X_test is not None:
        Xf_test = _to_float(X_test[rows_test], scale_uint8)
        if X_test.dtype.kind == "f":
            _check_finite(Xf_test, rows_test, f"{what} (test split)")

    n_test = 0 if Xf_test is None else Xf_test.shape[0]
    split_text = split.replace("{n_train}", f"{Xf_train.shape[0]:,}").replace("{n_test}", f"{n_test:,}")
    task_type = MulticlassTask if multiclass else BinaryTask
    return task_type(
        name=name,
        source=source,
        classes=() if classes is None else tuple(int(c) for c in classes),
        X_train=Xf_train,
        y_train=yb_train,
        X_test=Xf_test,
        y_test=yb_test,
        split=split_text,
        image_shape=image_shape,
        notes=tuple(notes),
    )
