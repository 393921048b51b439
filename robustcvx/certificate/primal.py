r"""Rigorous bounds on the primal objective ``P(w, b)`` of a candidate, for the data as given.

``P(w, b) = sum_i c_i h_i + l1 ||w||_1 + (l2/2) ||w||_2^2`` with ``h_i = max(0, 1 - y_i f(x_i) +
pen_i(w))``.  The margin is evaluated as ``w.(x_i - m) + b_c`` with ``b_c = b + w.m`` computed in
exact rational arithmetic and rounded once (:mod:`.frame`), so that an offset in the data costs
no accuracy.  Each floating-point step is bounded with :mod:`robustcvx.fp`; the result is an
interval ``[lower, upper]`` that contains the exact real value of ``P(w, b)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import fp
from .centred import blocks, centre


@dataclass(frozen=True)
class PrimalBounds:
    """``value``: ``P(w, b)`` in floating point; ``lower <= P(w, b) <= upper`` exactly."""

    value: float
    lower: float
    upper: float

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.value) and np.isfinite(self.upper) and np.isfinite(self.lower))


def weight_bounds(problem: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(c_low, c_high)``: floats bracketing the exact weights ``c_i`` (``s_i / sum s`` or ``1/n``)."""
    c = problem.weights
    return c * (1.0 - 8 * fp.U), c * (1.0 + 8 * fp.U)


def primal_bounds(problem: Any, w: np.ndarray, b: float) -> PrimalBounds:
    """Interval enclosure of ``P(w, b)`` (see the module docstring)."""
    w = np.asarray(w, dtype=float).reshape(-1)
    d = problem.d
    m = centre(problem)
    with np.errstate(all="ignore"):
        bc_exact = fp.exact_dot(w, m) + fp.Fraction(float(b)) if np.any(m) else fp.Fraction(float(b))
        try:
            bc, bc_err = fp.round_fraction(bc_exact)
        except OverflowError:
            return PrimalBounds(float("inf"), float("inf"), float("inf"))
        absw = np.abs(w)
        pen = problem.penalty(w)
        pen_up = fp.up(pen, d + 3)
        pen_low = fp.down(pen, d + 3)
        c_low, c_high = weight_bounds(problem)
        y = problem.y
        h_up = np.empty(problem.n)
        h_low = np.empty(problem.n)
        for idx, Xc in blocks(problem):
            f = Xc @ w
            err = fp.dot_error(abs(Xc) @ absw, d) * 3.0 + bc_err + 4 * fp.U * np.abs(f + bc)
            marg = y[idx] * (f + bc)
            base = 1.0 - marg
            slack = 8 * fp.U * (1.0 + np.abs(marg) + err + pen_up[idx]) + 8 * fp.ETA
            h_up[idx] = np.maximum(base + err + pen_up[idx] + slack, 0.0)
            h_low[idx] = np.maximum(base - err + pen_low[idx] - slack, 0.0)
        n = problem.n
        loss_up = fp.up(float(c_high @ h_up), n + 2)
        loss_low = fp.down(float(c_low @ h_low), n + 2)
        reg, reg_up, reg_low = 0.0, 0.0, 0.0
        if problem.l1 > 0:
            l1n = float(absw.sum())
            reg += problem.l1 * l1n
            reg_up += fp.up(problem.l1 * fp.up(l1n, d), 2)
            reg_low += fp.down(problem.l1 * fp.down(l1n, d), 2)
        if problem.l2 > 0:
            sq = fp.scaled_square(0.5 * problem.l2, w)
            reg += sq
            reg_up += fp.up(sq, d + 8)
            reg_low += fp.down(sq, d + 8)
        upper = fp.up(loss_up + reg_up, 2)
        lower = fp.down(loss_low + reg_low, 2)
    value = problem.objective(w, b)    # the package's one float evaluation, reported everywhere
    return PrimalBounds(value, min(lower, value), max(upper, value))
