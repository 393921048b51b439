"""Evaluate a linear model on a task: clean, exactly certified and exactly attacked accuracy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .certify import threat_family
from .linear import as_linear, check_dimension
from .metrics import evaluate


def certify_model(model: Any, task: Any, epsilons: Sequence[float], norm: object = "inf",
                  box: object = None) -> dict:
    """For each radius: ``epsilon``, ``accuracy``, ``certified_accuracy``, ``attacked_accuracy`` on the
    task's test split when it has one, else the training split (:func:`robustcvx.metrics.evaluate`)."""
    w, b = as_linear(model)
    X, y, split = task.evaluation_split()
    check_dimension(w, X)
    threat = threat_family(norm, box)
    return {"data": task.info(), "split": split, "n": len(y), "norm": threat.norm,
            "box": list(threat.box) if threat.box else None,
            "results": evaluate((w, b), X, y, epsilons, threat)}
