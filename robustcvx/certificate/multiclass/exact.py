r"""The verified exact repair of a multiclass dual point when ``epsilon = 0`` and ``l1 = 0``.

Then the dual constraints are the equalities ``G = A^T X = 0`` and ``beta = 0``: rows ``(m, j)`` for the
classes ``m < K - 1`` (class ``K - 1`` follows: ``sum_m G_m = 0`` and ``sum_m beta_m = 0`` identically) and
every non-constant feature ``j``, plus the balances.  The coefficient of ``alpha_ik`` is
``(x_ij - m_j)([y_i = m] - [k = m])`` (``[y_i = m] - [k = m]`` for a balance).  The correction of the
multipliers is proven to exist by the verified solve of
:func:`robustcvx.certificate.exact.verified_correction_cost` over the trade moves of
:func:`.point.trade_moves` (which keep every row inside its simplex, so a vertex point with saturated rows
keeps its freedom); the cost in ``sum alpha`` is at most ``sum |t|``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import fp
from ..centred import blocks, constant_features
from ..exact import verified_correction_cost
from .point import clip, trade_moves

MAX_ROWS = 3000


def refine(problem: Any, alpha: Any) -> np.ndarray | None:
    """One floating-point step towards ``G = 0``, ``beta = 0`` (the smallest correction in the simplex
    metric of :func:`.repair.simplex_correction`), so that the verified correction left is tiny."""
    from .point import prepare
    from .repair import balance_columns, simplex_correction

    point, _ = prepare(problem, alpha)
    if point is None:
        return None
    J = np.flatnonzero(~constant_features(problem))
    K = problem.K
    if (K - 1) * (J.size + 1) > MAX_ROWS:
        return None

    class Rows:
        def block(self, idx: np.ndarray) -> np.ndarray:
            (_, Xc), = blocks(problem, idx)
            dm = balance_columns(problem, idx)                       # (b, K, K-1): [y_i = m] - [k = m]
            cut = (dm[:, :, :, None] * Xc[:, J][:, None, None, :]).reshape(idx.size, K, -1)
            return np.concatenate([cut, dm], axis=2)

    r = -np.concatenate([point.G[:K - 1, J].ravel(), point.beta[:K - 1]])
    out, _ = simplex_correction(problem, point, Rows(), r)
    return out


def exact_repair_bound(problem: Any, alpha: Any) -> tuple[float | None, str]:
    """The verified bound of ``alpha`` (refined first, when that helps)."""
    value, why = _exact_repair_bound(problem, alpha)
    if value is None:
        refined = refine(problem, alpha)
        if refined is not None:
            value2, _ = _exact_repair_bound(problem, refined)
            if value2 is not None:
                return value2, ""
    return value, why


def _exact_repair_bound(problem: Any, alpha: Any) -> tuple[float | None, str]:
    a, c_low = clip(problem, alpha)
    K, n, y = problem.K, problem.n, problem.y
    J = np.flatnonzero(~constant_features(problem))
    m = (K - 1) * (J.size + 1)
    if m > MAX_ROWS:
        return None, (f"the exact repair needs a {m} x {m} verified solve (limit {MAX_ROWS}); a small l1 or a "
                      "positive epsilon gives the dual constraints room")
    fi, fk, fr, room = trade_moves(problem, a, c_low)
    if fi.size < m:
        return None, f"the exact repair needs {m} free multipliers, the point has {fi.size}"
    A = -a.copy()
    A[np.arange(n), y] = a.sum(axis=1)
    G = np.zeros((K, J.size))
    mag = np.zeros((K, J.size))
    T = np.zeros((m, fi.size))
    with np.errstate(all="ignore"):
        for idx, Xc in blocks(problem, np.arange(n)):
            XJ = Xc[:, J]
            G += A[idx].T @ XJ
            mag += np.abs(A[idx]).T @ np.abs(XJ)
            sel = np.flatnonzero(np.isin(fi, idx))
            pos = np.searchsorted(idx, fi[sel])
            for cls in range(K - 1):
                # trading t from the reference entry into alpha_ik: A_ik -= t, A_i,ref += t (the label's
                # entry, the row sum, when the reference is the slack)
                ref = np.where(fr[sel] < 0, y[fi[sel]], fr[sel])
                sign = (ref == cls).astype(float) - (fk[sel] == cls)
                T[cls * J.size:(cls + 1) * J.size, sel] = (XJ[pos] * sign[:, None]).T
                T[(K - 1) * J.size + cls, sel] = sign
        r = np.concatenate([G[:K - 1].ravel(), np.zeros(K - 1)])
        E_r = np.concatenate([(fp.dot_error(mag, n) * 3.0)[:K - 1].ravel(), np.zeros(K - 1)])
        for cls in range(K - 1):
            rows = problem.class_rows(cls)
            s, err = fp.exact_sum(np.concatenate([a[rows].ravel(), -a[:, cls]]))
            r[(K - 1) * J.size + cls], E_r[(K - 1) * J.size + cls] = s, err
        loss, why = verified_correction_cost(T, room, r, E_r)
        if loss is None:
            return None, why
        asum, aerr = fp.exact_sum(a)
        value = asum - aerr - loss
        value -= 4 * fp.U * abs(value) + fp.ETA
    return (max(value, 0.0), "") if np.isfinite(value) else (None, "overflow in the exact repair")
