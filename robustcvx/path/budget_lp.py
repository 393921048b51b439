r"""The budget problem ``psi(s) = min { H(w, b) : ||w||_q <= s }`` as a warm-started HiGHS LP.

``H(w, b) = sum_i c_i max(0, 1 - y_i (w.x_i + b))`` is the weighted mean regular hinge and
``||.||_q`` the norm that the threat penalises (``||w||_1`` for the l_inf ball, ``||w||_inf`` for
the l_1 ball).  HiGHS solves the LP dual, whose variables are the multipliers of the margin
constraints (the ``alpha`` of :mod:`robustcvx.certificate`) and the multiplier ``mu`` of the
budget::

    psi(s) = max  sum_i alpha_i - s mu
             s.t. 0 <= alpha_i <= c_i,   sum_i y_i alpha_i = 0,   ||g||_p <= mu,
                  g = X^T (alpha * y)                                        (p dual to q)

so the budget ``s`` is the cost of the one column ``mu`` and a new budget is one cost change
and a warm re-solve.  Every dual point is a *line* below ``psi``: ``psi(t) >= sum alpha - t mu``
for every ``t`` (weak duality), tight at the ``s`` it was solved for.  The model is read from
the row duals: ``w_j = -`` (dual of the row defining ``g_j``), ``b = -`` (dual of the balance row).

The dual-norm constraint ``||g||_p <= mu`` takes the threat's LP form
(:attr:`~robustcvx.threats.Threat.lp_slack`, the same forms as the working-set solver):
``"shared"`` (``|g_j| <= mu`` for every feature: ``p = inf``, budget ``||w||_1``) or
``"budget"`` (``|g_j| <= beta_j``, ``sum_j beta_j <= mu``: ``p = 1``, budget ``||w||_inf``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import OptionError, SolverError

LP_TOL = 1e-10      # HiGHS primal / dual feasibility tolerances
INF = float("inf")


@dataclass
class BudgetPoint:
    """One solve of the budget problem at ``budget``.

    ``coef``, ``intercept``: an optimal model; ``size = ||coef||_q`` and ``loss = H(coef, intercept)``,
    both recomputed on the data; ``alpha``, ``mu``: the dual point (``alpha`` clipped into
    ``[0, c]``), ``alpha_sum = sum alpha`` and ``slope = ||g||_p``, recomputed, so that
    ``line(t) = alpha_sum - t * slope`` is a lower bound of ``psi`` everywhere.
    """

    budget: float
    coef: np.ndarray
    intercept: float
    size: float
    loss: float
    alpha: np.ndarray
    alpha_sum: float
    slope: float

    def line(self, t: float) -> float:
        return self.alpha_sum - t * self.slope


def budget_form(threat: Any) -> str:
    """The LP form of the dual-norm constraint for ``threat`` (``"shared"`` or ``"budget"``), or
    an OptionError when the threat has none (the l_2 ball: ``psi`` is not piecewise linear)."""
    form = threat.with_epsilon(1.0).lp_slack if threat.uniform else None
    if form not in ("shared", "budget"):
        raise OptionError(f"the {describe_threat(threat)} threat has no finite exact path (its budget problem "
                          "is curved, not piecewise linear): solve a grid of radii with 'robustcvx solve'")
    return form


def set_norm(form: str, g: np.ndarray) -> float:
    """``||g||_p`` for the LP form ``form``: ``max_j |g_j|`` (``"shared"``) or ``sum_j |g_j|`` (``"budget"``)."""
    a = np.abs(np.asarray(g, dtype=float))
    return float(a.max(initial=0.0)) if form == "shared" else math.fsum(a.tolist())


def describe_threat(threat: Any) -> str:
    d = threat.describe()
    box = d.get("box")
    return f"l_{d['norm']}" + (f" ball in the box [{box[0]:g}, {box[1]:g}]" if box else " ball")


def new_highs() -> Any:
    """A silent ``highspy.Highs`` with tight tolerances and the dual simplex."""
    import highspy

    from ..solvers.quiet import native_stdout_silenced

    with native_stdout_silenced():          # highspy prints its banner once per process
        h = highspy.Highs()
    for key, value in (("output_flag", False), ("primal_feasibility_tolerance", LP_TOL),
                       ("dual_feasibility_tolerance", LP_TOL), ("presolve", "off"),
                       ("solver", "simplex"), ("simplex_strategy", 1)):
        h.setOptionValue(key, value)
    return h


def shared_columns(Z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The constraint matrix of the ``"shared"`` form, column-wise (HiGHS' ``start``, ``index``,
    ``value``), built straight from the dense ``Z`` (one pass; no sparse block assembly).

    Rows: the balance (0), ``def_j`` (``1 + j``), ``up_j`` (``1 + d + j``), ``lo_j`` (``1 + 2d + j``).
    Column ``alpha_i``: ``y_i`` in the balance and ``z_ij`` in ``def_j`` (its nonzeros);
    ``gamma_j``: ``-1`` in ``def_j``, ``+1`` in ``up_j`` and ``lo_j``; ``mu``: ``-1`` in every
    ``up_j``, ``+1`` in every ``lo_j``.
    """
    n, d = Z.shape
    full = np.empty((n, d + 1))                    # row i: column alpha_i over the rows 0..d
    full[:, 0] = y
    full[:, 1:] = Z
    keep = full != 0.0
    keep[:, 0] = True                              # (the balance entry always)
    start_a = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(keep.sum(axis=1), out=start_a[1:])
    m = int(start_a[-1])
    index = np.empty(m + 5 * d, dtype=np.int32)
    value = np.empty(m + 5 * d)
    index[:m] = np.broadcast_to(np.arange(d + 1, dtype=np.int32), (n, d + 1))[keep]
    value[:m] = full[keep]                         # (sample by sample, rows ascending)
    j = np.arange(d)
    index[m:m + 3 * d] = np.stack([1 + j, 1 + d + j, 1 + 2 * d + j], axis=1).ravel()
    value[m:m + 3 * d] = np.tile([-1.0, 1.0, 1.0], d)
    index[m + 3 * d:] = np.concatenate([1 + d + j, 1 + 2 * d + j])
    value[m + 3 * d:] = np.concatenate([-np.ones(d), np.ones(d)])
    start = np.concatenate([start_a, m + 3 * np.arange(1, d + 1), [m + 5 * d]]).astype(np.int32)
    return start, index, value


