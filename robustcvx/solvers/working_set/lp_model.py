r"""The restricted dual LP of the working-set solver: one live HiGHS model and its index maps.

For working sets ``S`` (samples, columns) and ``F`` (features, rows) HiGHS solves

.. math::

    \max_{\alpha}\ \sum_{i\in S}\alpha_i \quad\text{s.t.}\quad 0\le\alpha_i\le s\,c_i,\quad
    \sum_{i\in S} y_i\alpha_i = 0,\quad
    \sum_{i\in S}\alpha_i a^\pm_{ij} \le l_1 + \beta_j \quad (j\in F)

(``c_i`` the sample weights, ``s`` the scale of the current subsample level, ``a+-`` and the slack
``beta`` from the threat, :mod:`.pricing`).  Columns: ``sigma`` (free, ``= sum alpha``), ``alpha_i``
(``i in S``), the aggregate column ``tau`` of the samples ``P`` believed to sit inside the hinge
(``alpha_i = tau c_i`` on ``P``, ``0 <= tau <= s``) and, per feature ``j in F``, a free ``gamma_j``
(symmetric coefficients) and ``beta_j >= 0`` (a budget slack).  Rows:

* balance ``sum y alpha = 0`` (its dual is ``-b``) and ``sigma - sum alpha = 0``;
* a budget slack: ``sum_j beta_j - eps sigma <= B`` (``B = data.size_budget``: 0, or 1 for the
  max-margin model under ``||w||_inf``, whose objective ``t = ||w||_inf`` is the row's dual);
* symmetric coefficients: ``def_j: sum_i y_i x_ij alpha_i - gamma_j = 0`` and
  ``j+: gamma_j - eps sigma [shared] - beta_j [budget] <= l1``, ``j-: -gamma_j - ... <= l1``, so
  that every sample column has one entry per feature;
* coefficients with the threat in them (``lp_slack = "none"``): ``j+-: sum_i a+-_ij alpha_i <= l1``.

The duals of ``j+-`` are ``-w+-_j``; the reduced cost of ``alpha_i`` is ``-h_i`` (the robust hinge
argument).  Every column is boxed, so after adding columns or rows the old basis stays dual
feasible and the dual simplex re-optimises from it.
"""

from __future__ import annotations

import numpy as np

from .pricing import INF, LPData

LP_TOL = 1e-10          # HiGHS primal/dual feasibility tolerances


def new_highs():
    """A silent ``highspy.Highs`` with tight tolerances (its one-time banner is kept off stdout)."""
    import highspy

    from ..quiet import native_stdout_silenced

    with native_stdout_silenced():  # highspy prints its banner once per process
        h = highspy.Highs()
    for key, value in (("output_flag", False), ("primal_feasibility_tolerance", LP_TOL),
                       ("dual_feasibility_tolerance", LP_TOL), ("presolve", "off"),
                       ("solver", "simplex"), ("simplex_strategy", 1)):
        h.setOptionValue(key, value)
    return h


