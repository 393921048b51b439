r"""From the vertices of ``psi`` to the robust optimum at every radius.

``psi`` (the budget problem of :mod:`.budget_lp`) is convex, piecewise linear and non-increasing;
let ``(s_0 = 0, h_0), ..., (s_m, h_m)`` be the vertices of its graph up to where it stops
decreasing.  The robust optimum is ``V(eps) = min_{s < 1/eps} psi(s) / (1 - eps s)``; on an edge
``psi(s) = a + sigma s`` the ratio has derivative ``(sigma + eps a) / (1 - eps s)^2``, of constant
sign, so the minimum is at a vertex::

    V(eps) = min_k h_k / (1 - eps s_k)          (over the vertices with eps s_k < 1).

Vertex ``k`` beats ``k - 1`` exactly when ``eps < e_k`` with the threshold

    e_k = (h_{k-1} - h_k) / (h_{k-1} s_k - h_k s_{k-1}) = -sigma_k / a_k,

and the thresholds decrease with ``k`` (``s -> psi(s) / (1 - eps s)`` is quasi-convex), so vertex
``k`` is optimal on ``[e_{k+1}, e_k)`` (``e_0 = +inf``, ``e_{m+1} = 0``; at a threshold both are
optimal and the smaller budget is reported).  ``e_k <= 1 / s_k`` always; with ``h_m = 0`` (the
data is separable) ``e_m = 1 / s_m`` and ``V`` jumps there.

Only the lower convex hull of the given points is kept, so points that are not vertices (on an
edge, or after ``psi`` stopped decreasing) are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HULL_TOL = 1e-13      # relative: a point this close to the chord of its neighbours is on the edge
SAME_BUDGET = 1e-12   # relative: budgets this close are one vertex (rounding noise of repeated vertices)


@dataclass(frozen=True)
class Envelope:
    """The vertices that are optimal for some radius and the radii where the optimum changes.

    ``index[k]``: position of hull vertex ``k`` among the points given; ``budgets[k] = s_k``,
    ``losses[k] = h_k``; ``thresholds[k - 1] = e_k`` (decreasing, ``k = 1..m``).
    """

    index: np.ndarray
    budgets: np.ndarray
    losses: np.ndarray
    thresholds: np.ndarray

    @property
    def m(self) -> int:
        return int(self.thresholds.shape[0])

    def vertex(self, epsilon: float) -> int:
        """The hull vertex optimal at ``epsilon`` (the smaller budget at a threshold)."""
        return int(np.count_nonzero(self.thresholds > float(epsilon)))

    def vertices(self, epsilons: np.ndarray) -> np.ndarray:
        asc = self.thresholds[::-1]
        return self.m - np.searchsorted(asc, np.asarray(epsilons, dtype=float), side="right")

    def value(self, epsilon: float) -> float:
        """``V(epsilon) = h_k / (1 - epsilon s_k)`` at the optimal vertex ``k``."""
        k = self.vertex(epsilon)
        return float(self.losses[k] / (1.0 - float(epsilon) * self.budgets[k]))

    def interval(self, k: int) -> tuple[float, float]:
        """``[epsilon_from, epsilon_to)`` on which vertex ``k`` is optimal."""
        lo = float(self.thresholds[k]) if k < self.m else 0.0
        hi = float(self.thresholds[k - 1]) if k > 0 else float("inf")
        return lo, hi


def _lower_hull(s: np.ndarray, h: np.ndarray) -> list[int]:
    """Indices of the lower convex hull of the points, left to right, cut after the minimum of ``h``."""
    order = np.lexsort((h, s))
    hull: list[int] = []
    for i in order:
        if hull and s[i] - s[hull[-1]] <= SAME_BUDGET * max(1.0, abs(s[i])):
            if h[i] < h[hull[-1]] - SAME_BUDGET * max(1.0, abs(h[i])) and len(hull) > 1:
                hull.pop()                # a clearly lower loss at the same budget replaces it
            else:
                continue                  # the first of repeated vertices is kept (the exact 0 stays)
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (s[b] - s[a]) * (h[i] - h[a]) - (h[b] - h[a]) * (s[i] - s[a])
            scale = (abs(s[b] - s[a]) * abs(h[i] - h[a]) + abs(h[b] - h[a]) * abs(s[i] - s[a]))
            if cross <= HULL_TOL * scale:  # b is on or above the chord a-i
                hull.pop()
            else:
                break
        hull.append(int(i))
    k_min = int(np.argmin(h[hull]))       # the first vertex where psi reaches its minimum
    return hull[:k_min + 1]


def envelope(budgets: np.ndarray, losses: np.ndarray) -> Envelope:
    """The :class:`Envelope` of the points ``(budgets[i], losses[i])`` (``budgets[0] = 0`` expected)."""
    s = np.asarray(budgets, dtype=float)
    h = np.asarray(losses, dtype=float)
    keep = _lower_hull(s, h)
    while True:
        ss, hh = s[keep], h[keep]
        e = (hh[:-1] - hh[1:]) / (hh[:-1] * ss[1:] - hh[1:] * ss[:-1])
        bad = np.flatnonzero(~(e[1:] < e[:-1])) if e.size > 1 else np.zeros(0, dtype=int)
        if bad.size == 0:                 # rounding can only break monotonicity at near-collinear points
            break
        del keep[int(bad[0]) + 1]
    return Envelope(np.asarray(keep), ss, hh, e)
