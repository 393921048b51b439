r"""Repair of a nearly feasible multiclass dual point whose pair sets are norm balls (l_1 and l_2 threats).

The dual point needs flows ``f_e`` on the class pairs, ``||f_e||_p <= eps (s_ak + s_ka)`` (``s_ak`` the
multipliers of class ``a``'s samples against ``k``), whose divergence leaves residuals ``|G_m - div_m| <=
l1``.  At an optimum many of these hold with equality, so the solver's point proves nothing; the repair
moves ``alpha`` *and the flows* so that every near-active one holds with a margin ``kappa``, to first
order, by the smallest correction (the simplex metric of :mod:`.repair` for ``alpha``, a Euclidean one for
the flows).  Each row is a constraint value ``v <= 0`` aimed at ``-kappa``:

* an edge: ``v = ||f_e||_p - radius_e``; ``dv = n_e . delta f_e - eps (delta s_ak + delta s_ka)`` with
  ``n_e`` the gradient of the norm;
* ``l1 > 0``, a coordinate: ``v = |R_mj| - l1`` with ``R = G - div``;
  ``dv = sign(R_mj) (delta G_mj - delta div_mj)`` and ``d G_m / d alpha_ik = x_i ([m = y_i] - [m = k])``;
* ``l1 = 0``: the residuals must vanish, so the edges ``{root, m}`` of a star carry them
  (``f_{root m} = -sigma (G_m - div'_m)``, ``div'`` over the other edges): those edges' flows are no
  variables, their rows see ``delta G_m`` and the other edges' flows through them.

The corrected point (and flows) is proven from scratch by :func:`.flows.flows_bound`, as every repair is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..centred import blocks
from .flows import _capacity, _edge, _pairs, divergence, star_flows
from .repair import MAX_ROWS, balance_columns, simplex_correction

SUPPORT_REL = 1e-6     # l_1 flows: entries below this fraction of the largest flow are taken as 0


def _orient(pair: tuple[int, int], m: int) -> float:
    """``+1`` when class ``m`` is the tail of the edge (its flow leaves ``m``), ``-1`` the head, else 0."""
    return 1.0 if pair[0] == m else (-1.0 if pair[1] == m else 0.0)


def ball_repair(problem: Any, point: Any, F: np.ndarray, root: int, band_rel: float = 1e-7
                ) -> tuple[tuple[np.ndarray, np.ndarray] | None, str]:
    """``((alpha, flows), "")``: a corrected dual point and flows (the star edges to be recomputed by
    :func:`.flows.star_flows` when ``root >= 0``), or ``(None, reason)``.  ``root = -1`` when ``l1 > 0``."""
    K, d, l1 = problem.K, problem.d, problem.l1
    pairs = _pairs(K)
    F = np.array(F, dtype=float)
    kinked = bool(pairs) and point.sets[pairs[0]].kinked
    if kinked:
        # the l_1 norm has a kink wherever a flow is 0: flows move only on their supports, and (l1 = 0) the
        # star flows' other coordinates are held at 0 by rows of their own
        tiny = SUPPORT_REL * float(np.abs(F).max(initial=0.0))
        support = np.abs(F) > tiny
        F[~support] = 0.0
        if root >= 0:
            F = star_flows(point, problem, F, root)
            for e, pr in enumerate(pairs):
                if root in pr:
                    support[e] = np.abs(F[e]) > tiny
    else:
        support = np.ones(F.shape, dtype=bool)
    R = point.G - divergence(F, K)
    edges = []
    for e, (a, k) in enumerate(pairs):
        kind, cap = _capacity(point, a, k, d)
        if kind != "ball":
            return None, "the ball repair needs norm-ball pair sets"
        nrm, grad = point.sets[(a, k)].norm_gradient(F[e])
        edges.append((nrm - cap[1], grad))
    viol = max([v for v, _ in edges] + [float((np.abs(R) - l1).max(initial=0.0)) if l1 > 0 else 0.0, 0.0])
    kappa = 2 * viol + 16 * K * float(point.G_round.max(initial=0.0)) * max(d, 1) + 1e-300
    band = band_rel * max(float(np.abs(point.G).max(initial=0.0)), problem.epsilon * point.alpha_sum, l1, 1e-300)
    star = {e for e, pr in enumerate(pairs) if root >= 0 and root in pr}
    rows: list[tuple] = []            # (kind, data, value, target)
    flow_parts: list[dict] = []       # per row: {edge: derivative of the value in that edge's flow}

    def through(m: int, sigma_m: float, vec: np.ndarray) -> dict:
        """The flows part of a star row of class m: the other edges at m move the star flow."""
        return {e2: sigma_m * _orient(pairs[e2], m) * vec * support[e2]
                for e2 in range(len(pairs)) if e2 not in star and _orient(pairs[e2], m)}

    for e, (v, grad) in enumerate(edges):
        a, k = pairs[e]
        if e in star:
            m = k if a == root else a
            sigma_m = _edge(K, root, m)[1]
            if v > -band:
                rows.append(("star", (e, m, sigma_m, grad), v, -kappa - v))
                flow_parts.append(through(m, sigma_m, grad))
            if kinked:
                for j in np.flatnonzero(~support[e]):
                    unit = np.zeros(d)
                    unit[j] = 1.0
                    rows.append(("off", (e, m, sigma_m, int(j)), F[e, j], -F[e, j]))
                    flow_parts.append(through(m, sigma_m, unit))
        elif v > -band:
            rows.append(("edge", e, v, -kappa - v))
            flow_parts.append({e: grad})
    if l1 > 0:
        for m, j in zip(*np.nonzero(np.abs(R) > l1 - band)):
            sgn = float(np.sign(R[m, j]))
            value = float(abs(R[m, j]) - l1)
            rows.append(("ground", (int(m), int(j), sgn), value, -kappa - value))
            part = {}
            for e2, pr in enumerate(pairs):
                if _orient(pr, m) and support[e2, j]:
                    vec = np.zeros(d)
                    vec[j] = -sgn * _orient(pr, m)
                    part[e2] = vec
            flow_parts.append(part)
    if len(rows) + K - 1 > MAX_ROWS:
        return None, f"{len(rows)} near-active flow constraints: too many to repair"
    m_rows = len(rows) + K - 1
    gram = np.zeros((m_rows, m_rows))
    members: dict[int, list[int]] = {}
    for t, part in enumerate(flow_parts):
        for e2, vec in part.items():
            if vec.any():
                members.setdefault(e2, []).append(t)
    V = {e2: np.stack([flow_parts[t][e2] for t in ts]) for e2, ts in members.items()}
    for e2, ts in members.items():
        gram[np.ix_(ts, ts)] += V[e2] @ V[e2].T
    r = np.concatenate([np.array([t for *_, t in rows], dtype=float), -point.beta[:K - 1]])
    coef = _BallRows(problem, pairs, rows)
    alpha, why = simplex_correction(problem, point, coef, r, gram)
    if alpha is None:
        return None, why
    F = np.array(F, dtype=float)
    u = coef.multipliers
    for e2, ts in members.items():
        F[e2] += coef.flow_weight * (V[e2].T @ u[ts])
    return (alpha, F), ""


class _BallRows:
    """Derivatives in ``alpha`` (``(b, K, rows)``) of the rows' values, then the balances."""

    def __init__(self, problem: Any, pairs: list, rows: list) -> None:
        self.problem, self.pairs, self.rows = problem, pairs, rows
        stars = [data for kind, data, *_ in rows if kind == "star"]
        self.N = np.stack([g for *_, g in stars], axis=1) if stars else None      # d x star rows
        self.multipliers, self.flow_weight = None, 0.0

    def block(self, idx: np.ndarray) -> np.ndarray:
        problem = self.problem
        K, eps = problem.K, problem.epsilon
        yi = problem.y[idx][:, None]
        klass = np.arange(K)[None, :]

        def hit(e: int) -> np.ndarray:                  # alpha_ik on the pair {y_i, k} of edge e
            a, k = self.pairs[e]
            return ((yi == a) & (klass == k)) | ((yi == k) & (klass == a))

        def dm(m: int) -> np.ndarray:                   # [m = y_i] - [m = k]: d G_m / d alpha_ik per x_i
            return (yi == m).astype(float) - (klass == m)

        Xc = next(iter(blocks(problem, idx)))[1]
        P = Xc @ self.N if self.N is not None else None
        cols, t_star = [], 0
        for kind, data, *_ in self.rows:
            if kind == "edge":
                cols.append(-eps * hit(data))                               # the radius grows by eps per unit
            elif kind == "star":
                e, m, sigma, _ = data
                cols.append(-sigma * P[:, t_star][:, None] * dm(m) - eps * hit(e))
                t_star += 1
            elif kind == "off":                                              # a star flow's coordinate
                e, m, sigma, j = data
                cols.append(-sigma * Xc[:, j][:, None] * dm(m))
            else:
                m, j, sgn = data
                cols.append(sgn * Xc[:, j][:, None] * dm(m))
        out = np.stack(cols, axis=2) if cols else np.zeros((idx.size, K, 0))
        return np.concatenate([out, balance_columns(problem, idx)], axis=2)
