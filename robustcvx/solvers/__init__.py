"""Solve a :class:`~robustcvx.problems.RobustHingeProblem` to certified optimality.

:func:`solve` runs in three steps:

1. **The zero model.**  When ``w = 0`` is optimal (a radius so large that no feature is worth
   its penalty, or an ``l2`` so large that every weight is negligible), the best intercept and an
   explicit dual point prove it: nothing is solved.  (With per-sample threat costs, where that
   proof costs two passes over the data, it is tried only when no backend beats ``P(0)``.)
2. **Backends in a well-conditioned frame** (:mod:`robustcvx.frame`): each backend (see
   :mod:`.registry`) solves the problem in coordinates where the data is of order one; its answer
   is mapped back and checked by the package's own certificate on the original data
   (:func:`robustcvx.certificate.certify_solution`).  The first verified answer is kept; if none
   verifies, the best attempt is returned with ``verified = False`` and the reasons
   (``strict=True`` raises :class:`SolverError` instead).
3. **The tie-break** (:mod:`.max_margin`).  A degenerate optimum (zero loss without regulariser:
   every scaled separator is optimal) is replaced by the max-margin one, certified too.  When a
   subsample probe predicts separability, the max-margin model is computed first and, if it
   certifies as an optimum of the hinge problem, returned without solving the hinge problem
   (for penalties ``epsilon ||w||_2`` the working-set plain SVM of :mod:`.conic.hard_margin` is
   itself the probe).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..certificate import GAP_TOL, Certificate, certify_solution
from ..errors import OptionError, SolverError
from ..frame import Frame, choose_frame
from ..problems import MulticlassHingeProblem, RobustHingeProblem
from .conic.hard_margin import separable_first as conic_separable_first
from .max_margin import separable_first
from .max_margin import tie_break as max_margin_tie_break
from .quiet import native_stdout_silenced
from .registry import BACKENDS, SOLVER_NAMES, candidates, parse_solver
from .solution import BackendResult, Solution, zero_model_solution
from .threads import one_blas_thread

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


def _zero_value(problem: RobustHingeProblem) -> float:
    """``P(0, b*) = 2 min(C+, C-)`` (no penalty: ``pen_i(0) = 0`` for every threat)."""
    y, c = problem.y, problem.weights
    return 2.0 * min(float(c[y > 0].sum()), float(c[y < 0].sum()))


def _zero_solution(problem: RobustHingeProblem, t0: float) -> Solution | None:
    w, b, alpha = zero_model(problem)
    cert = certify_solution(problem, w, b, alpha, repair=False)
    if not cert.verified:
        return None
    return zero_model_solution(w, b, alpha, cert, t0, "w = 0 is optimal")


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
    tc = time.perf_counter()
    cert = certify_solution(problem, w, b, res.alpha, claimed=res.objective)
    info = {"solver": backend.name, "status": res.status, "verified": cert.verified,
            "gap": cert.gap, "seconds": time.perf_counter() - t0, "backend_seconds": tc - t0,
            "certificate_seconds": time.perf_counter() - tc}
    if not cert.verified:
        info["reason"] = cert.reason
    return res, cert, info


def solve(problem: RobustHingeProblem | MulticlassHingeProblem, solver: str = "auto", *,
          tie_break: str = "max-margin", warm_start: object = None, strict: bool = False) -> Solution:
    """Solve ``problem`` and certify the answer (see the module docstring; a
    :class:`~robustcvx.problems.MulticlassHingeProblem` goes to :func:`.multiclass.solve_multiclass`).

    ``solver``: ``auto`` (fastest applicable first), ``fast``, ``highs`` or ``clarabel``; a named
    solver is tried first and the others follow if its point does not verify.
    ``tie_break``: for degenerate problems (zero optimal loss, no regulariser) return the
    max-margin optimum (``"max-margin"``, unique margin) or the solver's vertex (``"none"``).
    ``warm_start``: a previous :class:`Solution` (its live solver state is reused when the data
    is unchanged), a dict or ``(coef, intercept)``.  Runs on one BLAS thread
    (:mod:`.threads`).
    """
    with one_blas_thread():
        return _solve(problem, solver, tie_break, warm_start, strict)


def _solve(problem: RobustHingeProblem | MulticlassHingeProblem, solver: str, tie_break: str,
           warm_start: object, strict: bool) -> Solution:
    solver = parse_solver(solver)
    tie_break = parse_tie_break(tie_break)
    if isinstance(problem, MulticlassHingeProblem):
        from .multiclass import solve_multiclass

        return solve_multiclass(problem, solver, tie_break=tie_break, warm_start=warm_start, strict=strict)
    t0 = time.perf_counter()
    # the zero model first when its certificate is cheap (a uniform penalty); with per-sample
    # costs (the box) it costs two passes over the data, so it is only tried if no backend beats it
    zero_first = problem.threat.uniform or not problem.threat.active
    if zero_first:
        zero = _zero_solution(problem, t0)
        if zero is not None:
            return zero
    frame = choose_frame(problem)
    framed = frame.problem(problem)
    if tie_break == "max-margin" and warm_start is None and solver in ("auto", "fast"):
        shortcut = separable_first(problem, framed, frame, t0)
        if shortcut is None:                       # the same for penalties epsilon ||w||_2 (an SOCP)
            shortcut = conic_separable_first(problem, framed, frame, t0)
        if shortcut is not None:
            return shortcut
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
    if not zero_first and (best is None or not best[1].verified or
                           best[1].primal >= _zero_value(problem) * (1 - GAP_TOL)):
        zero = _zero_solution(problem, t0)
        if zero is not None:
            zero.attempts = attempts + zero.attempts
            return zero
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
        sol = max_margin_tie_break(problem, framed, frame, sol)
        sol.seconds = time.perf_counter() - t0
    return sol
