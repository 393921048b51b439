"""Fit the exact model on a task (what ``robustcvx solve`` runs): binary, or multiclass for a
:class:`~robustcvx.data.MulticlassTask` (Crammer--Singer, or one-vs-rest).

Kept apart from :mod:`robustcvx.estimator` so the command line does not import scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import metrics
from .certify import certified_accuracy
from .errors import DataError, OptionError
from .problems import MulticlassHingeProblem, RobustHingeProblem
from .solvers import Solution, solve

#: the multiclass formulations: the joint problem, or K binary problems
MULTICLASS = ("crammer-singer", "ovr")


def parse_multiclass(value: Any) -> str:
    key = "crammer-singer" if value is None else str(value).strip().lower()
    if key not in MULTICLASS:
        raise OptionError(f"unknown multiclass formulation {value!r}: use crammer-singer (joint) or ovr")
    return key


@dataclass
class TaskFit:
    """The exact model for a task, as printed/saved by the CLI."""

    task: Any
    problem: Any
    solution: Any
    class_weight: Any = None
    multiclass: str | None = None

    def to_record(self) -> dict:
        sol, pr, task = self.solution, self.problem, self.task
        rec = sol.to_dict()
        w, b = sol.coef, sol.intercept
        rec["data"] = task.info()
        rec["problem"] = pr.describe()
        if self.multiclass is not None:
            rec["problem"]["multiclass"] = self.multiclass
            rec["classes"] = list(task.classes)
            model: Any = (w, b, np.asarray(task.classes))
            X, y, split = task.evaluation_split()
            y_eval, y_train = np.asarray(task.classes)[y], task.y_train
        else:
            model = (w, b)
            X, y, split = task.evaluation_split()
            y_eval, y_train = y, pr.y
        if pr.weighted:
            rec["problem"]["class_weight"] = self.class_weight
        rec["norm_l1"] = metrics.l1_norm(w)
        rec["nonzeros"] = metrics.nonzeros(w)
        rec["evaluation"] = {
            "split": split, "n": len(y),
            "train_accuracy": metrics.accuracy(w, b, pr.X, y_train),
            "accuracy": metrics.accuracy(w, b, X, y),
            "certified_accuracy": float(certified_accuracy(model, X, y_eval, pr.epsilon, pr.threat)),
        }
        return rec


def parse_class_weight(text: Any, n_classes: int = 2) -> Any:
    """``None``, ``"balanced"`` or one weight per class ``"W_A,W_B[,...]"`` (the classes in the data spec's
    order) -> ``None``, ``"balanced"`` or ``{label: weight}`` with labels -1/+1 (two classes) or the class
    indices ``0..K-1``."""
    from .validation import check_number

    if text is None or isinstance(text, dict):
        return text
    key = str(text).strip().lower()
    if key == "balanced":
        return "balanced"
    parts = [p for p in key.split(",") if p.strip()]
    if len(parts) != n_classes:
        if n_classes == 2:
            raise OptionError(f"--class-weight must be 'balanced' or two weights W_A,W_B (the classes of :A,B in "
                              f"that order), got {text!r}")
        raise OptionError(f"--class-weight must be 'balanced' or {n_classes} weights W_0,W_1,... (the classes of the "
                          f"data spec in that order), got {text!r}")
    weights = [check_number(p, "class weight") for p in parts]
    if min(weights) <= 0:
        raise OptionError(f"class weights must be > 0, got {text!r}")
    labels = [-1.0, 1.0] if n_classes == 2 else list(range(n_classes))
    return dict(zip(labels, weights))


def combined_sample_weight(y: np.ndarray, sample_weight: Any = None, class_weight: Any = None) -> np.ndarray | None:
    """``sample_weight * class_weight[y]`` (``None`` when both are absent or all weights are 1)."""
    if sample_weight is None and class_weight is None:
        return None
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if s.shape[0] != len(y):
        raise DataError(f"sample_weight has {s.shape[0]} entries but y has {len(y)}: give one per sample")
    if class_weight is not None:
        from sklearn.utils.class_weight import compute_sample_weight  # only here: the CLI stays free of sklearn

        try:
            s = s * compute_sample_weight(class_weight, y)
        except ValueError as exc:
            raise DataError(f"class_weight: {exc}") from None
    return None if np.all(s == 1.0) else s


def fit_task(task: Any, epsilon: Any = 0.0, norm: Any = "inf", box: Any = None, l1: Any = 0.0, l2: Any = 0.0,
             solver: str = "auto", tie_break: str = "max-margin", warm_start: Any = None,
             class_weight: Any = None, multiclass: Any = None) -> TaskFit:
    """Solve the exact problem on the task's training split (``class_weight``: see :func:`parse_class_weight`;
    ``multiclass``: ``crammer-singer`` (default) or ``ovr`` for a multiclass task)."""
    K = getattr(task, "n_classes", 2)
    cw = parse_class_weight(class_weight, K)
    weights = combined_sample_weight(task.y_train, None, cw)
    record_cw = cw if not isinstance(cw, dict) else {str(k): v for k, v in cw.items()}
    if K == 2:
        problem = RobustHingeProblem(task.X_train, task.y_train, epsilon, norm, box, l1, l2, sample_weight=weights)
        sol = solve(problem, solver, tie_break=tie_break, warm_start=warm_start)
        return TaskFit(task, problem, sol, record_cw)
    kind = parse_multiclass(multiclass)
    problem = MulticlassHingeProblem(task.X_train, task.y_train, epsilon, norm, box, l1, l2, sample_weight=weights,
                                     n_classes=K)
    if kind == "ovr":
        from .solvers.ovr import solve_ovr

        sol: Solution = solve_ovr(task.X_train, task.y_train, K, problem.threat, l1=l1, l2=l2,   # type: ignore
                                  sample_weight=weights, solver=solver, tie_break=tie_break)
    else:
        sol = solve(problem, solver, tie_break=tie_break, warm_start=warm_start)
    return TaskFit(task, problem, sol, record_cw, kind)
