r"""Solves with the normal matrix of the interior-point method (:mod:`.ipm`).

.. math::

    N = \mathrm{diag}(Q) + A^T \mathrm{diag}(d) A + G^T \mathrm{diag}(d_G) G + E^T W^{-2} E + \rho I,
    \qquad W^{-2} = (-J + 2\,J\bar w\,(J\bar w)^T) / \beta^2

(``A`` the ``m x p`` sample rows, ``G`` the cone rows, ``E`` the second-order cone ``(t, w)``,
``rho`` a tiny regularisation).  Two factorisations, chosen by size:

* :class:`DenseNormal` (``m`` large): ``N`` without the rank-two part of ``W^{-2}`` is formed with
  one symmetric rank-``m`` BLAS update (``m p^2`` flops) and factored by Cholesky (``p^3/3``); the
  rank-two part, huge near the cone boundary, is applied through the Woodbury identity so that it
  never spoils the factor.
* :class:`LowRankNormal` (``m`` small against ``p``, e.g. few support vectors and all 784
  pixels): the few *border* variables (the intercept ``b`` and the cone's ``t``) are split off,
  and on the rest ``N_RR = Delta + V V^T`` with ``Delta`` diagonal and ``V = [A_R^T d^{1/2},
  \sqrt2 (J\bar w)_R / \beta]`` of rank ``m + 1``: Woodbury with an ``(m+1) x (m+1)`` SPD
  capacitance matrix (``m^2 p`` flops), then a ``2 x 2`` Schur complement for the border.  It
  applies when the cone rows couple the non-border variables only with themselves (``G^T D G``
  diagonal there).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

REG = 1e-14


def _syrk(B: np.ndarray) -> np.ndarray:
    """``B^T B`` (upper triangle filled; the Cholesky below reads only that)."""
    return sla.blas.dsyrk(1.0, np.asfortranarray(B), trans=1, lower=0)


class DenseNormal:
    """``N`` formed and factored densely (see the module docstring)."""

    def __init__(self, prob, dm: np.ndarray, dg: np.ndarray, W) -> None:
        A, E, p = prob.A, prob.soc, prob.p
        N = _syrk(A * np.sqrt(dm)[:, None]) if A.shape[0] else np.zeros((p, p))
        diag = np.diag_indices(p)
        N[diag] += prob.Q
        if prob.G.shape[0]:
            N += (prob.G.T @ prob.G.multiply(dg[:, None])).toarray()
        self.W = W
        if W is not None:
            N[E, E] += 1.0 / W.beta ** 2
        N[diag] += REG * (1.0 + np.abs(N[diag]))
        self.factor = sla.cho_factor(N, lower=False, overwrite_a=True, check_finite=False)
        if W is not None:
            U = np.zeros((p, 2))
            U[E, 0] = W.jw
            U[E[0], 1] = 1.0
            self.U = U
            self.Z = sla.cho_solve(self.factor, U, check_finite=False)
            b2 = W.beta ** 2
            self.cap = sla.lu_factor(np.diag([b2 / 2.0, -b2 / 2.0]) + U.T @ self.Z, check_finite=False)

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        out = sla.cho_solve(self.factor, rhs, check_finite=False)
        if self.W is not None:
            out = out - self.Z @ sla.lu_solve(self.cap, self.U.T @ out, check_finite=False)
        return out


class LowRankNormal:
    """``N`` through Woodbury on the non-border variables (see the module docstring)."""

    @staticmethod
    def applicable(prob, gdg) -> bool:
        if prob.border is None:
            return False
        p = prob.p
        R = np.setdiff1d(np.arange(p), prob.border)
        if prob.m + 1 > 0.5 * R.size:
            return False
        if gdg is None:
            return True
        sub = gdg[R][:, R].tocoo()
        return bool(np.all(sub.row == sub.col))

    def __init__(self, prob, dm: np.ndarray, gdg, W) -> None:
        p, E = prob.p, prob.soc
        B = np.asarray(prob.border)
        R = np.setdiff1d(np.arange(p), B)
        self.B, self.R = B, R
        A = prob.A
        sq = np.sqrt(dm)
        delta = prob.Q[R].astype(float).copy()
        nbb = (A[:, B].T * dm) @ A[:, B]
        nbb[np.diag_indices(B.size)] += prob.Q[B]
        nrb = A[:, R].T @ (dm[:, None] * A[:, B])
        cols = [(A[:, R] * sq[:, None]).T]
        if gdg is not None:
            delta += gdg[R][:, R].diagonal()
            nrb += gdg[R][:, B].toarray()
            nbb += gdg[B][:, B].toarray()
        if W is not None:
            pos = {int(j): k for k, j in enumerate(R)}
            posb = {int(j): k for k, j in enumerate(B)}
            jw = W.jw
            b2 = W.beta ** 2
            ujw = np.zeros(R.size)
            ub = np.zeros(B.size)
            for idx, j in enumerate(E):
                if int(j) in pos:
                    ujw[pos[int(j)]] = jw[idx]
                    delta[pos[int(j)]] += (1.0 if idx else -1.0) / b2
                else:
                    ub[posb[int(j)]] = jw[idx]
                    nbb[posb[int(j)], posb[int(j)]] += (1.0 if idx else -1.0) / b2
            cols.append((np.sqrt(2.0 / b2) * ujw)[:, None])
            nrb += (2.0 / b2) * np.outer(ujw, ub)
            nbb += (2.0 / b2) * np.outer(ub, ub)
        delta += REG * (1.0 + np.abs(delta))
        nbb[np.diag_indices(B.size)] += REG * (1.0 + np.abs(np.diag(nbb)))
        V = np.hstack(cols)
        self.dinv = 1.0 / delta
        self.V = V
        DV = V * self.dinv[:, None]
        M = V.T @ DV
        M[np.diag_indices(M.shape[0])] += 1.0
        self.mfac = sla.cho_factor(M, lower=False, check_finite=False)
        self.DV = DV
        self.nrb = nrb
        self.X = self._solve_rr(nrb)
        S = nbb - nrb.T @ self.X
        self.sfac = sla.lu_factor(S, check_finite=False)

    def _solve_rr(self, v: np.ndarray) -> np.ndarray:
        dv = v * (self.dinv if v.ndim == 1 else self.dinv[:, None])
        return dv - self.DV @ sla.cho_solve(self.mfac, self.V.T @ dv, check_finite=False)

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        y = self._solve_rr(rhs[self.R])
        xb = sla.lu_solve(self.sfac, rhs[self.B] - self.nrb.T @ y, check_finite=False)
        out = np.empty_like(rhs)
        out[self.B] = xb
        out[self.R] = y - self.X @ xb
        return out
