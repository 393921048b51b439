r"""Optimality certificates computed by the package itself, never taken from a solver.

Dual of the robust hinge problem (:mod:`robustcvx.problems`).  Writing
``max(0, z) = max_{0 <= a <= 1} a z`` and exchanging min and max (Sion) gives, for any
``alpha`` with

* ``0 <= alpha_i <= 1/n``  and  ``sum_i alpha_i y_i = 0``,

the lower bound ``D(alpha) = sum_i alpha_i - h*(g)`` on the optimal value, where
``g = sum_i alpha_i y_i x_i = X^T (alpha * y)`` and ``h*`` is the conjugate of
``h(w) = pen-term + l1 ||w||_1 + (l2/2) ||w||_2^2``.  With ``s = epsilon sum_i alpha_i`` and
``soft(g) = sign(g) max(|g| - l1, 0)``:

* threat ``||delta||_p <= eps`` (penalty ``eps ||w||_q``): ``h*(g) = dist(soft(g), B_p(s))^2 / (2 l2)``;
  with ``l2 = 0`` this is the constraint ``||soft(g)||_p <= s`` (``h* = 0``), e.g. for ``p = inf``
  and ``l1 = 0``: ``||X^T(alpha*y)||_inf <= eps sum_i alpha_i``;
* ``p = inf`` with the box: with ``A+ = sum_i alpha_i C+_i`` and ``A- = sum_i alpha_i C-_i``,
  ``h*(g) = sum_j [(g_j - A+_j - l1)_+^2 + (-g_j - A-_j - l1)_+^2] / (2 l2)``; with ``l2 = 0`` the
  constraints ``-(A-_j + l1) <= g_j <= A+_j + l1``.

Weak duality: ``D(alpha) <= optimum <= P(w, b)`` for every such ``alpha`` and every ``(w, b)``.

A dual point from a solver is first *repaired* so that the box and the equality hold exactly
(clip to ``[0, 1/n]``, then scale the larger class's multipliers down so that both classes
carry the same mass).  When ``l2 = 0`` the remaining cone constraint is checked, and its
violation is reported as ``dual_infeasibility``.  The certificate is ``verified`` when

* ``dual_infeasibility <= feas_tol * max(1, s)``  and
* ``gap = P(w, b) - D(alpha) <= gap_tol * max(1, |P(w, b)|)``,

with defaults ``gap_tol = feas_tol = 1e-8`` (the objective is a mean of hinge terms, of order 1).

**Degenerate optima.** When the optimal value is 0 and there is no regulariser, the data is
(robustly) separable: every separator with zero loss is optimal and so is any scaling of it
by a factor >= 1, so the vertex a solver returns is arbitrary.  The certificate flags this
(``degenerate = True``); :func:`robustcvx.solvers.solve` can then return the max-margin
solution instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .problems import RobustHingeProblem

GAP_TOL = 1e-8
FEAS_TOL = 1e-8


@dataclass(frozen=True)
class Certificate:
    """Primal value, dual bound and gap of a candidate solution; ``verified`` iff they agree."""

    primal: float
    dual: float
    gap: float
    dual_infeasibility: float
    gap_tol: float
    feas_tol: float
    verified: bool
    degenerate: bool
    reason: str = ""

    def to_dict(self) -> dict:
        return {k: (float(v) if isinstance(v, (np.floating, float)) else v) for k, v in asdict(self).items()}


def repair_dual(problem: RobustHingeProblem, alpha: np.ndarray) -> np.ndarray:
    """Clip ``alpha`` into ``[0, 1/n]`` and balance ``sum_i alpha_i y_i = 0`` by scaling one class down."""
    n = problem.n
    a = np.clip(np.nan_to_num(np.asarray(alpha, dtype=float).reshape(-1), nan=0.0), 0.0, 1.0 / n)
    if a.shape[0] != n:
        raise ValueError(f"dual point has {a.shape[0]} entries, the problem has {n} samples")
    pos = problem.y > 0
    sp, sm = a[pos].sum(), a[~pos].sum()
    if sp > sm:
        a[pos] *= (sm / sp) if sp > 0 else 0.0
    elif sm > sp:
        a[~pos] *= (sp / sm) if sm > 0 else 0.0
    return a


def _soft(g: np.ndarray, t: float) -> np.ndarray:
    return np.sign(g) * np.maximum(np.abs(g) - t, 0.0)


def _dist_l1_ball(v: np.ndarray, radius: float) -> float:
    """Euclidean distance from ``v`` to the l1 ball of the given radius."""
    a = np.abs(v)
    if a.sum() <= radius:
        return 0.0
    if radius <= 0:
        return float(np.linalg.norm(a))
    u = np.sort(a)[::-1]
    css = np.cumsum(u) - radius
    k = np.nonzero(u - css / np.arange(1, u.size + 1) > 0)[0][-1]
    theta = css[k] / (k + 1)
    return float(np.linalg.norm(a - np.maximum(a - theta, 0.0)))


def dual_bound(problem: RobustHingeProblem, alpha: np.ndarray) -> tuple[float, float]:
    """``(D(alpha), infeasibility)`` for an already repaired ``alpha`` (see module docstring).

    ``infeasibility`` is the violation of the cone/box constraint when ``l2 = 0`` (0 when
    ``l2 > 0``: every repaired ``alpha`` is then feasible and ``D`` is always a valid bound).
    """
    X, y = problem.X, problem.y
    sa = float(alpha.sum())
    g = X.T @ (alpha * y)
    l1, l2 = problem.l1, problem.l2
    if problem.uses_box:
        Cp, Cm = problem.box_costs()
        Ap, Am = Cp.T @ alpha, Cm.T @ alpha
        up = np.maximum(g - Ap - l1, 0.0)
        dn = np.maximum(-g - Am - l1, 0.0)
        if l2 > 0:
            return sa - float(up @ up + dn @ dn) / (2 * l2), 0.0
        return sa, float(max(up.max(initial=0.0), dn.max(initial=0.0)))
    s = problem.epsilon * sa
    v = _soft(g, l1)
    p = problem.norm
    if p == "inf":
        dist = np.linalg.norm(np.maximum(np.abs(v) - s, 0.0))
        excess = float(np.maximum(np.abs(v).max(initial=0.0) - s, 0.0))
    elif p == "2":
        nv = float(np.linalg.norm(v))
        dist = excess = max(nv - s, 0.0)
    else:
        dist = _dist_l1_ball(v, s)
        excess = max(float(np.abs(v).sum()) - s, 0.0)
    if l2 > 0:
        return sa - float(dist) ** 2 / (2 * l2), 0.0
    return sa, excess


def _heuristic_dual(problem: RobustHingeProblem, w: np.ndarray, b: float, tol: float) -> np.ndarray:
    """A dual guess from a primal point alone: ``alpha_i = 1/n`` where the hinge is active."""
    return np.where(1.0 - problem.margins(w, b) + problem.penalty(w) > tol, 1.0 / problem.n, 0.0)


def certify_solution(problem: RobustHingeProblem, w: np.ndarray, b: float,
                     alpha: np.ndarray | None = None, *, claimed: float | None = None,
                     gap_tol: float = GAP_TOL, feas_tol: float = FEAS_TOL) -> Certificate:
    """Certificate for the candidate ``(w, b)`` with dual point ``alpha``.

    ``primal`` is recomputed from ``(w, b)`` on the data (the solver's objective is never
    used); ``claimed``, when given, is a value some solver reported, and a claim that does not
    match the recomputed primal is recorded in ``reason``.  Without ``alpha`` a heuristic dual
    (active hinge terms) is used, which certifies only non-degenerate vertex solutions.
    """
    w = np.asarray(w, dtype=float).reshape(-1)
    if w.shape[0] != problem.d or not np.isfinite(w).all() or not np.isfinite(b):
        return Certificate(float("nan"), float("nan"), float("inf"), float("inf"), gap_tol, feas_tol,
                           False, False, "candidate has the wrong size or non-finite entries")
    primal = problem.objective(w, b)
    if alpha is None:
        alpha = _heuristic_dual(problem, w, b, gap_tol)
    a = repair_dual(problem, alpha)
    dual, infeas = dual_bound(problem, a)
    gap = primal - dual
    scale = max(1.0, abs(primal))
    s = max(1.0, problem.epsilon * float(a.sum()))
    reasons: list[str] = []
    notes: list[str] = []
    if not infeas <= feas_tol * s:  # written so that NaN (overflow) fails too
        reasons.append(f"dual point infeasible by {infeas:.3g} (> {feas_tol * s:.1g})")
    if not gap <= gap_tol * scale:
        reasons.append(f"duality gap {gap:.3g} exceeds {gap_tol * scale:.1g}")
    if claimed is not None and np.isfinite(claimed) and abs(claimed - primal) > gap_tol * scale:
        notes.append(f"solver claimed objective {claimed:.10g} but (w, b) gives {primal:.10g}")
    verified = not reasons
    degenerate = (problem.l1 == 0 and problem.l2 == 0 and primal <= gap_tol and verified)
    if degenerate:
        notes.append("zero loss: the data is (robustly) separable and every scaled separator is optimal")
    return Certificate(primal, dual, gap, infeas, gap_tol, feas_tol, verified, degenerate,
                       "; ".join(reasons + notes))
