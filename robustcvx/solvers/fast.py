r"""Working-set exact LP solver for the robust hinge problem (HiGHS through ``highspy``).

Solves every LP case of :class:`~robustcvx.problems.RobustHingeProblem` (``l2 = 0``; threat
``inf``, ``1``, ``inf`` with a box, or ``epsilon = 0``) to the package's certificate on the
full data while building an LP over only a few samples and features.

**The restricted LP.**  With ``w = w+ - w-`` (``w+, w- >= 0``) the margin row of sample ``i`` is

.. math::  \xi_i + a^+_i\cdot w^+ + a^-_i\cdot w^- + y_i b - \tau \ge 1,\qquad \xi_i \ge 0,

with ``a+_i = y_i x_i``, ``a-_i = -y_i x_i`` and ``tau = eps ||w||_q`` (rows
``tau - eps sum_j (w+_j + w-_j) >= 0`` for ``q = 1``, ``tau - eps (w+_j + w-_j) >= 0`` for
``q = inf``); with the box there is no ``tau`` and ``a+_i = y_i x_i - C+_i``,
``a-_i = -y_i x_i - C-_i`` (:meth:`~robustcvx.problems.RobustHingeProblem.box_costs`).  The
objective is ``(1/n) sum xi + l1 sum (w+ + w-)``.  Samples fall in three sets:

* ``M`` (margin set): an explicit row and slack ``xi_i`` each;
* ``P`` (positive set): samples believed to have a positive hinge share ONE aggregated row
  ``Xi + mean_P(a+) . w+ + mean_P(a-) . w- + mean_P(y) b - tau >= 1`` with cost ``|P|/n`` on
  ``Xi >= 0``.  Since ``max(0, mean h) <= mean max(0, h)`` this is a relaxation that is exact
  whenever every ``h_i >= 0`` on ``P``; its dual ``mu`` gives ``alpha_i = mu / |P|`` on ``P``;
* the rest (hinge believed ``<= 0``): no row, ``alpha_i = 0``.

Only features in the working set ``F`` have columns.  The LP is a relaxation of the full
problem restricted to ``F``; its duals give ``alpha`` (``0 <= alpha_i <= 1/n``,
``sum alpha_i y_i = 0`` from the column of ``b``).

**Pricing (all n samples, all d features, every round).**  With the LP's ``(w, b)`` compute
``h_i = 1 - y_i f(x_i) + pen_i(w)`` for all ``i``: samples outside ``M`` and ``P`` with
``h_i > tol`` enter (``P`` if ``h_i > delta``, else ``M``); samples of ``P`` with
``h_i < -tol`` move to ``M``.  With ``g+ = sum_i alpha_i a+_i`` (and ``g-``) a feature
``j`` outside ``F`` enters when its reduced cost ``l1 - g+-_j + beta`` is ``< -tol``
(``beta = eps sum alpha`` for ``q = 1``, ``0`` otherwise): exactly the certificate's dual
constraint (:mod:`robustcvx.certificate`).  When nothing enters, ``(w, b, alpha)`` is primal
feasible and dual feasible on the full data with equal objectives: the certified optimum.
``M`` and ``F`` only grow and a sample moves at most twice, so the loop terminates; a
``max_rounds`` guard returns status ``"max_rounds"`` regardless.

**Warm starts.**  One HiGHS model stays alive across rounds (rows and columns are added,
costs and bounds changed, the basis is kept) and across calls: ``warm_start`` may be the
:class:`FastState` of a previous call (``BackendResult.info["state"]``), or any previous
solution (``Solution``/``BackendResult``/``(coef, intercept)``); for the same data (``X``
object) and kind the live model of the last call is reused, ``epsilon`` being a coefficient
of the norm rows only.  Otherwise the working sets are seeded from the previous solution, or
(cold) from an exactly solved random subsample.
"""

from __future__ import annotations

import os
import sys
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
CHUNK = 1 << 15         # rows per block in passes over the full data


def supports(problem: RobustHingeProblem) -> bool:
    """True for every LP case (``l2 = 0`` and threat ``inf``/``1``, or ``epsilon = 0``)."""
    return bool(problem.is_lp)


