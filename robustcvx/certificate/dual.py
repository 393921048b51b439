r"""Rigorous lower bounds on the optimal value from a dual point.

For ``alpha`` with ``0 <= alpha_i <= c_i`` and ``sum_i alpha_i y_i = 0`` exactly, weak duality
gives ``P* >= D(alpha) = sum_i alpha_i - conj``, where, with ``g = X^T (alpha * y)`` and the
threat's aggregated set ``U'`` (:mod:`robustcvx.threats.dualsets`),

* ``conj = dist_2(g, U')^2 / (2 l2)`` when ``l2 > 0``;
* ``conj = 0`` if ``g`` lies in ``U'``, and ``+inf`` (no bound) otherwise, when ``l2 = 0``.

:func:`evaluate` turns a floating-point ``alpha`` into such a bound without assuming anything
about it:

1. ``alpha`` is clipped into ``[0, c_low]`` (``c_low <= c`` exactly);
2. *exact balance by existence*: the exact imbalance ``beta = sum_i alpha_i y_i`` is bracketed with
   ``math.fsum`` (correctly rounded, so ``|beta| <= B``); the real point ``alpha'`` that removes
   ``beta`` on a few samples with room exists, is feasible for the box, and differs from
   ``alpha`` by at most ``B`` in total.  Its effect on ``sum alpha``, ``g`` and the set is bounded
   and subtracted; ``alpha'`` itself is never formed;
3. ``g`` is enclosed as ``g_hat +- err`` with ``g_hat`` computed on centred data and ``err``
   bounding every rounding relative to ``sum_i alpha_i |x_ij - m_j|``;
4. the set gives rigorous upper bounds on the distance of the enclosure from ``U'``.

The returned ``value`` is a lower bound of ``P*`` in real arithmetic, or ``-inf`` with a reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import fp
from ..threats import Shift
from .centred import blocks, col_abs_max
from .primal import weight_bounds


@dataclass
class DualPoint:
    """A clipped dual point with its rigorous enclosures (what the repair needs too)."""

    alpha: np.ndarray            # clipped into [0, c_low]
    c_low: np.ndarray
    alpha_sum: float             # fsum(alpha)
    alpha_sum_low: float         # lower bound of sum alpha' (the exactly balanced point)
    beta: float                  # fsum(alpha * y): the imbalance before the shift
    shift: Shift | None
    g: np.ndarray                # g_hat (centred)
    g_err: np.ndarray            # |g' - g_hat| <= g_err for the balanced point
    dual_set: Any


@dataclass
class DualBound:
    """``value <= P*`` (``-inf`` when no bound could be proven; ``reason`` says why)."""

    value: float
    violation: float
    conj: float
    method: str
    reason: str = ""
    point: DualPoint | None = None


def clip(problem: Any, alpha: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(alpha clipped into [0, c_low], c_low)``; NaN entries become 0."""
    c_low, _ = weight_bounds(problem)
    a = np.nan_to_num(np.asarray(alpha, dtype=float).reshape(-1), nan=0.0, posinf=0.0, neginf=0.0)
    if a.shape[0] != problem.n:
        raise ValueError(f"dual point has {a.shape[0]} entries, the problem has {problem.n} samples")
    return np.clip(a, 0.0, c_low), c_low


def _balance_shift(alpha: np.ndarray, c_low: np.ndarray, y: np.ndarray) -> tuple[Shift | None, float, str]:
    """The exact-balance correction (see the module docstring): ``(shift, B, reason)``."""
    beta, berr = fp.exact_sum(alpha * y)
    B = abs(beta) + berr
    if B == 0.0:
        return None, 0.0, ""
    s = 1.0 if beta > 0 else -1.0
    for direction, room, cls in ((+1.0, c_low - alpha, -s), (-1.0, alpha, s)):   # prefer increasing
        cand = np.flatnonzero((y == cls) & (room > 0))
        if cand.size == 0:
            continue
        order = cand[np.argsort(-room[cand], kind="stable")]
        total = np.cumsum(room[order])
        k = int(np.searchsorted(total, 2 * B))
        if k < order.size:
            return Shift(B, order[:k + 1], direction), B, ""
    return None, B, f"the dual point's imbalance {B:.3g} cannot be removed (no room within the bounds)"


def prepare(problem: Any, alpha: Any) -> tuple[DualPoint | None, str]:
    """Clip, balance and enclose ``alpha`` (steps 1-3 of the module docstring)."""
    a, c_low = clip(problem, alpha)
    y = problem.y
    shift, B, why = _balance_shift(a, c_low, y)
    if why:
        return None, why
    asum, aerr = fp.exact_sum(a)
    low = asum - aerr - (B if (shift is not None and shift.direction < 0) else 0.0)
    low = max(low - 4 * fp.U * abs(low), 0.0)
    d, n = problem.d, problem.n
    g = np.zeros(d)
    mag = np.zeros(d)
    rows = np.flatnonzero(a)
    with np.errstate(all="ignore"):
        for idx, Xc in blocks(problem, rows):
            ay = a[idx] * y[idx]
            g += Xc.T @ ay
            mag += abs(Xc).T @ a[idx]
        err = fp.dot_error(mag, n) * 3.0
        if shift is not None:
            xmax = np.zeros(d)
            for _, Xc in blocks(problem, shift.rows):
                xmax = np.maximum(xmax, col_abs_max(Xc))
            err = err + fp.up(B * xmax, 2)
    if not (np.isfinite(g).all() and np.isfinite(err).all()):
        return None, "overflow while evaluating the dual point"
    dset = problem.threat.dual_set(a, problem.X, y, low, shift)
    return DualPoint(a, c_low, asum, low, beta=fp.exact_sum(a * y)[0], shift=shift, g=g, g_err=err,
                     dual_set=dset), ""


def bound(problem: Any, point: DualPoint) -> DualBound:
    """Step 4: the lower bound on ``P*`` for a prepared point."""
    dist = point.dual_set.distance(point.g, point.g_err, problem.l1)
    if problem.l2 > 0:
        with np.errstate(all="ignore"):
            ratio = fp.up(dist.dist2 / math.sqrt(2.0 * problem.l2), 3)
            conj = fp.up(ratio * ratio, 2) if dist.dist2 > 0 else 0.0
        value = point.alpha_sum_low - conj
        value -= 4 * fp.U * abs(value) + fp.ETA
        if not math.isfinite(value):
            return DualBound(-math.inf, dist.violation, conj, "conjugate", "overflow in the dual bound", point)
        return DualBound(value, dist.violation, conj, "conjugate", "", point)
    if dist.feasible:
        return DualBound(point.alpha_sum_low, 0.0, 0.0, "feasible", "", point)
    return DualBound(-math.inf, dist.violation, math.inf, "infeasible",
                     f"dual point infeasible by {dist.violation:.3g}", point)


def evaluate(problem: Any, alpha: Any) -> DualBound:
    """A rigorous lower bound on ``P*`` from the (arbitrary, floating-point) dual point ``alpha``."""
    point, why = prepare(problem, alpha)
    if point is None:
        return DualBound(-math.inf, math.inf, math.inf, "invalid", why)
    return bound(problem, point)


def naive_value(problem: Any, alpha: Any) -> float:
    """``sum alpha`` of the clipped point: what a dual value would be if the point were feasible
    (used to report dual points whose value exceeds the primal)."""
    a, _ = clip(problem, alpha)
    return float(a.sum())
