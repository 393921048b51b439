"""Accepting any linear model: ``(w, b)`` pairs, estimators with ``coef_``/``intercept_``, dicts."""

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


def check_dimension(w: np.ndarray, X: np.ndarray) -> None:
    """Raise when the model's size does not match the data's feature count."""
    if w.shape[0] != X.shape[1]:
        raise ModelFileError(f"model has {w.shape[0]} weights but the data has {X.shape[1]} features: "
                             "use the data the model was trained on")
