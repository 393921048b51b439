"""Backends by name: what each can solve and how to call it.

Every backend is a function ``(problem, warm_start=None) -> BackendResult``.  Names used by
the API and the CLI (``--solver``):

* ``fast``     -- the working-set exact solvers: :mod:`robustcvx.solvers.working_set` (HiGHS via
  highspy) for the LPs, :mod:`robustcvx.solvers.conic` (a dense interior-point master) for the
  SOCP and QP cases;
* ``highs``    -- the cvxpy reference model solved by HiGHS (LPs only);
* ``clarabel`` -- the cvxpy reference model solved by Clarabel (LP, SOCP, QP).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import OptionError
from ..problems import RobustHingeProblem
from .solution import BackendResult


@dataclass(frozen=True)
class Backend:
    name: str
    solve: Callable[..., BackendResult]
    supports: Callable[[RobustHingeProblem], bool]
    description: str


def _highs(problem, warm_start=None):
    from .cvxpy_backend import solve_cvxpy
    return solve_cvxpy(problem, "HIGHS")


def _clarabel(problem, warm_start=None):
    from .cvxpy_backend import solve_cvxpy
    return solve_cvxpy(problem, "CLARABEL")


def _fast(problem, warm_start=None):
    from . import conic, working_set
    if working_set.supports(problem):
        return working_set.solve_working_set(problem, warm_start=warm_start)
    return conic.solve_conic(problem, warm_start=warm_start)


def _fast_supports(problem: RobustHingeProblem) -> bool:
    from . import conic, working_set
    return working_set.supports(problem) or conic.supports(problem)


BACKENDS: dict[str, Backend] = {
    "fast": Backend("fast", _fast, _fast_supports, "working-set exact solvers (LP: HiGHS; SOCP/QP: interior point)"),
    "highs": Backend("highs", _highs, lambda p: p.is_lp, "cvxpy reference model + HiGHS (LP)"),
    "clarabel": Backend("clarabel", _clarabel, lambda p: True, "cvxpy reference model + Clarabel (LP/SOCP/QP)"),
}
SOLVER_NAMES = ("auto",) + tuple(BACKENDS)


def parse_solver(name: object) -> str:
    """Canonical solver name, or OptionError listing the valid ones."""
    key = str(name).strip().lower() if isinstance(name, str) else None
    if key not in SOLVER_NAMES:
        raise OptionError(f"unknown solver {name!r}: use one of {', '.join(SOLVER_NAMES)}")
    return key


def candidates(problem: RobustHingeProblem, solver: str = "auto") -> list[Backend]:
    """Backends to try in order: the requested one first, then the others that apply."""
    solver = parse_solver(solver)
    order = ["fast", "highs", "clarabel"]
    if solver != "auto":
        order.remove(solver)
        order.insert(0, solver)
    chosen = [BACKENDS[n] for n in order if BACKENDS[n].supports(problem)]
    if solver != "auto" and not BACKENDS[solver].supports(problem):
        raise OptionError(f"solver {solver!r} cannot solve a {problem.kind} (norm {problem.norm}, l2 {problem.l2:g}); "
                          f"use --solver auto or clarabel")
    return chosen
