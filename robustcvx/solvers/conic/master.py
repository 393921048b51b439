r"""The restricted master problem of the conic working-set solver, as a :class:`~.ipm.ConicQP`.

For sample sets ``S`` (own rows), ``P`` (believed inside the hinge: one aggregated row) and a
feature set ``F`` (``w_j = 0`` outside), with the threat's uniform penalty ``epsilon ||w||_q``:

.. math::

    \min\ \sum_{i\in S} c_i \xi_i + C_P\,\xi_P + l_1 \sum_{j\in F} u_j + \tfrac{l_2}{2}\|w_F\|^2
    \ [+\ t \text{ (max-margin)}]\quad\text{s.t.}\quad
    y_i(x_{iF}\cdot w_F + b) - \epsilon t + \xi_i \ge 1,\ \xi \ge 0,\ t \ge \|w_F\|_q,\ u \ge |w_F|

with ``C_P = sum_P c_i`` and the aggregated row the ``c``-weighted mean of the rows of ``P``
(``alpha_i = tau c_i`` on ``P``, ``0 <= tau <= 1``: exactly the aggregate column of the LP).
How ``t >= ||w||_q`` is written comes from the threat (``threat.cone_form``): ``"soc"`` (a
second-order cone), ``"sum"`` (``t >= sum u``, ``u >= |w|``), ``"max"`` (``t >= |w_j|``).
``x = (w_F, b, [t], [u])``; the multipliers of the sample rows are ``alpha``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .ipm import ConicQP


@dataclass(frozen=True)
class Layout:
    """Where each block of the master's ``x`` lives."""

    k: int            # |F|
    has_t: bool
    has_u: bool

    @property
    def ib(self) -> int:
        return self.k

    @property
    def it(self) -> int:
        return self.k + 1 if self.has_t else -1

    @property
    def iu(self) -> int:
        return self.k + 1 + int(self.has_t)

    @property
    def p(self) -> int:
        return self.k + 1 + int(self.has_t) + (self.k if self.has_u else 0)


def layout_for(threat, l1: float, k: int, hard: bool) -> Layout:
    has_t = threat.active or hard
    has_u = l1 > 0 or (has_t and threat.cone_form == "sum")
    return Layout(k, has_t, has_u)


def build(data, S: np.ndarray, P: np.ndarray, F: np.ndarray, l2: float, cap_scale: float,
          hard: bool) -> tuple[ConicQP, Layout]:
    """The master for the sets ``(S, P, F)``.  ``cap_scale`` multiplies every ``c_i`` (a subsample
    level, or the hard-margin cap); ``hard``: minimise the size ``t`` (max-margin) instead."""
    threat, l1, y = data.threat, data.l1, data.y
    eps = threat.epsilon
    lay = layout_for(threat, l1, F.size, hard)
    k, p = lay.k, lay.p
    rows = [np.hstack([y[S, None] * data.block(S, F), y[S, None]])] if S.size else [np.zeros((0, k + 1))]
    c = [cap_scale * data.caps[S]]
    if P.size:
        cP = data.caps[P]
        CP = float(cP.sum())
        gP = data.gradients(P, cP)[0][F] if F.size else np.zeros(0)
        rows.append(np.concatenate([gP, [float(cP @ y[P])]])[None, :] / CP)
        c.append(np.array([cap_scale * CP]))
    A = np.zeros((sum(r.shape[0] for r in rows), p))
    A[:, :k + 1] = np.vstack(rows)
    if lay.has_t:
        A[:, lay.it] = -eps
    Q = np.zeros(p)
    Q[:k] = l2
    q = np.zeros(p)
    if lay.has_u:
        q[lay.iu:lay.iu + k] = l1
    if hard:
        q[lay.it] = 1.0
    G, h, soc = _cone_rows(threat.cone_form if lay.has_t else None, lay)
    border = np.array([lay.ib] + ([lay.it] if lay.has_t else []))
    eliminate = np.arange(lay.iu, lay.iu + k) if lay.has_u else None
    return ConicQP(Q, q, A, np.concatenate(c), G, h, soc, border, hard, eliminate), lay


def _cone_rows(form: str | None, lay: Layout):
    """Linear rows ``G x <= 0`` (and the SOC indices) for ``t >= ||w||_q`` and ``u >= |w|``."""
    k, p = lay.k, lay.p
    blocks: list = []
    soc = None
    jw = np.arange(k)
    if lay.has_u:
        ju = lay.iu + jw
        for sign in (1.0, -1.0):                       # +-w_j - u_j <= 0
            blocks.append(sp.csr_matrix((np.r_[np.full(k, sign), -np.ones(k)],
                                         (np.r_[jw, jw], np.r_[jw, ju])), shape=(k, p)))
    if form == "sum":                                  # sum u - t <= 0
        blocks.append(sp.csr_matrix((np.r_[np.ones(k), -1.0], (np.zeros(k + 1, dtype=int),
                                                               np.r_[lay.iu + jw, lay.it])), shape=(1, p)))
    elif form == "max":                                # +-w_j - t <= 0
        for sign in (1.0, -1.0):
            blocks.append(sp.csr_matrix((np.r_[np.full(k, sign), -np.ones(k)],
                                         (np.r_[jw, jw], np.r_[jw, np.full(k, lay.it)])), shape=(k, p)))
    elif form == "soc":
        soc = np.r_[lay.it, jw]
    elif form is not None:
        raise ValueError(f"unknown cone form {form!r}")
    G = sp.vstack(blocks).tocsr() if blocks else sp.csr_matrix((0, p))
    return G, np.zeros(G.shape[0]), soc


def split(x: np.ndarray, lay: Layout) -> tuple[np.ndarray, float]:
    """``(w_F, b)`` from the master's ``x``."""
    return x[:lay.k].copy(), float(x[lay.ib])
