r"""A verified exact repair for the equality-constrained dual (``epsilon = 0``, ``l1 = 0``).

Without a threat and without ``l1`` the dual constraint is ``g = X^T (alpha * y) = 0`` (with
``sum alpha y = 0``): equalities, which no floating-point point satisfies exactly, and which no
margin can absorb (the set has no interior).  A bound still exists when some *real* point
``alpha' = alpha + delta`` close to ``alpha`` satisfies them exactly; this module proves that such
a point exists and bounds ``sum alpha'`` from below, without ever forming it.

Rows ``T`` (``m x n``): the balance ``y_i`` and, for every non-constant feature ``j``,
``y_i (x_ij - m_j)`` (constant features need no row: ``g_j = (x_j - m_j) sum alpha' y = 0``).
Corrections use the samples ``K`` strictly inside their bounds, scaled by their room
``rho_i = min(alpha_i, c_i - alpha_i)``: ``delta = D T_K^T z`` with ``D = diag(rho)``, so
``T alpha' = 0`` iff ``M z = -r`` with ``M = T_K D T_K^T`` and ``r = T alpha``.

**Verification** (Rump, *Verification methods*, Acta Numerica 2010, sec. 10; Krawczyk): let ``R``
be any matrix (a float approximate inverse of ``M``) and ``z_hat = -R r_hat``.  If
``||I - R M||_inf <= kappa < 1`` for every ``M`` in an interval enclosing the exact matrix, then
``M`` is nonsingular and the exact solution satisfies
``||z - z_hat||_inf <= ||R (M z_hat + r)||_inf / (1 - kappa)``.  Every quantity is enclosed with
the bounds of :mod:`robustcvx.fp` (the rounding of ``x - m`` included, as an interval on ``T``).
If finally ``|T_K^T z|_i <= 1`` for every ``i`` in ``K``, then ``alpha'`` lies in its box,
satisfies every row exactly, and ``sum alpha' >= sum alpha - sum_i rho_i |T_K^T z|_i``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import fp
from .centred import blocks, centre, constant_features
from .dual import clip
from .exact_rows import column_sums, g_parts

MAX_ROWS = 3000


PULL = 2e-9            # relative distance by which at-bound variables are pulled inside (<= gap_tol / 5 of the bound)


def exact_repair_bound(problem: Any, alpha: Any) -> tuple[float | None, str]:
    """A proven lower bound of ``P*`` from ``alpha`` by an exact repair, or ``(None, reason)``.

    The point is first refined in floating point (Newton steps on the equality rows, which cost
    nothing in rigour: only the final verification counts); when fewer variables are free than
    there are rows (a degenerate vertex), variables at their bounds are first pulled inside by a
    relative ``PULL`` (changing ``sum alpha`` by at most ``PULL``).
    """
    a, c_low = clip(problem, alpha)
    J_all = np.flatnonzero(~constant_features(problem))
    if 1 + J_all.size > MAX_ROWS:
        return None, f"the exact repair needs a {1 + J_all.size} x {1 + J_all.size} verified solve (limit {MAX_ROWS})"
    value, why = _verify(problem, a, c_low, J_all)
    if value is not None:
        return value, ""
    for pull in (False, True):
        b = a.copy()
        if pull:
            b = np.where(b <= 0, PULL * c_low, np.where(b >= c_low, (1 - PULL) * c_low, b))
        for _ in range(3):
            b, ok = _newton(problem, b, c_low, J_all)
            if not ok:
                break
            v2, why2 = _verify(problem, b, c_low, J_all)
            if v2 is not None:
                return v2, ""
            why = why2
    return None, why


def _rows(problem: Any, K: np.ndarray, J: np.ndarray) -> np.ndarray:
    """``T_K`` (``1 + |J|`` x ``|K|``): the balance row ``y`` and ``y_i (x_ij - m_j)`` (rounded)."""
    y = problem.y
    T = np.empty((1 + J.size, K.size))
    T[0] = y[K]
    for idx, Xc in blocks(problem, K):
        pos = np.searchsorted(K, idx)
        T[1:, pos] = (Xc[:, J] * y[idx][:, None]).T
    return T


def _residual(problem: Any, a: np.ndarray, J: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(r, mag)``: ``T a`` in floating point (centred rows) and ``|T| a`` for its error bound."""
    y = problem.y
    r = np.zeros(1 + J.size)
    mag = np.zeros(1 + J.size)
    for idx, Xc in blocks(problem, np.flatnonzero(a)):
        r[1:] += (a[idx] * y[idx]) @ Xc[:, J]
        mag[1:] += a[idx] @ np.abs(Xc[:, J])
    r[0] = fp.exact_sum(a * y)[0]
    return r, mag


