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
        w = np.asarray(w, dtype=np.float64).reshape(-1)
        b = float(np.asarray(b, dtype=np.float64).reshape(-1)[0]) if np.ndim(b) else float(b)
    except (TypeError, ValueError, IndexError):
        raise ModelFileError("model coef must be a list of numbers and intercept a number") from None
    if not (np.isfinite(w).all() and np.isfinite(b)):
        raise ModelFileError("model coef/intercept contain NaN or inf")
    return w, b


def check_dimension(w: np.ndarray, X: np.ndarray) -> None:
    """Raise when the model's size does not match the data's feature count."""
    if w.shape[0] != X.shape[1]:
        raise ModelFileError(f"model has {w.shape[0]} weights but the data has {X.shape[1]} features: "
                             "use the data the model was trained on")
