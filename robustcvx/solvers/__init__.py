"""Solve a :class:`~robustcvx.problems.RobustHingeProblem` to certified optimality.

:func:`solve` tries backends in order (see :mod:`.registry`), checks each answer with the
package's own certificate (:func:`robustcvx.certificate.certify_solution`) and returns the
first one that verifies.  If none verifies it returns the best attempt with
``verified = False`` and the reasons (``strict=True`` raises :class:`SolverError` instead).
"""

from __future__ import annotations

import time

import numpy as np

from ..certificate import GAP_TOL, Certificate, certify_solution
from ..errors import OptionError, SolverError
from ..problems import RobustHingeProblem
from .quiet import native_stdout_silenced
from .registry import BACKENDS, SOLVER_NAMES, candidates, parse_solver
from .solution import BackendResult, Solution

TIE_BREAKS = ("max-margin", "none")

__all__ = ["solve", "Solution", "BackendResult", "SOLVER_NAMES", "TIE_BREAKS", "BACKENDS", "parse_solver"]


def parse_tie_break(tie_break: object) -> str:
    key = "none" if tie_break is None else str(tie_break).strip().lower()
    if key not in TIE_BREAKS:
        raise OptionError(f"unknown tie_break {tie_break!r}: use one of {', '.join(TIE_BREAKS)}")
    return key


def _attempt(backend, problem, warm_start) -> tuple[BackendResult | None, Certificate | None, dict]:
    t0 = time.perf_counter()
    try:
        with native_stdout_silenced():
            res = backend.solve(problem, warm_start=warm_start)
    except Exception as exc:  # a backend failure must never reach the user as a traceback
        return None, None, {"solver": backend.name, "status": f"error: {type(exc).__name__}: {exc}"[:300],
                            "verified": False, "seconds": time.perf_counter() - t0}
    coef = np.asarray(res.coef, dtype=float).reshape(-1)
    if coef.shape[0] != problem.d or not (np.isfinite(coef).all() and np.isfinite(res.intercept)):
        return None, None, {"solver": backend.name, "verified": False, "seconds": time.perf_counter() - t0,
                            "status": f"{res.status}, but returned no usable point (wrong size, NaN or inf)"}
    cert = certify_solution(problem, res.coef, res.intercept, res.alpha, claimed=res.objective)
    info = {"solver": backend.name, "status": res.status, "verified": cert.verified,
            "gap": cert.gap, "seconds": res.seconds}
    if not cert.verified:
        info["reason"] = cert.reason
    return res, cert, info


def _max_margin(problem: RobustHingeProblem, sol: Solution) -> Solution:
    """Replace a degenerate (zero-loss) optimum by the max-margin one, if that verifies."""
    from .cvxpy_backend import solve_max_margin

    from . import fast

    solver = "CLARABEL" if problem.dual_norm == "2" else "HIGHS"  # min ||w||_2 is an SOCP
    try:
        with native_stdout_silenced():
            res = None
            if fast.supports_max_margin(problem):  # the working-set dual LP, ~10x faster
                try:
                    res = fast.solve_max_margin_fast(problem)
                    solver = "FAST"
                except Exception:
                    res = None
            if res is None or not (np.isfinite(res.coef).all() and np.isfinite(res.intercept)) or \
                    not certify_solution(problem, res.coef, res.intercept, np.zeros(problem.n)).verified:
                solver = "CLARABEL" if problem.dual_norm == "2" else "HIGHS"
                res = solve_max_margin(problem, solver, start=(sol.coef, sol.intercept))
    except Exception as exc:
        sol.attempts.append({"solver": f"max-margin/{solver.lower()}", "status": f"error: {exc}"[:300],
                             "verified": False})
        return sol
    # the tie-break point must itself be a certified optimum of the hinge problem (loss 0)
    cert = certify_solution(problem, res.coef, res.intercept, np.zeros(problem.n))
    sol.attempts.append({"solver": f"max-margin/{solver.lower()}", "status": res.status,
                         "verified": cert.verified, "gap": cert.gap, "seconds": res.seconds})
    if not cert.verified:
        return sol
    return Solution(res.coef, res.intercept, cert.primal, np.zeros(problem.n), cert, sol.solver,
                    sol.status, sol.seconds + res.seconds, sol.attempts, "max-margin")


def solve(problem: RobustHingeProblem, solver: str = "auto", *, tie_break: str = "max-margin",
          warm_start: object = None, strict: bool = False) -> Solution:
    """Solve ``problem`` and certify the answer.

    ``solver``: ``auto`` (fastest applicable first), ``fast``, ``highs`` or ``clarabel``; a named
    solver is tried first and the others follow if its point does not verify.
    ``tie_break``: for degenerate problems (zero optimal loss, no regulariser) return the
    max-margin optimum (``"max-margin"``, unique margin) or the solver's vertex (``"none"``).
    ``warm_start``: passed to backends that accept one (the fast solver).
    """
    solver = parse_solver(solver)
    tie_break = parse_tie_break(tie_break)
    t0 = time.perf_counter()
    attempts: list[dict] = []
    best: tuple[BackendResult, Certificate, str] | None = None
    for backend in candidates(problem, solver):
        res, cert, info = _attempt(backend, problem, warm_start)
        attempts.append(info)
        if res is None:
            continue
        if best is None or (cert.verified and not best[1].verified) or \
                (not best[1].verified and cert.gap < best[1].gap):
            best = (res, cert, backend.name)
        if cert.verified:
            break
    if best is None:
        raise SolverError("every solver failed: " + "; ".join(a["status"] for a in attempts))
    res, cert, name = best
    sol = Solution(res.coef, res.intercept, cert.primal,
                   np.asarray(res.alpha if res.alpha is not None else np.zeros(problem.n)), cert,
                   name, res.status, time.perf_counter() - t0, attempts, None)
    if not cert.verified:
        if strict:
            raise SolverError("no solver produced a verified optimum: " + cert.reason)
        return sol
    if cert.degenerate and tie_break == "max-margin":
        sol = _max_margin(problem, sol)
        sol.seconds = time.perf_counter() - t0
    return sol