def _newton(problem: Any, a: np.ndarray, c_low: np.ndarray, J: np.ndarray) -> tuple[np.ndarray, bool]:
    """One floating-point correction step ``a - D T^T (T D T^T)^+ T a`` (clipped into the box)."""
    room = np.minimum(a, c_low - a)
    K = np.flatnonzero(room > 0)
    if K.size == 0:
        return a, False
    T = _rows(problem, K, J)
    r, _ = _residual(problem, a, J)
    rs = np.maximum(np.abs(T).max(axis=1, initial=0.0), np.abs(r))
    p2 = np.exp2(-np.round(np.log2(np.where(rs > 0, rs, 1.0))))
    T, r = T * p2[:, None], r * p2
    D = room[K]
    M = (T * D[None, :]) @ T.T
    if not np.isfinite(M).all():
        return a, False
    sc = np.sqrt(np.maximum(np.diag(M), 1e-300))
    try:
        z = np.linalg.lstsq(M / sc[:, None] / sc[None, :], -r / sc, rcond=1e-14)[0] / sc
    except np.linalg.LinAlgError:
        return a, False
    out = a.copy()
    out[K] = np.clip(a[K] + D * (T.T @ z), 0.0, c_low[K])
    return out, bool(np.isfinite(out).all())


def _verify(problem: Any, a: np.ndarray, c_low: np.ndarray, J: np.ndarray) -> tuple[float | None, str]:
    """The rigorous step (module docstring) for the clipped point ``a``."""
    y = problem.y
    n = problem.n
    room = np.minimum(a, c_low - a)
    K = np.flatnonzero(room > 0)
    # rows that no free variable can change must already hold exactly (decided in exact arithmetic)
    if K.size:
        moved = np.zeros(J.size, dtype=bool)
        for _, Xc in blocks(problem, K):
            moved |= (Xc[:, J] != 0).any(axis=0)
    else:
        moved = np.zeros(J.size, dtype=bool)
    fixed = J[~moved]
    if fixed.size:
        parts = g_parts(problem, a, fixed, centre(problem))
        if parts is None:
            return None, "rows that no free dual variable changes could not be evaluated exactly"
        if np.any(column_sums(parts) != 0):
            return None, "the dual point violates equality constraints that no free dual variable can repair"
    if K.size == 0:
        if fp.exact_sum(a * y)[0] != 0:
            return None, "the dual point is not balanced and no dual variable is free to balance it"
        asum, aerr = fp.exact_sum(a)
        return max(asum - aerr, 0.0), ""
    J = J[moved]
    m = 1 + J.size
    if K.size < m:
        return None, (f"the exact repair needs at least {m} dual variables strictly inside their bounds "
                      f"(one per constraint), the point has {K.size}")
    with np.errstate(all="ignore"):
        r, mag = _residual(problem, a, J)
        E_r = fp.dot_error(mag, n) * 3.0
        E_r[0] = fp.exact_sum(a * y)[1]
        T = _rows(problem, K, J)        # exact up to the rounding of x - m (an interval of relative radius 2u)
        loss, why = verified_correction_cost(T, room[K], r, E_r)
        if loss is None:
            return None, why
        asum, aerr = fp.exact_sum(a)
        value = asum - aerr - loss
        value -= 4 * fp.U * abs(value) + fp.ETA
    if not np.isfinite(value):
        return None, "overflow in the exact repair"
    return max(value, 0.0), ""