class BudgetLP:
    """The budget LP on the full data, kept alive between budgets (warm starts).

    ``Z = y * X`` (dense, rows the signed samples), ``c`` the sample weights (summing to 1) and
    the threat (its :func:`budget_form` and its ``||w||_q``).
    """

    def __init__(self, Z: np.ndarray, y: np.ndarray, c: np.ndarray, threat: Any):
        import highspy
        import scipy.sparse as sp

        self.Z, self.y, self.c = Z, y, c
        form = self.form = budget_form(threat)
        self.dual_norm = threat.dual_norm
        n, d = Z.shape
        self.n, self.d = n, d
        inf = highspy.kHighsInf
        nb = d if form == "budget" else 0                     # beta columns
        # columns: alpha (n) | gamma (d) | beta (nb) | mu
        self.mu_col = n + d + nb
        ncol = self.mu_col + 1
        cost = np.zeros(ncol)
        cost[:n] = -1.0
        lower = np.concatenate([np.zeros(n), np.full(d, -inf), np.zeros(nb), [0.0]])
        upper = np.concatenate([c, np.full(d, inf), np.full(nb, inf), [inf]])
        # rows: balance | def_j (g_j - gamma_j = 0) | up_j | lo_j | (budget: sum beta - mu <= 0)
        eye = sp.identity(d, format="csr")
        zeros_nd = sp.csr_matrix((d, n))
        blocks = [] if form == "shared" else [
            [sp.csr_matrix(y[None, :]), sp.csr_matrix((1, d)), sp.csr_matrix((1, nb)), sp.csr_matrix((1, 1))],
            [sp.csr_matrix(Z.T), -eye, sp.csr_matrix((d, nb)), sp.csr_matrix((d, 1))],
        ]
        if form == "shared":            # gamma_j - mu <= 0, gamma_j + mu >= 0 (the matrix: shared_columns)
            row_lo = np.concatenate([[0.0], np.zeros(d), np.full(d, -inf), np.zeros(d)])
            row_up = np.concatenate([[0.0], np.zeros(d), np.zeros(d), np.full(d, inf)])
        else:                           # gamma_j - beta_j <= 0, gamma_j + beta_j >= 0, sum beta - mu <= 0
            blocks += [[zeros_nd, eye, -eye, sp.csr_matrix((d, 1))],
                       [zeros_nd, eye, eye, sp.csr_matrix((d, 1))],
                       [sp.csr_matrix((1, n)), sp.csr_matrix((1, d)), sp.csr_matrix(np.ones((1, d))),
                        sp.csr_matrix(-np.ones((1, 1)))]]
            row_lo = np.concatenate([[0.0], np.zeros(d), np.full(d, -inf), np.zeros(d), [-inf]])
            row_up = np.concatenate([[0.0], np.zeros(d), np.zeros(d), np.full(d, inf), [0.0]])
        if form == "shared":
            start, index, value = shared_columns(Z, y)
        else:
            A = sp.bmat(blocks, format="csc")
            start, index, value = A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data
        self.h = new_highs()
        # (the arrays as buffers: a HighsLp's fields would convert them element by element, ~0.3 s)
        status = self.h.passModel(ncol, row_lo.shape[0], int(start[-1]), int(highspy.MatrixFormat.kColwise),
                                  int(highspy.ObjSense.kMinimize), 0.0, cost, lower, upper, row_lo, row_up,
                                  np.ascontiguousarray(start, dtype=np.int32),
                                  np.ascontiguousarray(index, dtype=np.int32),
                                  np.ascontiguousarray(value, dtype=float), np.zeros(ncol, dtype=np.int32))
        if status == highspy.HighsStatus.kError:
            raise SolverError("HiGHS refused the budget LP")
        self.solves = 0

    def solve(self, budget: float) -> BudgetPoint:
        """Solve at ``budget`` (warm from the previous solve) and read the model and the dual point."""
        import highspy

        from ..solvers.quiet import native_stdout_silenced

        self.h.changeColCost(self.mu_col, float(budget))
        with native_stdout_silenced():
            self.h.run()
        self.solves += 1
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(f"HiGHS did not solve the budget LP at s = {budget:.6g}: "
                              f"{self.h.modelStatusToString(status)}")
        sol = self.h.getSolution()
        col = np.asarray(sol.col_value)
        row_dual = np.asarray(sol.row_dual)
        w = -row_dual[1:1 + self.d]
        b = -float(row_dual[0])
        alpha = np.clip(col[:self.n], 0.0, self.c)
        return self.point(budget, w, b, alpha)

    def set_norm(self, g: np.ndarray) -> float:
        """``||g||_p``, the norm of the dual constraint ``||g||_p <= mu`` of this LP form."""
        return set_norm(self.form, g)

    def point(self, budget: float, w: np.ndarray, b: float, alpha: np.ndarray) -> BudgetPoint:
        """A :class:`BudgetPoint` with every number recomputed from ``(w, b)`` and ``alpha``."""
        margins = self.Z @ w + self.y * b
        loss = float(self.c @ np.maximum(0.0, 1.0 - margins))
        g = self.Z.T @ alpha
        return BudgetPoint(float(budget), w, b, float(self.dual_norm(w)), loss, alpha,
                           math.fsum(alpha.tolist()), float(self.set_norm(g)))
