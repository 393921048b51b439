"""Data access for the certificate: the samples centred on a fixed point ``m``, block by block.

For an exactly balanced dual point (``sum_i alpha_i y_i = 0``) ``X^T (alpha * y)`` equals
``(X - m)^T (alpha * y)`` for every ``m``, and a margin ``w.x + b`` equals
``w.(x - m) + (b + w.m)``.  Centring on the column means therefore changes no value the
certificate bounds, while its rounding errors become relative to ``|x - m|`` (the informative
part of the data) instead of ``|x|``: data with a large offset (``1e4 + 1e-2 z``) is certified as
accurately as centred data.  Sparse data is used as given (``m = 0``: centring would densify it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

BLOCK = 1 << 13


def centre(problem: Any) -> np.ndarray:
    """The centring point ``m`` (column means of dense data, zeros for sparse data), cached."""
    if "centre" not in problem._cache:
        X = problem.X
        if hasattr(X, "tocsr"):
            m = np.zeros(X.shape[1])
        else:
            m = X.mean(axis=0)
            # a feature that is constant gets m_j equal to that constant, so that x - m is exactly 0
            lo, hi = X.min(axis=0), X.max(axis=0)
            const = lo == hi
            m[const] = lo[const]
        problem._cache["centre"] = m
    return problem._cache["centre"]


def constant_features(problem: Any) -> np.ndarray:
    """Boolean mask of the features whose value is the same for every sample (exact test)."""
    if "constant" not in problem._cache:
        X = problem.X
        if hasattr(X, "tocsr"):
            Xc = X.tocsc()
            nnz = np.diff(Xc.indptr)
            lo = np.asarray(Xc.min(axis=0).todense()).ravel()
            hi = np.asarray(Xc.max(axis=0).todense()).ravel()
            const = (lo == hi) & ((nnz == 0) | (nnz == X.shape[0]))
        else:
            const = X.min(axis=0) == X.max(axis=0)
        problem._cache["constant"] = const
    return problem._cache["constant"]


def blocks(problem: Any, rows: np.ndarray | None = None,
           cols: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, Any]]:
    """``(idx, Xc)``: row indices and the centred rows ``fl(x_i - m)``, in blocks.

    Dense data gives dense float64 blocks.  Sparse data (``m = 0``, nothing to round) gives CSR
    blocks, so that a block of a wide sparse matrix costs its nonzeros, not ``rows x d``: consumers
    use ``Xc @ v``, ``Xc.T @ v``, ``abs(Xc)`` and :func:`col_abs_max`, which take either.  With
    ``cols`` the blocks are the dense columns ``Xc[:, cols]`` (a few columns)."""
    X = problem.X
    m = centre(problem)
    idx_all = np.arange(problem.n) if rows is None else np.asarray(rows)
    for s in range(0, idx_all.size, BLOCK):
        idx = idx_all[s:s + BLOCK]
        Xb = X[idx]
        if hasattr(Xb, "toarray"):
            yield idx, (Xb[:, cols].toarray() if cols is not None else Xb.tocsr())
        elif cols is not None:
            yield idx, np.asarray(Xb[:, cols], dtype=float) - m[cols]
        else:
            yield idx, np.asarray(Xb, dtype=float) - m


def col_abs_max(Xc: Any) -> np.ndarray:
    """``max_i |Xc_ij|`` per column of a dense or sparse block."""
    if hasattr(Xc, "toarray"):
        return np.asarray(abs(Xc).max(axis=0).toarray()).ravel()
    return np.abs(Xc).max(axis=0)
