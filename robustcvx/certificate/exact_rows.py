r"""Exact evaluation of dual constraints at a floating-point point (for degenerate vertices).

An LP solver often stops at a *degenerate* vertex where every dual variable sits exactly at a
bound (``0`` or ``c_i``).  Such a point can satisfy its equality constraints (``g_j = 0``) or its
active inequalities (``|g_j| = eps sum alpha``) *exactly* in real arithmetic, with no room left to
absorb rounding, so error bounds cannot decide.  Exact arithmetic can: every product of two floats
is the exact sum of two floats (TwoProduct, Dekker 1971, with Veltkamp's splitting) and every
difference of two floats the exact sum of two floats (TwoSum, Knuth), and ``math.fsum`` returns the
correctly rounded value of an exact sum of floats - in particular it returns ``0.0`` iff the sum is
exactly zero, and its sign is the exact sign.

Products that could underflow or overflow (where the splitting is not exact) make the evaluation
give up (``None``): it then proves nothing and claims nothing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_SPLIT = 134217729.0          # 2^27 + 1
_SAFE_LOW = 2.0 ** -960       # products above this (or exactly zero) have an exact error term
_SAFE_HIGH = 2.0 ** 995
MAX_TERMS = 8_000_000         # the exact evaluation is for small or sparse dual points


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(s, t)`` with ``s + t = a + b`` exactly (no overflow)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(p, e)`` with ``p + e = a b`` exactly, or ``None`` when a product is too small or too large."""
    p = a * b
    with np.errstate(all="ignore"):
        big = (np.abs(a) >= _SAFE_HIGH) | (np.abs(b) >= _SAFE_HIGH)
        tiny = (p != 0) & (np.abs(p) < _SAFE_LOW)
        lost = (p == 0) & (a != 0) & (b != 0)
    if big.any() or tiny.any() or lost.any() or not np.isfinite(p).all():
        return None
    ca = _SPLIT * a
    ah = ca - (ca - a)
    al = a - ah
    cb = _SPLIT * b
    bh = cb - (cb - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def column_sums(parts: list[np.ndarray]) -> np.ndarray:
    """The correctly rounded exact sum of every column over all rows of all ``parts``."""
    stacked = np.concatenate([np.atleast_2d(p) for p in parts], axis=0)
    return np.array([math.fsum(stacked[:, j].tolist()) for j in range(stacked.shape[1])])


def g_parts(problem: Any, alpha: np.ndarray, features: np.ndarray, offset: np.ndarray | None = None
            ) -> list[np.ndarray] | None:
    """Floats whose exact column sums are ``sum_i alpha_i y_i (x_ij - offset_j)`` for ``j`` in ``features``."""
    rows = np.flatnonzero(alpha)
    if rows.size * max(features.size, 1) * (4 if offset is not None else 2) > MAX_TERMS:
        return None
    X = problem.X[rows][:, features]
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=float)
    ay = (alpha[rows] * problem.y[rows])[:, None] * np.ones_like(X)
    if offset is None:
        pe = two_product(ay, X)
        return None if pe is None else list(pe)
    s, t = two_sum(X, -np.broadcast_to(offset[features], X.shape))
    ps, pt = two_product(ay, s), two_product(ay, t)
    return None if ps is None or pt is None else [*ps, *pt]


def scaled_sum_parts(alpha: np.ndarray, scale: float) -> list[np.ndarray] | None:
    """Floats whose exact sum is ``scale * sum alpha``."""
    a = alpha[alpha != 0]
    pe = two_product(a, np.full(a.shape, float(scale)))
    return None if pe is None else [pe[0].reshape(-1, 1), pe[1].reshape(-1, 1)]
