r"""Optimality certificates computed by the package itself, never taken from a solver.

**Theorem.**  If :func:`certify_solution` returns ``verified = True`` for the candidate
``(w, b)`` of a problem (:class:`~robustcvx.problems.RobustHingeProblem`: any data, threat, box,
``l1``, ``l2`` and sample weights), then

    ``P(w, b) - P* <= gap_tol * max(1, P(w, b))``

where ``P`` is the objective evaluated in exact real arithmetic on the data as given (the
floats of ``X``, ``y``, the weights) and ``P*`` its infimum over all ``(w, b)``.

**Proof.**  The certificate computes two numbers, ``primal_upper`` and ``dual``, and verifies iff
``primal_upper - dual <= gap_tol * max(1, L)`` for a proven lower bound ``L <= P(w, b)``.

1. ``P(w, b) <= primal_upper`` (:mod:`.primal`): every floating-point operation of the evaluation
   is bounded by the standard model of rounding (:mod:`robustcvx.fp`); the margins are computed
   as ``w.(x - m) + (b + w.m)`` with ``b + w.m`` in exact rational arithmetic.
2. ``dual <= P*``.  Weak duality: for ``0 <= alpha_i <= c_i`` with ``sum_i alpha_i y_i = 0``,
   ``c_i max(0, z) >= alpha_i z`` gives, for every ``(w, b)``,
   ``P(w, b) >= sum_i alpha_i - g.w + sum_i alpha_i pen_i(w) + l1 ||w||_1 + (l2/2)||w||^2``
   with ``g = X^T (alpha * y)``; the threat writes ``sum_i alpha_i pen_i = sigma_U`` (a support
   function, :mod:`robustcvx.threats.dualsets`), and the infimum over ``w`` of the right-hand side
   is ``sum alpha - dist_2(g, U + l1 B_inf)^2 / (2 l2)``, or ``sum alpha`` if ``g`` is in that set
   (``l2 = 0``; ``-inf`` otherwise).  ``dual`` is the largest of these bounds that is *proven*:

   * ``0`` (``alpha = 0``: ``P* >= 0`` always);
   * a given dual point (:mod:`.dual`): clipped into ``[0, c_low]`` with ``c_low <= c``; its
     exact imbalance is bracketed by a correctly rounded sum and removed by a real correction
     on samples with room, whose effect is bounded; ``g`` is enclosed with error bounds relative
     to ``sum_i alpha_i |x_ij - m_j|``; the distance to the set is bounded above using *lower*
     bounds of the set (a subset); infeasibility with ``l2 = 0`` gives no bound at all - it is
     never "tolerated";
   * a repaired point (:mod:`.repair`), re-evaluated from scratch as above;
   * with ``epsilon = 0`` and ``l1 = 0`` (equality constraints ``g = 0``), the exact repair of
     :mod:`.exact`, which proves with a verified linear solve that an exactly feasible point
     exists next to the given one and bounds its value.

   Each is a lower bound of ``P*`` by weak duality.  Hence ``P(w, b) - P* <= primal_upper - dual
   <= gap_tol * max(1, L) <= gap_tol * max(1, P(w, b))``.  ∎

Nothing is absolute: the only tolerance is ``gap_tol`` relative to ``max(1, P)`` (the objective is
a mean of hinge terms, so 1 is its natural unit, the same for every scale of the data).  A dual
point whose value exceeds the primal cannot produce a bound (it is infeasible); the certificate
then says so.  When no bound closes the gap the result is ``verified = False`` with the reason.

**Degenerate optima.**  When the optimal value is 0 without regulariser, the data is (robustly)
separable: every zero-loss separator is optimal and so is any scaling of it by a factor ``>= 1``,
so the vertex a solver returns is arbitrary.  ``degenerate = True`` flags this;
:func:`robustcvx.solvers.solve` then returns the max-margin optimum.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import dual as _dual
from .exact import exact_feasible_bound, exact_repair_bound
from .primal import PrimalBounds, primal_bounds
from .rational import rational_vertex_bound
from .repair import repair as _repair

GAP_TOL = 1e-8
REPAIR_ROUNDS = 3

__all__ = ["GAP_TOL", "Certificate", "PrimalBounds", "certify_solution", "primal_bounds"]


@dataclass(frozen=True)
class Certificate:
    """The proof (or the failure of one) that ``(w, b)`` is optimal within ``gap_tol``.

    ``primal``: ``P(w, b)`` in floating point; ``primal_upper``: a proven upper bound of it;
    ``dual``: a proven lower bound of the optimum; ``gap = primal_upper - dual`` (never negative
    when both are proven); ``dual_infeasibility``: how far the *offered* dual point was from
    feasible (before any repair); ``method``: where ``dual`` came from (``feasible``,
    ``conjugate``, ``repaired``, ``exact-repair``, ``zero``).
    """

    primal: float
    primal_upper: float
    dual: float
    gap: float
    gap_tol: float
    verified: bool
    degenerate: bool
    dual_infeasibility: float
    method: str
    reason: str = ""

    def to_dict(self) -> dict:
        out = {}
        for k, v in asdict(self).items():
            if isinstance(v, (float, np.floating)):
                v = float(v)
                v = v if math.isfinite(v) else None
            out[k] = v
        return out


def _unverified(reason: str, gap_tol: float, primal: float = math.nan) -> Certificate:
    return Certificate(primal, math.inf, -math.inf, math.inf, gap_tol, False, False, math.inf, "none", reason)


def heuristic_dual(problem: Any, w: np.ndarray, b: float, tol: float = 1e-6) -> np.ndarray:
    """A dual guess from a primal point alone: ``c_i`` where the hinge is active, ``c_i / 2`` on
    the margin (``|hinge argument| <= tol``, left free for the repair), 0 elsewhere."""
    z = 1.0 - problem.margins(w, b) + problem.penalty(w)
    c = problem.weights
    return np.where(z > tol, c, np.where(z >= -tol, 0.5 * c, 0.0))


def _band(point: Any, problem: Any) -> float:
    s = problem.epsilon * point.alpha_sum
    scale = max(s, problem.l1, float(np.abs(point.g).max(initial=0.0)), 1e-300)
    return 1e-7 * scale


def certify_solution(problem: Any, w: Any, b: float, alpha: Any = None, *, claimed: float | None = None,
                     gap_tol: float = GAP_TOL, repair: bool = True) -> Certificate:
    """Certificate for the candidate ``(w, b)`` with the dual point ``alpha`` (see the module docstring).

    ``alpha``: multipliers of the margin constraints (``0 <= alpha_i <= c_i``) from any source, or
    ``None`` for a guess from ``(w, b)``.  ``claimed``: an objective value some solver reported
    (never used; a mismatch is noted).  ``repair=False`` skips the repair steps (faster; proves
    only what ``alpha`` proves as given).
    """
    try:
        w = np.asarray(w, dtype=float).reshape(-1)
        b = float(b)
    except (TypeError, ValueError):
        return _unverified("the candidate is not numeric", gap_tol)
    if w.shape[0] != problem.d or not np.isfinite(w).all() or not math.isfinite(b):
        return _unverified("candidate has the wrong size or non-finite entries", gap_tol)
    prim = primal_bounds(problem, w, b)
    if not prim.finite:
        return _unverified("the objective of the candidate overflows", gap_tol, prim.value)
    target = gap_tol * max(1.0, prim.lower)
    need = prim.upper - target
    best_value, method, why_not = 0.0, "zero", []

    offered = alpha if alpha is not None else heuristic_dual(problem, w, b)
    try:
        first = _dual.evaluate(problem, offered)
    except ValueError as exc:
        return _unverified(str(exc), gap_tol, prim.value)
    infeas = first.violation
    if first.value > best_value:
        best_value, method = first.value, first.method
    elif first.reason:
        why_not.append(first.reason)

    if best_value < need and repair and first.point is not None and (problem.threat.active or problem.l1 > 0):
        point = first.point
        for _ in range(REPAIR_ROUNDS):
            new_alpha, why = _repair(problem, point, _band(point, problem))
            if new_alpha is None:
                why_not.append(why)
                break
            db = _dual.evaluate(problem, new_alpha)
            if db.value > best_value:
                best_value, method = db.value, "repaired"
            if best_value >= need or db.point is None:
                if db.point is None and db.reason:
                    why_not.append(db.reason)
                break
            point = db.point
        else:
            why_not.append("the repaired dual point is still infeasible")
    if best_value < need and repair and problem.is_lp and first.point is not None and first.violation < math.inf:
        value, _ = exact_feasible_bound(problem, offered)       # a degenerate vertex, exactly feasible
        if value is not None and value > best_value:
            best_value, method = value, "exact"
    if best_value < need and repair and not problem.threat.active and problem.l1 == 0:
        value, why = exact_repair_bound(problem, offered)
        if value is not None and value > best_value:
            best_value, method = value, "exact-repair"
        elif why:
            why_not.append(why)
        if best_value < need:                           # a degenerate vertex: its exact value
            value, why = rational_vertex_bound(problem, offered)
            if value is not None and value > best_value:
                best_value, method = value, "exact-vertex"
            elif why:
                why_not.append(why)

    gap = prim.upper - best_value
    verified = bool(gap <= target)
    notes: list[str] = []
    naive = _dual.naive_value(problem, offered) - (first.conj if math.isfinite(first.conj) else 0.0)
    if alpha is not None and naive > prim.upper + target:
        notes.append(f"invalid dual point: its value {naive:.10g} exceeds the primal {prim.value:.10g} "
                     f"(it is infeasible by {infeas:.3g})")
    if not verified:
        notes.insert(0, f"duality gap {gap:.3g} exceeds {target:.1g}")
        notes += [w_ for w_ in dict.fromkeys(why_not) if w_]
    if claimed is not None and np.isfinite(claimed) and abs(claimed - prim.value) > target:
        notes.append(f"solver claimed objective {claimed:.10g} but (w, b) gives {prim.value:.10g}")
    degenerate = bool(verified and not problem.regularized and prim.upper <= gap_tol)
    if degenerate:
        notes.append("zero loss: the data is (robustly) separable and every scaled separator is optimal")
    return Certificate(prim.value, prim.upper, best_value, gap, gap_tol, verified, degenerate,
                       float(infeas) if math.isfinite(infeas) else math.inf, method, "; ".join(notes))
