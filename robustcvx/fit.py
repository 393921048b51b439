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
    class_weight: Any = None

    def to_record(self) -> dict:
        sol, pr, task = self.solution, self.problem, self.task
        rec = sol.to_dict()
        w, b = sol.coef, sol.intercept
        info = task.info()
        rec["data"] = info
        rec["problem"] = pr.describe()
        if pr.weighted:
            rec["problem"]["class_weight"] = self.class_weight
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


def parse_class_weight(text: Any) -> Any:
    """``None``, ``"balanced"`` or the pair of class weights ``"W_A,W_B"`` (the classes in ``:A,B`` order,
    i.e. labels -1 and +1) -> ``None``, ``"balanced"`` or ``{-1.0: W_A, 1.0: W_B}``."""
    from .errors import OptionError
    from .validation import check_number

    if text is None or isinstance(text, dict):
        return text
    key = str(text).strip().lower()
    if key == "balanced":
        return "balanced"
    parts = [p for p in key.split(",") if p.strip()]
    if len(parts) != 2:
        raise OptionError(f"--class-weight must be 'balanced' or two weights W_A,W_B (the classes of :A,B in that "
                          f"order), got {text!r}")
    wa, wb = (check_number(p, "class weight") for p in parts)
    if wa <= 0 or wb <= 0:
        raise OptionError(f"class weights must be > 0, got {text!r}")
    return {-1.0: wa, 1.0: wb}


def fit_task(task: Any, epsilon: Any = 0.0, norm: Any = "inf", box: Any = None, l1: Any = 0.0, l2: Any = 0.0,
             solver: str = "auto", tie_break: str = "max-margin", warm_start: Any = None,
             class_weight: Any = None) -> TaskFit:
    """Solve the exact problem on the task's training split (``class_weight``: see :func:`parse_class_weight`)."""
    from .estimator import combined_sample_weight

    weights = combined_sample_weight(task.y_train, None, parse_class_weight(class_weight))
    problem = RobustHingeProblem(task.X_train, task.y_train, epsilon, norm, box, l1, l2, sample_weight=weights)
    sol = solve(problem, solver, tie_break=tie_break, warm_start=warm_start)
    cw = parse_class_weight(class_weight)
    return TaskFit(task, problem, sol, cw if not isinstance(cw, dict) else {str(k): v for k, v in cw.items()})
