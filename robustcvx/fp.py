r"""Rigorous floating-point error bounds (IEEE binary64, round to nearest).

The certificate (:mod:`robustcvx.certificate`) computes its bounds in floating point and must
still be a theorem about the real numbers.  Every helper here returns floats that *bound* a
real quantity, using the standard model of rounding (Higham, *Accuracy and Stability of
Numerical Algorithms*, 2nd ed., ch. 2-3):

1. ``fl(a op b) = (a op b)(1 + delta)``, ``|delta| <= u = 2^-53``, plus an absolute error of at
   most ``eta / 2`` (``eta = 2^-1074``) when the result underflows;
2. a sum of ``k`` terms computed in *any* order (recursive, pairwise, blocked, with or without
   FMA) satisfies ``|fl(sum p_i) - sum p_i| <= gamma_{k-1} sum |p_i|`` with
   ``gamma_k = k u / (1 - k u)``; hence a dot product or a row of a matrix product with inner
   dimension ``k`` is off by at most ``gamma_k |a|.|b| + k eta``;
3. for non-negative terms, ``fl(sum p_i) >= (1 - gamma_{k-1}) sum p_i``.

The helpers are deliberately generous (constant factors of 2-4 over the textbook bounds): the
certificate's tolerance is ``1e-8`` relative while these bounds are of order ``k * 1e-16``, so
generosity costs nothing and leaves room for BLAS kernels we do not control.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

U = 2.0 ** -53          #: unit roundoff of binary64
ETA = 2.0 ** -1074      #: smallest positive subnormal


def gamma(k: int) -> float:
    """A generous upper bound of ``gamma_k = k u / (1 - k u)`` (twice the textbook value)."""
    k = max(int(k), 1)
    return 2.0 * k * U / (1.0 - 2.0 * k * U)


def up(x: Any, k: int) -> Any:
    """Upper bound of a non-negative real quantity whose float value ``x`` came from ``<= k``
    roundings of non-negative terms (property 3), rounding of this bound included."""
    g = gamma(k + 2)
    return np.asarray(x, dtype=float) * (1.0 + 2.0 * g) + (k + 2) * ETA if np.ndim(x) else \
        float(x) * (1.0 + 2.0 * g) + (k + 2) * ETA


def down(x: Any, k: int) -> Any:
    """Lower bound (clamped at 0) of a non-negative real quantity computed by ``<= k`` roundings."""
    g = gamma(k + 2)
    if np.ndim(x):
        return np.maximum(np.asarray(x, dtype=float) * (1.0 - 2.0 * g) - (k + 2) * ETA, 0.0)
    return max(float(x) * (1.0 - 2.0 * g) - (k + 2) * ETA, 0.0)


def dot_error(abs_product: Any, k: int) -> Any:
    """Bound of ``|fl(A v) - A v|`` given ``abs_product = fl(|A| |v|)`` and inner dimension ``k``."""
    return up(gamma(k) * np.asarray(abs_product, dtype=float), k) + (k + 2) * ETA


def exact_sum(values: Any) -> tuple[float, float]:
    """``(s, bound)``: ``s = fl(sum values)`` correctly rounded (``math.fsum``) and a bound on
    ``|sum values - s|`` (half an ulp, or 0 when ``s == 0``: a non-zero exact sum of floats is at
    least ``eta`` in magnitude and cannot round to 0)."""
    s = math.fsum(np.asarray(values, dtype=float).ravel().tolist())
    return s, (0.0 if s == 0.0 else abs(s) * U + ETA)


def exact_dot(a: Any, b: Any) -> Fraction:
    """The exact value of ``sum a_i b_i`` for float vectors (rational arithmetic; use on short vectors)."""
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    total = Fraction(0)
    for ai, bi in zip(a.tolist(), b.tolist()):
        if ai != 0.0 and bi != 0.0:
            total += Fraction(ai) * Fraction(bi)
    return total


def round_fraction(q: Fraction) -> tuple[float, float]:
    """``(f, err)``: the float nearest to ``q`` and a bound on ``|q - f|``."""
    f = float(q)
    return f, abs(f) * U + ETA


def _pow2_scale(a: np.ndarray) -> float:
    """A power of two close to ``max(a)`` (dividing by it is exact and keeps squares in range)."""
    top = float(a.max()) if a.size else 0.0
    return float(2.0 ** math.frexp(top)[1]) if top > 0 and math.isfinite(top) else 1.0


def norm2(v: Any) -> float:
    """``||v||_2`` without spurious underflow or overflow of the squares (exact power-of-two scaling)."""
    a = np.abs(np.asarray(v, dtype=float)).ravel()
    s = _pow2_scale(a)
    b = a / s
    return float(math.sqrt(float(b @ b)) * s)


def scaled_square(coef: float, v: Any) -> float:
    """``coef ||v||_2^2`` computed without spurious underflow or overflow (0 when ``coef == 0``)."""
    if coef == 0:
        return 0.0
    a = np.abs(np.asarray(v, dtype=float)).ravel()
    s = _pow2_scale(a)
    b = a / s
    t = float(b @ b)
    out = coef * s * s * t
    if not math.isfinite(out) or (out == 0 and t > 0):
        out = (math.sqrt(coef) * s) ** 2 * t
    return out


def norm_up(v: Any, p: str) -> float:
    """Upper bound of ``||v||_p`` (``p`` in ``"1"``, ``"2"``, ``"inf"``) of a float vector ``v``."""
    a = np.abs(np.asarray(v, dtype=float)).ravel()
    if a.size == 0:
        return 0.0
    if p == "inf":
        return float(a.max())
    if p == "1":
        return up(float(a.sum()), a.size)
    s = _pow2_scale(a)
    b = a / s
    return math.sqrt(up(float(b @ b), b.size)) * (1.0 + 4 * U) * s + ETA


def norm_down(v: Any, p: str) -> float:
    """Lower bound of ``||v||_p``."""
    a = np.abs(np.asarray(v, dtype=float)).ravel()
    if a.size == 0:
        return 0.0
    if p == "inf":
        return float(a.max())
    if p == "1":
        return down(float(a.sum()), a.size)
    s = _pow2_scale(a)
    b = a / s
    return math.sqrt(down(float(b @ b), b.size)) * (1.0 - 4 * U) * s
