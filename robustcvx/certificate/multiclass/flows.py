r"""Dual feasibility (and the conjugate) of a multiclass point through explicit flows.

For pair sets that are not boxes per coordinate (the l_1 and l_2 balls), or with ``l2 > 0``, the flows
``f_e`` (one vector per class pair ``e = {a, k}``, ``a < k``, flowing from ``a`` to ``k``) are computed by a
convex program (cvxpy + Clarabel) that keeps every ``f_e`` strictly inside its set (capacities scaled by
``1 - SHRINK``) and makes the residuals ``r_m = G_m - div_m(f)`` as small as possible; then everything is
checked with enclosures:

* ``f_e = u_ak - u_ka`` with ``u_ak in U_ak`` exists when ``f_e`` is in ``U_ak - U_ka`` (for balls,
  radius ``s_ak + s_ka``; for boxes, the interval sums); checked with norm upper bounds;
* ``l2 > 0``: ``conj <= sum_m ||soft(r_m, l1)||^2 / (2 l2)`` over the residuals' enclosure;
* ``l2 = 0``: every ``|r_mj| <= l1`` for sure, or (``l1 = 0``) the residuals are removed exactly by flows
  along a spanning tree of the pairs with room: on a tree the corrective flow of an edge is minus the sum
  of the residuals below it, so it exists and is bounded by the sum of the residual enclosures; the edge
  must have that much room left.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ... import fp

SHRINK = 1e-9


def _pairs(K: int) -> list[tuple[int, int]]:
    return [(a, k) for a in range(K) for k in range(a + 1, K)]


def _capacity(point: Any, a: int, k: int, d: int) -> tuple[str, Any]:
    """``("ball", (p, radius))`` or ``("box", (lo, hi))``: the set of ``f = u_ak - u_ka``."""
    s1, s2 = point.sets[(a, k)], point.sets[(k, a)]
    iv1, iv2 = s1.interval(d), s2.interval(d)
    if iv1 is not None and iv2 is not None:
        return "box", (iv1[0] + iv2[1], iv1[1] + iv2[0])       # [-(lo_ak + hi_ka), hi_ak + lo_ka]
    return "ball", (s1.p, fp.down(s1.s + s2.s, 2))


def compute_flows(point: Any, problem: Any) -> np.ndarray | None:
    """Flows (pairs x d) from a convex program, or None when it fails."""
    import cvxpy as cp

    K, d = problem.K, problem.d
    pairs = _pairs(K)
    F = cp.Variable((len(pairs), d))
    cons = []
    for e, (a, k) in enumerate(pairs):
        kind, cap = _capacity(point, a, k, d)
        if kind == "box":
            lo, hi = cap
            cons += [F[e] <= hi * (1 - SHRINK), -F[e] <= lo * (1 - SHRINK)]
        else:
            p, radius = cap
            cons.append(cp.norm(F[e], {"inf": "inf", "2": 2, "1": 1}[p]) <= radius * (1 - SHRINK))
    div = []
    for m in range(K):
        out_e = [e for e, (a, _) in enumerate(pairs) if a == m]
        in_e = [e for e, (_, k) in enumerate(pairs) if k == m]
        div.append(sum(F[e] for e in out_e) - sum(F[e] for e in in_e) if (out_e or in_e) else np.zeros(d))
    R = cp.vstack([point.G[m] - div[m] for m in range(K)])
    l1 = problem.l1
    Q = cp.Variable((K, d))
    cons.append(cp.abs(Q) <= l1)
    obj = cp.sum_squares(R - Q) if problem.l2 > 0 else cp.sum(cp.abs(R - Q))
    prob = cp.Problem(cp.Minimize(obj), cons)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, max_iter=300)
        except Exception:
            return None
    return None if F.value is None else np.asarray(F.value, dtype=float)


def _edge(K: int, a: int, k: int) -> tuple[int, float]:
    """``(e, sigma)``: the index of pair ``{a, k}`` and ``+1`` when its flow runs from ``a`` to ``k``."""
    lo, hi = min(a, k), max(a, k)
    return lo * K - lo * (lo + 1) // 2 + (hi - lo - 1), (1.0 if a < k else -1.0)


def divergence(F: np.ndarray, K: int) -> np.ndarray:
    """``div_m = sum of the flows leaving m - sum of those entering m`` (``K x d``)."""
    div = np.zeros((K, F.shape[1]))
    for e, (a, k) in enumerate(_pairs(K)):
        div[a] += F[e]
        div[k] -= F[e]
    return div


def star_flows(point: Any, problem: Any, F: np.ndarray, root: int) -> np.ndarray:
    """``F`` with the edges ``{root, m}`` changed so that every class's residual ``G_m - div_m - Q_m`` is 0
    in floating point, ``Q = clip(G - div, +-l1)`` the part the ``l1`` term absorbs."""
    K = problem.K
    F = np.array(F, dtype=float)
    R = point.G - divergence(F, K)
    R = R - np.clip(R, -problem.l1, problem.l1)
    for m in range(K):
        if m != root:
            e, sigma = _edge(K, root, m)
            F[e] -= sigma * R[m]        # the flow root -> m enters m: more of it lowers div_m
    return F


def flows_bound(point: Any, problem: Any, F: np.ndarray, root: int = 0) -> tuple[float, str]:
    """The proven lower bound of ``P*`` from ``point`` with the flows ``F`` (``-inf`` with a reason)."""
    K, d = problem.K, problem.d
    pairs = _pairs(K)
    F = np.array(F, dtype=float)
    room = np.zeros_like(F)                    # how much each edge can still carry, per coordinate (boxes)
    ball_room = np.zeros(len(pairs))           # ... in its norm (balls)
    kinds = []
    for e, (a, k) in enumerate(pairs):
        kind, cap = _capacity(point, a, k, d)
        kinds.append((kind, cap))
        if kind == "box":
            lo, hi = cap
            F[e] = np.clip(F[e], -lo, hi)                          # inside, exactly (clipping does not round)
            room[e] = fp.down(np.minimum(hi - F[e], lo + F[e]), 1)
        else:
            p, radius = cap
            nf = fp.norm_up(F[e], p)
            if nf > radius:
                F[e] *= (radius / nf) * (1 - 8 * fp.U)
                nf = fp.norm_up(F[e], p)
            ball_room[e] = fp.down(radius - nf, 1)
    R = point.G - divergence(F, K)
    size = np.abs(point.G) + np.abs(F).sum(axis=0)[None, :] * 2
    R_err = point.G_err + np.where(size == 0, 0.0, fp.up(size, K + 2) * (4 * K * fp.U))   # exact zeros stay exact
    l1, l2 = problem.l1, problem.l2
    v = np.maximum(np.abs(R) + R_err - l1, 0.0)
    if l2 > 0:
        ratio = fp.up(fp.norm_up(v, "2") / np.sqrt(2.0 * l2), 3)
        conj = fp.up(ratio * ratio, 2)
        value = point.alpha_sum_low - conj
        return value - 4 * fp.U * abs(value) - fp.ETA, ""
    if not v.any():
        return point.alpha_sum_low, ""
    # the l1 term absorbs Q = clip(R, +-l1) exactly; the rest (at most v) is removed exactly by flows along a
    # spanning tree of the edges with room: on a tree the corrective flow of an edge is minus the sum of the
    # residuals below it, bounded by the sum of their bounds
    bound = fp.up(np.maximum(np.abs(R) - l1, 0.0) + R_err, 2)
    has_room = [(e, a, k) for e, (a, k) in enumerate(pairs)
                if (kinds[e][0] == "box" and np.all(room[e] > 0)) or (kinds[e][0] == "ball" and ball_room[e] > 0)]
    parent: dict[int, tuple[int, int]] = {root: (-1, -1)}
    order = [root]
    for node in order:                                             # breadth-first spanning tree
        for e, a, k in has_room:
            other = k if a == node else (a if k == node else None)
            if other is not None and other not in parent:
                parent[other] = (node, e)
                order.append(other)
    if len(parent) < K:
        return -np.inf, "the residuals cannot be removed: the pairs with room do not connect every class"
    below = {m: bound[m].copy() for m in range(K)}
    for node in reversed(order[1:]):                                # children before parents
        up, e = parent[node]
        need = fp.up(below[node], K + 2)                           # the tree flow on e is bounded by this
        kind, cap = kinds[e]
        ok = np.all(need <= room[e]) if kind == "box" else fp.norm_up(need, cap[0]) <= ball_room[e]
        if not ok:
            return -np.inf, "the residuals cannot be removed: a tree edge has too little room"
        below[up] = below[up] + below[node]
    if l1 > 0:
        # every other class ends with residual Q_m exactly; the root with -sum of them (the residuals sum to 0)
        Q = np.clip(R, -l1, l1)
        Q[root] = 0.0
        rest = np.abs(Q.sum(axis=0)) + fp.gamma(K) * np.abs(Q).sum(axis=0)
        if not np.all(fp.up(rest, 2) <= l1):
            return -np.inf, "the residuals cannot be removed: the root's share exceeds l1"
    return point.alpha_sum_low, ""
