r"""The budget problem of a :class:`~robustcvx.problems.RobustHingeProblem`, solved in a good frame.

Solvers have absolute tolerances, so, like :func:`robustcvx.solvers.solve`, the budget LP is solved
where the data is of order one (:mod:`robustcvx.frame`: ``x' = c (x - m)``).  There the model
``(w', b')`` is ``(w / c, b + w.m)``, so ``||w'||_q = ||w||_q / c``: the budget problem of the framed
data at ``s'`` is the original one at ``s = c s'`` and the dual points are the same.  Every vertex is
mapped back and its size and loss are recomputed on the original data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..frame import choose_frame
from .budget_lp import BudgetLP, BudgetPoint


def signed_dense(problem: Any) -> np.ndarray:
    """``Z = y * X`` as a dense C-contiguous array (the path works on dense data)."""
    X = problem.X.toarray() if hasattr(problem.X, "tocsr") else problem.X
    return np.ascontiguousarray(X * problem.y[:, None])


def zero_model(y: np.ndarray, c: np.ndarray) -> tuple[float, np.ndarray]:
    """The best constant model ``b`` (``w = 0``) and the dual point at budget 0: ``b = sign(C+ - C-)``
    (``+1`` on a tie), ``alpha = c`` on the lighter class and scaled on the heavier one to balance."""
    cp, cm = float(c[y > 0].sum()), float(c[y < 0].sum())
    b = 1.0 if cp >= cm else -1.0
    alpha = np.where(y > 0, c * min(1.0, cm / cp), c * min(1.0, cp / cm))
    return b, alpha


class BudgetSolver:
    """``solve(s)`` in the frame, ``original(point)`` back in the user's coordinates."""

    def __init__(self, problem: Any):
        self.problem = problem
        self.frame = choose_frame(problem)
        framed = self.frame.problem(problem)
        self.Z = signed_dense(framed)
        self.Z_original = self.Z if self.frame.identity else signed_dense(problem)
        self.y, self.c = problem.y, problem.weights
        self.lp = BudgetLP(self.Z, self.y, self.c, framed.threat)
        self.threat = problem.threat

    @property
    def solves(self) -> int:
        return self.lp.solves

    def solve(self, budget: float) -> BudgetPoint:
        return self.lp.solve(budget)

    def zero_point(self) -> BudgetPoint:
        """The point at budget 0 with the exact zero model and the dual point of :func:`zero_model`,
        whose line is tight at 0 (the zero model's loss is ``2 min(C+, C-) = sum alpha``)."""
        b, alpha = zero_model(self.y, self.c)
        return self.lp.point(0.0, np.zeros(self.Z.shape[1]), b, alpha)

    def initial_budget(self) -> float:
        """A first guess of where ``psi`` is flat: ``1 / (smallest nonzero |x_ij|)`` in the frame."""
        a = np.abs(self.Z)
        small = float(a[a > 0].min()) if np.any(a > 0) else 1.0
        return max(1.0, 1.0 / small)

    def original(self, p: BudgetPoint) -> BudgetPoint:
        """The vertex ``p`` in the user's coordinates, its size and loss recomputed there."""
        w, b = self.frame.from_frame(p.coef, p.intercept)
        margins = self.Z_original @ w + self.y * b
        loss = float(self.c @ np.maximum(0.0, 1.0 - margins))
        size = 0.0 if not np.any(w) else float(self.threat.dual_norm(w))
        return BudgetPoint(p.budget * self.frame.scale, w, b, size, loss, p.alpha, p.alpha_sum,
                           p.slope / self.frame.scale)


def budget_solver(problem: Any) -> BudgetSolver:
    return BudgetSolver(problem)
