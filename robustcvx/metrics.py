"""Metrics of a linear model ``f(x) = w.x + b``, defined once and used everywhere.

* :func:`accuracy`: the fraction of samples with ``y f(x) > 0`` (a margin of exactly 0 is an error,
  the same convention as certification; multiclass: ``f_y > max_{k != y} f_k``);
* :func:`nonzeros`: weights with ``|w_j| > NONZERO_REL * max_k |w_k|`` -- numerically nonzero,
  relative to the model's own scale, so rescaling a model does not change the count and an LP
  vertex's exact zeros are zeros;
* :func:`significant_weights`: weights above ``SIGNIFICANT`` (1 %) of the largest -- what a person
  sees in a weight image (an SGD model has no exact zeros, so :func:`nonzeros` says 784 for it);
* :func:`evaluate`: clean, exactly certified and exactly attacked accuracy at given radii.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: relative threshold of :func:`nonzeros`
NONZERO_REL = 1e-9
#: relative threshold of :func:`significant_weights`
SIGNIFICANT = 0.01


def margins(w: np.ndarray, b: Any, X: Any, y: np.ndarray) -> np.ndarray:
    """``y_i (w.x_i + b)``; for a multiclass model (``w`` of shape ``(K, d)``, ``y`` the class rows
    ``0..K-1``) ``f_y(x_i) - max_{k != y} f_k(x_i)``."""
    w = np.asarray(w, dtype=float)
    if w.ndim == 2:
        S = np.asarray(X @ w.T) + np.asarray(b, dtype=float)[None, :]
        yi = np.asarray(y, dtype=np.int64)
        own = S[np.arange(S.shape[0]), yi].copy()
        S[np.arange(S.shape[0]), yi] = -np.inf
        return own - S.max(axis=1)
    return np.asarray(y, dtype=float) * (X @ w + float(b))


def accuracy(w: np.ndarray, b: Any, X: Any, y: np.ndarray) -> float:
    """Fraction of samples classified correctly (margin ``> 0``: a tie is an error)."""
    return float(np.mean(margins(w, b, X, y) > 0))


def nonzeros(w: np.ndarray) -> int:
    """Number of weights with ``|w_j| > NONZERO_REL * max |w|``."""
    a = np.abs(np.asarray(w, dtype=float))
    top = float(a.max()) if a.size else 0.0
    return int(np.count_nonzero(a > NONZERO_REL * top)) if top > 0 else 0


def significant_weights(w: np.ndarray, fraction: float = SIGNIFICANT) -> int:
    """Number of weights above ``fraction`` of the largest in magnitude."""
    a = np.abs(np.asarray(w, dtype=float))
    top = float(a.max()) if a.size else 0.0
    return int(np.count_nonzero(a > fraction * top)) if top > 0 else 0


def l1_norm(w: np.ndarray) -> float:
    return float(np.abs(np.asarray(w, dtype=float)).sum())


def evaluate(model: Any, X: Any, y: Any, epsilons: Sequence[float], norm: Any = "inf",
             box: Any = None) -> list[dict]:
    """For each radius: ``epsilon``, ``accuracy``, ``certified_accuracy``, ``attacked_accuracy``.

    The exact certificate and the exact worst-case attack must agree for a linear model (they can
    differ only on samples whose worst margin is 0 up to rounding); a larger disagreement is a bug
    and raises :class:`~robustcvx.errors.SolverError`.
    """
    from .attacks import attacked_accuracy
    from .certify import certified_accuracy
    from .certify import margins as model_margins
    from .errors import SolverError

    acc = float(np.mean(model_margins(model, X, y) > 0))
    out = []
    for e in epsilons:
        cert = float(certified_accuracy(model, X, y, e, norm, box))
        att = float(attacked_accuracy(model, X, y, e, norm, box))
        if abs(cert - att) > 1.0 / len(y) + 1e-12:
            raise SolverError(f"certified ({cert}) and attacked ({att}) accuracy disagree at epsilon {e}")
        out.append({"epsilon": float(e), "accuracy": acc, "certified_accuracy": cert, "attacked_accuracy": att})
    return out
