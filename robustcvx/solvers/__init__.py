"""Solve a :class:`~robustcvx.problems.RobustHingeProblem` to certified optimality.

:func:`solve` runs in three steps:

1. **The zero model.**  When ``w = 0`` is optimal (a radius so large that no feature is worth
   its penalty, or an ``l2`` so large that every weight is negligible), the best intercept and an
   explicit dual point prove it: nothing is solved.
2. **Backends in a well-conditioned frame** (:mod:`robustcvx.frame`): each backend (see
   :mod:`.registry`) solves the problem in coordinates where the data is of order one; its answer
   is mapped back and checked by the package's own certificate on the original data
   (:func:`robustcvx.certificate.certify_solution`).  The first verified answer is kept; if none
   verifies, the best attempt is returned with ``verified = False`` and the reasons
   (``strict=True`` raises :class:`SolverError` instead).
3. **The tie-break.**  A degenerate optimum (zero loss without regulariser: every scaled
   separator is optimal) is replaced by the max-margin one, certified too.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..certificate import Certificate, certify_solution
from ..errors import OptionError, SolverError
from ..frame import Frame, choose_frame
from ..problems import MulticlassHingeProblem, RobustHingeProblem
from .quiet import native_stdout_silenced
from .registry import BACKENDS, SOLVER_NAMES, candidates, parse_solver
from .solution import BackendResult, Solution

TIE_BREAKS = ("max-margin", "none")

__all__ = [
    "BACKENDS",
    "SOLVER_NAMES",
    "TIE_BREAKS",
    "BackendResult",
    "Solution",
    "parse_solver",
    "parse_tie_break",
    "solve",
]


def parse_tie_break(tie_break: object) -> str:
    key = "none" if tie_break is None else str(tie_break).strip().lower()
    if key not in TIE_BREAKS:
        raise OptionError(f"unknown tie_break {tie_break!r}: use one of {', '.join(TIE_BREAKS)}")
    return key


# --------------------------------------------------------------------------- 1. the zero model
def zero_model(problem: RobustHingeProblem) -> tuple[np.ndarray, float, np.ndarray]:
    """``(w = 0, b, alpha)``: the best constant model and the dual point that proves it optimal
    when it is.  With class weights ``C+ = sum_{y=+1} c_i`` and ``C-``, ``P(0, b)`` is smallest at
    ``b = sign(C+ - C-)`` with value ``2 min(C+, C-)``; ``alpha`` puts ``c_i`` on the lighter class
    and scales the heavier one to balance, so ``sum alpha = 2 min(C+, C-)`` too (zero gap when it
    is dual feasible)."""
    y, c = problem.y, problem.weights
    cp, cm = float(c[y > 0].sum()), float(c[y < 0].sum())
    b = 1.0 if cp >= cm else -1.0
    alpha = np.where(y > 0, c * min(1.0, cm / cp), c * min(1.0, cp / cm))
    return np.zeros(problem.d), b, alpha


def _zero_solution(problem: RobustHingeProblem, t0: float) -> Solution | None:
    w, b, alpha = zero_model(problem)
    cert = certify_solution(problem, w, b, alpha, repair=False)
    if not cert.verified:
        return None
    att = {"solver": "zero-model", "status": "optimal", "verified": True, "gap": cert.gap,
           "seconds": time.perf_counter() - t0}
    return Solution(w, b, cert.primal, alpha, cert, "zero-model", "w = 0 is optimal", time.perf_counter() - t0,
                    [att], None)


# --------------------------------------------------------------------------- 2. backends
def _in_frame(warm_start: Any, frame: Frame) -> Any:
    """A warm start for a backend working in ``frame`` (states are already in it; models are mapped)."""
    if warm_start is None:
        return None
    state = getattr(warm_start, "warm_state", None)
    if state is not None:
        return state
    if isinstance(warm_start, dict) and "coef" in warm_start:
        return frame.to_frame(np.asarray(warm_start["coef"], dtype=float), float(warm_start.get("intercept", 0.0)))
    if isinstance(warm_start, (tuple, list)) and len(warm_start) == 2:
        return frame.to_frame(np.asarray(warm_start[0], dtype=float), float(warm_start[1]))
    coef = getattr(warm_start, "coef", None)
    if coef is not None and not isinstance(warm_start, BackendResult):
        return frame.to_frame(np.asarray(coef, dtype=float), float(getattr(warm_start, "intercept", 0.0)))
    return warm_start


def _attempt(backend, problem: RobustHingeProblem, framed: RobustHingeProblem, frame: Frame,
             warm_start: Any) -> tuple[BackendResult | None, Certificate | None, dict]:
    t0 = time.perf_counter()
    try:
        with native_stdout_silenced():
            res = backend.solve(framed, warm_start=warm_start)
    except Exception as exc:  # a backend failure must never reach the user as a traceback
        return None, None, {"solver": backend.name, "status": f"error: {type(exc).__name__}: {exc}"[:300],
                            "verified": False, "seconds": time.perf_counter() - t0}
    coef = np.asarray(res.coef, dtype=float).reshape(-1)
    if coef.shape[0] != problem.d or not (np.isfinite(coef).all() and np.isfinite(res.intercept)):
        return None, None, {"solver": backend.name, "verified": False, "seconds": time.perf_counter() - t0,
                            "status": f"{res.status}, but returned no usable point (wrong size, NaN or inf)"}
    w, b = frame.from_frame(coef, res.intercept)
    res.coef, res.intercept = w, b
    cert = certify_solution(problem, w, b, res.alpha, claimed=res.objective)
    info = {"solver": backend.name, "status": res.status, "verified": cert.verified,
            "gap": cert.gap, "seconds": time.perf_counter() - t0}
    if not cert.verified:
        info["reason"] = cert.reason
    return res, cert, info


# --------------------------------------------------------------------------- 3. the tie-break
def _max_margin(problem: RobustHingeProblem, framed: RobustHingeProblem, frame: Frame, sol: Solution) -> Solution:
    """Replace a degenerate (zero-loss) optimum by the max-margin one, if that verifies."""
    from . import fast
    from .cvxpy_backend import solve_max_margin

    start = frame.to_frame(sol.coef, sol.intercept)
    solver = "HIGHS" if framed.threat.size_polyhedral else "CLARABEL"     # min ||w||_2 is an SOCP
    t0 = time.perf_counter()
    try:
        with native_stdout_silenced():
            res = None
            if fast.supports_max_margin(framed):  # the working-set dual LP
                try:
                    res = fast.solve_max_margin_fast(framed)
                    solver = "FAST"
                except Exception:
                    res = None
            if res is None or res.status != "optimal":
                solver = "HIGHS" if framed.threat.size_polyhedral else "CLARABEL"
                res = solve_max_margin(framed, solver, start=start)
    except Exception as exc:
        sol.attempts.append({"solver": f"max-margin/{solver.lower()}", "status": f"error: {exc}"[:300],
                             "verified": False})
        return sol
    w, b = frame.from_frame(res.coef, res.intercept)
    # the tie-break point must itself be a certified optimum of the hinge problem (loss 0)
    cert = certify_solution(problem, w, b, np.zeros(problem.n))
    sol.attempts.append({"solver": f"max-margin/{solver.lower()}", "status": res.status,
                         "verified": cert.verified, "gap": cert.gap, "seconds": time.perf_counter() - t0})
    if not cert.verified:
        return sol
    return Solution(w, b, cert.primal, np.zeros(problem.n), cert, sol.solver, sol.status, sol.seconds,
                    sol.attempts, "max-margin", warm_state=sol.warm_state, info=sol.info)


def solve(problem: RobustHingeProblem | MulticlassHingeProblem, solver: str = "auto", *,
          tie_break: str = "max-margin", warm_start: object = None, strict: bool = False) -> Solution:
    """Solve ``problem`` and certify the answer (see the module docstring; a
    :class:`~robustcvx.problems.MulticlassHingeProblem` goes to :func:`.multiclass.solve_multiclass`).

    ``solver``: ``auto`` (fastest applicable first), ``fast``, ``highs`` or ``clarabel``; a named
    solver is tried first and the others follow if its point does not verify.
    ``tie_break``: for degenerate problems (zero optimal loss, no regulariser) return the
    max-margin optimum (``"max-margin"``, unique margin) or the solver's vertex (``"none"``).
    ``warm_start``: a previous :class:`Solution` (its live solver state is reused when the data
    is unchanged), a dict or ``(coef, intercept)``.
    """
    solver = parse_solver(solver)
    tie_break = parse_tie_break(tie_break)
    if isinstance(problem, MulticlassHingeProblem):
        from .multiclass import solve_multiclass

        return solve_multiclass(problem, solver, tie_break=tie_break, warm_start=warm_start, strict=strict)
    t0 = time.perf_counter()
    zero = _zero_solution(problem, t0)
    if zero is not None:
        return zero
    frame = choose_frame(problem)
    framed = frame.problem(problem)
    ws = _in_frame(warm_start, frame)
    attempts: list[dict] = []
    best: tuple[BackendResult, Certificate, str] | None = None
    for backend in candidates(framed, solver):
        res, cert, info = _attempt(backend, problem, framed, frame, ws)
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
    state = res.info.get("state") if isinstance(res.info, dict) else None
    sol = Solution(res.coef, res.intercept, cert.primal,
                   np.asarray(res.alpha if res.alpha is not None else np.zeros(problem.n)), cert,
                   name, res.status, time.perf_counter() - t0, attempts, None, warm_state=state,
                   info={"frame": frame.describe()})
    if not cert.verified:
        if strict:
            raise SolverError("no solver produced a verified optimum: " + cert.reason)
        return sol
    if cert.degenerate and tie_break == "max-margin":
        sol = _max_margin(problem, framed, frame, sol)
        sol.seconds = time.perf_counter() - t0
    return sol
