"""PyTorch baselines measured against the exact optimum.

A linear layer trained on the *same* objective as :class:`~robustcvx.problems.RobustHingeProblem`
(mean robust hinge, same epsilon, norm, box, l1, l2) by the procedures people actually run:

* ``sgd``  -- minibatch SGD on the robust hinge (the original study: lr 0.1, batch 100), the
  dual-norm term (or the box penalty) inside the hinge;
* ``adam`` -- the same loss with Adam;
* ``fgsm`` / ``pgd`` -- adversarial training: SGD on the hinge of FGSM / PGD examples (box-aware);

with an optional learning-rate schedule (``inv-sqrt``: the decaying step of SGD theory) and
optional iterate averaging, deterministic for a seed.  Every threat-specific piece (the penalty,
the projection, the ascent step, the random start) is the threat's own
(:class:`robustcvx.threats.Threat`'s ``torch_*`` methods).  Each run returns three models of the
objective -- the last iterate, the best epoch and the averaged iterate (:mod:`.result`) -- and a
per-epoch trace (objectives recomputed in float64, gaps to the optimum, clean / certified
accuracy, :mod:`robustcvx.metrics` sparsity).  :func:`pgd_accuracy` is an autograd PGD attack
independent of the closed-form certificate; for linear models the two must agree exactly.

torch is imported only when a baseline is trained or attacked.
"""

from __future__ import annotations

import importlib
from typing import Any

from .config import (
    AVERAGES,
    DEVICES,
    INITS,
    OPTIMIZERS,
    SCHEDULES,
    AttackConfig,
    BaselineConfig,
    parse_optimizer,
)
from .result import ITERATES, BaselineResult, Iterate

_LAZY = {
    "train_baseline": ".train",
    "TrainingDivergedError": ".train",
    "pgd_accuracy": ".attack",
    "pgd_margins": ".attack",
    "SGDHingeClassifier": ".estimator",
    "AdversarialHingeClassifier": ".estimator",
}

__all__ = ["AVERAGES", "DEVICES", "INITS", "ITERATES", "OPTIMIZERS", "SCHEDULES", "AttackConfig", "BaselineConfig",
           "BaselineResult", "Iterate", "parse_optimizer", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'robustcvx.baselines' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
