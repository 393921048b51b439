"""robustcvx: exact robust hinge training and exact certification of linear classifiers.

Heavy dependencies (cvxpy, highspy, torch, matplotlib) are imported lazily, so
``import robustcvx`` and the command line start fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "RobustHingeProblem": "robustcvx.problems",
    "solve": "robustcvx.solvers",
    "Solution": "robustcvx.solvers",
    "Certificate": "robustcvx.certificate",
    "certify_solution": "robustcvx.certificate",
    "certified_accuracy": "robustcvx.certify",
    "certified_radii": "robustcvx.certify",
    "certified_curve": "robustcvx.certify",
    "worst_margins": "robustcvx.certify",
    "attacked_accuracy": "robustcvx.attacks",
    "worst_case_attack": "robustcvx.attacks",
    "RobustHingeClassifier": "robustcvx.estimator",
    "CompareResult": "robustcvx.compare",
    "train_baseline": "robustcvx.baselines",
    "BaselineConfig": "robustcvx.baselines",
    "pgd_accuracy": "robustcvx.baselines",
    "SGDHingeClassifier": "robustcvx.baselines",
    "AdversarialHingeClassifier": "robustcvx.baselines",
    "distance_to_optimal_set": "robustcvx.optimal_set",
    "load_task": "robustcvx.data",
    "BinaryTask": "robustcvx.data",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'robustcvx' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
