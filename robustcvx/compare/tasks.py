r"""What a comparison runs on: a task's splits and the training problem they define.

* binary: a :class:`~robustcvx.data.BinaryTask`, or arrays with labels -1/+1, gives a
  :class:`~robustcvx.problems.RobustHingeProblem`;
* ``K >= 3`` classes: a :class:`~robustcvx.data.MulticlassTask`, or arrays with class indices
  ``0..K-1``, gives the joint (Crammer--Singer) :class:`~robustcvx.problems.MulticlassHingeProblem`;
  the labels index the model's rows (``coef`` of shape ``(K, d)``).

With ``max_train`` the training problem keeps a seeded, stratified subsample of the training rows
(:func:`training_rows`): class ``c`` with ``n_c`` of the ``n`` samples keeps ``floor(N n_c / n)`` rows, the
``N - sum floor(.)`` rows left over go to the classes with the largest remainders ``N n_c / n - floor(.)``
(the first class on a tie), and every class keeps at least one row; the rows are drawn without
replacement by ``numpy.random.default_rng(seed)`` and kept in their original order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError, InputTypeError, OptionError
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


def training_rows(y: Any, max_train: int | None, seed: int) -> np.ndarray | None:
    """The sorted rows of a seeded stratified subsample of at most ``max_train`` of the labels ``y``
    (module docstring), or ``None`` when every row is kept (``max_train`` is ``None`` or ``>= n``)."""
    y = np.asarray(y).reshape(-1)
    n = y.shape[0]
    if max_train is None or max_train >= n:
        return None
    classes, index = np.unique(y, return_inverse=True)
    if max_train < classes.size:
        raise OptionError(f"max train {max_train} is below the {classes.size} classes of the training split: "
                          f"keep at least one sample per class (max train >= {classes.size})")
    quota = max_train * np.bincount(index) / n
    take = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - take), kind="stable")
    take[order[:max_train - int(take.sum())]] += 1
    while (take == 0).any():                           # every class keeps a row: from the largest share
        take[np.argmax(take)] -= 1
        take[np.flatnonzero(take == 0)[0]] += 1
    rng = np.random.default_rng(seed)
    rows = [rng.choice(np.flatnonzero(index == c), size=int(t), replace=False) for c, t in enumerate(take)]
    return np.sort(np.concatenate(rows))


def training_problem(task: Any, cfg: Any, sample_weight: Any = None) -> Any:
    """The problem of the comparison ``cfg`` on the task's training split (module docstring): every row,
    or the rows of :func:`training_rows` when ``cfg.max_train`` is set (``sample_weight`` with them)."""
    K = n_classes(task)
    X, y = task.X_train, task.y_train
    rows = training_rows(y, cfg.max_train, cfg.training.seed)
    if rows is not None:
        if sample_weight is not None:
            weights = np.asarray(sample_weight)
            if weights.ndim != 1 or weights.shape[0] != X.shape[0]:
                raise DataError(f"sample_weight has shape {weights.shape} but the training split has {X.shape[0]} "
                                "samples: give one weight per training sample")
            sample_weight = weights[rows]
        X, y = X[rows], np.asarray(y)[rows]
    weights = cfg.sample_weight(y, sample_weight, n_classes=K)
    if K == 2:
        return RobustHingeProblem(X, y, cfg.threat, l1=cfg.l1, l2=cfg.l2, sample_weight=weights)
    return MulticlassHingeProblem(X, y, cfg.threat, l1=cfg.l1, l2=cfg.l2, sample_weight=weights, n_classes=K)


def evaluation_split(task: Any, problem: Any) -> tuple[Any, np.ndarray, str]:
    """``(X, y, split)``: the test split when there is one, else the training split (labels checked)."""
    X, y, split = task.evaluation_split()
    X = check_features(X, f"the {split} features", sparse=True)
    if X.shape[1] != problem.d:
        raise DataError(f"the {split} split has {X.shape[1]} features but the training split has {problem.d}")
    if isinstance(problem, MulticlassHingeProblem):
        return X, class_indices(y, np.arange(problem.K), X.shape[0], f"the {split} labels"), split
    return X, check_pm1_labels(y, X.shape[0], f"the {split} labels"), split
