"""Every input check of the package, in one place (one-line messages, ValueError/TypeError subclasses).

* options: :func:`check_number`, :func:`check_integer`, :func:`check_choice`, :func:`check_epsilon`,
  :func:`check_epsilons`, :func:`check_box`;
* arrays given to the API: :func:`check_features` (finite float64 2-D), :func:`check_pm1_labels`,
  :func:`check_signed_labels`, :func:`check_box_contains`;
* raw arrays read from data files, before conversion (:mod:`robustcvx.data`):
  :func:`check_raw_features`, :func:`check_raw_labels` (messages name the file and split).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import DataError, InputTypeError, OptionError


def check_number(value: object, name: str, *, minimum: float | None = 0.0) -> float:
    """Return ``value`` as a finite float, at least ``minimum`` (``None``: no lower bound)."""
    if isinstance(value, bool) or value is None:
        raise InputTypeError(f"{name} must be a number, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise InputTypeError(f"{name} must be a number, got {value!r}") from None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out):
        raise OptionError(f"{name} must be finite, got {value!r}")
    if minimum is not None and out < minimum:
        raise OptionError(f"{name} must be >= {minimum:g}, got {out:g}")
    return out


def check_integer(value: object, name: str, *, minimum: int | None = 0) -> int:
    """Return ``value`` as an int, at least ``minimum`` (``None``: no lower bound).

    Accepts ints, integral floats (``4.0``) and strings of an integer (``"4"``, the CLI form);
    booleans, fractions and other types are an :class:`InputTypeError`.
    """
    if isinstance(value, bool) or value is None:
        raise InputTypeError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InputTypeError(f"{name} must be an integer, got {value!r}") from None
    if isinstance(value, (float, np.floating)):
        if not (math.isfinite(value) and float(value).is_integer()):
            raise InputTypeError(f"{name} must be an integer, got {value!r}")
        value = int(value)
    if not isinstance(value, (int, np.integer)):
        raise InputTypeError(f"{name} must be an integer, got {value!r}")
    out = int(value)
    if minimum is not None and out < minimum:
        raise OptionError(f"{name} must be >= {minimum}, got {out}")
    return out


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """The canonical (stripped, lower-case) name of one of ``choices``, or an :class:`OptionError` listing them."""
    key = value.strip().lower() if isinstance(value, str) else None
    if key not in choices:
        raise OptionError(f"unknown {name} {value!r}: use one of {', '.join(choices)}")
    return key


def check_epsilon(epsilon: object) -> float:
    """The perturbation radius: a finite number >= 0."""
    return check_number(epsilon, "epsilon")


def check_box(box: object) -> tuple[float, float] | None:
    """``None`` or a pair ``(lo, hi)`` of finite numbers with ``lo < hi``.

    Strings ``"LO,HI"`` (the CLI form) are accepted.
    """
    if box is None:
        return None
    if isinstance(box, str):
        parts = [p.strip() for p in box.split(",")]
        if len(parts) != 2:
            raise OptionError(f"box must be LO,HI (e.g. 0,1), got {box!r}")
        box = parts
    if not isinstance(box, (Sequence, np.ndarray)) or len(box) != 2:
        raise OptionError(f"box must be a pair (lo, hi), e.g. (0, 1), got {box!r}")
    lo = check_number(box[0], "box lower bound", minimum=None)
    hi = check_number(box[1], "box upper bound", minimum=None)
    if not lo < hi:
        raise OptionError(f"box needs lo < hi, got lo={lo:g}, hi={hi:g}")
    return (lo, hi)


def check_features(X: object, name: str = "X", *, sparse: bool = False) -> Any:
    """A finite, non-empty 2-D float64 array (C-contiguous); with ``sparse=True`` a scipy.sparse
    matrix is kept sparse (as CSR float64, duplicates summed, explicit zeros removed)."""
    if hasattr(X, "tocsr"):
        if not sparse:
            raise DataError(f"{name} is a sparse matrix, which this function does not take: pass X.toarray()")
        M = X.tocsr().astype(np.float64)
        M.sum_duplicates()
        M.eliminate_zeros()
        if M.ndim != 2 or M.shape[0] == 0 or M.shape[1] == 0:
            raise DataError(f"{name} is empty (shape {M.shape}): need at least one sample and one feature")
        if not np.isfinite(M.data).all():
            raise DataError(f"{name} contains NaN or inf values: remove or impute them first")
        return M
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a numeric 2-D array (ragged or non-numeric input given)") from None
    if arr.ndim != 2:
        raise DataError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}; "
                        "reshape 1-D data with X.reshape(-1, 1)")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(f"{name} is empty (shape {arr.shape}): need at least one sample and one feature")
    if not np.isfinite(arr).all():
        raise DataError(f"{name} contains NaN or inf values: remove or impute them first")
    return np.ascontiguousarray(arr)


def check_pm1_labels(y: object, n: int, name: str = "y") -> np.ndarray:
    """Labels in {-1, +1} (float64, 1-D) of length ``n``; one class is allowed (evaluation, attacks)."""
    try:
        arr = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{name} must hold numeric labels -1/+1") from None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise DataError(f"{name} must be 1-D, got shape {np.shape(y)}")
    if arr.shape[0] != n:
        raise DataError(f"X has {n} samples but {name} has {arr.shape[0]} labels: they must match")
    if not np.isin(arr, (-1.0, 1.0)).all():
        raise DataError(f"{name} must contain only the labels -1 and +1 (map your two classes to -1/+1)")
    return np.ascontiguousarray(arr)


def check_signed_labels(y: object, n: int, name: str = "y") -> np.ndarray:
    """Labels in {-1, +1} (float64) of length ``n``, both classes present (training)."""
    arr = check_pm1_labels(y, n, name)
    if not ((arr > 0).any() and (arr < 0).any()):
        raise DataError(f"{name} has only one class: binary training needs both -1 and +1 samples")
    return arr


def check_epsilons(epsilon: object) -> np.ndarray:
    """One radius or a sequence of radii, each a finite number >= 0 (returned as a 1-D float array)."""
    if isinstance(epsilon, np.ndarray) and epsilon.ndim == 0:
        epsilon = epsilon.item()
    if not isinstance(epsilon, (Sequence, np.ndarray)) or isinstance(epsilon, (str, bytes)):
        return np.array([check_epsilon(epsilon)])
    values = list(epsilon.reshape(-1)) if isinstance(epsilon, np.ndarray) else list(epsilon)
    if not values:
        raise OptionError("epsilon needs at least one radius, e.g. [0, 0.1]")
    return np.array([check_epsilon(e) for e in values])


def check_box_contains(X: np.ndarray, box: tuple[float, float], tol: float = 1e-12) -> None:
    """Raise if some feature lies outside ``[lo, hi]``."""
    lo, hi = box
    xmin, xmax = float(X.min()), float(X.max())
    if xmin < lo - tol or xmax > hi + tol:
        raise OptionError(
            f"box [{lo:g}, {hi:g}] does not contain the data (features range over [{xmin:g}, {xmax:g}]): "
            "widen the box or rescale the data")


_NUMERIC_KINDS = "biuf"


def check_raw_features(X: Any, what: str) -> Any:
    """Check ``X`` is a non-empty, numeric, 2-D array or scipy.sparse matrix (not yet converted); return it
    (sparse input as CSR)."""
    X = X.tocsr() if hasattr(X, "tocsr") else np.asarray(X)
    if X.dtype.kind not in _NUMERIC_KINDS:
        raise DataError(f"{what} features are not numeric (dtype {X.dtype}); store real numbers")
    if X.ndim != 2:
        raise DataError(f"{what} features must be 2-D (n, d), got shape {X.shape}; reshape them to (n, -1)")
    if X.shape[0] == 0:
        raise DataError(f"{what} has no examples (shape {X.shape}); give at least one row")
    if X.shape[1] == 0:
        raise DataError(f"{what} has no feature columns (shape {X.shape}); give at least one feature")
    return X


def check_raw_labels(y: Any, n: int, what: str) -> np.ndarray:
    """Check ``y`` is numeric, finite and 1-D of length ``n`` (an (n, 1) column is flattened); return it."""
    y = np.asarray(y)
    if y.dtype.kind not in _NUMERIC_KINDS:
        raise DataError(f"{what} labels are not numeric (dtype {y.dtype}); use numbers such as 0/1 or class ids")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{what} labels must be 1-D, got shape {y.shape}")
    if y.shape[0] != n:
        raise DataError(f"{what} has {n} feature rows but {y.shape[0]} labels; they must match one to one")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise DataError(f"{what} labels contain NaN or inf; every row needs a class label")
    return y
