r"""A multiclass dual point, clipped, exactly balanced (by existence) and enclosed.

``alpha`` is ``n x K`` (``alpha_ik``: the multiplier of sample ``i`` against class ``k``; zero at
``k = y_i``), feasible for ``alpha >= 0``, ``sum_k alpha_ik <= c_i``.  With ``A_{i, y_i} = sum_k alpha_ik``
and ``A_ik = -alpha_ik`` (``k != y_i``), the Lagrangian involves

* the class balances ``beta = A^T 1``, which must vanish exactly (the intercepts are free);
* ``G = A^T X`` (``K x d``): the gradient with respect to the weights (``G = A^T (X - m)`` for any centre
  ``m`` once ``beta = 0``: the errors are relative to the centred data);
* for every ordered pair ``(a, k)`` the threat's dual set ``U_ak`` of the samples of class ``a`` weighted
  by ``alpha_{., k}`` with a positive label: ``sum_{i in a} alpha_ik pen_i(v) = sigma_{U_ak}(v)``.

The exact balance is reached by existence, as in the binary case: ``beta_m`` is bracketed by a correctly
rounded sum and removed (for ``m != r``, a reference class) by moving ``alpha_{i r}`` on samples ``i`` of
class ``m`` with room; ``beta_r`` then vanishes too (``sum_m beta_m = 0`` identically).  The effects on
``sum alpha``, ``G`` and the pair sets are bounded and subtracted; the balanced point is never formed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ... import fp
from ...threats import Shift
from ..centred import blocks
from ..primal import weight_bounds


@dataclass
class Point:
    alpha: np.ndarray           # n x K, clipped
    c_low: np.ndarray
    alpha_sum: float
    alpha_sum_low: float        # lower bound of sum alpha' (the exactly balanced point)
    beta: np.ndarray            # K: floating-point balances before the shift
    ref: int                    # the reference class of the balance shift
    G: np.ndarray               # K x d (centred)
    G_err: np.ndarray
    G_round: np.ndarray         # the rounding part of G_err (without the balance shift's effect)
    G_exact: np.ndarray         # K x d: G_mj is exactly 0 (every enclosure of it is {0})
    sets: dict                  # (a, k) -> the dual set U_ak (lower bounds)


def clip(problem: Any, alpha: Any) -> tuple[np.ndarray, np.ndarray]:
    """``alpha >= 0``, zero at ``k = y_i``, row sums ``<= c_low_i`` (rows scaled down and re-checked)."""
    c_low, _ = weight_bounds(problem)
    a = np.nan_to_num(np.asarray(alpha, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    if a.shape != (problem.n, problem.K):
        raise ValueError(f"dual point has shape {a.shape}, the problem needs ({problem.n}, {problem.K})")
    a = np.maximum(a, 0.0)
    a[np.arange(problem.n), problem.y] = 0.0
    for _ in range(4):
        over = np.flatnonzero(fp.up(a.sum(axis=1), problem.K) > c_low)
        if over.size == 0:
            break
        a[over] *= (c_low[over] / fp.up(a[over].sum(axis=1), problem.K))[:, None] * (1 - 8 * fp.U)
    return a, c_low


def _balances(problem: Any, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(beta, bound)``: correctly rounded class balances and bounds of their exact values."""
    K = problem.K
    beta, bound = np.empty(K), np.empty(K)
    for m in range(K):
        rows = problem.class_rows(m)
        terms = np.concatenate([a[rows].ravel(), -a[:, m]])
        s, err = fp.exact_sum(terms)
        beta[m], bound[m] = s, abs(s) + err
    return beta, bound


def _shift_plan(problem: Any, a: np.ndarray, c_low: np.ndarray, beta: np.ndarray, bound: np.ndarray):
    """For a reference class ``r``: ``{m: ((class, competitor), Shift)}`` removing ``beta_m`` for ``m != r``.

    ``beta_m`` rises when ``alpha_{i m}`` falls for ``i`` of class ``r`` or ``alpha_{i r}`` rises for ``i`` of
    class ``m``, and falls the other way round; decreases are preferred (a multiplier can always go down to 0,
    while a row at ``c_i`` cannot go up).
    """
    rowsum = fp.up(a.sum(axis=1), problem.K)
    order = np.argsort(-np.array([a[:, r].sum() for r in range(problem.K)]), kind="stable")
    for r in order:
        plan = {}
        for m in range(problem.K):
            if m == r or bound[m] == 0:
                continue
            options = []
            if beta[m] > 0:     # lower beta_m: alpha_{i r} (i in m) down, or alpha_{i m} (i in r) up
                options = [((m, r), problem.class_rows(m), -1.0), ((r, m), problem.class_rows(r), 1.0)]
            else:               # raise beta_m: alpha_{i m} (i in r) down, or alpha_{i r} (i in m) up
                options = [((r, m), problem.class_rows(r), -1.0), ((m, r), problem.class_rows(m), 1.0)]
            chosen = None
            for (ca, k), rows, direction in options:
                room = a[rows, k] if direction < 0 else np.maximum(c_low[rows] - rowsum[rows], 0.0)
                order_rows = np.argsort(-room, kind="stable")
                total = np.cumsum(room[order_rows])
                j = int(np.searchsorted(total, 2 * bound[m]))
                if j < rows.size:
                    chosen = ((ca, k), Shift(bound[m], rows[order_rows[:j + 1]], direction))
                    break
            if chosen is None:
                plan = None
                break
            plan[m] = chosen
        if plan is not None:
            return int(r), plan
    return None


