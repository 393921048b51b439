r"""Solves with the normal matrix of the interior-point method (:mod:`.ipm`).

.. math::

    N = \mathrm{diag}(Q) + A^T \mathrm{diag}(d) A + G^T \mathrm{diag}(d_G) G + E^T W^{-2} E + \rho I,
    \qquad W^{-2} = (-J + 2\,J\bar w\,(J\bar w)^T) / \beta^2

(``A`` the ``m x p`` sample rows, ``G`` the cone rows, ``E`` the second-order cone ``(t, w)``,
``rho`` a tiny regularisation).  Two factorisations, chosen by size:

* :class:`DenseNormal` (``m`` large): ``N`` without the rank-two part of ``W^{-2}`` is formed with
  one symmetric rank-``m`` BLAS update (``m p^2`` flops) and factored by Cholesky (``p^3/3``); the
  rank-two part, huge near the cone boundary, is applied through the Woodbury identity so that it
  never spoils the factor.  Variables that enter only the cone rows (the ``u >= |w|`` of an l1
  norm) are eliminated first by a Schur complement, their own block being diagonal plus a few
  rank-one terms: the factor has the size of ``(w, b, t)``, not twice that.
* :class:`LowRankNormal` (``m`` small against ``p``, e.g. few support vectors and all 784
  pixels): the few *border* variables (the intercept ``b`` and the cone's ``t``) are split off,
  and on the rest ``N_RR = Delta + V V^T`` with ``Delta`` diagonal and ``V = [A_R^T d^{1/2},
  \sqrt2 (J\bar w)_R / \beta]`` of rank ``m + 1``: Woodbury with an ``(m+1) x (m+1)`` SPD
  capacitance matrix (``m^2 p`` flops), then a ``2 x 2`` Schur complement for the border.  It
  applies when the cone rows couple the non-border variables only with themselves (``G^T D G``
  diagonal there).  Without cone rows and with one ``Q`` on ``R`` (the l2 threat), ``Delta`` is a
  multiple of ``I`` and the capacitance matrix comes from the master's Gram matrix ``A_R A_R^T``
  (formed once): ``O(m^2)`` per iteration, worth it up to ``m ~ |R|``.

The blocks ``(G^T D G)[rows, cols]`` are formed by :class:`Pairs`: which entries of ``G`` meet is
found once per master, every iteration is then one ``bincount`` (no sparse products).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

REG = 1e-14
REGS = (REG, 1e-12, 1e-10, 1e-8)


def _gcols(prob, idx: np.ndarray, key: str):
    """``G[:, idx]`` as CSR, cached on ``prob`` (the pattern of ``G`` never changes)."""
    cache = prob.cache
    if key not in cache:
        cache[key] = prob.G[:, idx].tocsr()
    return cache[key]


class Pairs:
    """``M = B1^T diag(d) B2`` for CSR matrices ``B1`` (``q x r``) and ``B2`` (``q x s``) of a fixed
    pattern, as CSR: ``M_ij = sum_g B1_gi B2_gj d_g``.  Which products ``(g, i, j)`` meet, and where
    each lands in ``M``, is found once; every call is then one ``bincount`` (the interior-point
    method forms these blocks at every iteration with new ``d``, and for ``B1 = B2 = N_ux`` with
    new values too)."""

    def __init__(self, B1, B2) -> None:
        B1, B2 = B1.tocsr(), B2.tocsr()
        q = B1.shape[0]
        n1, n2 = np.diff(B1.indptr), np.diff(B2.indptr)
        g1 = np.repeat(np.arange(q), n1)                   # row of every entry of B1
        cnt = n2[g1]                                       # partners of each entry of B1
        self.e1 = np.repeat(np.arange(B1.nnz), cnt)
        self.g = np.repeat(g1, cnt)
        offs = np.arange(self.e1.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        self.e2 = B2.indptr[self.g] + offs
        s = B2.shape[1]
        key = B1.indices[self.e1].astype(np.int64) * s + B2.indices[self.e2]
        uniq, self.inv = np.unique(key, return_inverse=True)
        self.rows, self.cols = uniq // s, uniq % s
        self.indptr = np.searchsorted(self.rows, np.arange(B1.shape[1] + 1))
        self.shape = (B1.shape[1], s)
        self.data1, self.data2 = B1.data, B2.data

    def values(self, d: np.ndarray, data1: np.ndarray | None = None, data2: np.ndarray | None = None) -> np.ndarray:
        """The stored entries of ``M`` (row-major), with ``B1``/``B2`` given new values if asked."""
        v1 = (self.data1 if data1 is None else data1)[self.e1]
        v2 = (self.data2 if data2 is None else data2)[self.e2]
        return np.bincount(self.inv, weights=v1 * v2 * d[self.g], minlength=self.rows.size)

    def sparse(self, d: np.ndarray, data1: np.ndarray | None = None, data2: np.ndarray | None = None):
        return sp.csr_matrix((self.values(d, data1, data2), self.cols, self.indptr), shape=self.shape)

    def add_to(self, N: np.ndarray, d: np.ndarray, data1: np.ndarray | None = None,
               data2: np.ndarray | None = None) -> None:
        """``N += M`` (``N`` dense of ``M``'s shape)."""
        N[self.rows, self.cols] += self.values(d, data1, data2)


def _pairs(prob, rows: np.ndarray, cols: np.ndarray, krow: str, kcol: str) -> Pairs:
    key = ("pairs", krow, kcol)
    if key not in prob.cache:
        prob.cache[key] = Pairs(_gcols(prob, rows, krow), _gcols(prob, cols, kcol))
    return prob.cache[key]


def _gdg(prob, dg: np.ndarray, rows: np.ndarray, cols: np.ndarray, krow: str, kcol: str):
    """The block ``(G^T diag(dg) G)[rows, cols]`` (sparse)."""
    return _pairs(prob, rows, cols, krow, kcol).sparse(dg)


def _cholesky(N: np.ndarray):
    """Cholesky factor of ``N + rho diag(1 + |N_jj|)`` with the smallest ``rho`` in ``REGS`` that
    works (near the end of a run rounding can make ``N`` indefinite; the Newton solves are refined
    on the unregularised system, so a larger ``rho`` costs accuracy of one step, not of the answer)."""
    diag = np.diag_indices(N.shape[0])
    scale = 1.0 + np.abs(N[diag])
    for rho in REGS:
        M = N.copy()
        M[diag] += rho * scale
        try:
            return sla.cho_factor(M, lower=False, overwrite_a=True, check_finite=False)
        except (np.linalg.LinAlgError, ValueError):
            continue
    raise np.linalg.LinAlgError("the normal matrix is not positive definite")


def _syrk(B: np.ndarray) -> np.ndarray:
    """``B^T B`` (upper triangle filled; the Cholesky below reads only that)."""
    return sla.blas.dsyrk(1.0, np.asfortranarray(B), trans=1, lower=0)


def _nn_pairs(nux: Pairs) -> Pairs:
    """:class:`Pairs` for ``N_ux^T diag(d) N_ux`` given the pattern of ``N_ux`` (values passed per call)."""
    B = sp.csr_matrix((np.arange(1.0, nux.rows.size + 1), nux.cols, nux.indptr), shape=nux.shape)
    return Pairs(B, B)


class DenseNormal:
    """``N`` formed and factored densely (see the module docstring), after eliminating the
    variables ``prob.eliminate`` (the ``u >= |w|`` of an l1 norm: they enter only the cone rows)."""

    def __init__(self, prob, dm: np.ndarray, dg: np.ndarray, W, eliminate: bool = True) -> None:
        elim = prob.eliminate if eliminate and prob.eliminate is not None and len(prob.eliminate) else None
        key = "keep" if elim is not None else "all"
        if ("dense", key) not in prob.cache:      # the kept variables, their columns of A, the cone in them
            keep = np.arange(prob.p) if elim is None else np.setdiff1d(np.arange(prob.p), elim)
            prob.cache["dense", key] = (keep, np.asfortranarray(prob.A[:, keep]),
                                        None if prob.soc is None else np.searchsorted(keep, prob.soc))
        keep, A, E = prob.cache["dense", key]
        self.keep, self.elim = keep, elim
        k = keep.size
        N = _syrk(A * np.sqrt(dm)[:, None]) if A.shape[0] else np.zeros((k, k))
        diag = np.diag_indices(k)
        N[diag] += prob.Q[keep]
        if prob.G.shape[0]:
            _pairs(prob, keep, keep, key, key).add_to(N, dg)
        if elim is not None:
            N -= self._eliminate(prob, dg)
        self.W = W
        if W is not None:
            N[E, E] += 1.0 / W.beta ** 2
        self.factor = _cholesky(N)
        if W is not None:
            U = np.zeros((k, 2))
            U[E, 0] = W.jw
            U[E[0], 1] = 1.0
            self.U = U
            self.Z = sla.cho_solve(self.factor, U, check_finite=False)
            b2 = W.beta ** 2
            self.cap = sla.lu_factor(np.diag([b2 / 2.0, -b2 / 2.0]) + U.T @ self.Z, check_finite=False)

    def _eliminate(self, prob, dg: np.ndarray) -> np.ndarray:
        """``N_xu N_uu^{-1} N_ux`` for the eliminated block ``u``: ``N_uu = diag + sum_g d_g g g^T`` over
        the few *global* cone rows (several ``u`` entries, e.g. ``sum u <= t``), inverted by Woodbury.
        What depends only on the pattern of ``G`` is found once per problem."""
        elim, keep = self.elim, self.keep
        st = prob.cache.get("elim-structure")
        if st is None:
            Gu = _gcols(prob, elim, "elim")
            glob = np.flatnonzero(Gu.getnnz(axis=1) > 1)
            loc = np.setdiff1d(np.arange(Gu.shape[0]), glob)
            sq = Gu[loc].multiply(Gu[loc]).T.tocsr()
            nux = _pairs(prob, elim, keep, "elim", "keep")     # N_ux = (G^T D G)[elim, keep]
            st = (glob, loc, sq, Gu[glob].toarray(), nux, _nn_pairs(nux))
            prob.cache["elim-structure"] = st
        glob, loc, sq, Gg, nux, nn = st
        delta = prob.Q[elim] + sq @ dg[loc]
        delta = delta + REG * (1.0 + np.abs(delta))
        self.dinv = 1.0 / delta
        self.Gg = Gg
        C = Gg @ (self.dinv[:, None] * Gg.T)
        C[np.diag_indices(glob.size)] += 1.0 / dg[glob]
        self.cfac = sla.cho_factor(C, lower=False, check_finite=False) if glob.size else None
        vals = nux.values(dg)
        self.nux = sp.csr_matrix((vals, nux.cols, nux.indptr), shape=nux.shape)
        self.nxu = _pairs(prob, keep, elim, "keep", "elim").sparse(dg)     # N_ux^T, without a transpose
        t1 = np.zeros((keep.size, keep.size))
        nn.add_to(t1, self.dinv, vals, vals)                  # N_xu diag(dinv) N_ux
        if glob.size:
            Y = self.nxu @ (self.dinv[:, None] * Gg.T)
            t1 -= Y @ sla.cho_solve(self.cfac, Y.T, check_finite=False)
        return t1

    def _solve_uu(self, v: np.ndarray) -> np.ndarray:
        dv = self.dinv * v
        if self.cfac is None:
            return dv
        return dv - self.dinv * (self.Gg.T @ sla.cho_solve(self.cfac, self.Gg @ dv, check_finite=False))

    def _solve_kept(self, rhs: np.ndarray) -> np.ndarray:
        out = sla.cho_solve(self.factor, rhs, check_finite=False)
        if self.W is not None:
            out = out - self.Z @ sla.lu_solve(self.cap, self.U.T @ out, check_finite=False)
        return out

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        if self.elim is None:
            return self._solve_kept(rhs)
        ru = rhs[self.elim]
        xk = self._solve_kept(rhs[self.keep] - self.nxu @ self._solve_uu(ru))
        out = np.empty_like(rhs)
        out[self.keep] = xk
        out[self.elim] = self._solve_uu(ru - self.nux @ xk)
        return out


def _rest(prob) -> np.ndarray:
    """The non-border variables (cached on ``prob``)."""
    if "rest" not in prob.cache:
        prob.cache["rest"] = np.setdiff1d(np.arange(prob.p), prob.border)
    return prob.cache["rest"]


class LowRankNormal:
    """``N`` through Woodbury on the non-border variables (see the module docstring)."""

    @staticmethod
    def applicable(prob) -> bool:
        """Few sample rows, and cone rows that couple each non-border variable only with itself."""
        if prob.border is None:
            return False
        R = _rest(prob)
        if prob.m + 1 > (R.size if LowRankNormal.gram_path(prob) else 0.5 * R.size):
            return False
        if "lowrank-pattern" not in prob.cache:
            ok = True
            if prob.G.shape[0]:
                # the pattern of G_R^T D G_R for every positive D: |G_R|^T |G_R| (unit weights
                # on G itself could cancel, e.g. the rows w - u and -w - u of an l1 norm)
                GR = abs(_gcols(prob, R, "R"))
                sub = (GR.T @ GR).tocoo()
                ok = bool(np.all(sub.row == sub.col))
            prob.cache["lowrank-pattern"] = ok
        return prob.cache["lowrank-pattern"]

    @staticmethod
    def gram_path(prob) -> bool:
        """``Delta`` is a multiple of the identity (no cone rows, one ``Q`` on ``R``): the capacitance
        matrix comes from the cached Gram matrix ``A_R A_R^T`` in ``O(m^2)`` per iteration instead
        of ``O(m^2 |R|)``, so the low-rank solve pays off up to ``m ~ |R|``."""
        if "gram-path" not in prob.cache:
            QR = prob.Q[_rest(prob)]
            prob.cache["gram-path"] = bool(prob.G.shape[0] == 0 and QR.size and np.all(QR[0] == QR))
        return prob.cache["gram-path"]

    def __init__(self, prob, dm: np.ndarray, dg: np.ndarray, W) -> None:
        E = prob.soc
        B = np.asarray(prob.border)
        R = _rest(prob)
        self.B, self.R = B, R
        A = prob.A
        if "A_R" not in prob.cache:
            prob.cache["A_R"] = np.ascontiguousarray(A[:, R])
        AR = prob.cache["A_R"]
        sq = np.sqrt(dm)
        delta = prob.Q[R].astype(float).copy()
        nbb = (A[:, B].T * dm) @ A[:, B]
        nbb[np.diag_indices(B.size)] += prob.Q[B]
        nrb = AR.T @ (dm[:, None] * A[:, B])
        cols = [(AR * sq[:, None]).T]
        if prob.G.shape[0]:
            delta += _gdg(prob, dg, R, R, "R", "R").diagonal()
            nrb += _gdg(prob, dg, R, B, "R", "B").toarray()
            nbb += _gdg(prob, dg, B, B, "B", "B").toarray()
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
        if self.gram_path(prob):              # V^T Delta^-1 V from the cached A_R A_R^T
            if "gram-R" not in prob.cache:
                prob.cache["gram-R"] = AR @ AR.T
            m = AR.shape[0]
            M = np.empty((V.shape[1], V.shape[1]))
            M[:m, :m] = (sq[:, None] * prob.cache["gram-R"] * sq[None, :]) * self.dinv[0]
            if V.shape[1] > m:
                M[:m, m:] = sq[:, None] * (AR @ DV[:, m:])
                M[m:, :m] = M[:m, m:].T
                M[m:, m:] = V[:, m:].T @ DV[:, m:]
        else:
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