def _kind(problem: RobustHingeProblem) -> str:
    """``"box"``, ``"l1"`` (penalty eps ||w||_1), ``"linf"`` (eps ||w||_inf) or ``"none"``."""
    if problem.uses_box:
        return "box"
    if problem.norm == "inf":
        return "l1"
    if problem.norm == "1":
        return "linf"
    return "none"


def _new_highs():
    """A silent ``highspy.Highs`` (its one-time banner goes to stderr, never to stdout)."""
    import highspy

    fd = None
    try:
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)
    except (OSError, ValueError, AttributeError):
        fd = None
    try:
        h = highspy.Highs()
    finally:
        if fd is not None:
            try:
                import ctypes
                ctypes.CDLL(None).fflush(None)
            except Exception:
                pass
            os.dup2(fd, 1)
            os.close(fd)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("primal_feasibility_tolerance", LP_TOL)
    h.setOptionValue("dual_feasibility_tolerance", LP_TOL)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("solver", "simplex")
    return h


# --------------------------------------------------------------------------- data blocks
def _box_block(Xb: np.ndarray, yb: np.ndarray, eps: float, box: tuple[float, float]):
    """``(C+, C-)`` for a block of samples (same formulas as ``RobustHingeProblem.box_costs``)."""
    lo, hi = box
    L = np.minimum(np.maximum(-eps, lo - Xb), 0.0)
    U = np.maximum(np.minimum(eps, hi - Xb), 0.0)
    pos = (yb > 0)[:, None]
    return np.where(pos, -L, U), np.where(pos, U, -L)


