r"""Optimality certificates of the multiclass (Crammer--Singer) problem.

**Theorem.**  If :func:`certify_multiclass` returns ``verified = True`` for ``(W, b)`` of a
:class:`~robustcvx.problems.MulticlassHingeProblem` (any data, threat, box, ``l1``, ``l2``, weights), then
``P(W, b) - P* <= gap_tol * max(1, P(W, b))``, for the data as given, in exact arithmetic.

**Proof.**  ``P(W, b) <= primal_upper`` (:mod:`.primal`).  For the lower bound, weak duality: for
``alpha >= 0`` with ``alpha_{i y_i} = 0`` and ``sum_k alpha_ik <= c_i``, ``c_i max(0, max_k z_ik) >=
sum_k alpha_ik z_ik``, so with ``A``, ``G = A^T X``, ``beta = A^T 1`` and the pair sets ``U_ak``
(:mod:`.point`)::

    P(W, b) >= sum alpha - sum_m b_m beta_m - sum_m w_m.G_m + sum_{a != k} sigma_{U_ak}(w_a - w_k) + R(W)
            >= sum alpha - sum_m b_m beta_m - sum_m w_m.(G_m - div_m(u)) + R(W)

for any flows ``u_ak in U_ak`` (``div_m(u) = sum_k u_mk - sum_a u_am``).  With ``beta = 0`` exactly and
residuals ``r_m = G_m - div_m(u)`` with ``|r_m| <= l1`` (``l2 = 0``), the infimum over ``(W, b)`` is
``sum alpha``; with ``l2 > 0`` it is at least ``sum alpha - sum_m ||soft(r_m, l1)||^2 / (2 l2)``.  The
certificate proves such a point exists next to the offered one (:mod:`.point`: exact balance by
existence; :mod:`.cuts`: existence of the flows by the Gale--Hoffman cut conditions, checked with
enclosures, for per-coordinate sets; :mod:`.flows`: explicit flows with residuals removed exactly on a
spanning tree; :mod:`.repair` and :mod:`.ball_repair`: repairs, re-proven; :mod:`.exact`: the verified
solve for the equality-constrained case), so its value is a lower bound of ``P*``; verification compares it
with ``primal_upper`` exactly as in the binary case (:mod:`robustcvx.certificate`).  ∎
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import GAP_TOL, Certificate, _unverified
from .ball_repair import ball_repair
from .cuts import MAX_CUT_CLASSES, cut_slacks
from .exact import exact_repair_bound
from .flows import compute_flows, flows_bound, star_flows
from .point import prepare
from .primal import primal_bounds
from .repair import repair as _repair

REPAIR_ROUNDS = 3
MAX_ROOTS = 3          # roots of the star tried by the ball repair

__all__ = ["certify_multiclass", "heuristic_dual", "primal_bounds"]


def heuristic_dual(problem: Any, W: np.ndarray, b: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """A dual guess from the model: ``c_i`` on the most violating class, ``c_i / 2`` on a margin tie."""
    Z = problem.hinge_args(W, b)
    k = Z.argmax(axis=1)
    z = Z[np.arange(problem.n), k]
    c = problem.weights
    out = np.zeros((problem.n, problem.K))
    out[np.arange(problem.n), k] = np.where(z > tol, c, np.where(z >= -tol, 0.5 * c, 0.0))
    return out


def _bound(problem: Any, point: Any) -> tuple[float, float, str, str | None, Any]:
    """``(value, violation, reason, kind, data)``: the proven bound of ``point`` (``-inf`` when none) and
    what a repair starts from: ``("cuts", (slack_out, slack_in))``, ``("flows", F)`` or ``(None, None)``."""
    K, d = problem.K, problem.d
    if problem.l2 == 0 and K <= MAX_CUT_CLASSES:
        slacks = cut_slacks(point, problem.l1, K, d)
        if slacks is not None:
            worst = -min(float(slacks[0].min(initial=0.0)), float(slacks[1].min(initial=0.0)))
            if worst <= 0:
                return point.alpha_sum_low, 0.0, "", "cuts", slacks
            return -math.inf, worst, f"dual point infeasible by {worst:.3g} (cut conditions)", "cuts", slacks
    F = compute_flows(point, problem)
    if F is None:
        return -math.inf, math.inf, "the flows of the dual point could not be computed", None, None
    value, why = flows_bound(point, problem, F)
    return value, (0.0 if np.isfinite(value) else math.inf), why, "flows", F


def _ball_repairs(problem: Any, point: Any, F: np.ndarray, need: float) -> tuple[float, list[str]]:
    """The best bound from repairing ``point`` on its flows (:mod:`.ball_repair`), trying a few roots."""
    best, why_not = -math.inf, []
    roots = [-1] if problem.l1 > 0 else list(range(min(problem.K, MAX_ROOTS)))
    for root in roots:
        pt = point
        flows = F if root < 0 else star_flows(pt, problem, F, root)
        for _ in range(REPAIR_ROUNDS):
            fixed, why = ball_repair(problem, pt, flows, root)
            if fixed is None:
                why_not.append(why)
                break
            new_alpha, flows = fixed
            pt, why = prepare(problem, new_alpha)
            if pt is None:
                why_not.append(why)
                break
            if root >= 0:
                flows = star_flows(pt, problem, flows, root)
            value, why = flows_bound(pt, problem, flows, max(root, 0))
            if value > best:
                best = value
            if why:
                why_not.append(why)
            if best >= need:
                return best, why_not
    return best, why_not


def _band(point: Any, problem: Any) -> float:
    return 1e-7 * max(float(np.abs(point.G).max(initial=0.0)), problem.epsilon * point.alpha_sum, problem.l1, 1e-300)


def certify_multiclass(problem: Any, W: Any, b: Any, alpha: Any = None, *, claimed: float | None = None,
                       gap_tol: float = GAP_TOL, repair: bool = True) -> Certificate:
    """Certificate for the multiclass candidate ``(W, b)`` with the dual point ``alpha`` (``n x K``) or
    ``None`` for a guess (see the module docstring)."""
    try:
        W = np.asarray(W, dtype=float)
        b = np.asarray(b, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return _unverified("the candidate is not numeric", gap_tol)
    if W.shape != (problem.K, problem.d) or b.shape != (problem.K,) or not (np.isfinite(W).all()
                                                                         and np.isfinite(b).all()):
        return _unverified("candidate has the wrong shape or non-finite entries", gap_tol)
    prim = primal_bounds(problem, W, b)
    if not prim.finite:
        return _unverified("the objective of the candidate overflows", gap_tol, prim.value)
    target = gap_tol * max(1.0, prim.lower)
    need = prim.upper - target
    best, method, why_not = 0.0, "zero", []
    offered = alpha if alpha is not None else heuristic_dual(problem, W, b)
    try:
        point, why = prepare(problem, offered)
    except ValueError as exc:
        return _unverified(str(exc), gap_tol, prim.value)
    infeas = math.inf
    if point is None:
        why_not.append(why)
    else:
        value, infeas, why, kind, data = _bound(problem, point)
        if value > best:
            best, method = value, ("feasible" if problem.l2 == 0 else "conjugate")
        elif why:
            why_not.append(why)
        if repair and kind == "flows" and best < need and problem.l2 == 0:
            value, whys = _ball_repairs(problem, point, data, need)
            if value > best:
                best, method = value, "repaired"
            elif whys:
                why_not += whys
        for _ in range(REPAIR_ROUNDS if (repair and kind == "cuts" and best < need) else 0):
            new_alpha, why = _repair(problem, point, data[0], data[1], _band(point, problem))
            if new_alpha is None:
                why_not.append(why)
                break
            point, why = prepare(problem, new_alpha)
            if point is None:
                why_not.append(why)
                break
            value, _, why, kind, data = _bound(problem, point)
            if value > best:
                best, method = value, "repaired"
            if best >= need or kind != "cuts":
                break
    if best < need and repair and not problem.threat.active and problem.l1 == 0:
        value, why = exact_repair_bound(problem, offered)
        if value is not None and value > best:
            best, method = value, "exact-repair"
        elif why:
            why_not.append(why)
    gap = prim.upper - best
    verified = bool(gap <= target)
    notes: list[str] = []
    if not verified:
        notes.append(f"duality gap {gap:.3g} exceeds {target:.1g}")
        notes += [w for w in dict.fromkeys(why_not) if w]
    if claimed is not None and np.isfinite(claimed) and abs(claimed - prim.value) > target:
        notes.append(f"solver claimed objective {claimed:.10g} but (W, b) gives {prim.value:.10g}")
    degenerate = bool(verified and not problem.regularized and prim.upper <= gap_tol)
    if degenerate:
        notes.append("zero loss: the data is (robustly) separable and every scaled separator is optimal")
    return Certificate(prim.value, prim.upper, best, gap, gap_tol, verified, degenerate,
                       float(infeas) if math.isfinite(infeas) else math.inf, method, "; ".join(notes))
