"""Accepting any linear model: ``(w, b)`` pairs, estimators with ``coef_``/``intercept_``, dicts.

A binary model is ``f(x) = w.x + b`` (labels -1/+1); a multiclass one is ``f_k(x) = w_k.x + b_k`` with
``coef`` of shape ``(K, d)``, ``K >= 3`` (or ``K = 2`` with explicit ``classes``), prediction
``argmax_k f_k(x)``: :func:`as_multiclass`, :func:`is_multiclass`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputTypeError, ModelFileError


def as_linear(model: Any) -> tuple[np.ndarray, float]:
    """``(w, b)`` of a linear model, as a float64 vector and a float.

    Accepts a ``(w, b)`` tuple, an object with ``coef_`` and ``intercept_`` (scikit-learn
    style; a ``(1, d)`` coef is flattened), or a dict with ``coef`` and ``intercept``.
    """
    if isinstance(model, dict):
        if "coef" not in model or "intercept" not in model:
            raise ModelFileError("model needs the fields 'coef' and 'intercept'")
        w, b = model["coef"], model["intercept"]
    elif hasattr(model, "coef_") and hasattr(model, "intercept_"):
        w, b = model.coef_, model.intercept_
    elif isinstance(model, (tuple, list)) and len(model) == 2:
        w, b = model
    else:
        raise InputTypeError("a linear model is a (w, b) pair, an estimator with coef_/intercept_, "
                             "or a dict with coef/intercept")
    try:
        w = np.asarray(w, dtype=np.float64)
        b_arr = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelFileError("model coef must be a list of numbers and intercept a number") from None
    if w.ndim == 2 and w.shape[0] == 1:          # scikit-learn's (1, d) coef_ of a binary model
        w = w[0]
    if w.ndim != 1:
        raise ModelFileError(f"model coef must be one list of numbers (a binary linear model), got an array of "
                             f"shape {w.shape}; a multiclass model needs coef with one row per class and 'classes'")
    if b_arr.size != 1:
        raise ModelFileError(f"model intercept must be one number (a binary linear model), got {b_arr.size} values")
    b = float(b_arr.reshape(-1)[0])
    if not (np.isfinite(w).all() and np.isfinite(b)):
        raise ModelFileError("model coef/intercept contain NaN or inf, or a number beyond the float range "
                             "(about 1.8e308)")
    return w, b


def _parts(model: Any) -> tuple[Any, Any, Any]:
    if isinstance(model, dict):
        if "coef" not in model or "intercept" not in model:
            raise ModelFileError("model needs the fields 'coef' and 'intercept'")
        return model["coef"], model["intercept"], model.get("classes")
    if hasattr(model, "coef_") and hasattr(model, "intercept_"):
        return model.coef_, model.intercept_, getattr(model, "classes_", None)
    if isinstance(model, (tuple, list)) and len(model) in (2, 3):
        return model[0], model[1], (model[2] if len(model) == 3 else None)
    raise InputTypeError("a linear model is a (coef, intercept) pair, an estimator with coef_/intercept_, "
                         "or a dict with coef/intercept")


def is_multiclass(model: Any) -> bool:
    """True for a model with one weight row per class (``coef`` of shape ``(K, d)``, ``K >= 3``, or two rows
    with the classes named)."""
    try:
        coef, _, classes = _parts(model)
        shape = np.shape(coef)
    except (InputTypeError, ModelFileError, ValueError):
        return False
    return len(shape) == 2 and (shape[0] >= 3 or (shape[0] == 2 and classes is not None))


def as_multiclass(model: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W, b, classes)`` of a multiclass model: ``W`` (K x d) float64, ``b`` (K,), ``classes`` (K,) the
    label of each row (``0..K-1`` when the model names none)."""
    coef, intercept, classes = _parts(model)
    try:
        W = np.asarray(coef, dtype=np.float64)
        b = np.asarray(intercept, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ModelFileError("model coef must be lists of numbers (one per class) and intercept numbers") from None
    if W.ndim != 2 or W.shape[0] < 2:
        raise ModelFileError(f"a multiclass model has coef of shape (K, d) with K >= 2 rows, got {W.shape}")
    if b.shape != (W.shape[0],):
        raise ModelFileError(f"a {W.shape[0]}-class model needs {W.shape[0]} intercepts, got {b.size}")
    if not (np.isfinite(W).all() and np.isfinite(b).all()):
        raise ModelFileError("model coef/intercept contain NaN or inf, or a number beyond the float range "
                             "(about 1.8e308)")
    labels = np.arange(W.shape[0]) if classes is None else np.asarray(classes)
    if labels.shape != (W.shape[0],) or len(set(labels.tolist())) != W.shape[0]:
        raise ModelFileError(f"model classes must list {W.shape[0]} distinct labels, one per coef row")
    return W, b, labels


def check_dimension(w: np.ndarray, X: np.ndarray) -> None:
    """Raise when the model's size does not match the data's feature count."""
    if w.shape[0] != X.shape[1]:
        raise ModelFileError(f"model has {w.shape[0]} weights but the data has {X.shape[1]} features: "
                             "use the data the model was trained on")
