r"""Passes over the full data for the joint solver, block by block (never ``n x K x d`` at once).

Everything the threat means reaches the joint LP through three of its attributes:

* ``lp_slack``: how the penalty of a pair enters the LP.  ``"shared"`` (the l_inf ball): the pair
  ``e = {a, k}`` pays ``eps ||w_a - w_k||_1``, one scalar per pair, carried by the pair's column;
  ``"budget"`` (the l_1 ball): ``eps ||w_a - w_k||_inf``, bounded per feature by ``beta_{e j} >= 0`` with
  ``sum_j beta_{e j} <= eps sigma_e``; ``"none"`` (the l_inf ball inside the data box): per-sample costs,
  folded into the coefficients below.
* ``lp_coefficients(X_b, 1)``: ``(a+, a-)`` with ``a+- = +-x - C+-`` (``C`` the box costs, 0 for the balls):
  the *robust score difference* of sample ``i`` (class ``a``) against class ``k`` is
  ``a+_i.(w_a - w_k)+ + a-_i.(w_a - w_k)-`` minus the pair's shared penalty.
* ``penalties`` / ``dual_norm``: the shared penalty ``pen(v) = eps ||v||_q`` of a uniform threat.

With ``v = w_a - w_k`` and ``c = b_a - b_k`` the hinge argument is ``z_ik = 1 - (robust difference) - c``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..held_data import HeldData

BLOCK = 1 << 12       # rows per dense block


def kind_of(threat: Any) -> str | None:
    """``"shared"``, ``"budget"`` or ``"none"`` (see the module docstring; every threat at ``epsilon = 0``
    states ``"shared"``, whose penalty is then 0); ``None`` for a threat without an LP form."""
    return threat.lp_slack


class JointData(HeldData):
    """The samples of a :class:`~robustcvx.problems.MulticlassHingeProblem` as the joint solver sees them.

    ``X`` is held through a weak reference (a warm-start state must not keep a large data set alive;
    :meth:`rebind` points it at an equal array of the next problem).  ``c`` are the weights ``c_i``.
    """

    def __init__(self, problem: Any):
        self.hold(problem.X)
        self.y = problem.y
        self.c = problem.weights
        self.K = problem.K
        self.threat = problem.threat
        self.l1 = problem.l1
        self.kind = kind_of(problem.threat)
        self.sparse = sp.issparse(problem.X)

    def rebind(self, problem: Any) -> None:
        """Use the data of ``problem`` (the same bytes, checked by the caller) and its threat and ``l1``."""
        self.hold(problem.X)
        self.threat, self.l1 = problem.threat, problem.l1


    # ------------------------------------------------------------------ blocks
    def dense(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """``X[rows][:, cols]`` as a dense float64 array."""
        X = self.X
        if sp.issparse(X):
            Xb = X[rows]
            return (Xb if cols is None else Xb[:, cols]).toarray()
        Xb = X[rows] if cols is None else X[np.ix_(rows, cols)]      # never the full rows first
        return np.asarray(Xb, dtype=float)

    def coefficients(self, rows: np.ndarray, cols: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(a+, a-)`` of the samples ``rows`` (positive label) on the features ``cols`` (dense)."""
        return self.threat.lp_coefficients(self.dense(rows, cols), np.ones(rows.size))

    # ------------------------------------------------------------------ hinge arguments
    def shared_penalties(self, W: np.ndarray) -> np.ndarray:
        """``K x K``: ``pen(w_a - w_k)`` of a uniform threat (zeros for the ``"none"`` kind)."""
        K = self.K
        P = np.zeros((K, K))
        if self.kind == "none" or not self.threat.active:
            return P
        one = np.ones(1)
        x0 = np.zeros((1, W.shape[1]))
        for a in range(K):
            for k in range(a + 1, K):
                P[a, k] = P[k, a] = float(self.threat.penalties(W[a] - W[k], x0, one)[0])
        return P

    def hinge_args(self, W: np.ndarray, b: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``z_ik`` (``len(rows) x K``, ``-inf`` at ``k = y_i``) for the samples ``rows`` (all by default)."""
        rows = np.arange(self.n) if rows is None else np.asarray(rows)
        K = self.K
        F = np.flatnonzero(np.any(W != 0, axis=0))
        Z = np.empty((rows.size, K))
        y = self.y[rows]
        local = np.arange(rows.size)
        if self.kind != "none":
            pen = self.shared_penalties(W)
            WF = W[:, F]
            step = BLOCK if self.sparse else 4 * BLOCK
            for s in range(0, rows.size, step):
                r = rows[s:s + step]
                sl = slice(s, s + r.size)
                if F.size:
                    D = self.X[r][:, F] @ WF.T
                    D = np.asarray(D.toarray() if sp.issparse(D) else D)
                else:
                    D = np.zeros((r.size, K))
                own = D[local[:r.size], y[sl]][:, None]
                Z[sl] = 1.0 - (own - D) - (b[y[sl]][:, None] - b[None, :]) + pen[y[sl]]
        else:
            for a in range(K):
                sel = np.flatnonzero(y == a)
                if sel.size == 0:
                    continue
                V = W[a][None, F] - W[:, F]                       # K x |F|: w_a - w_k
                Vp, Vm = np.maximum(V, 0.0).T, np.maximum(-V, 0.0).T
                for s in range(0, sel.size, BLOCK):
                    loc = sel[s:s + BLOCK]
                    if F.size:
                        ap, am = self.coefficients(rows[loc], F)
                        M = ap @ Vp + am @ Vm
                    else:
                        M = np.zeros((loc.size, K))
                    Z[loc] = 1.0 - M - (b[a] - b[None, :])
        Z[local, y] = -np.inf
        return Z

    # ------------------------------------------------------------------ pair sums
    def pair_sums(self, rows: np.ndarray, comp: np.ndarray, weights: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
        """``(Q+, Q-)`` (``K^2 x d``): ``Q+-_{(a, k) j} = sum weights_r a+-_{rows_r j}`` over the entries
        ``r`` whose sample is of class ``a`` and whose competitor is ``comp_r = k``."""
        K, d = self.K, self.d
        keep = weights != 0
        rows, comp, weights = rows[keep], comp[keep], weights[keep]
        flat = self.y[rows] * K + comp
        if self.kind != "none":
            A = sp.csr_matrix((weights, (flat, rows)), shape=(K * K, self.n))
            Q = A @ self.X
            Q = np.asarray(Q.toarray() if sp.issparse(Q) else Q)
            return Q, -Q
        Qp, Qm = np.zeros((K * K, d)), np.zeros((K * K, d))
        order = np.argsort(rows, kind="stable")
        rows, flat, weights = rows[order], flat[order], weights[order]
        for s in range(0, rows.size, BLOCK):
            r = rows[s:s + BLOCK]
            ap, am = self.coefficients(r)
            A = sp.csr_matrix((weights[s:s + BLOCK], (flat[s:s + BLOCK], np.arange(r.size))),
                              shape=(K * K, r.size))
            Qp += A @ ap
            Qm += A @ am
        return Qp, Qm
