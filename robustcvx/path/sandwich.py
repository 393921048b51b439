r"""Every vertex of ``psi`` from warm-started solves of the budget LP (Eisner & Severance's method).

Each solve at a budget ``t`` returns an optimal model (a point ``(t, psi(t))`` of the graph) and a
dual point, whose line ``l_t(s) = sum alpha - s mu`` lies below ``psi`` and touches it at ``t``.
Given two such budgets ``a < b`` with different lines, let ``x`` be where the lines cross and
solve at ``x``:

* if ``psi(x) = l_a(x)``, then ``psi = max(l_a, l_b)`` on ``[a, b]`` (``psi`` is convex and lies
  below its chords, which here are the lines themselves), so ``x`` is the only vertex in between;
* otherwise the new line at ``x`` splits the interval in two, each handled the same way.

A piece is found once and each vertex is confirmed once, so ``m`` vertices cost about ``2 m``
solves, in increasing order of the budget (each warm-started from the one before).  The search
starts from the line at ``s = 0`` and a budget beyond which ``psi`` is flat (``mu = 0``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import SolverError
from .budget_lp import BudgetPoint

VALUE_TOL = 1e-9       # psi(x) this close to the lines' value: x is a vertex
MAX_DOUBLINGS = 80


@dataclass
class Vertices:
    """The vertices of ``psi`` found between two solves ``lo`` and ``hi``, left to right.

    ``points[k]`` is the solve at vertex ``k`` (its model is the vertex) and ``lines[k]`` a dual
    point tight on the edge *ending* at vertex ``k``; ``lines[-1]`` (one more) is ``hi``, tight
    after the last vertex.
    """

    points: list[BudgetPoint] = field(default_factory=list)
    lines: list[BudgetPoint] = field(default_factory=list)
    solves: int = 0


def flat_budget(solve: Any, start: float) -> BudgetPoint:
    """A solve at a budget where ``psi`` no longer decreases (``mu = 0``), doubling from ``start``."""
    t = float(start)
    for _ in range(MAX_DOUBLINGS):
        p = solve(t)
        if p.slope <= VALUE_TOL * max(1.0, p.alpha_sum):
            return p
        t *= 2.0
    raise SolverError(f"psi still decreases at the budget {t:.3g}: the regular problem looks unbounded")


def find_vertices(solve: Any, lo: BudgetPoint, hi: BudgetPoint, tol: float = VALUE_TOL) -> Vertices:
    """The vertices of ``psi`` between the solves ``lo`` and ``hi`` (``solve(t) -> BudgetPoint``;
    ``hi`` may be a solve where ``psi`` is flat)."""
    out = Vertices()
    stack = [(lo, hi)]
    while stack:
        lo, hi = stack.pop()
        dslope = lo.slope - hi.slope
        if dslope <= tol * max(1.0, lo.slope):
            continue                                   # one line: no vertex in between
        x = (lo.alpha_sum - hi.alpha_sum) / dslope
        x = float(np.clip(x, lo.budget, hi.budget))
        mid = solve(x)
        out.solves += 1
        # the solver's own duality gap at x bounds how well it can tell psi(x) from the lines
        own_gap = max(0.0, mid.loss - mid.line(x))
        slack = max(tol * max(1.0, abs(mid.loss)), 4.0 * own_gap)
        same_line = any(abs(mid.slope - p.slope) <= slack and abs(mid.alpha_sum - p.alpha_sum) <= slack
                        for p in (lo, hi))
        if same_line or mid.loss <= max(lo.line(x), hi.line(x)) + slack:
            if x - lo.budget > 1e-12 * max(1.0, x) or not out.points:
                out.points.append(mid)        # (a vertex at lo itself is not repeated)
                out.lines.append(lo)
        else:
            stack.append((mid, hi))
            stack.append((lo, mid))
    out.lines.append(hi)
    return out
