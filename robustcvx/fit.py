"""Fit the exact model on a :class:`~robustcvx.data.BinaryTask` (what ``robustcvx solve`` runs).

Kept apart from :mod:`robustcvx.estimator` so the command line does not import scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import metrics
from .certify import certified_accuracy
from .problems import RobustHingeProblem
from .solvers import Solution, solve


@dataclass
class TaskFit:
    """The exact model for a :class:`~robustcvx.data.BinaryTask`, as printed/saved by the CLI."""

    task: Any
    problem: RobustHingeProblem
    solution: Solution

    def to_record(self) -> dict:
        sol, pr, task = self.solution, self.problem, self.task
        rec = sol.to_dict()
        w, b = sol.coef, sol.intercept
        info = task.info()
        rec["data"] = info
        rec["problem"] = pr.describe()
        rec["norm_l1"] = metrics.l1_norm(w)
        rec["nonzeros"] = metrics.nonzeros(w)
        X, y, split = task.evaluation_split()
        rec["evaluation"] = {
            "split": split, "n": len(y),
            "train_accuracy": metrics.accuracy(w, b, pr.X, pr.y),
            "accuracy": metrics.accuracy(w, b, X, y),
            "certified_accuracy": float(certified_accuracy((w, b), X, y, pr.epsilon, pr.threat)),
        }
        return rec


def fit_task(task: Any, epsilon: Any = 0.0, norm: Any = "inf", box: Any = None, l1: Any = 0.0, l2: Any = 0.0,
             solver: str = "auto", tie_break: str = "max-margin", warm_start: Any = None) -> TaskFit:
    """Solve the exact problem on the task's training split."""
    problem = RobustHingeProblem(task.X_train, task.y_train, epsilon, norm, box, l1, l2)
    sol = solve(problem, solver, tie_break=tie_break, warm_start=warm_start)
    return TaskFit(task, problem, sol)
