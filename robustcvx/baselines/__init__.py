"""PyTorch baselines measured against the exact optimum.

A linear layer trained on the *same* objective as :class:`~robustcvx.problems.RobustHingeProblem`
(mean robust hinge, same epsilon, norm, box, l1, l2) by the procedures people actually run:

* ``sgd``  -- minibatch SGD on the robust hinge (the original study: lr 0.1, batch 100), the
  dual-norm term (or the box penalty) inside the hinge;
* ``adam`` -- the same loss with Adam;
* ``fgsm`` / ``pgd`` -- adversarial training: SGD on the hinge of FGSM / PGD examples (box-aware);

with an optional learning-rate schedule, deterministic for a seed.  Each run records a per-epoch
trace (objective recomputed in float64, gap to the optimum, clean / certified accuracy,
``||w||_1``, near-zero weights).  :func:`pgd_accuracy` is an autograd PGD attack independent of
the closed-form certificate; for linear models the two must agree exactly.

torch is imported only when a baseline is trained or attacked.
"""

from __future__ import annotations

import importlib
from typing import Any

from .config import DEVICES, INITS, OPTIMIZERS, SCHEDULES, BaselineConfig, parse_optimizer

_LAZY = {
    "train_baseline": ".train",
    "BaselineResult": ".train",
    "TrainingDivergedError": ".train",
    "pgd_accuracy": ".attack",
    "pgd_margins": ".attack",
    "SGDHingeClassifier": ".estimator",
    "AdversarialHingeClassifier": ".estimator",
}

__all__ = ["BaselineConfig", "OPTIMIZERS", "SCHEDULES", "DEVICES", "INITS", "parse_optimizer", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'robustcvx.baselines' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
