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


def solve_max_margin(problem: RobustHingeProblem, solver: str) -> BackendResult:
    """The max-margin tie-break (see :meth:`RobustHingeProblem.to_cvxpy_max_margin`)."""
    model = problem.to_cvxpy_max_margin()
    status, value, seconds = run_cvxpy(model, solver)
    w, b = model.w.value, model.b.value
    if w is None or b is None:
        return BackendResult(np.zeros(problem.d), 0.0, None, value, status, seconds)
    return BackendResult(np.asarray(w, dtype=float).reshape(-1), float(np.asarray(b)), None,
                         value, status, seconds)
