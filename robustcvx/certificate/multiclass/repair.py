r"""Repair of a nearly feasible multiclass dual point on its cut conditions (re-verified afterwards).

As in the binary repair (:mod:`robustcvx.certificate.repair`): the near-active cut conditions
(:mod:`.cuts`), each linear in ``alpha``, are aimed strictly inside their bounds, the class balances at 0,
by a small correction; the corrected point is clipped and proven (or refused) from scratch, so nothing
here needs to be exact.

**The metric.**  Sample ``i``'s multipliers, with the slack ``alpha_{i y_i} := c_i - sum_k alpha_ik``,
form a simplex ``{alpha_i. >= 0, sum = c_i}``; a correction moves inside it (``sum_k delta_ik = 0`` with
the slack entry) and is measured by ``sum_k delta_ik^2 / alpha_ik``, so that entries near 0 barely move.
This keeps the freedom a vertex solution has: a saturated row (``sum_k alpha_ik = c_i``) can still trade
mass between its classes.  The minimiser of that metric under the targets ``a^T delta = r`` is
``delta_i = P_i a_i z`` with ``P_i = D_i - D_i 1 1^T D_i / (1^T D_i 1)`` (``D_i = diag(alpha_i.)``) and
``(sum_i a_i^T P_i a_i) z = r``.

**The rows.**  The coefficient of ``alpha_ik`` in the condition of set ``S``, coordinate ``j`` and side
``sigma`` (``+1``: what leaves ``S``; ``-1``: what enters it) is minus the derivative of its slack,
``sigma x_ij ([y_i in S] - [k in S]) - [y_i in S, k not in S] c1_ij - [y_i not in S, k in S] c2_ij``
with ``(c1, c2) = (hi, lo)`` costs leaving ``S`` and ``(lo, hi)`` entering it (the threat's interval
costs); the balance ``beta_m`` has coefficient ``[y_i = m] - [k = m]``.  The slack entry has none.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

from ..centred import blocks
from .cuts import cut_masks, exact_cuts

MAX_ROWS = 3000
BLOCK_ENTRIES = 1 << 22       # samples x classes x rows held at once


def repair(problem: Any, point: Any, slack_out: np.ndarray, slack_in: np.ndarray, band: float
           ) -> tuple[np.ndarray | None, str]:
    """A corrected dual point (``n x K``), or ``(None, reason)``."""
    K = problem.K
    S = cut_masks(K)
    viol = max(float(-slack_out.min(initial=0.0)), float(-slack_in.min(initial=0.0)), 0.0)
    kappa = 2 * viol + 16 * float(point.G_round.max(initial=0.0)) + 1e-300
    exact = exact_cuts(point, S)                  # they hold whatever the repair does to other multipliers
    cs_o, js_o = np.nonzero((slack_out < band) & ~exact)
    cs_i, js_i = np.nonzero((slack_in < band) & ~exact)
    cs, js = np.concatenate([cs_o, cs_i]), np.concatenate([js_o, js_i])
    sg = np.concatenate([np.ones(cs_o.size), -np.ones(cs_i.size)])
    if cs.size + K - 1 > MAX_ROWS:
        return None, f"{cs.size} near-active cut conditions: too many to repair"
    slack = np.where(sg > 0, slack_out[cs, js], slack_in[cs, js])
    r = np.concatenate([slack - kappa, -point.beta[:K - 1]])
    return simplex_correction(problem, point, _CutRows(problem, S, cs, js, sg), r)


def simplex_correction(problem: Any, point: Any, rows: Any, r: np.ndarray, flows_gram: np.ndarray | None = None
                       ) -> tuple[np.ndarray | None, str]:
    """The correction of smallest simplex metric (module docstring) with ``sum_ik a_ik,row delta_ik = r_row``
    for the rows whose coefficients ``rows.block(idx)`` gives (``(samples, K, m)``, the last ``K - 1``
    columns the balances), applied to ``point.alpha`` and clipped at 0.

    ``flows_gram`` (``m x m``): the Gram matrix ``B B^T`` of the rows' coefficients in further variables
    (the flows of :mod:`.ball_repair`), moved with the metric ``|delta f|^2 / w``; ``w`` balances the two
    parts (equal traces) and the further variables' step is ``w B^T u`` with ``u = rows.multipliers``
    (set on ``rows`` when this returns)."""
    K, n = problem.K, problem.n
    m = r.size
    a = point.alpha
    D = a.copy()
    D[np.arange(n), problem.y] = np.maximum(point.c_low - a.sum(axis=1), 0.0)
    movable = np.flatnonzero((D > 0).sum(axis=1) >= 2)
    if movable.size == 0:
        return None, "no sample has two multipliers (or a multiplier and slack) to trade between"
    step = max(1, BLOCK_ENTRIES // max(K * m, 1))
    mag = np.abs(r)
    for s in range(0, movable.size, step):
        mag = np.maximum(mag, np.abs(rows.block(movable[s:s + step])).max(axis=(0, 1)))
    sc2 = np.exp2(-np.round(np.log2(np.where(mag > 0, mag, 1.0))))          # equilibrate by powers of two
    r = r * sc2
    M = np.zeros((m, m))
    for s in range(0, movable.size, step):
        idx = movable[s:s + step]
        Ai = rows.block(idx) * sc2                                   # (b, K, m)
        Di = D[idx]
        DA = Di[:, :, None] * Ai
        tot = DA.sum(axis=1)                                         # (b, m) = 1^T D a
        M += np.einsum("ikm,ikl->ml", DA, Ai) - (tot / Di.sum(axis=1)[:, None]).T @ tot
    if flows_gram is not None:
        Mf = flows_gram * np.outer(sc2, sc2)
        tf = float(np.trace(Mf))
        rows.flow_weight = float(np.trace(M)) / tf if tf > 0 else 0.0
        M = M + rows.flow_weight * Mf
    if not np.isfinite(M).all():
        return None, "the repair system overflows"
    scale = np.sqrt(np.maximum(np.diag(M), 1e-300))
    try:      # gelsy (QR with pivoting) is much faster than the SVD for the thousands of rows of image data
        z = scipy.linalg.lstsq(M / scale[:, None] / scale[None, :], r / scale, cond=1e-13,
                               lapack_driver="gelsy")[0] / scale
    except (np.linalg.LinAlgError, ValueError):
        return None, "the repair system is singular"
    rows.multipliers = z * sc2
    out = a.copy()
    for s in range(0, movable.size, step):
        idx = movable[s:s + step]
        Ai = rows.block(idx) * sc2
        Di = D[idx]
        v = Ai @ z                                                   # (b, K)
        delta = Di * (v - ((Di * v).sum(axis=1) / Di.sum(axis=1))[:, None])
        if not np.isfinite(delta).all():
            return None, "the repair step is not finite"
        delta[np.arange(idx.size), problem.y[idx]] = 0.0             # the slack entry follows
        out[idx] = np.maximum(a[idx] + delta, 0.0)
    return out, ""


def balance_columns(problem: Any, idx: np.ndarray) -> np.ndarray:
    """``(b, K, K - 1)``: the coefficient ``[y_i = m] - [k = m]`` of ``alpha_ik`` in the balance ``beta_m``."""
    K = problem.K
    E = (np.arange(K)[:, None] == np.arange(K - 1)[None, :]).astype(float)
    return E[problem.y[idx]][:, None, :] - E[None, :, :]


def raw_rows(problem: Any, idx: np.ndarray) -> np.ndarray:
    """The samples ``idx`` as given (dense)."""
    Xb = problem.X[idx]
    return Xb.toarray() if hasattr(Xb, "toarray") else np.asarray(Xb, dtype=float)


class _CutRows:
    """The coefficients of the near-active cut conditions and the balances."""

    def __init__(self, problem: Any, S: np.ndarray, cs: np.ndarray, js: np.ndarray, sg: np.ndarray) -> None:
        self.problem, self.js, self.sg = problem, js, sg
        self.in_class = S[cs].T                                      # (K, rows): [class in S_row]

    def block(self, idx: np.ndarray) -> np.ndarray:
        problem, js, sg = self.problem, self.js, self.sg
        (_, Xc), = blocks(problem, idx)
        lo, hi = problem.threat.interval_costs(raw_rows(problem, idx))
        in_y = self.in_class[problem.y[idx]][:, None, :]              # (b, 1, rows)
        in_k = self.in_class[None, :, :]                              # (1, K, rows)
        c1 = np.where(sg > 0, hi[:, js], lo[:, js])[:, None, :]
        c2 = np.where(sg > 0, lo[:, js], hi[:, js])[:, None, :]
        cut = sg * Xc[:, js][:, None, :] * (in_y - in_k) - in_y * (1 - in_k) * c1 - (1 - in_y) * in_k * c2
        return np.concatenate([cut, balance_columns(problem, idx)], axis=2)
