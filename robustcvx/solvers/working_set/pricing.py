r"""Passes over the full data for the working-set LP: coefficient blocks, gradients, hinges.

Everything threat-specific comes from the threat:

* ``threat.lp_slack``: ``"shared"`` or ``"budget"`` (the threat term lives in a slack of the
  feature rows; the sample coefficients are the plain ``a+_i = y_i x_i``, ``a-_i = -a+_i``) or
  ``"none"`` (the threat term lives in the coefficients: ``a+-_i`` from
  ``threat.lp_coefficients``, two independent rows per feature);
* ``threat.lp_coefficients(Xb, yb)``: ``(a+, a-)`` for a dense block of samples;
* ``threat.penalties(w, X, y)``: ``pen_i(w)`` (one number for every sample when
  ``threat.uniform``).

``X`` may be dense or ``scipy.sparse`` (CSR): ``X @ w`` and ``v @ X`` run on it as it is, row
blocks ``X[rows]`` stay sparse, and only the small blocks ``rows x F`` that enter the LP are
made dense.  ``X`` is held through a weak reference: a model kept for warm starts never keeps a
large data set alive (every call has the problem, hence ``X``, alive while it runs).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..held_data import HeldData

INF = float("inf")
CHUNK = 1 << 12         # rows per block in passes that form dense blocks over all features
KEEP = 1 << 22          # at most this many kept coefficients per array (32 MB)


def is_sparse(X: Any) -> bool:
    return hasattr(X, "tocsr")


def dense(block: Any) -> np.ndarray:
    return block.toarray() if is_sparse(block) else np.asarray(block, dtype=float)


class SampleData(HeldData):
    """The data of one working-set solve: ``X`` (weakly held), ``y``, the sample caps ``c_i``
    (``alpha_i <= scale c_i``), the threat and ``l1``."""

    def __init__(self, X: Any, y: np.ndarray, caps: np.ndarray, threat: Any, l1: float):
        self.hold(X)
        self.y, self.caps, self.threat, self.l1 = y, caps, threat, l1
        self._rows = np.zeros(0, dtype=np.int64)        # rows whose a+- are kept (see keep_coefficients)
        self._ap = self._am = np.zeros((0, int(X.shape[1])))

    @property
    def symmetric(self) -> bool:
        """True when ``a-_i = -a+_i = -y_i x_i``: the threat term does not depend on the sample
        (a uniform threat, or none at all)."""
        return self.threat.uniform or not self.threat.active


    # ------------------------------------------------------------------ blocks
    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Dense ``X[rows][:, cols]``."""
        X = self.X
        if is_sparse(X):
            return dense(X[rows][:, cols])
        return X[np.ix_(rows, cols)]

    def coeffs(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dense blocks ``a+[rows, cols]`` and ``a-[rows, cols]``."""
        return self.threat.lp_coefficients(self.block(rows, cols), self.y[rows])

    def gradients(self, rows: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``g+- = sum_i weights_i a+-_i`` over ``rows`` (length-d vectors): one streaming pass
        over ``X``, or a gather of the rows when they are few."""
        X = self.X
        if self.symmetric:
            if rows.size * 8 < self.n:
                g = np.asarray((weights * self.y[rows]) @ X[rows]).reshape(-1)
            else:
                v = np.zeros(self.n)
                v[rows] = weights * self.y[rows]
                g = np.asarray(v @ X).reshape(-1)
            return g, -g
        sp, sm = np.zeros(self.d), np.zeros(self.d)
        hit = self._cached(rows)
        if hit.any():                                   # rows whose coefficients are kept
            pos = np.searchsorted(self._rows, rows[hit])
            sp += weights[hit] @ self._ap[pos]
            sm += weights[hit] @ self._am[pos]
        miss, wmiss = rows[~hit], weights[~hit]
        for s in range(0, miss.size, CHUNK):
            r, wt = miss[s:s + CHUNK], wmiss[s:s + CHUNK]
            ap, am = self.threat.lp_coefficients(dense(X[r]), self.y[r])
            sp += wt @ ap
            sm += wt @ am
        return sp, sm

    def keep_coefficients(self, rows: np.ndarray) -> None:
        """Keep ``a+-`` of ``rows`` (the working set) for later :meth:`gradients` (coefficients that
        depend on the threat cost a pass of elementwise work per row; a working set is priced every
        round).  At most ``KEEP`` entries per array are kept."""
        if self.symmetric:
            return
        new = np.setdiff1d(rows, self._rows)
        if new.size == 0 or (self._rows.size + new.size) * self.d > KEEP:
            return
        ap, am = self.threat.lp_coefficients(self.block(new, np.arange(self.d)), self.y[new])
        allrows = np.concatenate([self._rows, new])
        order = np.argsort(allrows, kind="stable")
        self._rows = allrows[order]
        self._ap = np.vstack([self._ap, ap])[order]
        self._am = np.vstack([self._am, am])[order]

    def _cached(self, rows: np.ndarray) -> np.ndarray:
        if self._rows.size == 0:
            return np.zeros(rows.size, dtype=bool)
        pos = np.minimum(np.searchsorted(self._rows, rows), self._rows.size - 1)
        return self._rows[pos] == rows

    def hinge(self, F: np.ndarray, wF: np.ndarray, b: float, rows: np.ndarray | None = None) -> np.ndarray:
        """``h_i = 1 - y_i (x_i.w + b) + pen_i(w)`` (``w`` lives on ``F``) for every sample, or
        for ``rows`` only (``-inf`` elsewhere)."""
        nz = wF != 0
        F, wF = F[nz], wF[nz]
        X, y = self.X, self.y
        if rows is None:
            w = np.zeros(self.d)
            w[F] = wF
            out = 1.0 - y * (np.asarray(X @ w).reshape(-1) + b) if F.size else 1.0 - y * b
            idx = np.arange(self.n)
        else:
            out = np.full(self.n, -INF)
            m = (self.block(rows, F) @ wF) if F.size else np.zeros(rows.size)
            out[rows] = 1.0 - y[rows] * (m + b)
            idx = rows
        if self.eps == 0 or not F.size:
            return out
        if self.threat.uniform:
            out[idx] += self.threat.penalties(wF, None, y[:1])[0]
            return out
        for s in range(0, idx.size, CHUNK):
            r = idx[s:s + CHUNK]
            out[r] += self.threat.penalties(wF, self.block(r, F), y[r])
        return out


class LPData(SampleData):
    """:class:`SampleData` with the LP structure ``threat.lp_slack`` (see the module docstring)."""

    def __init__(self, X: Any, y: np.ndarray, caps: np.ndarray, threat: Any, l1: float):
        super().__init__(X, y, caps, threat, l1)
        self.slack = threat.lp_slack
        self.size_budget = 0.0      # budget row bound: 1 adds ||w||_inf to the objective (max-margin)
        if self.slack not in ("shared", "budget", "none"):
            raise ValueError(f"the working-set LP cannot take this threat (lp_slack {self.slack!r})")
        if self.symmetric != (self.slack != "none"):
            raise ValueError("a slack structure needs sample coefficients +-y x (and 'none' needs others)")


def reduced_costs(data: LPData, gp: np.ndarray, gm: np.ndarray, sigma: float) -> np.ndarray:
    """``l1 + beta_j - max(g+_j, g-_j)``: negative where feature ``j`` violates its dual
    constraint (``beta_j = eps sigma`` with a shared slack; 0 otherwise, also for a budget slack
    ``beta_j`` of a feature outside the working set)."""
    beta = data.eps * sigma if data.slack == "shared" else 0.0
    return data.l1 + beta - np.maximum(gp, gm)


def pick(red: np.ndarray, exclude: np.ndarray, tol: float, cap: int) -> np.ndarray:
    """Indices with ``red < -tol`` outside ``exclude``, the ``cap`` most negative, sorted."""
    red = red.copy()
    red[exclude] = 0.0
    cand = np.nonzero(red < -tol)[0]
    if cand.size > cap:
        cand = cand[np.argpartition(red[cand], cap - 1)[:cap]]
    return np.sort(cand)


def most_violated(h: np.ndarray, cand: np.ndarray, cap: int) -> np.ndarray:
    """The ``cap`` entries of ``cand`` with the largest ``h``, sorted."""
    if cand.size > cap:
        cand = np.sort(cand[np.argpartition(-h[cand], cap - 1)[:cap]])
    return cand
