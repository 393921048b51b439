r"""The exact dual vertex of a degenerate equality-constrained dual, in rational arithmetic.

For ``epsilon = 0`` and ``l1 = 0`` the dual is ``max sum alpha`` subject to ``T alpha = 0`` (the
balance and ``X^T (alpha * y) = 0``) and ``0 <= alpha_i <= c_i``.  At a vertex every variable is at
a bound except a set ``F`` whose columns of ``T`` are linearly independent, and those values are
determined by the bounds: ``T_F alpha_F = -sum_{i at c} c_i T_i``.  A solver's floating-point point
gives the pattern (which variables sit at 0, at ``c_i``, in between); this module recomputes the
vertex of that pattern *exactly* (``fractions.Fraction``; the data, the weights ``c_i = s_i / sum s``
and ``1/n`` are rationals) and checks every constraint exactly.  When the pattern is right the
result is an exactly feasible dual point and ``sum alpha`` an exact lower bound of ``P*``; when it is
wrong, nothing is claimed.

This is what settles *degenerate* vertices (fewer free variables than constraints), where no
floating-point correction can be verified.  It is meant for small systems (see the limits).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .centred import constant_features
from .dual import clip

MAX_FREE = 60
MAX_WORK = 3_000_000       # rows x free^2 + support x rows Fraction operations


def exact_weights(problem: Any, idx: np.ndarray) -> list[Fraction]:
    """The exact weights ``c_i`` of the samples ``idx`` (``1/n`` or ``s_i / sum s``)."""
    if problem.sample_weight is None:
        return [Fraction(1, problem.n)] * idx.size
    total = sum((Fraction(float(v)) for v in problem.sample_weight.tolist()), Fraction(0))
    return [Fraction(float(problem.sample_weight[i])) / total for i in idx.tolist()]


def _solve(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """Exact solution of the consistent (possibly overdetermined) system ``A x = b`` with ``A``
    of full column rank, or ``None`` (rank deficient or inconsistent)."""
    m, k = len(A), len(A[0]) if A else 0
    M = [row[:] + [bi] for row, bi in zip(A, b)]
    r = 0
    piv_cols = []
    for col in range(k):
        p = next((i for i in range(r, m) if M[i][col] != 0), None)
        if p is None:
            return None
        M[r], M[p] = M[p], M[r]
        inv = 1 / M[r][col]
        M[r] = [v * inv for v in M[r]]
        for i in range(m):
            if i != r and M[i][col] != 0:
                f = M[i][col]
                M[i] = [vi - f * vr for vi, vr in zip(M[i], M[r])]
        piv_cols.append(col)
        r += 1
    if any(M[i][k] != 0 for i in range(r, m)):
        return None
    x = [Fraction(0)] * k
    for i, col in enumerate(piv_cols):
        x[col] = M[i][k]
    return x


def rational_vertex_bound(problem: Any, alpha: Any) -> tuple[float | None, str]:
    """``sum alpha*`` (rounded down) for the exact vertex of ``alpha``'s pattern, or ``(None, reason)``.

    Only for ``epsilon = 0`` and ``l1 = 0`` (the equality-constrained dual).  The pattern is read
    with several thresholds (a variable within ``snap c_i`` of a bound is at it), the first that
    yields an exactly feasible vertex wins.
    """
    why = ""
    for snap in (1e-7, 1e-10, 1e-13, 0.0):
        value, why = _vertex(problem, alpha, snap)
        if value is not None:
            return value, ""
    return None, why


def _vertex(problem: Any, alpha: Any, snap: float) -> tuple[float | None, str]:
    a, _ = clip(problem, alpha)
    c = problem.weights
    at0 = a <= snap * c
    atc = a >= (1 - snap) * c
    free = np.flatnonzero(~at0 & ~atc)
    k = free.size
    J = np.flatnonzero(~constant_features(problem))
    m = 1 + J.size
    up = np.flatnonzero(atc)
    if k > MAX_FREE or m * k * k + (up.size + k) * m > MAX_WORK:
        return None, f"too large for the exact rational vertex ({k} free variables, {m} constraints)"
    X, y = problem.X, problem.y

    def column(i: int) -> list[Fraction]:
        row = X[i]
        row = row.toarray().ravel() if hasattr(row, "toarray") else np.asarray(row, dtype=float)
        yi = int(y[i])
        return [Fraction(yi)] + [Fraction(float(v)) * yi for v in row[J].tolist()]

    rhs = [Fraction(0)] * m
    for i, ci in zip(up.tolist(), exact_weights(problem, up)):
        col = column(i)
        rhs = [r - ci * v for r, v in zip(rhs, col)]
    if k == 0:
        if any(v != 0 for v in rhs):
            return None, "the dual vertex of this pattern violates its equality constraints"
        x: list[Fraction] = []
    else:
        cols = [column(i) for i in free.tolist()]
        A = [[cols[j][r] for j in range(k)] for r in range(m)]
        x = _solve(A, rhs)
        if x is None:
            return None, "the pattern of the dual point defines no exactly feasible vertex"
        cf = exact_weights(problem, free)
        if any(v < 0 or v > ci for v, ci in zip(x, cf)):
            return None, "the exact vertex of this pattern leaves the box 0 <= alpha <= c"
    total = sum(exact_weights(problem, up), Fraction(0)) + sum(x, Fraction(0))
    value = float(total)
    if Fraction(value) > total:                   # round down
        value = float(np.nextafter(value, -np.inf))
    return max(value, 0.0), ""
