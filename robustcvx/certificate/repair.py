r"""Repair of a nearly feasible dual point (a heuristic whose result is re-verified).

A solver's dual point satisfies the dual constraints only up to its tolerances, so it usually
proves no bound at all (``l2 = 0``) or a weak one.  When the feasible set has an interior (a
positive radius, or ``l1 > 0``), moving ``alpha`` slightly towards it restores feasibility with a
margin that rounding cannot undo:

* the near-active constraints are written linearly in ``alpha`` (:class:`~robustcvx.threats.
  dualsets.Rows`), each aimed strictly inside its bound (``rhs - kappa``), plus the balance row;
* the smallest correction (in the metric ``sum_i delta_i^2 / room_i``, ``room_i`` the distance of
  ``alpha_i`` to its bounds) that meets those targets is a least-squares solve over the samples
  with room;
* the corrected point is clipped back into its bounds and handed to :func:`.dual.evaluate`, which
  proves (or refuses) the bound from scratch.  Nothing computed here needs to be exact.

A vertex whose every ``alpha_i`` sits at a bound (``0`` or ``c_i``) leaves no room to move.  It is
first shrunk to ``t alpha`` with ``t = 1 - SHRINK``: it stays in the box, the balance residual and
the homogeneous parts of the dual constraints shrink with it, the value ``sum alpha - h*`` moves by
about ``SHRINK sum alpha`` (``~1e-11``, far below the certificate's relative tolerance), and the
positive ``alpha_i`` get room ``SHRINK alpha_i`` on both sides for the correction.  As for any
repair, :func:`.dual.evaluate` proves the bound of the result from scratch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .centred import blocks
from .dual import DualPoint

MAX_ROWS = 4000        # beyond this many near-active constraints the repair is not attempted
SHRINK = 2.0 ** -36    # the shrink of a dual vertex with no variable strictly inside its bounds


def repair(problem: Any, point: DualPoint, band: float) -> tuple[np.ndarray | None, str]:
    """A corrected dual point, or ``(None, reason)``."""
    rows = point.dual_set.rows(point.g, point.g_err, problem.l1, band)
    m = rows.m + 1                                       # + the balance row
    if m > MAX_ROWS:
        return None, f"{rows.m} near-active dual constraints: too many to repair"
    alpha, c_low = point.alpha, point.c_low
    room = np.minimum(alpha, c_low - alpha)
    t = 1.0
    if not (room > 0).any():                             # a vertex of the box: shrink it (docstring)
        t = 1.0 - SHRINK
        alpha = alpha * t
        room = np.minimum(alpha, c_low - alpha)
    K = np.flatnonzero(room > 0)
    if K.size == 0:
        return None, "no dual variable strictly between its bounds to repair with"
    y = problem.y
    A = np.empty((K.size, m))
    box_rows = rows.box_feature.size > 0
    for idx, Xc in blocks(problem, K):
        pos = np.searchsorted(K, idx)
        blk = (Xc @ rows.U) * y[idx][:, None] - rows.eps_coef[None, :]
        if box_rows:
            Xraw = problem.X[idx]
            Xraw = Xraw.toarray() if hasattr(Xraw, "toarray") else np.asarray(Xraw, dtype=float)
            blk -= problem.threat.cost_columns(Xraw, y[idx], rows.box_feature, rows.box_sign)
        A[pos, :m - 1] = blk
        A[pos, m - 1] = y[idx]
    current = t * (rows.U.T @ point.g - rows.eps_coef * point.alpha_sum)
    if box_rows:
        caps = np.where(rows.box_sign > 0, point.dual_set.cap_plus[rows.box_feature],
                        point.dual_set.cap_minus[rows.box_feature])
        current = current - caps
    target = np.append(rows.rhs - rows.kappa, 0.0)
    r = target - np.append(current, t * point.beta)
    # equilibrate every row by a power of two (data of size 1e300 must not overflow in A^T D A)
    mag = np.maximum(np.abs(A).max(axis=0, initial=0.0), np.abs(r))
    sc2 = np.exp2(-np.round(np.log2(np.where(mag > 0, mag, 1.0))))
    A = A * sc2[None, :]
    r = r * sc2
    D = room[K]
    M = (A * D[:, None]).T @ A
    if not np.isfinite(M).all():
        return None, "the repair system overflows"
    scale = np.sqrt(np.maximum(np.diag(M), 1e-300))
    Ms = M / scale[:, None] / scale[None, :]
    try:
        z = np.linalg.lstsq(Ms, r / scale, rcond=1e-13)[0] / scale
    except np.linalg.LinAlgError:
        return None, "the repair system is singular"
    delta = D * (A @ z)
    if not np.isfinite(delta).all():
        return None, "the repair step is not finite"
    out = alpha.copy()
    out[K] = np.clip(alpha[K] + delta, 0.0, c_low[K])
    return out, ""
