r"""Exact certification of any linear model ``f(x) = w.x + b`` (labels ``y in {-1, +1}``).

Without a data domain, the worst case of ``y f(x + delta)`` over ``||delta||_p <= eps`` is
``y f(x) - eps ||w||_q`` (``q`` dual to ``p``), so sample ``i`` is certified at radius ``eps``
iff ``y_i f(x_i) - eps ||w||_q > 0``, i.e. iff ``eps < r_i`` with the *certified radius*
``r_i = y_i f(x_i) / ||w||_q`` (negative for misclassified points; ``+inf`` when ``w = 0`` and
the constant model is right).  Certified accuracy is the step function
``acc(eps) = #{i : r_i > eps} / n``: non-increasing, right-continuous, dropping exactly at the
radii (the breakpoints).  A sample with margin exactly 0 counts as wrong.

With the data domain ``[lo, hi]`` (``box``, threat ``p = inf`` only), pixel ``j`` can move by at
most ``c_ij`` in the harmful direction (``c_ij = x_ij - lo`` when ``y_i w_j > 0``, else
``hi - x_ij``), so the worst margin is ``m_i(eps) = y_i f(x_i) - sum_j |w_j| min(eps, c_ij)``,
concave piecewise linear in ``eps``; its root is the exact box-aware radius (``+inf`` when even
``eps -> inf`` cannot flip the sample).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .linear import as_linear, check_dimension
from .norms import dual_norm, parse_norm
from .validation import check_box, check_box_contains, check_epsilon, check_epsilons, check_features, check_pm1_labels
from .errors import OptionError

BOX_NORM_ONLY = "box is supported for the inf-norm threat only (use --norm inf or drop --box)"


def _prepare(model: Any, X: Any, y: Any, norm: object, box: object):
    w, b = as_linear(model)
    X = check_features(X)
    y = check_pm1_labels(y, X.shape[0])
    check_dimension(w, X)
    norm = parse_norm(norm)
    box = check_box(box)
    if box is not None:
        if norm != "inf":
            raise OptionError(BOX_NORM_ONLY)
        check_box_contains(X, box)
    return w, b, X, y, norm, box


def margins(model: Any, X: Any, y: Any) -> np.ndarray:
    """``y_i f(x_i)``: positive iff sample ``i`` is classified correctly."""
    w, b, X, y, _, _ = _prepare(model, X, y, "inf", None)
    return y * (X @ w + b)


def _harm_capacity(w: np.ndarray, X: np.ndarray, y: np.ndarray, box: tuple[float, float]) -> np.ndarray:
    """``c_ij``: how far pixel ``j`` of sample ``i`` can move in the direction that lowers the margin."""
    lo, hi = box
    down = (y[:, None] * w[None, :]) > 0
    return np.maximum(np.where(down, X - lo, hi - X), 0.0)


def box_worst_margins(model: Any, X: Any, y: Any, epsilon: float, box: object) -> np.ndarray:
    """Worst-case margins ``y_i f(x_i) - sum_j |w_j| min(eps, c_ij)`` under the box l-inf threat."""
    w, b, X, y, _, box = _prepare(model, X, y, "inf", box)
    eps = check_epsilon(epsilon)
    m = y * (X @ w + b)
    return m - np.minimum(eps, _harm_capacity(w, X, y, box)) @ np.abs(w)


def worst_margins(model: Any, X: Any, y: Any, epsilon: float, norm: object = "inf",
                  box: object = None) -> np.ndarray:
    """Exact worst-case margins ``min_{delta} y_i f(x_i + delta)`` at radius ``epsilon``."""
    w, b, X, y, norm, box = _prepare(model, X, y, norm, box)
    eps = check_epsilon(epsilon)
    if box is not None:
        return box_worst_margins((w, b), X, y, eps, box)
    return y * (X @ w + b) - eps * dual_norm(w, norm)


def _box_radii(w: np.ndarray, m: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Root in ``eps`` of ``m_i - sum_j a_j min(eps, C_ij)`` for each row (``a = |w|``)."""
    a = np.abs(w)
    n = m.shape[0]
    r = np.empty(n)
    nz = a > 0
    a, C = a[nz], C[:, nz]
    if a.size == 0:  # constant model: nothing to attack
        return np.where(m > 0, np.inf, np.where(m < 0, -np.inf, 0.0))
    for i in range(n):  # sort per sample; O(d log d) each
        if m[i] <= 0:
            r[i] = m[i] / a.sum()
            continue
        order = np.argsort(C[i])
        c, ai = C[i][order], a[order]
        # f(c_k) = sum_{l<k} a_l c_l + c_k * sum_{l>=k} a_l  (f increasing, piecewise linear)
        before = np.concatenate(([0.0], np.cumsum(ai * c)[:-1]))
        rest = ai[::-1].cumsum()[::-1]
        f = before + c * rest
        k = np.searchsorted(f, m[i], side="left")
        if k >= c.size:
            r[i] = np.inf  # even moving every pixel to the box edge cannot flip it
            continue
        slope = rest[k]
        r[i] = (m[i] - before[k]) / slope
    return r


