"""Reference backend: the cvxpy model of :meth:`RobustHingeProblem.to_cvxpy`.

``solver="HIGHS"`` (LPs) or ``"CLARABEL"`` (LP, SOCP, QP).  Tolerances are tightened below
the solvers' defaults so that the package's certificate (gap <= 1e-8) can hold.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ..problems import RobustHingeProblem
from .quiet import native_stdout_silenced
from .solution import BackendResult

OPTIONS = {
    "HIGHS": {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    "CLARABEL": {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11,
                 "tol_ktratio": 1e-9, "max_iter": 500},
}


def _value(var, size: int | None) -> np.ndarray | None:
    v = var.value
    if v is None:
        return None
    return np.asarray(v, dtype=float).reshape(-1) if size is not None else np.asarray(v, dtype=float)


def run_cvxpy(model, solver: str, verbose: bool = False) -> tuple[str, float, float]:
    """Solve a :class:`~robustcvx.problems.CvxpyModel`; return (status, claimed value, seconds)."""
    t0 = time.perf_counter()
    with warnings.catch_warnings(), native_stdout_silenced():
        warnings.simplefilter("ignore")
        model.problem.solve(solver=solver, verbose=verbose, **OPTIONS.get(solver, {}))
    return str(model.problem.status), float(model.problem.value if model.problem.value is not None
                                            else np.nan), time.perf_counter() - t0


def solve_cvxpy(problem: RobustHingeProblem, solver: str = "HIGHS", verbose: bool = False) -> BackendResult:
    """Solve ``problem`` with cvxpy and ``solver``; duals of the margin rows become ``alpha``."""
    model = problem.to_cvxpy()
    status, value, seconds = run_cvxpy(model, solver, verbose)
    w = model.w.value
    b = model.b.value
    if w is None or b is None:
        return BackendResult(np.zeros(problem.d), 0.0, None, value, status, seconds)
    alpha = model.margin_row.dual_value
    alpha = None if alpha is None else np.asarray(alpha, dtype=float).reshape(-1)
    return BackendResult(np.asarray(w, dtype=float).reshape(-1), float(np.asarray(b)), alpha,
                         value, status, seconds)


def solve_max_margin(problem: RobustHingeProblem, solver: str, start: tuple[np.ndarray, float] | None = None,
                     batch: int = 100, max_rounds: int = 100, tol: float = 1e-10) -> BackendResult:
    """The max-margin tie-break (:meth:`RobustHingeProblem.to_cvxpy_max_margin`) by working sets.

    Few samples are tight at the max-margin solution, so solve the problem on a working set
    ``S`` (a relaxation: fewer constraints, same objective), then add the samples whose
    constraint ``y_i f(x_i) - pen_i(w) >= 1`` is violated, until none is.  The last restricted
    optimum is then feasible for the full problem, hence optimal for it.  ``start`` (a
    zero-loss model) seeds ``S`` with the samples of smallest robust margin in each class.
    """
    n = problem.n
    if start is not None:
        slack = problem.margins(*start) - problem.penalty(start[0])
    else:
        slack = problem.margins(np.zeros(problem.d), 0.0)
    S = np.zeros(n, dtype=bool)
    for cls in (-1.0, 1.0):
        idx = np.flatnonzero(problem.y == cls)
        S[idx[np.argsort(slack[idx], kind="stable")[:max(1, batch // 2)]]] = True
    seconds, status = 0.0, "max_rounds"
    w, b = np.zeros(problem.d), 0.0
    for _ in range(max_rounds):
        model = problem.to_cvxpy_max_margin(np.flatnonzero(S))
        status, value, dt = run_cvxpy(model, solver)
        seconds += dt
        if model.w.value is None or model.b.value is None:
            break
        w = np.asarray(model.w.value, dtype=float).reshape(-1)
        b = float(np.asarray(model.b.value))
        viol = 1.0 - (problem.margins(w, b) - problem.penalty(w))
        viol[S] = -np.inf
        worst = np.flatnonzero(viol > tol)
        if worst.size == 0:
            return BackendResult(w, b, None, value, status, seconds, {"working_set": int(S.sum())})
        S[worst[np.argsort(-viol[worst], kind="stable")[:batch]]] = True
        status = "max_rounds"
    return BackendResult(w, b, None, float("nan"), status, seconds, {"working_set": int(S.sum())})
