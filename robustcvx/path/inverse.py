r"""A square matrix and its inverse, kept together under the changes of a simplex basis.

The homotopy (:mod:`.homotopy`) solves ``M x = r`` and ``M^T z = r`` at every step with a matrix
that changes by one row, one column, or a border at a time.  Each change updates the inverse in
``O(k^2)`` (Sherman-Morrison, the bordering and the deletion formulas below); every
``REFRESH`` updates, or when a check of ``M M^{-1} = I`` on a fixed vector (every ``CHECK_EVERY``
updates) fails, the inverse is
recomputed from ``M`` by an LU factorisation.

* replace row ``r`` by ``v``: ``M' = M + e_r u^T`` (``u = v - M[r]``),
  ``M'^{-1} = N - (N e_r)(u^T N) / (1 + u^T N e_r)``;
* replace column ``c`` by ``v``: ``M' = M + u e_c^T``, ``M'^{-1} = N - (N u)(e_c^T N) / (1 + e_c^T N u)``;
* border with a row ``q`` and a column ``p`` (corner ``a``): with ``sigma = a - q^T N p``,
  ``M'^{-1} = [[N + N p q^T N / sigma, -N p / sigma], [-q^T N / sigma, 1 / sigma]]``;
* delete row ``r`` and column ``c``: ``(M without r, c)^{-1} = N_{-c,-r} - N_{-c,r} N_{c,-r} / N_{c,r}``
  (:meth:`Inverse.delete_swap` first moves the last row and column into their places, so that one
  copy of the leading block is all that moves).

The rank-one changes are made in place by BLAS ``dger``.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.linalg.blas import dger

REFRESH = 512
CHECK_TOL = 1e-9
CHECK_EVERY = 8
_MAX, _ABS = np.maximum.reduce, np.abs         # (as ufuncs: ``x.max()`` adds a Python wrapper to each call)


def _amax(x: np.ndarray) -> float:
    """``max |x_i|`` (0 for an empty ``x``)."""
    return float(_MAX(_ABS(x), axis=None, initial=0.0))


def _rank_one(N: np.ndarray, a: float, u: np.ndarray, v: np.ndarray) -> None:
    """``N += a u v^T`` in place (BLAS ``dger`` on the column-major view of the C-ordered ``N``)."""
    if N.flags.c_contiguous and N.size:
        out = dger(a, v, u, a=N.T, overwrite_a=1)
        if np.may_share_memory(out, N):            # (bounds only: a copy would be a new allocation)
            return
        N[...] = out.T
        return
    N += a * np.outer(u, v)


@functools.lru_cache(maxsize=64)
def _probe(k: int) -> np.ndarray:
    """The fixed vector of the check ``M (M^{-1} v) = v`` (read only)."""
    v = np.cos(np.arange(k) * 0.7 + 0.3)
    v.flags.writeable = False
    return v


class SingularBasis(ArithmeticError):
    """The new matrix is (numerically) singular: the change is refused."""


class Inverse:
    """``M`` (k x k) and ``N = M^{-1}``."""

    def __init__(self, M: np.ndarray):
        self.M = np.array(M, dtype=float, order="C")
        self.updates = 0
        self._refresh()

    @property
    def k(self) -> int:
        return int(self.M.shape[0])

    def _refresh(self) -> None:
        if self.k == 0:
            self.N = np.zeros((0, 0))
            return
        try:
            N = np.linalg.inv(self.M)
        except np.linalg.LinAlgError:
            raise SingularBasis("singular basis") from None
        if not np.isfinite(N).all():
            raise SingularBasis("singular basis")
        self.N = N
        self.updates = 0

    def _after_update(self) -> None:
        self.updates += 1
        if self.updates >= REFRESH or (self.updates % CHECK_EVERY == 0 and not self._accurate()):
            self._refresh()

    def _accurate(self) -> bool:
        if self.k == 0:
            return True
        v = _probe(self.k)
        r = self.M @ (self.N @ v) - v
        return bool(np.abs(r).max() <= CHECK_TOL * (1.0 + np.abs(v).max()))

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        return self.N @ rhs

    def solve_t(self, rhs: np.ndarray) -> np.ndarray:
        return rhs @ self.N

    @staticmethod
    def _pivot_ok(den: float, scale: float) -> None:
        if not math.isfinite(den) or abs(den) <= 1e-11 * max(1.0, scale):
            raise SingularBasis("the change makes the basis singular")

    def replace_row(self, r: int, v: np.ndarray, vN: np.ndarray | None = None) -> None:
        """Replace row ``r`` by ``v``; ``vN = v N`` if the caller has it (then ``u N = v N - e_r``)."""
        u = np.asarray(v, dtype=float) - self.M[r]
        Ne = self.N[:, r].copy()
        if vN is None:
            uN = u @ self.N
        else:
            uN = np.array(vN, dtype=float)
            uN[r] -= 1.0
        den = 1.0 + float(uN[r])
        self._pivot_ok(den, _amax(u) * _amax(Ne))
        _rank_one(self.N, -1.0 / den, Ne, uN)
        self.M[r] = v
        self._after_update()

    def replace_col(self, c: int, v: np.ndarray) -> None:
        u = np.asarray(v, dtype=float) - self.M[:, c]
        Nu = self.N @ u
        eN = self.N[c].copy()
        den = 1.0 + float(Nu[c])
        self._pivot_ok(den, _amax(u) * _amax(eN))
        _rank_one(self.N, -1.0 / den, Nu, eN)
        self.M[:, c] = v
        self._after_update()

    def border(self, q: np.ndarray, p: np.ndarray, a: float, qN: np.ndarray | None = None) -> None:
        """Append the row ``q`` (length k) and the column ``p`` (length k) with corner ``a`` (``qN = q N``
        if the caller has it)."""
        k = self.k
        Np = self.N @ p
        if qN is None:
            qN = q @ self.N
        sigma = float(a - q @ Np)
        self._pivot_ok(sigma, abs(a) + _amax(q) * _amax(Np))
        N = np.empty((k + 1, k + 1))
        _rank_one(self.N, 1.0 / sigma, Np, qN)        # (in place: the old N is replaced below)
        N[:k, :k] = self.N
        N[:k, k] = -Np / sigma
        N[k, :k] = -qN / sigma
        N[k, k] = 1.0 / sigma
        M = np.empty((k + 1, k + 1))
        M[:k, :k] = self.M
        M[:k, k] = p
        M[k, :k] = q
        M[k, k] = a
        self.M, self.N = M, N
        self._after_update()

    def delete_swap(self, r: int, c: int) -> None:
        """Remove row ``r`` and column ``c``, the last row taking the place of ``r`` and the last column
        that of ``c`` (``O(k^2)`` with one copy: swapping rows ``r, k-1`` and columns ``c, k-1`` of ``M``
        swaps columns ``r, k-1`` and rows ``c, k-1`` of ``N``; then the last row and column go, by the
        deletion formula)."""
        last = self.k - 1
        M, N = self.M, self.N
        if r != last:
            M[[r, last]] = M[[last, r]]
            N[:, [r, last]] = N[:, [last, r]]
        if c != last:
            M[:, [c, last]] = M[:, [last, c]]
            N[[c, last]] = N[[last, c]]
        piv = float(N[last, last])
        self._pivot_ok(piv, _amax(N))
        out = np.array(N[:last, :last])
        _rank_one(out, -1.0 / piv, N[:last, last].copy(), N[last, :last].copy())
        self.N = out
        self.M = np.array(M[:last, :last])
        self._after_update()

    def delete(self, r: int, c: int) -> None:
        """Remove row ``r`` and column ``c``."""
        piv = float(self.N[c, r])
        self._pivot_ok(piv, float(np.abs(self.N).max(initial=0.0)))
        col = np.delete(self.N[:, r], c)
        row = np.delete(self.N[c], r)
        N = np.delete(np.delete(self.N, c, axis=0), r, axis=1)
        N -= np.outer(col, row / piv)
        self.N = N
        self.M = np.delete(np.delete(self.M, r, axis=0), c, axis=1)
        self._after_update()
