r"""Exact certification of any linear model ``f(x) = w.x + b`` (labels ``y in {-1, +1}``).

The threat (:mod:`robustcvx.threats`) knows the exact worst case of a linear score, so sample ``i``
is certified at radius ``eps`` iff its worst-case margin is positive, i.e. iff ``eps < r_i`` with
the *certified radius* ``r_i`` (:meth:`~robustcvx.threats.Threat.radii`): ``y_i f(x_i) / ||w||_q``
for a norm ball, the root of a concave piecewise-linear function inside a box.  ``r_i`` is
negative for misclassified points and ``+inf`` when no radius flips the sample.  Certified
accuracy is the step function ``acc(eps) = #{i : r_i > eps} / n``: non-increasing,
right-continuous, dropping exactly at the radii (the breakpoints).  A sample with margin exactly 0
counts as wrong.

A multiclass model (``coef`` of shape ``(K, d)``: :func:`robustcvx.linear.is_multiclass`) is certified the
same way, with labels among its classes: its worst-case margin is the smallest over the competing classes
and its radius the smallest pair radius (:mod:`robustcvx.pairs`).

Every function takes the threat as ``norm`` (``"inf"``, ``"2"``, ``"1"``) and ``box``, or as a
:class:`~robustcvx.threats.Threat` passed as ``norm`` (its radius is then irrelevant or replaced).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import pairs
from .linear import as_linear, as_multiclass, check_dimension, is_multiclass
from .threats import Threat, make_threat
from .validation import check_epsilon, check_epsilons, check_features, check_pm1_labels


def threat_family(norm: object = "inf", box: object = None, epsilon: float = 0.0) -> Threat:
    """The threat for ``norm``/``box`` (or the :class:`Threat` given as ``norm``) at radius ``epsilon``."""
    if isinstance(norm, Threat):
        return norm.with_epsilon(epsilon)
    return make_threat(epsilon, norm, box)


@dataclass(frozen=True)
class Prepared:
    """A checked model and data set: ``coef`` is ``w`` (binary) or ``W`` (multiclass, then ``y`` holds the
    row of each label's class)."""

    coef: np.ndarray
    intercept: Any
    X: Any
    y: np.ndarray
    threat: Threat
    multiclass: bool

    def worst_margins(self) -> np.ndarray:
        if self.multiclass:
            return pairs.worst_margins(self.coef, self.intercept, self.X, self.y, self.threat)
        return self.threat.worst_margins(self.coef, self.intercept, self.X, self.y)

    def radii(self) -> np.ndarray:
        if self.multiclass:
            return pairs.radii(self.coef, self.intercept, self.X, self.y, self.threat)
        return self.threat.radii(self.coef, self.intercept, self.X, self.y)


def prepare(model: Any, X: Any, y: Any, norm: object = "inf", box: object = None, epsilon: float = 0.0) -> Prepared:
    """Check ``model``, ``X``, ``y`` and the threat once (binary labels -1/+1, or the model's classes)."""
    X = check_features(X, sparse=True)
    threat = threat_family(norm, box, epsilon)
    if is_multiclass(model):
        W, b, classes = as_multiclass(model)
        if W.shape[1] != X.shape[1]:
            check_dimension(W[0], X)
        yi = pairs.class_indices(y, classes, X.shape[0])
        threat.check_data(X)
        return Prepared(W, b, X, yi, threat, True)
    w, b = as_linear(model)
    y = check_pm1_labels(y, X.shape[0])
    check_dimension(w, X)
    threat.check_data(X)
    return Prepared(w, b, X, y, threat, False)


def margins(model: Any, X: Any, y: Any) -> np.ndarray:
    """``y_i f(x_i)`` (multiclass: ``f_y(x_i) - max_{k != y} f_k(x_i)``): positive iff sample ``i`` is
    classified correctly."""
    return prepare(model, X, y).worst_margins()


def worst_margins(model: Any, X: Any, y: Any, epsilon: float, norm: object = "inf",
                  box: object = None) -> np.ndarray:
    """Exact worst-case margins ``min_{delta} y_i f(x_i + delta)`` at radius ``epsilon``."""
    return prepare(model, X, y, norm, box, check_epsilon(epsilon)).worst_margins()


def certified_radii(model: Any, X: Any, y: Any, norm: object = "inf", box: object = None) -> np.ndarray:
    """Exact certified radius of every sample (see the module docstring); ``<= 0`` when misclassified."""
    return prepare(model, X, y, norm, box).radii()


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
    prep = prepare(model, X, y, norm, box)
    threat = prep.threat
    r = prep.radii()
    n = r.shape[0]
    finite_pos = np.sort(r[(r > 0) & np.isfinite(r)])
    bps, counts = np.unique(finite_pos, return_counts=True)
    start = int(np.sum(r > 0))
    levels = (start - np.concatenate(([0], np.cumsum(counts)))) / n
    return CertifiedCurve(bps, levels, n, threat.norm, threat.box)
