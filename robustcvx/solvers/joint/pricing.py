r"""Pricing against the full data: violated pair rows (primal) and improving cut columns (dual).

**Rows.**  For the model ``(W, b)`` of the restricted LP and its slacks ``xi`` (0 for samples outside the
working set), the row ``(i, k)`` is violated when ``z_ik(W, b) > xi_i`` (``z`` the robust hinge argument of
the problem, :meth:`.data.JointData.hinge_args`, with the true pair penalty, which is at most the LP's
``epsilon t_e``).  No violated row means ``(W, b, xi)`` is feasible for every row, so
``P(W, b) <= `` the restricted optimum.

**Columns.**  With the duals ``alpha`` of the pair rows and ``mu`` of the ``t`` rows the reduced cost of
the cut column ``(S, j)`` is

    rc_{S j} = l1 m_S - sum_{(a, k) leaves S} Q+_{(a, k) j} - sum_{(a, k) enters S} Q-_{(a, k) j}
               + sum_{e separated by S} mu_{e (j)}

with ``Q+-`` the pair sums of ``alpha a+-`` (:meth:`.data.JointData.pair_sums`) and ``mu_{e (j)}`` the dual
of pair ``e``'s ``t`` row (``"shared"``: one per pair; ``"budget"``: per working feature, 0 for features
outside, whose rows would enter with dual 0).  No negative reduced cost means the zero-extended
``alpha`` is dual feasible for the full LP, so the restricted optimum is ``P*`` (weak duality).
"""

from __future__ import annotations

import numpy as np

from .lp_model import JointLP


def reduced_costs(lp: JointLP) -> np.ndarray:
    """``rc`` (``cuts x d``) of every cut column (``+inf`` for the columns already in the model)."""
    data, cuts = lp.data, lp.cuts
    alpha, mu = lp.duals()
    Qp, Qm = data.pair_sums(lp.row_i, lp.row_k, alpha)
    rc = -(cuts.out.astype(float) @ Qp + cuts.inn.astype(float) @ Qm)
    if data.l1 > 0:
        rc += data.l1 * cuts.size[:, None]
    if lp.kind == "shared" and mu.size:
        rc += (cuts.cross.astype(float) @ mu[0])[:, None]
    elif lp.kind == "budget" and mu.size:
        MU = np.zeros((cuts.pairs.shape[0], data.d))
        MU[:, lp.t_feat] = mu.T
        rc += cuts.cross.astype(float) @ MU
    rc[lp.in_cols] = np.inf
    return rc


def price_columns(lp: JointLP, tol: float, limit: int) -> tuple[np.ndarray, np.ndarray, float]:
    """``(S, j, most negative rc)``: the best cut of each feature whose reduced cost is below ``-tol``,
    the ``limit`` most negative of them."""
    rc = reduced_costs(lp)
    best = rc.argmin(axis=0)
    val = rc[best, np.arange(rc.shape[1])]
    feats = np.flatnonzero(val < -tol)
    worst = float(val.min()) if val.size else 0.0
    if feats.size > limit:
        feats = feats[np.argsort(val[feats], kind="stable")[:limit]]
    return best[feats].astype(np.int64), feats.astype(np.int64), min(worst, 0.0)


def price_rows(lp: JointLP, W: np.ndarray, b: np.ndarray, xi: np.ndarray, tol: float, limit: int,
               admitted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """``(i, k, largest violation)``: for each sample, its most violated pair row outside the model when that
    violation exceeds ``tol``; the ``limit`` most violated of them.  (A sample's rows compete: at most one
    is active at an optimum unless it ties, so the others wait until they are violated themselves.)"""
    Z = lp.data.hinge_args(W, b)
    V = Z - xi[:, None]
    V[lp.in_rows] = -np.inf
    if admitted is not None:
        V[~admitted] = -np.inf
    k = V.argmax(axis=1)
    v = V[np.arange(V.shape[0]), k]
    i = np.flatnonzero(tol < v)
    worst = float(v.max()) if v.size else 0.0
    if i.size > limit:
        i = np.sort(i[np.argsort(-v[i], kind="stable")[:limit]])
    return i.astype(np.int64), k[i].astype(np.int64), max(worst, 0.0)
