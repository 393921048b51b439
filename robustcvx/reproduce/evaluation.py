"""How each model does: clean, exactly certified and exactly attacked accuracy, on both splits.

For a linear model and a norm-ball threat, sample ``i`` survives every attack of radius ``eps``
iff ``eps < r_i`` (its certified radius, :func:`robustcvx.certify.certified_curve`), and the
exact worst-case attack (:func:`robustcvx.attacks.attacked_accuracy`) attains the certificate:
the attacked and certified accuracies agree, which the pipeline checks on every model.  The
training split is evaluated too (clean and certified), to put the train/test gap beside the test
numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..threats import Threat
from .models import TrainedModel


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """How one model does.  Curves are :class:`~robustcvx.certify.CertifiedCurve` step functions."""

    clean: float                  # accuracy on the evaluation split
    curve: Any                    # certified accuracy on the evaluation split, the study's threat
    box_curve: Any | None         # ... under the box threat (pixel data only)
    attack_eps: np.ndarray        # fine grid of radii for the figure
    attack_acc: np.ndarray        # accuracy under the exact worst-case attack on that grid
    grid_certified: np.ndarray    # certified accuracy on the evaluation grid
    grid_attacked: np.ndarray     # attacked accuracy on the evaluation grid
    grid_box: np.ndarray | None   # box-certified accuracy on the evaluation grid
    train_clean: float            # accuracy on the training split
    train_curve: Any              # certified accuracy on the training split, the study's threat


def evaluate(model: TrainedModel, task: Any, eval_eps: Sequence[float], *, threat: Threat,
             box_threat: Threat | None, fine_eps: np.ndarray) -> Evaluation:
    """Clean, exactly certified (step curve) and worst-case-attacked accuracy of one model."""
    from ..attacks import attacked_accuracy
    from ..certify import certified_curve
    from ..metrics import accuracy

    X, y, _ = task.evaluation_split()
    wb = model.wb
    curve = certified_curve(wb, X, y, threat)
    box_curve = certified_curve(wb, X, y, box_threat) if box_threat is not None else None
    grid = np.asarray(eval_eps, dtype=float)
    fine = np.asarray(fine_eps, dtype=float)
    att_fine = np.array([attacked_accuracy(wb, X, y, e, threat) for e in fine])
    att_grid = np.array([attacked_accuracy(wb, X, y, e, threat) for e in grid])
    return Evaluation(clean=accuracy(*wb, X, y), curve=curve, box_curve=box_curve, attack_eps=fine,
                      attack_acc=att_fine, grid_certified=np.asarray(curve(grid), dtype=float),
                      grid_attacked=att_grid,
                      grid_box=None if box_curve is None else np.asarray(box_curve(grid), dtype=float),
                      train_clean=accuracy(*wb, task.X_train, task.y_train),
                      train_curve=certified_curve(wb, task.X_train, task.y_train, threat))


def largest_disagreement(evals: dict[str, Evaluation]) -> float:
    """The largest ``|certified - attacked|`` accuracy over every model and grid radius (0 when exact)."""
    return max(float(np.max(np.abs(e.grid_certified - e.grid_attacked))) for e in evals.values())
