r"""The vertices of ``psi`` and the dual line of every edge, by the homotopy and/or warm-started solves.

``homotopy`` (the ``||w||_1`` budget of the l_inf threat): solve the budget LP once at a small
budget ``s0`` inside the first edges, find any vertex below ``s0`` by the sandwich method, then
follow the parametric simplex (:mod:`.homotopy`) to where ``psi`` is flat.  If the homotopy stops
(a check fails), the rest of the path is found by the sandwich method from its last vertex, so the
result never depends on the homotopy having succeeded.  ``sandwich``: warm-started solves only
(:mod:`.sandwich`), for every polyhedral threat.

Everything runs in the solver's frame (:mod:`.solve`) and is mapped back: budgets and slopes by the
frame's scale, models on demand (:class:`FramedVertex`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .budget_lp import BudgetPoint
from .homotopy import Homotopy, HomotopyResult, HomotopyStopped, PieceDual, crash, piece_alpha
from .sandwich import find_vertices, flat_budget
from .solve import BudgetSolver

START_BUDGET = 1e-2      # the homotopy's first budget, divided by the largest |x_ij| (in the frame)


@dataclass
class Line:
    """A dual point of the budget problem in the user's coordinates: ``psi(s) >= alpha_sum - s slope``."""

    alpha_sum: float
    slope: float
    _alpha: Any = field(repr=False, default=None)

    @property
    def alpha(self) -> np.ndarray:
        a = self._alpha
        return a() if callable(a) else a


@dataclass
class FramedVertex:
    """A homotopy vertex: ``size`` and ``loss`` known, the model mapped from the frame when asked for."""

    size: float
    loss: float
    A: np.ndarray
    wA: np.ndarray
    b: float
    solver: BudgetSolver = field(repr=False)

    @cached_property
    def _model(self) -> tuple[np.ndarray, float]:
        w = np.zeros(self.solver.Z.shape[1])
        w[self.A] = self.wA
        return self.solver.frame.from_frame(w, self.b)

    @property
    def coef(self) -> np.ndarray:
        return self._model[0]

    @property
    def intercept(self) -> float:
        return self._model[1]


@dataclass
class Found:
    points: list
    lines: list
    method: str
    solves: int = 0
    steps: int = 0


def _line(solver: BudgetSolver, p: BudgetPoint) -> Line:
    return Line(p.alpha_sum, p.slope / solver.frame.scale, p.alpha)


def _sandwich(solver: BudgetSolver, lo: BudgetPoint, hi: BudgetPoint, found: Found) -> None:
    """Append the vertices strictly between the solves ``lo`` and ``hi`` and the lines up to ``hi``."""
    v = find_vertices(solver.solve, lo, hi)
    found.points += [solver.original(p) for p in v.points]
    found.lines += [_line(solver, p) for p in v.lines[:-1]]


def _homotopy_line(solver: BudgetSolver, res: HomotopyResult, dual: PieceDual) -> Line:
    c = solver.c
    return Line(dual.alpha_sum, dual.mu / solver.frame.scale, lambda: piece_alpha(res, dual, c))


def path_vertices(problem: Any, method: str) -> Found:
    """Vertices and lines of ``psi`` for ``problem`` (see the module docstring)."""
    solver = BudgetSolver(problem)
    zero = solver.zero_point()
    use_homotopy = method == "homotopy" or (method == "auto" and solver.lp.form == "shared")
    if use_homotopy and solver.lp.form != "shared":
        from ..errors import OptionError
        raise OptionError("the homotopy follows the ||w||_1 budget of the l_inf threat; use method='sandwich'")
    found = Found([solver.original(zero)], [_line(solver, zero)], "homotopy" if use_homotopy else "sandwich")
    if not use_homotopy:
        flat = flat_budget(solver.solve, solver.initial_budget())
        _sandwich(solver, zero, flat, found)
        found.lines.append(_line(solver, flat))
        found.solves = solver.solves
        return found
    scale = float(np.abs(solver.Z).max(initial=0.0)) or 1.0
    s0 = START_BUDGET / scale
    p0 = solver.solve(s0)
    if p0.slope <= 0.0:                               # psi is flat from 0: the zero model is the path
        found.lines.append(_line(solver, p0))
        found.solves = solver.solves
        return found
    _sandwich(solver, zero, p0, found)                # vertices below s0 (usually none)
    res = None
    try:
        A, sigma, T, state = crash(solver.Z, solver.y, solver.c, p0.coef, p0.intercept, p0.alpha)
        hom = Homotopy(solver.Z, solver.y, solver.c)
        hom.start(s0, A, sigma, T, state)
        res = hom.run()
    except HomotopyStopped as exc:
        found.method = f"sandwich (homotopy did not start: {exc})"
    if res is not None:
        found.steps = res.steps
        for s, h, (A_, wA, b), dual in zip(res.budgets, res.losses, res.models, res.duals):
            found.points.append(FramedVertex(s * solver.frame.scale, h, A_, wA, b, solver))
            found.lines.append(_homotopy_line(solver, res, dual))
        if not res.stopped and res.end_dual is not None:
            found.lines.append(_homotopy_line(solver, res, res.end_dual))
            found.solves = solver.solves
            return found
        found.method = f"homotopy, then sandwich ({res.stopped})"
    last = res.budgets[-1] if res is not None and res.budgets else s0
    lo = solver.solve(last) if last != s0 else p0
    flat = flat_budget(solver.solve, max(2.0 * last, solver.initial_budget()))
    _sandwich(solver, lo, flat, found)
    found.lines.append(_line(solver, flat))
    found.solves = solver.solves
    return found