def prepare(problem: Any, alpha: Any) -> tuple[Point | None, str]:
    a, c_low = clip(problem, alpha)
    K, n = problem.K, problem.n
    beta, bound = _balances(problem, a)
    found = _shift_plan(problem, a, c_low, beta, bound)
    if found is None:
        return None, "the dual point's class imbalances cannot be removed (no room within the bounds)"
    ref, plan = found
    asum, aerr = fp.exact_sum(a)
    low = asum - aerr - sum(sh.amount for _, sh in plan.values() if sh.direction < 0)
    low = max(low - 4 * fp.U * abs(low), 0.0)
    A = -a.copy()
    A[np.arange(n), problem.y] = a.sum(axis=1)
    G = np.zeros((K, problem.d))
    mag = np.zeros((K, problem.d))
    touched = np.zeros((K, problem.d))        # how many products A_im x_ij are not exactly 0
    with np.errstate(all="ignore"):
        for idx, Xc in blocks(problem, np.flatnonzero(np.abs(A).sum(axis=1))):
            G += A[idx].T @ Xc
            mag += np.abs(A[idx]).T @ np.abs(Xc)
            touched += (A[idx] != 0).T.astype(float) @ (Xc != 0).astype(float)
        # a G_mj all of whose products are exactly 0 is exactly 0, without rounding error (a class no multiplier
        # touches, a feature that is 0 wherever one does): the enclosure is {0}
        err = np.where(touched == 0, 0.0, fp.dot_error(mag, n) * 3.0)
        rounding = err.copy()
        for m, (_, shift) in plan.items():
            xmax = np.zeros(problem.d)
            for _, Xc in blocks(problem, shift.rows):
                xmax = np.maximum(xmax, np.abs(Xc).max(axis=0))
            grow = np.where(xmax == 0, 0.0, fp.up(shift.amount * xmax, 2))
            err[m] += grow
            err[ref] += grow
    moved = {pair: sh for pair, sh in plan.values()}
    if not (np.isfinite(G).all() and np.isfinite(err).all()):
        return None, "overflow while evaluating the dual point"
    sets = {}
    for ca in range(K):
        rows = problem.class_rows(ca)
        Xa = problem.X[rows]
        ones = np.ones(rows.size)
        for k in range(K):
            if k == ca:
                continue
            col = a[rows, k]
            s_low = fp.down(math.fsum(col.tolist()), rows.size + 2)
            shift = None
            if (ca, k) in moved:
                sh = moved[(ca, k)]
                shift = Shift(sh.amount, np.searchsorted(rows, sh.rows), sh.direction)
                if sh.direction < 0:
                    s_low = max(s_low - sh.amount * (1 + 4 * fp.U), 0.0)
            sets[(ca, k)] = problem.threat.dual_set(col, Xa, ones, s_low, shift)
    return Point(a, c_low, asum, low, beta, ref, G, err, rounding, (err == 0) & (G == 0), sets), ""


def trade_moves(problem: Any, a: np.ndarray, c_low: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""``(i, k, ref, room)``: moves that keep every row of ``a`` in its simplex.

    Sample ``i``'s entries ``alpha_ik`` and its slack ``c_i - sum_k alpha_ik`` (a lower bound) are all
    ``>= 0``; the largest of them is the reference (``ref = -1`` for the slack).  Move ``(i, k, ref)`` adds
    ``t`` to ``alpha_ik`` and takes it from the reference; with ``|t| <= room = min(alpha_ik, e_ref / q)``
    (``q`` moves in the row) every entry and the slack stay ``>= 0`` whatever the signs.
    """
    n, K = a.shape
    E = a.copy()
    E[np.arange(n), problem.y] = np.maximum(c_low - fp.up(a.sum(axis=1), K), 0.0)   # the slack column
    ref = E.argmax(axis=1)
    pos = E > 0
    pos[np.arange(n), ref] = False
    q = pos.sum(axis=1)
    fi, fk = np.nonzero(pos)
    e_ref = E[fi, ref[fi]]
    room = np.minimum(E[fi, fk], fp.down(e_ref / q[fi], 1))
    # a move into the slack column is a move of the label's entry, which is no variable: reorient it
    slack_ref = ref[fi] == problem.y[fi]
    to_slack = fk == problem.y[fi]
    fr = np.where(slack_ref, -1, ref[fi])
    # when the slack is not the reference, the slack "entry" trades with the reference class: that is
    # the reference class's own multiplier moving against the slack, i.e. move (i, ref, -1)
    fk = np.where(to_slack, ref[fi], fk)
    fr = np.where(to_slack, -1, fr)
    keep = room > 0
    return fi[keep], fk[keep], fr[keep], room[keep]