@dataclass
class _Data:
    """The problem's data plus the per-kind coefficient maps ``a+_i``, ``a-_i``."""

    X: np.ndarray
    y: np.ndarray
    kind: str
    eps: float
    l1: float
    box: tuple[float, float] | None

    @property
    def n(self) -> int:
        return self.X.shape[0]

    def coeffs(self, rows: np.ndarray, cols: np.ndarray | slice) -> tuple[np.ndarray, np.ndarray]:
        """Dense blocks ``a+[rows, cols]``, ``a-[rows, cols]``."""
        Xb = self.X[rows][:, cols] if isinstance(rows, np.ndarray) else self.X[rows, cols]
        yb = self.y[rows]
        ap = Xb * yb[:, None]
        if self.kind == "box":
            Cp, Cm = _box_block(Xb, yb, self.eps, self.box)
            return ap - Cp, -ap - Cm
        return ap, -ap

    def weighted_sums(self, rows: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``sum_i weights_i a+_i`` and ``sum_i weights_i a-_i`` over ``rows`` (length-d vectors)."""
        d = self.X.shape[1]
        sp, sm = np.zeros(d), np.zeros(d)
        for s in range(0, rows.size, CHUNK):
            r, wt = rows[s:s + CHUNK], weights[s:s + CHUNK]
            Xb = self.X[r]
            g = Xb.T @ (wt * self.y[r])
            if self.kind == "box":
                Cp, Cm = _box_block(Xb, self.y[r], self.eps, self.box)
                sp += g - Cp.T @ wt
                sm += -g - Cm.T @ wt
            else:
                sp += g
                sm -= g
        return sp, sm

    def hinge(self, F: np.ndarray, wp: np.ndarray, wm: np.ndarray, b: float, tau: float) -> np.ndarray:
        """``h_i = 1 - y_i (x_i.w + b) + pen_i(w)`` for all samples, ``w`` supported on ``F``."""
        nz = (wp != 0) | (wm != 0)
        F, wp, wm = F[nz], wp[nz], wm[nz]
        w = wp - wm
        out = np.empty(self.n)
        for s in range(0, self.n, CHUNK):
            Xb = self.X[s:s + CHUNK, F] if F.size else np.zeros((min(CHUNK, self.n - s), 0))
            yb = self.y[s:s + CHUNK]
            hb = 1.0 - yb * (Xb @ w + b)
            if self.kind == "box":
                Cp, Cm = _box_block(Xb, yb, self.eps, self.box)
                hb += Cp @ wp + Cm @ wm
            else:
                hb += tau
            out[s:s + CHUNK] = hb
        return out

    def penalty_scalar(self, wp: np.ndarray, wm: np.ndarray) -> float:
        """``eps ||w||_q`` for the non-box kinds (the value ``tau`` should have)."""
        if self.kind == "l1":
            return self.eps * float(np.sum(wp + wm))
        if self.kind == "linf":
            return self.eps * float(np.max(wp + wm, initial=0.0))
        return 0.0


# --------------------------------------------------------------------------- the LP model
class _Model:
    """One live HiGHS model of the restricted LP, with index maps for rows and columns."""

    def __init__(self, data: _Data, xi_cost: float):
        self.data = data
        self.kind = data.kind
        self.h = _new_highs()
        self.xi_cost = xi_cost
        self.F = np.zeros(0, dtype=np.int64)          # features with columns
        self.col_wp: list[int] = []
        self.col_wm: list[int] = []
        self.M = np.zeros(0, dtype=np.int64)          # samples with their own row
        self.row_M: list[int] = []
        self.col_xi: list[int] = []
        self.row_norm: list[int] = []                 # l1: one row; linf: one per feature of F
        self.ncol = 0
        self.nrow = 0
        # b, tau (tau fixed at 0 unless the kind has one and eps > 0)
        self.col_b = self._add_cols(np.zeros(1), np.array([-INF]), np.array([INF]))[0]
        self.col_tau = self._add_cols(np.zeros(1), np.zeros(1), np.zeros(1))[0]
        # aggregated row of P: Xi + mean_P(a).w + mean_P(y) b - tau >= 1 (free while P is empty)
        self.P = np.zeros(0, dtype=np.int64)
        self.col_Xi = -1
        self.row_agg = -1
        self.retired: list[int] = []
        if self.kind == "l1":
            self.row_norm = [self._add_rows(np.array([0.0]), np.array([INF]),
                                            [np.array([self.col_tau])], [np.array([1.0])])[0]]
        self.set_eps(data.eps)

    # ---- low-level helpers
    def _add_cols(self, cost, lb, ub, rows=None, vals=None) -> list[int]:
        k = len(cost)
        if rows is None:
            self.h.addCols(k, cost, lb, ub, 0, np.zeros(k, dtype=np.int32), np.zeros(0, dtype=np.int32),
                           np.zeros(0))
        else:
            starts = np.zeros(k, dtype=np.int32)
            starts[1:] = np.cumsum([len(r) for r in rows])[:-1]
            idx = np.concatenate(rows).astype(np.int32) if k else np.zeros(0, dtype=np.int32)
            v = np.concatenate(vals).astype(float) if k else np.zeros(0)
            self.h.addCols(k, cost, lb, ub, idx.size, starts, idx, v)
        out = list(range(self.ncol, self.ncol + k))
        self.ncol += k
        return out

    def _add_rows(self, lo, up, cols: list[np.ndarray], vals: list[np.ndarray]) -> list[int]:
        k = len(lo)
        starts = np.zeros(k, dtype=np.int32)
        starts[1:] = np.cumsum([len(c) for c in cols])[:-1]
        idx = np.concatenate(cols).astype(np.int32)
        v = np.concatenate(vals).astype(float)
        self.h.addRows(k, np.asarray(lo, float), np.asarray(up, float), idx.size, starts, idx, v)
        out = list(range(self.nrow, self.nrow + k))
        self.nrow += k
        return out

    def _add_rows_dense(self, lo, up, cols: np.ndarray, block: np.ndarray) -> list[int]:
        """Rows from a dense block (``block[r, k]`` is the coefficient on column ``cols[k]``)."""
        k = block.shape[0]
        mask = block != 0
        counts = mask.sum(axis=1)
        starts = np.zeros(k, dtype=np.int32)
        starts[1:] = np.cumsum(counts)[:-1]
        idx = np.broadcast_to(cols, block.shape)[mask].astype(np.int32)
        self.h.addRows(k, np.asarray(lo, float), np.asarray(up, float), idx.size, starts, idx, block[mask])
        out = list(range(self.nrow, self.nrow + k))
        self.nrow += k
        return out

    # ---- epsilon and the norm rows
    def set_eps(self, eps: float) -> None:
        """Make ``tau = eps ||w||_q`` (``tau`` fixed at 0 when eps = 0 or the kind has none)."""
        self.data.eps = eps
        h = self.h
        has_tau = self.kind in ("l1", "linf") and eps > 0
        h.changeColBounds(self.col_tau, 0.0, INF if has_tau else 0.0)
        lo = 0.0 if has_tau else -INF
        if self.kind == "l1":
            h.changeRowBounds(self.row_norm[0], lo, INF)
            for cp, cm in zip(self.col_wp, self.col_wm):
                h.changeCoeff(self.row_norm[0], cp, -eps)
                h.changeCoeff(self.row_norm[0], cm, -eps)
        elif self.kind == "linf":
            for r, cp, cm in zip(self.row_norm, self.col_wp, self.col_wm):
                h.changeRowBounds(r, lo, INF)
                h.changeCoeff(r, cp, -eps)
                h.changeCoeff(r, cm, -eps)

    # ---- features
    def add_features(self, J: np.ndarray, cost_p: np.ndarray, cost_m: np.ndarray) -> None:
        """Columns ``w+_j, w-_j`` for ``j in J`` (entries in the M rows, the P row, the norm rows)."""
        if J.size == 0:
            return
        d = self.data
        k = J.size
        rows: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        if self.M.size:
            Ap, Am = d.coeffs(self.M, J)
        else:
            Ap = Am = np.zeros((0, k))
        rM = np.asarray(self.row_M, dtype=np.int64)
        aggp = aggm = None
        if self.row_agg >= 0:
            aggp, aggm = self.agg_p[J], self.agg_m[J]
        for sign, A, agg in ((0, Ap, aggp), (1, Am, aggm)):
            for c in range(k):
                nz = np.nonzero(A[:, c])[0]
                r = [rM[nz]]
                v = [A[nz, c]]
                if agg is not None and agg[c] != 0:
                    r.append(np.array([self.row_agg]))
                    v.append(np.array([agg[c]]))
                if self.kind == "l1":
                    r.append(np.array([self.row_norm[0]]))
                    v.append(np.array([-d.eps]))
                rows.append(np.concatenate(r))
                vals.append(np.concatenate(v))
        cost = np.concatenate([cost_p, cost_m])
        cols = self._add_cols(cost, np.zeros(2 * k), np.full(2 * k, INF), rows, vals)
        self.col_wp += cols[:k]
        self.col_wm += cols[k:]
        self.F = np.concatenate([self.F, J])
        if self.kind == "linf":
            lo = 0.0 if d.eps > 0 else -INF
            cs = [np.array([self.col_tau, cols[c], cols[k + c]]) for c in range(k)]
            vs = [np.array([1.0, -d.eps, -d.eps])] * k
            self.row_norm += self._add_rows(np.full(k, lo), np.full(k, INF), cs, vs)

    # ---- samples
    def add_margin_rows(self, I: np.ndarray) -> None:
        """Rows ``xi_i + a+_i.w+ + a-_i.w- + y_i b - tau >= 1`` for ``i in I`` (new slacks ``xi_i``)."""
        if I.size == 0:
            return
        d = self.data
        k = I.size
        xi = self._add_cols(np.full(k, self.xi_cost), np.zeros(k), np.full(k, INF))
        Ap, Am = d.coeffs(I, self.F) if self.F.size else (np.zeros((k, 0)), np.zeros((k, 0)))
        cols = np.concatenate([self.col_wp, self.col_wm, [self.col_b, self.col_tau]]).astype(np.int64)
        block = np.hstack([Ap, Am, d.y[I][:, None], np.full((k, 1), -1.0)])
        if self.kind == "box":
            block[:, -1] = 0.0
        # slack column first: prepend xi as its own column per row
        cols_all = np.concatenate([[-1], cols])
        full = np.hstack([np.ones((k, 1)), block])
        mask = full != 0
        counts = mask.sum(axis=1)
        starts = np.zeros(k, dtype=np.int32)
        starts[1:] = np.cumsum(counts)[:-1]
        idx = np.broadcast_to(cols_all, full.shape).copy()
        idx[:, 0] = xi
        self.h.addRows(k, np.ones(k), np.full(k, INF), int(mask.sum()), starts,
                       idx[mask].astype(np.int32), full[mask])
        self.row_M += list(range(self.nrow, self.nrow + k))
        self.nrow += k
        self.col_xi += xi
        self.M = np.concatenate([self.M, I])

    def set_xi_cost(self, c: float) -> None:
        if c != self.xi_cost and self.col_xi:
            idx = np.asarray(self.col_xi, dtype=np.int32)
            self.h.changeColsCost(idx.size, idx, np.full(idx.size, c))
        self.xi_cost = c

    def set_positive(self, P: np.ndarray, agg_p: np.ndarray, agg_m: np.ndarray, mean_y: float) -> None:
        """Replace the aggregated row of ``P`` (``agg_+- = mean_P a+-`` over all d features)."""
        h = self.h
        if self.row_agg >= 0:           # retire the old row and its Xi
            h.changeRowBounds(self.row_agg, -INF, INF)
            h.changeColBounds(self.col_Xi, 0.0, 0.0)
            h.changeColCost(self.col_Xi, 0.0)
            self.retired.append(self.row_agg)
            self.row_agg = self.col_Xi = -1
        self.P = P
        self.agg_p, self.agg_m = agg_p, agg_m
        if P.size == 0:
            return
        self.col_Xi = self._add_cols(np.array([P.size / self.data.n]), np.zeros(1), np.array([INF]))[0]
        cols = np.concatenate([[self.col_Xi], self.col_wp, self.col_wm, [self.col_b, self.col_tau]])
        vals = np.concatenate([[1.0], agg_p[self.F], agg_m[self.F], [mean_y, -1.0 if self.kind != "box" else 0.0]])
        nz = vals != 0
        nz[0] = True
        self.row_agg = self._add_rows(np.array([1.0]), np.array([INF]), [cols[nz]], [vals[nz]])[0]

    def set_l1_costs(self, l1: float) -> None:
        idx = np.asarray(self.col_wp + self.col_wm, dtype=np.int32)
        if idx.size:
            self.h.changeColsCost(idx.size, idx, np.full(idx.size, l1))

    # ---- solve and read back
    def run(self) -> str:
        self.h.run()
        return self.h.modelStatusToString(self.h.getModelStatus())

    def solution(self):
        """``(wp_F, wm_F, b, tau, alpha_M, mu_P)`` of the last solve."""
        s = self.h.getSolution()
        x = np.asarray(s.col_value)
        y = np.asarray(s.row_dual)
        wp = x[np.asarray(self.col_wp, dtype=np.int64)] if self.col_wp else np.zeros(0)
        wm = x[np.asarray(self.col_wm, dtype=np.int64)] if self.col_wm else np.zeros(0)
        aM = y[np.asarray(self.row_M, dtype=np.int64)] if self.row_M else np.zeros(0)
        mu = float(y[self.row_agg]) if self.row_agg >= 0 else 0.0
        return wp, wm, float(x[self.col_b]), float(x[self.col_tau]), aM, mu


# --------------------------------------------------------------------------- warm-start state
@dataclass
class FastState:
    """What a call leaves for the next one (``BackendResult.info["state"]``).

    ``model`` is the live HiGHS model (rows ``M``, the aggregated ``P`` row, columns ``F``);
    it is reused when the next problem has the same ``X`` object, labels and kind, which is
    what ``problem.with_epsilon(e)`` gives.  ``coef``/``intercept`` seed the working sets
    otherwise.
    """

    coef: np.ndarray
    intercept: float
    alpha: np.ndarray
    epsilon: float
    kind: str
    model: Any = field(default=None, repr=False)
    x_ref: Any = field(default=None, repr=False)


_LAST: list[FastState] = []      # the last state, so that a plain Solution can find its model


def _previous(warm_start: object) -> tuple[np.ndarray | None, float, FastState | None]:
    """``(coef, intercept, state)`` from any warm-start object (state only when one is known)."""
    if warm_start is None:
        return None, 0.0, None
    if isinstance(warm_start, FastState):
        return warm_start.coef, warm_start.intercept, warm_start
    info = getattr(warm_start, "info", None)
    if isinstance(info, dict) and isinstance(info.get("state"), FastState):
        st = info["state"]
        return st.coef, st.intercept, st
    if isinstance(warm_start, dict):
        coef, b = warm_start.get("coef"), warm_start.get("intercept", 0.0)
    elif isinstance(warm_start, (tuple, list)) and len(warm_start) == 2:
        coef, b = warm_start
    else:
        coef, b = getattr(warm_start, "coef", None), getattr(warm_start, "intercept", 0.0)
    if coef is None:
        return None, 0.0, None
    coef = np.asarray(coef, dtype=float).reshape(-1)
    st = _LAST[0] if _LAST and np.array_equal(_LAST[0].coef, coef) else None
    return coef, float(b), st


def _reusable(st: FastState | None, problem: RobustHingeProblem, kind: str) -> bool:
    if st is None or st.model is None or st.kind != kind or st.x_ref is None:
        return False
    if st.x_ref() is not problem.X or not np.array_equal(st.model.data.y, problem.y):
        return False
    return kind != "box" or st.epsilon == problem.epsilon


def _top_features(score: np.ndarray, k: int) -> np.ndarray:
    nz = np.nonzero(score > 0)[0]
    if nz.size > k:
        nz = nz[np.argpartition(-score[nz], k - 1)[:k]]
    return np.sort(nz)


# --------------------------------------------------------------------------- the solver
@dataclass
class _Options:
    seed_size: int = 1000          # cold start: samples of the exactly solved subsample
    seed_features: int = 32        # cold start: initial features (largest |X^T y| on the subsample)
    delta: float = 0.05            # new samples with hinge > delta join P, the others M
    max_features: int = 64         # features added per round (most violated first)
    max_rounds: int = MAX_ROUNDS
    tol: float = PRICE_TOL
    rng_seed: int = 0


def _price_features(data: _Data, l1: float, gp: np.ndarray, gm: np.ndarray, sa: float) -> np.ndarray:
    """Reduced costs ``min(l1 - g+_j + beta, l1 - g-_j + beta)`` of the columns ``w+-_j``."""
    beta = data.eps * sa if data.kind == "l1" else 0.0
    return np.minimum(l1 - gp, l1 - gm) + beta


def solve_fast(problem: RobustHingeProblem, warm_start: object = None, **options: Any) -> BackendResult:
    """Certified optimum of an LP-case ``problem`` by samples/features working sets.

    ``warm_start``: a previous :class:`FastState`, ``BackendResult``, ``Solution``, dict or
    ``(coef, intercept)``.  ``options`` override :class:`_Options` (tuning, tests).
    Returns ``coef``, ``intercept``, ``alpha`` (length ``n``, ``0 <= alpha_i <= 1/n``) and, in
    ``info``, the rounds, set sizes, own primal/dual values and the :class:`FastState`.
    """
    t0 = time.perf_counter()
    if not supports(problem):
        raise ValueError(f"the fast solver handles LPs only, not a {problem.kind}")
    opt = _Options(**options)
    kind = _kind(problem)
    n, d = problem.n, problem.d
    X, y, l1, eps = problem.X, problem.y, problem.l1, problem.epsilon
    tol = opt.tol
    coef0, b0, st = _previous(warm_start)
    log: list[dict] = []
    timers = {"lp": 0.0, "pricing": 0.0, "build": 0.0, "seed": 0.0}

    if _reusable(st, problem, kind):
        model: _Model = st.model
        data = model.data
        data.l1 = l1
        model.set_eps(eps)
        model.set_l1_costs(l1)
        start = "model"
    else:
        data = _Data(X, y, kind, eps, l1, problem.box)
        start = "cold" if coef0 is None or coef0.shape[0] != d else "solution"
        if start == "cold":
            ts = time.perf_counter()
            model = _seed_model(data, opt, log, timers)
            timers["seed"] = time.perf_counter() - ts
        else:
            model = _Model(data, 1.0 / n)
            model.set_l1_costs(l1)
            w0 = coef0
            F0 = np.nonzero(w0)[0]
            model.add_features(F0, np.full(F0.size, l1), np.full(F0.size, l1))
            wp, wm = np.maximum(w0[F0], 0), np.maximum(-w0[F0], 0)
            h0 = data.hinge(F0, wp, wm, b0, data.penalty_scalar(wp, wm))
            _update_sets(model, data, h0, np.zeros(0, dtype=np.int64), opt, initial=True)

    status = "max_rounds"
    result = None
    for rnd in range(opt.max_rounds):
        tl = time.perf_counter()
        lp_status = model.run()
        timers["lp"] += time.perf_counter() - tl
        if lp_status != "Optimal":
            status = f"lp {lp_status}"
            break
        tp = time.perf_counter()
        F = model.F
        wp, wm, b, tau, aM, mu = model.solution()
        wp, wm = np.maximum(wp, 0.0), np.maximum(wm, 0.0)
        h = data.hinge(F, wp, wm, b, data.penalty_scalar(wp, wm))
        inM = np.zeros(n, dtype=bool)
        inM[model.M] = True
        inP = np.zeros(n, dtype=bool)
        inP[model.P] = True
        out_viol = np.nonzero(~inM & ~inP & (h > tol))[0]
        p_bad = np.nonzero(inP & (h < -tol))[0]
        alpha = np.zeros(n)
        alpha[model.M] = aM
        if model.P.size:
            alpha[model.P] = mu / model.P.size
        sa = float(alpha.sum())
        newF = np.zeros(0, dtype=np.int64)
        if True:
            gp, gm = data.weighted_sums(model.M, aM)
            if model.P.size:
                gp += mu * model.agg_p
                gm += mu * model.agg_m
            red = _price_features(data, l1, gp, gm, sa)
            red[F] = 0.0
            cand = np.nonzero(red < -tol)[0]
            if cand.size > opt.max_features:
                cand = cand[np.argpartition(red[cand], opt.max_features - 1)[:opt.max_features]]
            newF = np.sort(cand)
            dual_infeas = float(max(-red.min(initial=0.0), 0.0))
        timers["pricing"] += time.perf_counter() - tp
        log.append({"round": rnd, "M": int(model.M.size), "P": int(model.P.size), "F": int(F.size),
                    "add_samples": int(out_viol.size), "p_to_m": int(p_bad.size), "add_features": int(newF.size),
                    "lp_iters": int(model.h.getInfo().simplex_iteration_count)})
        if out_viol.size == 0 and p_bad.size == 0 and newF.size == 0:
            w = np.zeros(d)
            w[F] = wp - wm
            primal = float(np.maximum(h, 0.0).mean() + l1 * np.abs(w).sum())
            status = "optimal"
            result = (w, b, alpha, primal, sa, dual_infeas)
            break
        tb = time.perf_counter()
        if newF.size:
            model.add_features(newF, np.full(newF.size, l1), np.full(newF.size, l1))
        _update_sets(model, data, h, p_bad, opt, initial=False, out_viol=out_viol)
        timers["build"] += time.perf_counter() - tb

    if result is None:
        wp, wm, b, tau, aM, mu = model.solution()
        w = np.zeros(d)
        w[model.F] = np.maximum(wp, 0) - np.maximum(wm, 0)
        alpha = np.zeros(n)
        alpha[model.M] = aM
        if model.P.size:
            alpha[model.P] = mu / model.P.size
        result = (w, b, alpha, float("nan"), float(alpha.sum()), float("nan"))
    w, b, alpha, primal, dual, infeas = result
    state = FastState(w, b, alpha, eps, kind, model, weakref.ref(X))
    _LAST[:] = [state]
    seconds = time.perf_counter() - t0
    info = {"rounds": log, "start": start, "primal": primal, "dual": dual, "gap": primal - dual,
            "dual_infeasibility": infeas, "timers": timers, "state": state,
            "sizes": {"M": int(model.M.size), "P": int(model.P.size), "F": int(model.F.size)}}
    return BackendResult(w, float(b), alpha, primal, status, seconds, info)


def _update_sets(model: _Model, data: _Data, h: np.ndarray, p_bad: np.ndarray, opt: _Options,
                 initial: bool, out_viol: np.ndarray | None = None) -> None:
    """Move samples between the sets after a pricing pass (see the module docstring)."""
    n = data.n
    inM = np.zeros(n, dtype=bool)
    inM[model.M] = True
    if initial:
        toM = np.nonzero(~inM & (np.abs(h) <= opt.delta))[0]
        toP = np.nonzero(~inM & (h > opt.delta))[0]
        P = toP
    else:
        toM = np.concatenate([p_bad, out_viol[h[out_viol] <= opt.delta]])
        toP = out_viol[h[out_viol] > opt.delta]
        keep = np.ones(n, dtype=bool)
        keep[p_bad] = False
        P = np.concatenate([model.P[keep[model.P]], toP])
    model.add_margin_rows(np.sort(toM))
    if initial or toP.size or p_bad.size:
        P = np.sort(P)
        if P.size:
            sp, sm = data.weighted_sums(P, np.ones(P.size))
            model.set_positive(P, sp / P.size, sm / P.size, float(data.y[P].mean()))
        else:
            model.set_positive(P, np.zeros(data.X.shape[1]), np.zeros(data.X.shape[1]), 0.0)


def _seed_model(data: _Data, opt: _Options, log: list[dict], timers: dict) -> _Model:
    """Cold start: solve a random subsample exactly (features generated on it), then hand over."""
    n = data.n
    rng = np.random.default_rng(opt.rng_seed)
    m = min(n, opt.seed_size)
    S = np.sort(rng.choice(n, size=m, replace=False)) if m < n else np.arange(n)
    ys = data.y[S]
    if (ys > 0).all() or (ys < 0).all():       # make sure both classes are there
        S = np.union1d(S, [np.argmax(data.y > 0), np.argmax(data.y < 0)])
        m = S.size
    model = _Model(data, 1.0 / m)
    wts = np.where(data.y[S] > 0, 1.0 / max((data.y[S] > 0).sum(), 1), 1.0 / max((data.y[S] < 0).sum(), 1))
    gp, gm = data.weighted_sums(S, wts)
    F0 = _top_features(np.maximum(gp, gm), opt.seed_features)
    model.add_features(F0, np.full(F0.size, data.l1), np.full(F0.size, data.l1))
    model.add_margin_rows(S)
    for _ in range(opt.max_rounds):
        model.run()
        wp, wm, b, tau, aM, mu = model.solution()
        gp, gm = data.weighted_sums(model.M, aM)
        red = _price_features(data, data.l1, gp, gm, float(aM.sum()))
        red[model.F] = 0.0
        cand = np.nonzero(red < -opt.tol)[0]
        log.append({"round": "seed", "M": int(m), "F": int(model.F.size), "add_features": int(cand.size)})
        if cand.size == 0:
            break
        if cand.size > opt.max_features:
            cand = cand[np.argpartition(red[cand], opt.max_features - 1)[:opt.max_features]]
        cand = np.sort(cand)
        model.add_features(cand, np.full(cand.size, data.l1), np.full(cand.size, data.l1))
    if m == n:
        return model
    # the subsample's solution seeds the full working sets
    wp, wm, b, tau, aM, mu = model.solution()
    wp, wm = np.maximum(wp, 0.0), np.maximum(wm, 0.0)
    h = data.hinge(model.F, wp, wm, b, data.penalty_scalar(wp, wm))
    model.set_xi_cost(1.0 / n)
    _update_sets(model, data, h, np.zeros(0, dtype=np.int64), opt, initial=True)
    return model
