r"""What a comparison runs on: a task's splits and the training problem they define.

* binary: a :class:`~robustcvx.data.BinaryTask`, or arrays with labels -1/+1, gives a
  :class:`~robustcvx.problems.RobustHingeProblem`;
* ``K >= 3`` classes: a :class:`~robustcvx.data.MulticlassTask`, or arrays with class indices
  ``0..K-1``, gives the joint (Crammer--Singer) :class:`~robustcvx.problems.MulticlassHingeProblem`;
  the labels index the model's rows (``coef`` of shape ``(K, d)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError, InputTypeError
from ..pairs import class_indices
from ..problems import MulticlassHingeProblem, RobustHingeProblem
from ..validation import check_features, check_pm1_labels


@dataclass(frozen=True)
class ArrayTask:
    """A task from arrays: ``compare((X, y))`` or ``compare((X, y, X_test, y_test))``; ``n_classes`` is 2
    for labels -1/+1, else the number of classes of the indices ``0..K-1``."""

    X_train: Any
    y_train: np.ndarray
    X_test: Any = None
    y_test: np.ndarray | None = None
    n_classes: int = 2

    @property
    def classes(self) -> tuple:
        return (-1, 1) if self.n_classes == 2 else tuple(range(self.n_classes))

    def info(self) -> dict:
        return {"name": "arrays", "n": int(self.X_train.shape[0]), "d": int(self.X_train.shape[1]),
                "n_test": None if self.X_test is None else int(self.X_test.shape[0]), "n_classes": self.n_classes,
                "classes": list(self.classes)}

    def evaluation_split(self) -> tuple[Any, np.ndarray, str]:
        if self.X_test is not None:
            return self.X_test, self.y_test, "test"
        return self.X_train, self.y_train, "train"


def _array_classes(y: np.ndarray) -> int:
    """2 for labels -1/+1, ``K`` for class indices ``0..K-1`` with ``K >= 3``; else one clear error."""
    if y.size and np.isin(y, (-1.0, 1.0)).all():
        return 2
    if y.size and np.all(y == np.round(y)) and y.min() >= 0 and y.max() >= 2:
        return int(y.max()) + 1
    raise DataError("y must hold labels -1/+1 (two classes) or class indices 0..K-1 of three or more classes")


def as_task(task: Any) -> Any:
    """``task`` itself (a data set with ``X_train``/``y_train``) or an :class:`ArrayTask` from arrays."""
    if hasattr(task, "X_train") and hasattr(task, "y_train"):
        return task
    if isinstance(task, (tuple, list)) and len(task) in (2, 4):
        X = [check_features(a, "X" if k == 0 else "X_test", sparse=True) for k, a in enumerate(task[0::2])]
        try:
            y = [np.asarray(a, dtype=np.float64).reshape(-1) for a in task[1::2]]
        except (TypeError, ValueError):
            raise DataError("y must hold numeric labels: -1/+1, or class indices 0..K-1") from None
        K = _array_classes(y[0])
        if K > 2:
            y = [class_indices(v, np.arange(K), x.shape[0], name) for v, x, name in zip(y, X, ("y", "y_test"))]
        return ArrayTask(*[v for pair in zip(X, y) for v in pair], n_classes=K)
    raise InputTypeError("task must be a BinaryTask or MulticlassTask (robustcvx.data.load_task), (X, y) or "
                         "(X, y, X_test, y_test)")


def n_classes(task: Any) -> int:
    """2 for a binary task, ``K`` for a task with ``K`` classes."""
    return int(getattr(task, "n_classes", 2))


def training_problem(task: Any, cfg: Any, sample_weight: Any = None) -> Any:
    """The problem of the comparison ``cfg`` on the task's training split (module docstring)."""
    K = n_classes(task)
    weights = cfg.sample_weight(task.y_train, sample_weight, n_classes=K)
    if K == 2:
        return RobustHingeProblem(task.X_train, task.y_train, cfg.threat, l1=cfg.l1, l2=cfg.l2, sample_weight=weights)
    return MulticlassHingeProblem(task.X_train, task.y_train, cfg.threat, l1=cfg.l1, l2=cfg.l2,
                                  sample_weight=weights, n_classes=K)


def evaluation_split(task: Any, problem: Any) -> tuple[Any, np.ndarray, str]:
    """``(X, y, split)``: the test split when there is one, else the training split (labels checked)."""
    X, y, split = task.evaluation_split()
    X = check_features(X, f"the {split} features", sparse=True)
    if X.shape[1] != problem.d:
        raise DataError(f"the {split} split has {X.shape[1]} features but the training split has {problem.d}")
    if isinstance(problem, MulticlassHingeProblem):
        return X, class_indices(y, np.arange(problem.K), X.shape[0], f"the {split} labels"), split
    return X, check_pm1_labels(y, X.shape[0], f"the {split} labels"), split