def certified_radii(model: Any, X: Any, y: Any, norm: object = "inf", box: object = None) -> np.ndarray:
    """Exact certified radius of every sample (see module docstring); ``<= 0`` when misclassified."""
    w, b, X, y, norm, box = _prepare(model, X, y, norm, box)
    m = y * (X @ w + b)
    if box is not None:
        return _box_radii(w, m, _harm_capacity(w, X, y, box))
    q = dual_norm(w, norm)
    if q == 0:
        return np.where(m > 0, np.inf, np.where(m < 0, -np.inf, 0.0))
    return m / q


def certified_accuracy(model: Any, X: Any, y: Any, epsilon: Any, norm: object = "inf",
                       box: object = None) -> float | np.ndarray:
    """Fraction of samples whose worst-case margin at ``epsilon`` is ``> 0`` (i.e. ``epsilon < r_i``).

    ``epsilon`` may be a number (returns a float) or a sequence (returns an array).
    """
    eps = check_epsilons(epsilon)
    r = certified_radii(model, X, y, norm, box)
    out = np.array([np.mean(r > e) for e in eps])  # same test as the curve: eps < r_i
    return float(out[0]) if np.ndim(epsilon) == 0 else out


@dataclass(frozen=True)
class CertifiedCurve:
    """Certified accuracy as an exact step function of ``epsilon``.

    ``breakpoints[k]`` are the distinct positive finite radii (sorted); the accuracy is
    ``levels[0]`` on ``[0, breakpoints[0])``, ``levels[k]`` on ``[breakpoints[k-1], breakpoints[k])``
    and ``levels[-1]`` from the last breakpoint on.  ``clean_accuracy`` is ``acc(0)``.
    """

    breakpoints: np.ndarray
    levels: np.ndarray
    n: int
    norm: str
    box: tuple[float, float] | None

    @property
    def clean_accuracy(self) -> float:
        return float(self.levels[0])

    def __call__(self, epsilon: Any) -> np.ndarray | float:
        e = np.asarray(epsilon, dtype=float)
        idx = np.searchsorted(self.breakpoints, e, side="right")
        out = self.levels[idx]
        return float(out) if out.ndim == 0 else out

    def to_dict(self) -> dict:
        return {"breakpoints": self.breakpoints.tolist(), "levels": self.levels.tolist(), "n": self.n,
                "norm": self.norm, "box": list(self.box) if self.box else None}


def certified_curve(model: Any, X: Any, y: Any, norm: object = "inf", box: object = None) -> CertifiedCurve:
    """The whole certified-accuracy-vs-epsilon curve at once, with its exact breakpoints."""
    w, b, X, y, norm, box = _prepare(model, X, y, norm, box)
    r = certified_radii((w, b), X, y, norm, box)
    n = r.shape[0]
    finite_pos = np.sort(r[(r > 0) & np.isfinite(r)])
    bps, counts = np.unique(finite_pos, return_counts=True)
    start = int(np.sum(r > 0))
    levels = (start - np.concatenate(([0], np.cumsum(counts)))) / n
    return CertifiedCurve(bps, levels, n, norm, box)
