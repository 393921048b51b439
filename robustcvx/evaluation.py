"""Evaluate a linear model on a task: clean, exactly certified and exactly attacked accuracy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .certify import threat_family
from .errors import DataError
from .linear import as_linear, as_multiclass, check_dimension, is_multiclass
from .metrics import evaluate


def certify_model(model: Any, task: Any, epsilons: Sequence[float], norm: object = "inf",
                  box: object = None) -> dict:
    """For each radius: ``epsilon``, ``accuracy``, ``certified_accuracy``, ``attacked_accuracy`` on the
    task's test split when it has one, else the training split (:func:`robustcvx.metrics.evaluate`).

    A multiclass model is evaluated on a multiclass task with the task's labels (``task.classes``) matched
    to the model's classes."""
    X, y, split = task.evaluation_split()
    if is_multiclass(model):
        W, b, classes = as_multiclass(model)
        check_dimension(W[0], X)
        if not hasattr(task, "n_classes"):
            raise DataError(f"the model has {W.shape[0]} classes but {task.name} has two: certify it on data with "
                            f"its classes {classes.tolist()} (e.g. a spec ending in ':all')")
        labels = np.asarray(task.classes)[y]
        model, y = (W, b, classes), labels
    else:
        w, b = as_linear(model)
        if hasattr(task, "n_classes"):
            raise DataError(f"the model is binary (one weight vector) but {task.name} has {task.n_classes} classes: "
                            "certify it on the two classes it was trained on (a spec ending in ':A,B')")
        check_dimension(w, X)
        model = (w, b)
    threat = threat_family(norm, box)
    return {"data": task.info(), "split": split, "n": len(y), "norm": threat.norm,
            "box": list(threat.box) if threat.box else None,
            "results": evaluate(model, X, y, epsilons, threat)}
