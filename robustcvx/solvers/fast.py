r"""Working-set exact LP solver for the robust hinge problem (HiGHS through ``highspy``).

Solves every LP case of :class:`~robustcvx.problems.RobustHingeProblem` (``l2 = 0``: threat
``inf``, ``1``, ``inf`` with a box, or ``epsilon = 0``) to the package's certificate on the
full data, while HiGHS only ever sees a few samples and features.

**The LP that HiGHS solves is the dual** (:mod:`robustcvx.certificate`), restricted to a
working set ``S`` of samples (columns) and ``F`` of features (rows):

.. math::

    \max_{\alpha}\ \sum_{i\in S}\alpha_i \quad\text{s.t.}\quad 0\le\alpha_i\le 1/n,\quad
    \sum_{i\in S} y_i\alpha_i = 0,\quad
    \sum_{i\in S}\alpha_i a^\pm_{ij} \le \lambda_1 + \beta_j \quad (j\in F)

with ``a+_i = y_i x_i``, ``a-_i = -y_i x_i`` and, per threat,

* ``||w||_1`` penalty (threat ``inf``): ``beta_j = eps sigma``, ``sigma = sum_i alpha_i``
  (a free column ``sigma`` and the row ``sigma - sum alpha = 0`` keep the matrix sparse);
* ``||w||_inf`` penalty (threat ``1``): columns ``beta_j >= 0`` and the row
  ``sum_j beta_j <= eps sigma``;
* box: ``beta_j = 0`` and ``a+_i = y_i x_i - C+_i``, ``a-_i = -y_i x_i - C-_i``
  (:meth:`~robustcvx.problems.RobustHingeProblem.box_costs`, rows generated for ``S`` only);
* ``epsilon = 0``: ``beta_j = 0``.

Its row duals are the primal model: ``w+_j, w-_j`` (rows ``j+``, ``j-``) and ``b`` (balance
row); the reduced cost of ``alpha_i`` is ``-h_i`` with ``h_i = 1 - y_i f(x_i) + pen_i(w)``, the
robust hinge argument.  Every column is boxed, so after adding columns (samples) or rows
(features) the old basis stays dual feasible and the dual simplex (bound-flipping ratio test)
re-optimises from it.  Without a box each sample column has one entry per feature (rows
``def_j: sum_i y_i x_ij alpha_i = gamma_j`` with ``|gamma_j| <= l1 + beta_j``); the basis has
``3|F| + 2`` rows, whatever ``n``.

**Aggregated positives.**  Samples believed to sit strictly inside the hinge (``h_i > band_p``,
so ``alpha_i = 1/n``) share ONE column ``t`` (``alpha_i = t/|P|`` on ``P``, coefficients the
mean of their columns, ``0 <= t <= |P|/n``): the LP stays small when a third of the data has
a positive loss.  A member whose hinge turns out ``< 0`` moves to its own column.

**Pricing on the full data, every round.**  A sample outside the working sets enters when
``h_i > tol`` (one pass ``X w``), a member of ``P`` leaves it when ``alpha_i`` is off its
complementary bound, a feature outside ``F`` enters when its dual constraint is violated by
more than ``tol`` (``g = X^T (alpha y)``: exactly the certificate's test).  When nothing moves,
``alpha`` (zero outside the sets) is dual feasible on the full data and ``(w, b)`` attains the
same objective: the certified optimum.  ``F`` only grows and each sample moves finitely often;
a ``max_rounds`` guard returns status ``"max_rounds"`` regardless.

**Cold start.**  Nested random subsamples of ``2000, 20000, ...`` samples are solved in turn
in the same model (``alpha_i <= 1/m`` on a level of ``m`` samples), each seeding the next
level's sets from its solution, then the full data.

**Warm starts.**  One HiGHS model stays alive across rounds, levels and calls.  ``warm_start``
may be the :class:`FastState` of a previous call (``BackendResult.info["state"]``) or any
previous solution (``Solution``, ``BackendResult``, dict, ``(coef, intercept)``); when the new
problem has the same ``X`` object, labels and kind (``problem.with_epsilon(e)``, also from
``epsilon = 0`` to ``> 0``, or another ``l1``) the live model of the last call is reused:
``epsilon`` and ``l1`` are coefficients and bounds of the feature rows only.  Otherwise the
working sets are seeded from the previous solution.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..problems import RobustHingeProblem
from .solution import BackendResult

INF = float("inf")
LP_TOL = 1e-10          # HiGHS primal/dual feasibility tolerances
PRICE_TOL = 1e-10       # a sample/feature enters when violated by more than this
MAX_ROUNDS = 200
CHUNK = 1 << 14         # rows per block in passes over the full data


def supports(problem: RobustHingeProblem) -> bool:
    """True for the unweighted LP cases whose threat states an LP form (``lp_slack``)."""
    return bool(problem.is_lp and problem.threat.lp_slack is not None and not problem.weighted
                and not hasattr(problem.X, "tocsr"))


def _kind(problem: RobustHingeProblem) -> str:
    """How the LP bounds ``|g_j|``: ``"l1"`` (one shared ``eps sigma``, the threat's ``lp_slack``
    ``"shared"``), ``"linf"`` (a budget of ``beta_j``), ``"box"`` (per-sample costs) or ``"none"``."""
    slack = problem.threat.lp_slack
    if slack == "shared":
        return "l1"
    if slack == "budget":
        return "linf"
    return "box" if problem.uses_box else "none"


def _new_highs():
    """A silent ``highspy.Highs`` with tight tolerances (its one-time banner is kept off stdout)."""
    import highspy

    from .quiet import native_stdout_silenced

    with native_stdout_silenced():  # highspy prints its banner once per process
        h = highspy.Highs()
    for key, value in (("output_flag", False), ("primal_feasibility_tolerance", LP_TOL),
                       ("dual_feasibility_tolerance", LP_TOL), ("presolve", "off"),
                       ("solver", "simplex"), ("simplex_strategy", 1)):
        h.setOptionValue(key, value)
    return h


# --------------------------------------------------------------------------- data access
class _Data:
    """The data and the threat's coefficient maps ``a+_i``, ``a-_i`` (see the module docstring).

    ``X`` is held through a weak reference: a model kept for warm starts never keeps a large
    data set alive (every call has the problem, hence ``X``, alive while it runs)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, threat: Any, l1: float):
        self._X = weakref.ref(X)
        self.y, self.threat, self.l1 = y, threat, l1
        self.kind = "box" if (threat.lp_slack == "none" and threat.box is not None and threat.epsilon > 0) else \
            {"shared": "l1", "budget": "linf"}.get(threat.lp_slack, "none")

    @property
    def eps(self) -> float:
        return self.threat.epsilon

    @property
    def X(self) -> np.ndarray:
        X = self._X()
        if X is None:
            raise RuntimeError("the data of this warm-start state no longer exists")
        return X

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    def coeffs(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dense blocks ``a+[rows, cols]`` and ``a-[rows, cols]``."""
        return self.threat.lp_coefficients(self.X[np.ix_(rows, cols)], self.y[rows])

    def gradients(self, rows: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``g+- = sum_i weights_i a+-_i`` over ``rows`` (length-d vectors): one streaming pass
        over ``X``, or a gather of the rows when they are few."""
        X = self.X
        if self.kind != "box":
            if rows.size * 8 < self.n:
                g = (weights * self.y[rows]) @ X[rows]
            else:
                v = np.zeros(self.n)
                v[rows] = weights * self.y[rows]
                g = v @ X
            return g, -g
        sp, sm = np.zeros(self.d), np.zeros(self.d)
        for s in range(0, rows.size, CHUNK):
            r, wt = rows[s:s + CHUNK], weights[s:s + CHUNK]
            ap, am = self.threat.lp_coefficients(X[r], self.y[r])
            sp += wt @ ap
            sm += wt @ am
        return sp, sm

    def penalty_scalar(self, w: np.ndarray) -> float:
        """``eps ||w||_q`` for the threats whose penalty is the same for every sample."""
        return self.eps * self.threat.dual_norm(w) if self.eps > 0 else 0.0

    def hinge(self, F: np.ndarray, wF: np.ndarray, b: float, rows: np.ndarray | None = None) -> np.ndarray:
        """``h_i = 1 - y_i (x_i.w + b) + pen_i(w)`` (``w`` lives on ``F``) for every sample, or
        for ``rows`` only (``-inf`` elsewhere)."""
        nz = wF != 0
        F, wF = F[nz], wF[nz]
        X, y = self.X, self.y
        if rows is None:
            w = np.zeros(self.d)
            w[F] = wF
            out = 1.0 - y * (X @ w + b) if F.size else 1.0 - y * b
            idx = None
        else:
            out = np.full(self.n, -INF)
            m = (X[np.ix_(rows, F)] @ wF) if F.size else np.zeros(rows.size)
            out[rows] = 1.0 - y[rows] * (m + b)
            idx = rows
        if self.kind != "box":
            if idx is None:
                return out + self.penalty_scalar(wF)
            out[idx] += self.penalty_scalar(wF)
            return out
        allrows = np.arange(self.n) if idx is None else idx
        for s in range(0, allrows.size, CHUNK):
            r = allrows[s:s + CHUNK]
            out[r] += self.threat.penalties(wF, X[np.ix_(r, F)], y[r])
        return out


def _csc(block: np.ndarray, row_index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise sparse arrays ``(starts, indices, values)`` of ``block`` (one column per row
    of ``block``, entry ``k`` on LP row ``row_index[k]``)."""
    mask = block != 0
    counts = mask.sum(axis=1)
    starts = np.zeros(block.shape[0], dtype=np.int32)
    np.cumsum(counts[:-1], out=starts[1:])
    idx = np.broadcast_to(row_index.astype(np.int32), block.shape)[mask]
    return starts, idx, block[mask]


# --------------------------------------------------------------------------- the LP model
class _Model:
    """The live HiGHS model of the restricted dual LP, with its index maps.

    Columns: ``sigma`` (free, ``= sum alpha``), ``alpha_i`` (``i in S``, ``[0, upper]``) and per
    feature ``j in F`` a free ``gamma_j`` (kinds without a box) and ``beta_j >= 0`` (``linf``).
    Rows: balance ``sum y alpha = 0`` (dual: ``-b``); ``sigma - sum alpha = 0``; (``linf``)
    ``sum beta - eps sigma <= 0``; per feature, without a box ``def_j: sum y_i x_ij alpha_i -
    gamma_j = 0`` and ``j+: gamma_j - eps sigma - beta_j <= l1``, ``j-: -gamma_j - ... <= l1``
    (``eps sigma`` for ``l1`` only, ``beta_j`` for ``linf`` only), so that every sample column
    has one entry per feature; with the box ``j+-: sum_i a+-_ij alpha_i <= l1``.  The duals
    of ``j+-`` are ``-w+-_j``.
    """

    def __init__(self, data: _Data, upper: float):
        self.data = data
        self.kind = data.kind
        self.gamma_form = self.kind != "box"
        self.h = _new_highs()
        self.upper = upper                              # the bound on every alpha_i
        e64 = np.zeros(0, dtype=np.int64)
        self.S, self.F, self.col_alpha = e64, e64, e64
        self.col_gamma, self.col_beta = e64, e64
        self.row_def, self.row_p, self.row_m = e64, e64, e64
        self.P, self.col_P, self.t_P = e64, -1, 0.0     # aggregated samples (one column)
        self.sum_p = self.sum_m = np.zeros(data.d)      # sum_{i in P} a+-_i
        self.ncol = self.nrow = 0
        self.col_sigma = int(self._cols(1, 0.0, -INF, INF)[0])
        self.row_bal, self.row_sig = self._rows(np.zeros(2), np.zeros(2), [np.zeros(0), np.array([self.col_sigma])],
                                                [np.zeros(0), np.ones(1)])
        if self.kind == "linf":
            self.row_beta = int(self._rows(np.array([-INF]), np.zeros(1), [np.array([self.col_sigma])],
                                           [np.array([-data.eps])])[0])

    def _cols(self, k: int, cost: float, lb: float, ub: float, starts=None, idx=None, vals=None) -> np.ndarray:
        if starts is None:
            starts, idx, vals = np.zeros(k, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0)
        self.h.addCols(k, np.full(k, cost), np.full(k, lb), np.full(k, ub), int(idx.size), starts,
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

    # ---- parameters
    def set_params(self, eps: float, l1: float) -> None:
        """Change ``epsilon`` (coefficients of ``sigma``) and ``l1`` (right-hand sides)."""
        d, h = self.data, self.h
        if self.kind == "l1" and eps != d.eps:
            for r in np.concatenate([self.row_p, self.row_m]):
                h.changeCoeff(int(r), self.col_sigma, -eps)
        if self.kind == "linf" and eps != d.eps:
            h.changeCoeff(self.row_beta, self.col_sigma, -eps)
        if l1 != d.l1 and self.F.size:
            rows = np.concatenate([self.row_p, self.row_m]).astype(np.int32)
            h.changeRowsBounds(rows.size, rows, np.full(rows.size, -INF), np.full(rows.size, l1))
        d.threat, d.l1 = d.threat.with_epsilon(eps), l1

    def set_upper(self, upper: float) -> None:
        """Bound ``alpha_i <= upper`` (``1/n``; a subsample seed uses ``1/m``)."""
        if upper != self.upper and self.S.size:
            c = self.col_alpha.astype(np.int32)
            self.h.changeColsBounds(c.size, c, np.zeros(c.size), np.full(c.size, upper))
        if self.col_P >= 0:
            self.h.changeColBounds(self.col_P, 0.0, self.P.size * upper)
        self.upper = upper

    def set_positive(self, P: np.ndarray) -> None:
        """Aggregate the samples ``P`` (believed to have a positive hinge at the optimum, so
        ``alpha_i = 1/n``) into ONE column ``t``: ``alpha_i = t / |P|`` for ``i in P``,
        ``0 <= t <= |P| upper``, coefficients the mean of their columns.  The previous
        aggregate column is retired (fixed at 0)."""
        if self.col_P >= 0:
            self.h.changeColBounds(self.col_P, 0.0, 0.0)
            self.col_P = -1
        self.P = P
        if P.size == 0:
            self.sum_p = self.sum_m = np.zeros(self.data.d)
            return
        self.sum_p, self.sum_m = self.data.gradients(P, np.ones(P.size))
        head = np.array([self.data.y[P].mean(), -1.0])
        if self.gamma_form:
            vals = np.concatenate([head, self.sum_p[self.F] / P.size])
            rows = np.concatenate([[self.row_bal, self.row_sig], self.row_def])
        else:
            vals = np.concatenate([head, self.sum_p[self.F] / P.size, self.sum_m[self.F] / P.size])
            rows = np.concatenate([[self.row_bal, self.row_sig], self.row_p, self.row_m])
        nz = vals != 0
        self.col_P = int(self._cols(1, -1.0, 0.0, P.size * self.upper, np.zeros(1, dtype=np.int32),
                                    rows[nz], vals[nz])[0])

    # ---- working sets
    def add_samples(self, I: np.ndarray) -> None:
        """Columns ``alpha_i`` (``i in I``): ``y_i`` on the balance row, ``-1`` on the sigma row,
        and their feature coefficients (``y_i x_ij`` on ``def_j``, or ``a+-_ij`` on ``j+-``)."""
        if I.size == 0:
            return
        k = I.size
        Ap, Am = self.data.coeffs(I, self.F)
        head = [self.data.y[I][:, None], -np.ones((k, 1))]
        if self.gamma_form:
            block = np.hstack(head + [Ap])
            rows = np.concatenate([[self.row_bal, self.row_sig], self.row_def])
        else:
            block = np.hstack(head + [Ap, Am])
            rows = np.concatenate([[self.row_bal, self.row_sig], self.row_p, self.row_m])
        starts, idx, vals = _csc(block, rows)
        cols = self._cols(k, -1.0, 0.0, self.upper, starts, idx, vals)
        self.S = np.concatenate([self.S, I])
        self.col_alpha = np.concatenate([self.col_alpha, cols])

    def add_features(self, J: np.ndarray) -> None:
        """The rows (and ``gamma_j``, ``beta_j`` columns) of the features ``j in J``."""
        if J.size == 0:
            return
        d, k = self.data, J.size
        Ap, Am = d.coeffs(self.S, J) if self.S.size else (np.zeros((0, k)), np.zeros((0, k)))
        lo, up = np.full(k, -INF), np.full(k, d.l1)
        cols_a = self.col_alpha
        if self.col_P >= 0:                              # the aggregate column's entries
            Ap = np.vstack([Ap, self.sum_p[J][None, :] / self.P.size])
            Am = np.vstack([Am, self.sum_m[J][None, :] / self.P.size])
            cols_a = np.concatenate([cols_a, [self.col_P]])
        if not self.gamma_form:
            starts, idx, vals = _csc(np.vstack([Ap.T, Am.T]), cols_a)
            self.h.addRows(2 * k, np.full(2 * k, -INF), np.full(2 * k, d.l1), int(idx.size), starts, idx, vals)
            new = np.arange(self.nrow, self.nrow + 2 * k, dtype=np.int64)
            self.nrow += 2 * k
            self.row_p = np.concatenate([self.row_p, new[:k]])
            self.row_m = np.concatenate([self.row_m, new[k:]])
        else:
            gam = self._cols(k, 0.0, -INF, INF)
            self.col_gamma = np.concatenate([self.col_gamma, gam])
            starts, idx, vals = _csc(np.hstack([Ap.T, -np.eye(k)]), np.concatenate([cols_a, gam]))
            self.h.addRows(k, np.zeros(k), np.zeros(k), int(idx.size), starts, idx, vals)
            self.row_def = np.concatenate([self.row_def, np.arange(self.nrow, self.nrow + k)])
            self.nrow += k
            extra_c: list[int] = []
            extra_v: list[float] = []
            beta = None
            if self.kind == "l1":
                extra_c, extra_v = [self.col_sigma], [-d.eps]
            elif self.kind == "linf":
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
            if self.kind == "linf":
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
            if self.kind == "linf":
                self.col_beta = remap(self.col_beta[keep_f], cdel)
        self.row_p = remap(self.row_p[keep_f], rdel)
        self.row_m = remap(self.row_m[keep_f], rdel)
        self.ncol -= cdel.size
        self.nrow -= rdel.size

    # ---- solve and read back
    def run(self) -> str:
        self.h.run()
        return self.h.modelStatusToString(self.h.getModelStatus())

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
        alpha = np.clip(xa, 0.0, self.upper)
        wp = np.maximum(-yd[self.row_p], 0.0)
        wm = np.maximum(-yd[self.row_m], 0.0)
        self.idle_s = (xa <= 0.0) & (np.asarray(s.col_dual)[self.col_alpha] > 1e-12)
        rv = np.asarray(s.row_value)
        slack = self.data.l1 - 1e-9
        self.idle_f = (rv[self.row_p] < slack) & (rv[self.row_m] < slack) & (wp == 0) & (wm == 0)
        self.t_P = float(np.clip(x[self.col_P], 0.0, self.P.size * self.upper)) if self.col_P >= 0 else 0.0
        self.last = (alpha, wp - wm, float(-yd[self.row_bal]))
        return self.last

    def full_alpha(self, alpha_S: np.ndarray) -> np.ndarray:
        """``alpha`` over all ``n`` samples: the columns of ``S``, ``t / |P|`` on ``P``, 0 elsewhere."""
        alpha = np.zeros(self.data.n)
        alpha[self.S] = alpha_S
        if self.P.size:
            alpha[self.P] = self.t_P / self.P.size
        return alpha


# --------------------------------------------------------------------------- warm-start state
@dataclass
class FastState:
    """What a call leaves for the next one (``BackendResult.info["state"]``, ``Solution.warm_state``).

    ``model`` is the live HiGHS model (columns ``S``, rows ``F``).  It is reused only when the
    next problem has the same ``X`` object with the same bytes (``fingerprint``), the same labels,
    the same kind of threat and, for the box, the same radius (the costs depend on it);
    ``epsilon`` and ``l1`` of the other kinds are coefficients and bounds of the feature rows and
    are updated in place.  ``coef``/``intercept`` seed the working sets otherwise.
    """

    coef: np.ndarray
    intercept: float
    alpha: np.ndarray
    epsilon: float
    kind: str
    model: Any = field(default=None, repr=False)
    x_ref: Any = field(default=None, repr=False)
    fingerprint: str = ""
    box: Any = None


def _previous(warm_start: object) -> tuple[np.ndarray | None, float, FastState | None]:
    """``(coef, intercept, state)`` from any warm-start object (``state`` only when it carries one)."""
    if warm_start is None:
        return None, 0.0, None
    if isinstance(warm_start, FastState):
        return warm_start.coef, warm_start.intercept, warm_start
    for attr in ("warm_state", "info"):
        st = getattr(warm_start, attr, None)
        st = st.get("state") if isinstance(st, dict) else st
        if isinstance(st, FastState):
            return st.coef, st.intercept, st
    if isinstance(warm_start, dict):
        coef, b = warm_start.get("coef"), warm_start.get("intercept", 0.0)
    elif isinstance(warm_start, (tuple, list)) and len(warm_start) == 2:
        coef, b = warm_start
    else:
        coef, b = getattr(warm_start, "coef", None), getattr(warm_start, "intercept", 0.0)
    if coef is None:
        return None, 0.0, None
    return np.asarray(coef, dtype=float).reshape(-1), float(b), None


def _reusable(st: FastState | None, problem: RobustHingeProblem, kind: str) -> bool:
    """True when the live model of ``st`` describes ``problem`` up to ``epsilon`` and ``l1``."""
    from ..frame import fingerprint

    if st is None or st.model is None or st.kind != kind or st.x_ref is None:
        return False
    if st.x_ref() is not problem.X or not np.array_equal(st.model.data.y, problem.y):
        return False
    if kind == "box" and (st.epsilon != problem.epsilon or st.box != problem.box):
        return False
    return st.fingerprint == fingerprint(problem.X)


# --------------------------------------------------------------------------- the solver
@dataclass
class _Options:
    seed_size: int = 2000          # cold start: samples of the exactly solved subsample
    seed_features: int = 32        # cold start: first features (largest class-mean difference)
    band: float = 0.2              # after a seed, samples with hinge in (-band, band_p] join S
    band_p: float = 0.3            # ... and those with hinge > band_p the aggregate P (inf: never)
    band_fine: float = 0.1         # the same bands after a level of 10x more samples
    band_p_fine: float = 0.15
    level_factor: int = 10         # cold start: nested subsamples seed_size * 10^k, then all n
    hard: bool = False             # alpha_i unbounded: hard margins (the max-margin LP)
    max_features: int = 64         # features added per round (most violated first)
    max_samples: int = 1000        # samples added per round: at least this, at most |S|/2
    max_rounds: int = MAX_ROUNDS
    tol: float = PRICE_TOL
    rng_seed: int = 0


def _reduced_costs(data: _Data, gp: np.ndarray, gm: np.ndarray, sigma: float) -> np.ndarray:
    """``min_+-(l1 + beta - g+-_j)``: negative where feature ``j`` violates its dual constraint
    (``beta = eps sigma`` for the ``l1`` kind; 0 otherwise, also for ``beta_j`` of ``linf``
    outside ``F``)."""
    beta = data.eps * sigma if data.kind == "l1" else 0.0
    return data.l1 + beta - np.maximum(gp, gm)


def _pick(red: np.ndarray, exclude: np.ndarray, tol: float, cap: int) -> np.ndarray:
    """Indices with ``red < -tol`` outside ``exclude``, the ``cap`` most negative, sorted."""
    red = red.copy()
    red[exclude] = 0.0
    cand = np.nonzero(red < -tol)[0]
    if cand.size > cap:
        cand = cand[np.argpartition(red[cand], cap - 1)[:cap]]
    return np.sort(cand)


HARD_UPPER = 1e4      # alpha bound of the max-margin LP: an exact penalty when the data separate


def _upper(m: int, opt: _Options) -> float:
    """The bound on ``alpha_i`` for a problem over ``m`` samples (hard margins: ``HARD_UPPER``,
    an exact penalty whenever the max-margin multipliers stay below it, checked afterwards)."""
    return HARD_UPPER if opt.hard else 1.0 / m


def _levels(n: int, opt: _Options) -> list[int]:
    """Nested subsample sizes of a cold start: ``seed_size, 10 seed_size, ...`` then ``n``."""
    out, m = [], opt.seed_size
    while m < n:
        out.append(m)
        m *= opt.level_factor
    return out + [n]


def _seed_model(data: _Data, U: np.ndarray, opt: _Options) -> _Model:
    """Cold start: a model over the samples ``U`` (both classes) and the features with the
    largest class-mean difference on them."""
    model = _Model(data, _upper(U.size, opt))
    ys = data.y[U]
    wts = np.where(ys > 0, 1.0 / max((ys > 0).sum(), 1), 1.0 / max((ys < 0).sum(), 1))
    gp, gm = data.gradients(U, wts)
    score = np.maximum(gp, gm)
    F0 = np.nonzero(score > 0)[0]
    if F0.size > opt.seed_features:
        F0 = np.sort(F0[np.argpartition(-score[F0], opt.seed_features - 1)[:opt.seed_features]])
    model.add_features(F0)
    model.add_samples(U)
    return model


def _refocus(model: _Model, opt: _Options, drop_features: bool, universe: np.ndarray | None = None,
             band: float | None = None, band_p: float | None = None) -> None:
    """Re-centre the working sets on the model's last solution (with the current parameters):
    samples of ``universe`` (all by default) with hinge ``> band_p`` form the aggregate ``P``,
    those in ``(-band, band_p]`` get their own column; idle columns with hinge ``< -band``
    (and, if asked, idle features) are deleted."""
    band = opt.band if band is None else band
    band_p = opt.band_p if band_p is None else band_p
    data = model.data
    alpha, wF, b = model.last
    h = data.hinge(model.F, wF, b, None if universe is None else np.nonzero(universe)[0])
    idle_s, idle_f = getattr(model, "idle_s", None), getattr(model, "idle_f", None)
    if idle_s is not None and idle_s.size == model.S.size and idle_f.size == model.F.size:
        model.prune(idle_s & (h[model.S] < -band), idle_f & drop_features)
    cand = np.ones(data.n, dtype=bool) if universe is None else universe.copy()
    cand[model.S] = False
    P = np.nonzero(cand & (h > band_p))[0]
    if not np.array_equal(P, model.P):
        model.set_positive(P)
    model.add_samples(np.nonzero(cand & (h > -band) & (h <= band_p))[0])


def _rounds(model: _Model, opt: _Options, universe: np.ndarray | None, log: list[dict], timers: dict,
            level: int) -> tuple[str, tuple | None]:
    """Re-solve and price until no sample of ``universe`` (all: ``None``) and no feature enters.

    Returns the status and, when optimal, ``(w, b, alpha, primal, dual, dual_infeasibility)``
    (primal/dual of the problem over ``universe``, scaled by ``model.upper``)."""
    data = model.data
    n, d, tol = data.n, data.d, opt.tol
    urows = None if universe is None else np.nonzero(universe)[0]
    for rnd in range(opt.max_rounds):
        tl = time.perf_counter()
        lp_status = model.run()
        timers["lp"] += time.perf_counter() - tl
        if lp_status != "Optimal":
            return f"lp {lp_status}", None
        tp = time.perf_counter()
        alpha_S, wF, b = model.solution()
        F, S, P = model.F, model.S, model.P
        h = data.hinge(F, wF, b, urows)
        alpha = model.last_alpha = model.full_alpha(alpha_S)
        # samples: outside S and P a positive hinge; in P, alpha_i off its complementary bound
        cand = np.ones(n, dtype=bool) if universe is None else universe.copy()
        cand[S] = False
        cand[P] = False
        newS = np.nonzero(cand & (h > tol))[0]
        cap = max(opt.max_samples, S.size // 2)
        if newS.size > cap:                       # most violated first
            newS = np.sort(newS[np.argpartition(-h[newS], cap - 1)[:cap]])
        aP = model.t_P / P.size if P.size else 0.0
        badP = P[((aP > 0) & (h[P] < -tol)) | ((aP < model.upper) & (h[P] > tol))]
        # features: the certificate's dual constraint
        rows = np.nonzero(alpha)[0]
        gp, gm = data.gradients(rows, alpha[rows])
        sigma = float(alpha.sum())
        red = _reduced_costs(data, gp, gm, sigma)
        newF = _pick(red, F, tol, opt.max_features)
        timers["pricing"] += time.perf_counter() - tp
        log.append({"level": level, "round": rnd, "S": int(S.size), "P": int(P.size), "F": int(F.size),
                    "add_samples": int(newS.size), "p_to_s": int(badP.size), "add_features": int(newF.size),
                    "iters": int(model.h.getInfo().simplex_iteration_count)})
        if newS.size == 0 and badP.size == 0 and newF.size == 0:
            w = np.zeros(d)
            w[F] = wF
            hu = h if universe is None else h[universe]
            loss = float(np.maximum(hu, 0.0).sum())
            primal = (loss * model.upper if loss > 0 else 0.0) + data.l1 * float(np.abs(w).sum())
            red[F] = 0.0
            return "optimal", (w, b, alpha, primal, sigma, float(max(-red.min(initial=0.0), 0.0)))
        tb = time.perf_counter()
        model.add_features(newF)
        if badP.size:
            keep = np.ones(n, dtype=bool)
            keep[badP] = False
            model.set_positive(P[keep[P]])
        model.add_samples(np.concatenate([newS, badP]))
        timers["build"] += time.perf_counter() - tb
    return "max_rounds", None


def solve_fast(problem: RobustHingeProblem, warm_start: object = None, **options: Any) -> BackendResult:
    """Certified optimum of an LP-case ``problem`` by working sets of samples and features.

    ``warm_start``: a previous :class:`FastState`, ``BackendResult``, ``Solution``, dict or
    ``(coef, intercept)``.  ``options`` override :class:`_Options` (tuning, tests).
    Returns ``coef``, ``intercept``, ``alpha`` (length ``n``, ``0 <= alpha_i <= 1/n``, zero
    outside the working sets) and in ``info`` the rounds, set sizes, own primal/dual values and
    the :class:`FastState` for the next call.
    """
    t0 = time.perf_counter()
    if not supports(problem):
        raise ValueError(f"the fast solver handles LPs only, not a {problem.kind}")
    opt = _Options(**options)
    kind = _kind(problem)
    n, d = problem.n, problem.d
    l1, eps = problem.l1, problem.epsilon
    coef0, b0, st = _previous(warm_start)
    log: list[dict] = []
    timers = {"lp": 0.0, "pricing": 0.0, "build": 0.0}
    status, result, ok = "max_rounds", None, True

    if _reusable(st, problem, kind):
        start = "model"
        model: _Model = st.model
        model.set_params(eps, l1)
        _refocus(model, opt, drop_features=True)
    elif coef0 is not None and coef0.shape[0] == d:
        start = "solution"
        model = _Model(_Data(problem.X, problem.y, problem.threat, l1), _upper(n, opt))
        F0 = np.nonzero(coef0)[0]
        model.add_features(F0)
        model.last = (np.zeros(0), coef0[F0], b0)
        _refocus(model, opt, drop_features=False)
    else:
        start = "cold"
        data = _Data(problem.X, problem.y, problem.threat, l1)
        sizes = _levels(n, opt)
        order = np.random.default_rng(opt.rng_seed).permutation(n)
        for level, m in enumerate(sizes[:-1]):
            U = np.zeros(n, dtype=bool)
            U[order[:m]] = True
            for cls in (1.0, -1.0):                         # both classes in every level
                if not (data.y[U] == cls).any():
                    U[int(np.argmax(data.y == cls))] = True
            if level == 0:
                model = _seed_model(data, np.nonzero(U)[0], opt)
            else:
                model.set_upper(_upper(int(U.sum()), opt))
                fine = level > 1
                _refocus(model, opt, False, U, opt.band_fine if fine else None, opt.band_p_fine if fine else None)
            status, _ = _rounds(model, opt, U, log, timers, level)
            if status != "optimal":                    # a failed level: reported as is
                ok = False
                break
        if len(sizes) == 1:
            model = _seed_model(data, np.arange(n), opt)
        elif ok:
            model.set_upper(_upper(n, opt))
            fine = len(sizes) > 2
            _refocus(model, opt, False, None, opt.band_fine if fine else None, opt.band_p_fine if fine else None)
    if ok:
        level = len(log) and log[-1]["level"] + 1
        status, result = _rounds(model, opt, None, log, timers, level)

    if result is None:                    # not optimal: the last LP point, for the record
        w = np.zeros(d)
        alpha = getattr(model, "last_alpha", np.zeros(n))
        b = 0.0
        if hasattr(model, "last"):
            _, wF, b = model.last
            w[model.F[:wF.size]] = wF
        result = (w, b, alpha, float("nan"), float(alpha.sum()), float("nan"))
    w, b, alpha, primal, dual, infeas = result
    from ..frame import fingerprint

    state = FastState(w, b, alpha, eps, kind, model, weakref.ref(problem.X), fingerprint(problem.X), problem.box)
    info = {"rounds": log, "start": start, "primal": primal, "dual": dual, "gap": primal - dual,
            "dual_infeasibility": infeas, "timers": timers, "state": state,
            "sizes": {"S": int(model.S.size), "P": int(model.P.size), "F": int(model.F.size)}}
    return BackendResult(w, float(b), alpha, primal, status, time.perf_counter() - t0, info)


# --------------------------------------------------------------------------- max-margin tie-break
def supports_max_margin(problem: RobustHingeProblem) -> bool:
    """The max-margin LP fits this solver when its size is ``||w||_1`` (threat ``inf``, box or not)."""
    return problem.threat.dual == "1" and problem.l2 == 0 and not problem.weighted


def solve_max_margin_fast(problem: RobustHingeProblem, **options: Any) -> BackendResult:
    r"""The max-margin tie-break of :meth:`RobustHingeProblem.to_cvxpy_max_margin` by working sets.

    ``min ||w||_1  s.t.  y_i f(x_i) - pen_i(w) >= 1`` (size ``sum(w+ + w-)`` with the box) is the
    dual model above with ``l1 = 1`` and ``alpha_i`` unbounded (hard margins): the same code
    path, the same certificate-grade pricing.  Status ``"lp Unbounded"``/``"lp Infeasible"``
    style when the data is not (robustly) separable.
    """
    if not supports_max_margin(problem):
        raise ValueError("the fast max-margin LP needs the inf-norm threat (size ||w||_1)")
    hard = problem.with_threat(problem.threat, l1=1.0, l2=0.0)
    res = solve_fast(hard, hard=True, **options)
    status = res.status
    if status == "optimal" and (problem.losses(res.coef, res.intercept).max() > 1e-9
                                or res.alpha.max() >= HARD_UPPER * (1 - 1e-9)):
        status = "not separable"
    return BackendResult(res.coef, res.intercept, None, float(np.abs(res.coef).sum()), status,
                         res.seconds, res.info)
