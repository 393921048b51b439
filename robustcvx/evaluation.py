"""Evaluate a linear model on a task: clean, exactly certified and exactly attacked accuracy."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .attacks import attacked_accuracy
from .certify import certified_accuracy
from .errors import SolverError
from .linear import as_linear, check_dimension
from .norms import parse_norm
from .validation import check_box


def certify_model(model: Any, task: Any, epsilons: Sequence[float], norm: object = "inf",
                  box: object = None) -> dict:
    """For each radius: ``epsilon``, ``accuracy``, ``certified_accuracy``, ``attacked_accuracy``.

    Uses the task's test split when it has one, else the training split.  Certified and
    attacked accuracy must agree for a linear model; a disagreement is a bug and raises.
    """
    w, b = as_linear(model)
    X, y, split = task.evaluation_split()
    check_dimension(w, X)
    norm = parse_norm(norm)
    box = check_box(box)
    acc = float(np.mean(y * (X @ w + b) > 0))
    results = []
    for e in epsilons:
        cert = certified_accuracy((w, b), X, y, e, norm, box)
        att = attacked_accuracy((w, b), X, y, e, norm, box)
        if abs(cert - att) > 1.0 / len(y) + 1e-12:
            raise SolverError(f"certified ({cert}) and attacked ({att}) accuracy disagree at epsilon {e}")
        results.append({"epsilon": float(e), "accuracy": acc, "certified_accuracy": float(cert),
                        "attacked_accuracy": float(att)})
    return {"data": task.info(), "split": split, "n": int(len(y)), "norm": norm,
            "box": list(box) if box else None, "results": results}