def csc_arrays(block: np.ndarray, row_index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise sparse arrays ``(starts, indices, values)`` of ``block`` (one LP column per row
    of ``block``, entry ``k`` on LP row ``row_index[k]``)."""
    mask = block != 0
    counts = mask.sum(axis=1)
    starts = np.zeros(block.shape[0], dtype=np.int32)
    np.cumsum(counts[:-1], out=starts[1:])
    idx = np.broadcast_to(row_index.astype(np.int32), block.shape)[mask]
    return starts, idx, block[mask]


class DualLP:
    """The live HiGHS model of the restricted dual LP (see the module docstring)."""

    def __init__(self, data: LPData, scale: float):
        self.data = data
        self.slack = data.slack
        self.gamma_form = data.symmetric
        self.h = new_highs()
        self.scale = scale                                # alpha_i <= scale * c_i
        e64 = np.zeros(0, dtype=np.int64)
        self.S, self.F, self.col_alpha = e64, e64, e64
        self.col_gamma, self.col_beta = e64, e64
        self.row_def, self.row_p, self.row_m = e64, e64, e64
        self.P, self.col_P, self.tau = e64, -1, 0.0        # aggregated samples (one column)
        self.sum_p = self.sum_m = np.zeros(data.d)         # sum_{i in P} c_i a+-_i
        self.ncol = self.nrow = 0
        self.last: tuple[np.ndarray, np.ndarray, float] | None = None
        self.last_alpha: np.ndarray | None = None
        self.idle_s: np.ndarray | None = None
        self.idle_f: np.ndarray | None = None
        self.col_sigma = int(self._cols(1, 0.0, -INF, INF)[0])
        self.row_bal, self.row_sig = self._rows(np.zeros(2), np.zeros(2), [np.zeros(0), np.array([self.col_sigma])],
                                                [np.zeros(0), np.ones(1)])
        self.row_beta = -1
        if self.slack == "budget":
            self.row_beta = int(self._rows(np.array([-INF]), np.array([data.size_budget]), [np.array([self.col_sigma])],
                                           [np.array([-data.eps])])[0])

    # ------------------------------------------------------------------ raw HiGHS calls
    def _cols(self, k: int, cost: float | np.ndarray, lb: float, ub: float | np.ndarray, starts=None, idx=None,
              vals=None) -> np.ndarray:
        if starts is None:
            starts, idx, vals = np.zeros(k, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0)
        self.h.addCols(k, np.broadcast_to(np.asarray(cost, dtype=float), (k,)).copy(), np.full(k, lb),
                       np.broadcast_to(np.asarray(ub, dtype=float), (k,)).copy(), int(idx.size), starts,
                       idx.astype(np.int32), vals.astype(float))
        out = np.arange(self.ncol, self.ncol + k, dtype=np.int64)
        self.ncol += k
        return out

    def _rows(self, lo: np.ndarray, up: np.ndarray, cols: list[np.ndarray], vals: list[np.ndarray]) -> np.ndarray:
        k = len(lo)
        starts = np.zeros(k, dtype=np.int32)
        np.cumsum([len(c) for c in cols[:-1]], out=starts[1:])
        idx = np.concatenate(cols).astype(np.int32)
        self.h.addRows(k, lo.astype(float), up.astype(float), int(idx.size), starts, idx,
                       np.concatenate(vals).astype(float))
        out = np.arange(self.nrow, self.nrow + k, dtype=np.int64)
        self.nrow += k
        return out

    def _feature_rows(self) -> np.ndarray:
        """The LP rows that carry the sample coefficients (``def_j``, or ``j+`` then ``j-``)."""
        return self.row_def if self.gamma_form else np.concatenate([self.row_p, self.row_m])

    # ------------------------------------------------------------------ parameters
    def set_params(self, eps: float, l1: float) -> None:
        """Change ``epsilon`` (coefficients of ``sigma``) and ``l1`` (right-hand sides); only
        meaningful for slack structures (with ``"none"`` the coefficients depend on ``epsilon``)."""
        d, h = self.data, self.h
        if self.slack == "shared" and eps != d.eps:
            for r in np.concatenate([self.row_p, self.row_m]):
                h.changeCoeff(int(r), self.col_sigma, -eps)
        if self.slack == "budget" and eps != d.eps:
            h.changeCoeff(self.row_beta, self.col_sigma, -eps)
        if l1 != d.l1 and self.F.size:
            rows = np.concatenate([self.row_p, self.row_m]).astype(np.int32)
            h.changeRowsBounds(rows.size, rows, np.full(rows.size, -INF), np.full(rows.size, l1))
        d.threat, d.l1 = d.threat.with_epsilon(eps), l1

    def set_scale(self, scale: float) -> None:
        """Bound ``alpha_i <= scale c_i`` (``1`` on the full data; a subsample level uses more)."""
        if scale != self.scale and self.S.size:
            c = self.col_alpha.astype(np.int32)
            self.h.changeColsBounds(c.size, c, np.zeros(c.size), scale * self.data.caps[self.S])
        if self.col_P >= 0:
            self.h.changeColBounds(self.col_P, 0.0, scale)
        self.scale = scale

    # ------------------------------------------------------------------ working sets
    def set_positive(self, P: np.ndarray) -> None:
        """Aggregate the samples ``P`` (believed to have a positive hinge at the optimum, so
        ``alpha_i = scale c_i``) into ONE column ``tau``: ``alpha_i = tau c_i`` on ``P``,
        ``0 <= tau <= scale``.  The previous aggregate column is retired (fixed at 0)."""
        if self.col_P >= 0:
            self.h.changeColBounds(self.col_P, 0.0, 0.0)
            self.col_P = -1
        self.P = P
        if P.size == 0:
            self.sum_p = self.sum_m = np.zeros(self.data.d)
            return
        cP = self.data.caps[P]
        self.sum_p, self.sum_m = self.data.gradients(P, cP)
        total = float(cP.sum())
        head = np.array([float(cP @ self.data.y[P]), -total])
        if self.gamma_form:
            vals = np.concatenate([head, self.sum_p[self.F]])
            rows = np.concatenate([[self.row_bal, self.row_sig], self.row_def])
        else:
            vals = np.concatenate([head, self.sum_p[self.F], self.sum_m[self.F]])
            rows = np.concatenate([[self.row_bal, self.row_sig], self.row_p, self.row_m])
        nz = vals != 0
        self.col_P = int(self._cols(1, -total, 0.0, self.scale, np.zeros(1, dtype=np.int32), rows[nz], vals[nz])[0])

    def add_samples(self, rows: np.ndarray) -> None:
        """Columns ``alpha_i`` (``i in rows``): ``y_i`` on the balance row, ``-1`` on the sigma row,
        and their feature coefficients (``y_i x_ij`` on ``def_j``, or ``a+-_ij`` on ``j+-``)."""
        if rows.size == 0:
            return
        k = rows.size
        Ap, Am = self.data.coeffs(rows, self.F)
        head = [self.data.y[rows][:, None], -np.ones((k, 1))]
        block = np.hstack(head + ([Ap] if self.gamma_form else [Ap, Am]))
        lp_rows = np.concatenate([[self.row_bal, self.row_sig], self._feature_rows()])
        starts, idx, vals = csc_arrays(block, lp_rows)
        cols = self._cols(k, -1.0, 0.0, self.scale * self.data.caps[rows], starts, idx, vals)
        self.S = np.concatenate([self.S, rows])
        self.col_alpha = np.concatenate([self.col_alpha, cols])

    def add_features(self, J: np.ndarray) -> None:
        """The rows (and ``gamma_j``, ``beta_j`` columns) of the features ``j in J``."""
        if J.size == 0:
            return
        d, k = self.data, J.size
        Ap, Am = d.coeffs(self.S, J) if self.S.size else (np.zeros((0, k)), np.zeros((0, k)))
        cols_a = self.col_alpha
        if self.col_P >= 0:                              # the aggregate column's entries
            Ap = np.vstack([Ap, self.sum_p[J][None, :]])
            Am = np.vstack([Am, self.sum_m[J][None, :]])
            cols_a = np.concatenate([cols_a, [self.col_P]])
        lo, up = np.full(k, -INF), np.full(k, d.l1)
        if not self.gamma_form:
            starts, idx, vals = csc_arrays(np.vstack([Ap.T, Am.T]), cols_a)
            self.h.addRows(2 * k, np.full(2 * k, -INF), np.full(2 * k, d.l1), int(idx.size), starts, idx, vals)
            new = np.arange(self.nrow, self.nrow + 2 * k, dtype=np.int64)
            self.nrow += 2 * k
            self.row_p = np.concatenate([self.row_p, new[:k]])
            self.row_m = np.concatenate([self.row_m, new[k:]])
            self.F = np.concatenate([self.F, J])
            return
        gam = self._cols(k, 0.0, -INF, INF)
        self.col_gamma = np.concatenate([self.col_gamma, gam])
        starts, idx, vals = csc_arrays(np.hstack([Ap.T, -np.eye(k)]), np.concatenate([cols_a, gam]))
        self.h.addRows(k, np.zeros(k), np.zeros(k), int(idx.size), starts, idx, vals)
        self.row_def = np.concatenate([self.row_def, np.arange(self.nrow, self.nrow + k)])
        self.nrow += k
        extra_c: list[int] = []
        extra_v: list[float] = []
        beta = None
        if self.slack == "shared":
            extra_c, extra_v = [self.col_sigma], [-d.eps]
        elif self.slack == "budget":
            beta = self._cols(k, 0.0, 0.0, INF, np.arange(k, dtype=np.int32),
                              np.full(k, self.row_beta, dtype=np.int32), np.ones(k))
            self.col_beta = np.concatenate([self.col_beta, beta])
        for sign, name in ((1.0, "row_p"), (-1.0, "row_m")):
            cols = [np.array([gam[c]] + extra_c + ([beta[c]] if beta is not None else [])) for c in range(k)]
            vals = [np.array([sign] + extra_v + ([-1.0] if beta is not None else [])) for c in range(k)]
            setattr(self, name, np.concatenate([getattr(self, name), self._rows(lo, up, cols, vals)]))
        self.F = np.concatenate([self.F, J])

    def prune(self, drop_s: np.ndarray, drop_f: np.ndarray) -> None:
        """Delete the columns of samples ``S[drop_s]`` and the rows (and ``gamma``/``beta``) of
        features ``F[drop_f]`` (boolean masks).  Callers drop only nonbasic ``alpha_i = 0`` and
        features with ``w_j = 0``, so the basis stays valid."""
        if not drop_s.any() and not drop_f.any():
            return
        rows = [self.row_p[drop_f], self.row_m[drop_f]]
        cols = [self.col_alpha[drop_s]]
        if self.gamma_form:
            rows.append(self.row_def[drop_f])
            cols.append(self.col_gamma[drop_f])
            if self.slack == "budget":
                cols.append(self.col_beta[drop_f])
        rdel = np.sort(np.concatenate(rows))
        cdel = np.sort(np.concatenate(cols))
        if rdel.size:
            self.h.deleteRows(int(rdel.size), rdel.astype(np.int32))
        if cdel.size:
            self.h.deleteCols(int(cdel.size), cdel.astype(np.int32))

        def remap(idx: np.ndarray, deleted: np.ndarray) -> np.ndarray:
            return idx - np.searchsorted(deleted, idx)

        keep_s, keep_f = ~drop_s, ~drop_f
        self.S, self.F = self.S[keep_s], self.F[keep_f]
        self.col_alpha = remap(self.col_alpha[keep_s], cdel)
        self.col_sigma = int(remap(np.array([self.col_sigma]), cdel)[0])
        if self.col_P >= 0:
            self.col_P = int(remap(np.array([self.col_P]), cdel)[0])
        if self.gamma_form:
            self.col_gamma = remap(self.col_gamma[keep_f], cdel)
            self.row_def = remap(self.row_def[keep_f], rdel)
            if self.slack == "budget":
                self.col_beta = remap(self.col_beta[keep_f], cdel)
        self.row_p = remap(self.row_p[keep_f], rdel)
        self.row_m = remap(self.row_m[keep_f], rdel)
        if self.row_beta >= 0:
            self.row_beta = int(remap(np.array([self.row_beta]), rdel)[0])
        self.ncol -= cdel.size
        self.nrow -= rdel.size

    # ------------------------------------------------------------------ solve and read back
    def run(self) -> str:
        self.h.run()
        return self.h.modelStatusToString(self.h.getModelStatus())

    def iterations(self) -> int:
        return int(self.h.getInfo().simplex_iteration_count)

    def solution(self) -> tuple[np.ndarray, np.ndarray, float]:
        """``(alpha_S, w_F, b)``: column values and row duals (HiGHS's duals of active ``<=``
        rows of a minimisation are ``<= 0``: ``w+_j = -dual(j+)``, ``b = -dual(balance)``).

        Also records in ``self.idle_s`` the samples that are nonbasic at ``alpha_i = 0``
        (positive reduced cost) and in ``self.idle_f`` the features whose rows are both slack
        by more than ``1e-9``: the ones :meth:`prune` may delete.
        """
        s = self.h.getSolution()
        x = np.asarray(s.col_value)
        yd = np.asarray(s.row_dual)
        xa = x[self.col_alpha]
        alpha = np.clip(xa, 0.0, self.scale * self.data.caps[self.S])
        wp = np.maximum(-yd[self.row_p], 0.0)
        wm = np.maximum(-yd[self.row_m], 0.0)
        self.idle_s = (xa <= 0.0) & (np.asarray(s.col_dual)[self.col_alpha] > 1e-12)
        rv = np.asarray(s.row_value)
        slack = self.data.l1 - 1e-9
        self.idle_f = (rv[self.row_p] < slack) & (rv[self.row_m] < slack) & (wp == 0) & (wm == 0)
        self.tau = float(np.clip(x[self.col_P], 0.0, self.scale)) if self.col_P >= 0 else 0.0
        self.last = (alpha, wp - wm, float(-yd[self.row_bal]))
        return self.last

    def full_alpha(self, alpha_S: np.ndarray) -> np.ndarray:
        """``alpha`` over all ``n`` samples: the columns of ``S``, ``tau c_i`` on ``P``, 0 elsewhere."""
        alpha = np.zeros(self.data.n)
        alpha[self.S] = alpha_S
        if self.P.size:
            alpha[self.P] = self.tau * self.data.caps[self.P]
        return alpha
