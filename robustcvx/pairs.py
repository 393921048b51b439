r"""Exact worst cases of a multiclass linear model, one class pair at a time.

For ``f_k(x) = w_k.x + b_k`` and a sample ``x_i`` of class ``y = y_i``, the prediction survives every
perturbation ``delta`` of the threat set iff it does against every competitor ``k`` separately:

    min_delta [f_y(x_i + delta) - max_{k != y} f_k(x_i + delta)]
        = min_{k != y} min_delta (w_y - w_k).(x_i + delta) + b_y - b_k
        = min_{k != y} [v_k.x_i + c_k - pen_i(v_k)],     v_k = w_y - w_k, c_k = b_y - b_k,

(the two minima commute), and each inner problem is the binary one with weight ``v_k``, intercept ``c_k``
and label ``+1``, whose closed forms the threat owns (:meth:`~robustcvx.threats.Threat.worst_margins`,
:meth:`~robustcvx.threats.Threat.radii`, :meth:`~robustcvx.threats.Threat.worst_delta`).  So the certified
radius is the smallest pair radius, and the exact attack pushes every sample towards its weakest
competitor (the class of least worst-case slack): the attacked accuracy equals the certified accuracy.
A margin of exactly 0 (a tie) counts as wrong, as in the binary case.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import DataError
from .threats import Threat


def class_indices(y: Any, classes: np.ndarray, n: int, name: str = "y") -> np.ndarray:
    """The row of ``classes`` of every label in ``y`` (int64, length ``n``)."""
    arr = np.asarray(y)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DataError(f"X has {n} samples but {name} has shape {np.shape(y)}: give one label per sample")
    lookup = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
    try:
        out = np.fromiter((lookup[v] for v in arr.tolist()), dtype=np.int64, count=n)
    except KeyError as exc:
        raise DataError(f"{name} has the label {exc.args[0]!r}, which is not one of the model's classes "
                        f"{list(lookup)}") from None
    return out


def _groups(yi: np.ndarray, K: int):
    for a in range(K):
        rows = np.flatnonzero(yi == a)
        if rows.size:
            yield a, rows


def pair_margins(W: np.ndarray, b: np.ndarray, X: Any, yi: np.ndarray, threat: Threat) -> np.ndarray:
    """``n x K``: the worst-case margin against every competitor (``+inf`` at the own class)."""
    K = W.shape[0]
    out = np.full((X.shape[0], K), np.inf)
    for a, rows in _groups(yi, K):
        Xa = X[rows]
        ones = np.ones(rows.size)
        for k in range(K):
            if k != a:
                out[rows, k] = threat.worst_margins(W[a] - W[k], float(b[a] - b[k]), Xa, ones)
    return out


def worst_margins(W: np.ndarray, b: np.ndarray, X: Any, yi: np.ndarray, threat: Threat) -> np.ndarray:
    """``min_delta [f_y(x_i + delta) - max_{k != y} f_k(x_i + delta)]`` for every sample."""
    return pair_margins(W, b, X, yi, threat).min(axis=1)


def radii(W: np.ndarray, b: np.ndarray, X: Any, yi: np.ndarray, threat: Threat) -> np.ndarray:
    """Exact certified radius of every sample: the smallest pair radius (``<= 0`` when misclassified)."""
    K = W.shape[0]
    out = np.full(X.shape[0], np.inf)
    for a, rows in _groups(yi, K):
        Xa = X[rows]
        ones = np.ones(rows.size)
        for k in range(K):
            if k != a:
                out[rows] = np.minimum(out[rows], threat.radii(W[a] - W[k], float(b[a] - b[k]), Xa, ones))
    return out


def worst_delta(W: np.ndarray, b: np.ndarray, X: Any, yi: np.ndarray, threat: Threat) -> np.ndarray:
    """The exact worst-case perturbation of every sample: against its weakest competitor
    ``argmin_k pair_margins`` (dense ``n x d``)."""
    target = pair_margins(W, b, X, yi, threat).argmin(axis=1)
    delta = np.zeros(X.shape)
    K = W.shape[0]
    for a, rows in _groups(yi, K):
        for k in range(K):
            sel = rows[target[rows] == k]
            if k != a and sel.size:
                delta[sel] = threat.worst_delta(W[a] - W[k], X[sel], np.ones(sel.size))
    return delta


def predictions(W: np.ndarray, b: np.ndarray, X: Any) -> np.ndarray:
    """``argmax_k f_k(x_i)`` (row indices)."""
    return np.asarray(X @ W.T + b[None, :]).argmax(axis=1)


def correct(W: np.ndarray, b: np.ndarray, X: Any, yi: np.ndarray) -> np.ndarray:
    """``f_y(x_i) > max_{k != y} f_k(x_i)`` (a tie counts as wrong)."""
    S = np.asarray(X @ W.T + b[None, :])
    own = S[np.arange(S.shape[0]), yi].copy()
    S[np.arange(S.shape[0]), yi] = -np.inf
    return own > S.max(axis=1)
