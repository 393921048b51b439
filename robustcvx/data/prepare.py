"""Turning raw feature/label arrays into a :class:`BinaryTask`.

Validates shapes and values, selects two classes (A -> -1, B -> +1) or maps binary
labels (0/1 -> -1/+1, -1/+1 as is), converts features to float64 (uint8 images are
divided by 255 when asked) and checks they are finite.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from robustcvx.data.task import BinaryTask
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


def make_task(
    *,
    name: str,
    source: str,
    classes: tuple[int, int] | None,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray | None,
    y_test: np.ndarray | None,
    split: str,
    image_shape: tuple | None,
    notes: tuple[str, ...] = (),
    scale_uint8: bool = False,
    what: str = "data",
) -> BinaryTask:
    """Validate raw arrays, select/map the two classes and build the :class:`BinaryTask`.

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
    if classes is None:
        all_values = train_values if y_test is None else np.unique(np.concatenate([train_values, np.unique(y_test)]))
        _binary_map(all_values, name)  # validates: 0/1 or -1/+1 only
        if len(train_values) < 2:
            raise DataError(
                f"{what}: training labels have only the value {_fmt_values(train_values)}; "
                "need examples of both classes"
            )
        rows_train = np.arange(X_train.shape[0])
        yb_train = np.where(y_train == 1, 1.0, -1.0)
        rows_test = None if y_test is None else np.arange(y_test.shape[0])
        yb_test = None if y_test is None else np.where(y_test == 1, 1.0, -1.0)
    else:
        a, b = classes
        if a == b:
            raise DataError(f"{what}: both classes are {a}; pick two different classes")
        for c in (a, b):
            if not np.any(train_values == c):
                raise DataError(
                    f"{what}: class {c} not found in the training labels (present: {_fmt_values(train_values)}); "
                    "pick two of those"
                )
        rows_train = np.flatnonzero((y_train == a) | (y_train == b))
        yb_train = np.where(y_train[rows_train] == b, 1.0, -1.0)
        rows_test = yb_test = None
        if y_test is not None:
            rows_test = np.flatnonzero((y_test == a) | (y_test == b))
            if rows_test.size == 0:
                raise DataError(
                    f"{what}: the test split has no examples of classes {a} or {b} "
                    f"(present: {_fmt_values(np.unique(y_test))}); pick classes present in both splits"
                )
            yb_test = np.where(y_test[rows_test] == b, 1.0, -1.0)

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
    return BinaryTask(
        name=name,
        source=source,
        classes=() if classes is None else (int(classes[0]), int(classes[1])),
        X_train=Xf_train,
        y_train=yb_train,
        X_test=Xf_test,
        y_test=yb_test,
        split=split_text,
        image_shape=image_shape,
        notes=tuple(notes),
    )
