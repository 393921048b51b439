r"""Rigorous bounds on the multiclass objective ``P(W, b)`` of a candidate, for the data as given.

Scores are evaluated as ``w_k.(x_i - m) + (b_k + w_k.m)`` with the shifted intercepts in exact rational
arithmetic (:mod:`robustcvx.certificate.centred`); the pair penalties ``pen_i(w_a - w_k)`` come from the
threat with a relative error of at most ``u + gamma_{d+3}`` (the difference ``w_a - w_k`` is rounded once,
coordinatewise, and keeps its signs); every rounding is bounded (:mod:`robustcvx.fp`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import fp
from ..centred import blocks, centre
from ..primal import PrimalBounds, weight_bounds


def primal_bounds(problem: Any, W: np.ndarray, b: np.ndarray) -> PrimalBounds:
    """Interval enclosure of ``P(W, b)`` for a :class:`~robustcvx.problems.MulticlassHingeProblem`."""
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float).reshape(-1)
    n, d, K = problem.n, problem.d, problem.K
    m = centre(problem)
    with np.errstate(all="ignore"):
        bc = np.empty(K)
        bc_err = np.empty(K)
        for k in range(K):
            exact = fp.exact_dot(W[k], m) + fp.Fraction(float(b[k])) if np.any(m) else fp.Fraction(float(b[k]))
            try:
                bc[k], bc_err[k] = fp.round_fraction(exact)
            except OverflowError:
                return PrimalBounds(float("inf"), float("inf"), float("inf"))
        P = problem.pair_penalties(W)
        P_up, P_low = fp.up(P, d + 4), fp.down(P, d + 4)
        absW = np.abs(W)
        y = problem.y
        h_up = np.empty(n)
        h_low = np.empty(n)
        for idx, Xc in blocks(problem):
            F = Xc @ W.T                                                    # (b, K)
            E = fp.dot_error(np.abs(Xc) @ absW.T, d) * 3.0 + bc_err[None, :] + 4 * fp.U * np.abs(F + bc[None, :])
            S = F + bc[None, :]
            rows = np.arange(idx.size)
            own, own_err = S[rows, y[idx]][:, None], E[rows, y[idx]][:, None]
            Z = 1.0 - own + S
            err = own_err + E
            slack = 8 * fp.U * (1.0 + np.abs(own) + np.abs(S) + err + P_up[idx]) + 8 * fp.ETA
            Zu = Z + err + P_up[idx] + slack
            Zl = Z - err + P_low[idx] - slack
            Zu[rows, y[idx]] = -np.inf
            Zl[rows, y[idx]] = -np.inf
            h_up[idx] = np.maximum(Zu.max(axis=1), 0.0)
            h_low[idx] = np.maximum(Zl.max(axis=1), 0.0)
        c_low, c_high = weight_bounds(problem)
        loss_up = fp.up(float(c_high @ h_up), n + 2)
        loss_low = fp.down(float(c_low @ h_low), n + 2)
        reg_up = reg_low = 0.0
        if problem.l1 > 0:
            s1 = float(absW.sum())
            reg_up += fp.up(problem.l1 * fp.up(s1, K * d), 2)
            reg_low += fp.down(problem.l1 * fp.down(s1, K * d), 2)
        if problem.l2 > 0:
            sq = fp.scaled_square(0.5 * problem.l2, W)
            reg_up += fp.up(sq, K * d + 8)
            reg_low += fp.down(sq, K * d + 8)
        upper, lower = fp.up(loss_up + reg_up, 2), fp.down(loss_low + reg_low, 2)
    value = problem.objective(W, b)
    return PrimalBounds(value, min(lower, value), max(upper, value))