def verified_correction_cost(T: np.ndarray, D: np.ndarray, r: np.ndarray, E_r: np.ndarray) -> tuple[float | None, str]:
    """Prove that ``T_true delta = -r_true`` has a solution ``delta = D T_true^T z`` with ``|delta_i| <= D_i``
    for every ``T_true`` within relative ``4u`` of ``T`` and ``|r_true - r| <= E_r`` (module docstring);
    return an upper bound of ``sum_i |delta_i|`` (what the correction can cost in ``sum alpha``), or
    ``(None, reason)``."""
    T, r, E_r = T.copy(), r.copy(), E_r.copy()
    m = T.shape[0]
    # equilibrate the rows by powers of two (exact): the targets are 0, so nothing else changes
    rs = np.abs(T).max(axis=1)
    rs[rs == 0] = 1.0
    p2 = np.exp2(-np.round(np.log2(rs)))
    T *= p2[:, None]
    r *= p2
    E_r *= p2
    absT = np.abs(T)
    k = D.size
    M = (T * D[None, :]) @ T.T
    A_abs = (absT * D[None, :]) @ absT.T
    E_M = fp.up((fp.gamma(k + 2) * 3.0 + 12 * fp.U) * A_abs, k + 2) + (k + 2) * fp.ETA
    try:
        R = np.linalg.inv(M)
    except np.linalg.LinAlgError:
        return None, "the exact repair system is singular (dependent constraints or too few free variables)"
    if not np.isfinite(R).all():
        return None, "the exact repair system is singular"
    absR = np.abs(R)
    z = -(R @ r)
    C = R @ M
    E_C = fp.dot_error(absR @ np.abs(M), m) * 2.0
    G = np.abs(np.eye(m) - C) + E_C + absR @ E_M
    kappa = fp.up(float(G.sum(axis=1).max()), m + 3) * (1 + 4 * fp.U)
    if not kappa < 0.5:
        return None, f"the exact repair system is too ill-conditioned to verify (||I - RM|| <= {kappa:.3g})"
    res = r + M @ z
    res_up = np.abs(res) + fp.dot_error(np.abs(M) @ np.abs(z) + np.abs(r), m + 1) * 2.0 + E_M @ np.abs(z) + E_r
    dz = fp.up(float((absR @ fp.up(res_up, m + 4)).max()), m + 2) / (1.0 - kappa)
    dz = fp.up(dz, 2)
    t = T.T @ z
    tau = (np.abs(t) + fp.dot_error(absT.T @ np.abs(z), m) * 3.0
           + fp.up(absT.sum(axis=0) * dz, m + 2) * (1 + 8 * fp.U))
    tau = fp.up(tau, 2)
    if not np.all(tau <= 1.0):
        worst = float(tau.max())
        return None, f"the exact correction exceeds the room of the dual variables (by a factor {worst:.3g})"
    return fp.up(float(D @ tau), k + 2), ""


def exact_feasible_bound(problem: Any, alpha: Any) -> tuple[float | None, str]:
    """``sum alpha`` as a proven bound when ``alpha`` (clipped) is exactly balanced and exactly
    dual feasible, decided in exact arithmetic (:mod:`.exact_rows`); ``(None, reason)`` otherwise."""
    from .exact_rows import scaled_sum_parts

    a, _ = clip(problem, alpha)
    if fp.exact_sum(a * problem.y)[0] != 0:
        return None, "not exactly balanced"
    features = np.arange(problem.d)
    gp = g_parts(problem, a, features)
    sp = scaled_sum_parts(a, problem.epsilon) if problem.epsilon > 0 else []
    if gp is None or sp is None:
        return None, "too large (or too close to underflow) to evaluate exactly"
    dset = problem.threat.dual_set(a, problem.X, problem.y, 0.0)
    ok = dset.exact_feasible(gp, sp, problem.l1)
    if ok is None:
        return None, "this threat's dual set is not decided exactly"
    if not ok:
        return None, "the dual point is exactly infeasible"
    asum, aerr = fp.exact_sum(a)
    return max(asum - aerr, 0.0), ""
