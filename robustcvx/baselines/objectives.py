r"""Training objectives of a baseline in float64 numpy (what the trace and the models report).

* ``hinge``: ``problem.objective(coef, intercept)``, the problem's own (robust, joint) objective;
* ``softmax``: ``sum_i c_i CE_i + l1 ||W||_1 + (l2/2) ||W||_2^2`` with the cross-entropy
  ``CE_i = log sum_k exp f_k(x_i) - f_{y_i}(x_i)`` (``K`` classes) or the logistic loss
  ``CE_i = log(1 + exp(-y_i f(x_i)))`` (binary), both computed without overflow
  (``logsumexp`` / ``logaddexp``).  It ignores the threat: it is what softmax training minimises
  (on clean inputs, or on adversarial ones for ``fgsm``/``pgd``, whose objective has no closed form).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import logsumexp

from ..problems import MulticlassHingeProblem


def softmax_objective(problem: Any, coef: Any, intercept: Any) -> float:
    """The (weighted) mean cross-entropy of the training data plus the problem's regularisers."""
    if isinstance(problem, MulticlassHingeProblem):
        S = problem.scores(coef, intercept)
        ce = logsumexp(S, axis=1) - S[np.arange(problem.n), problem.y]
    else:
        ce = np.logaddexp(0.0, -problem.margins(coef, intercept))
    mean = float(np.mean(ce)) if not problem.weighted else float(problem.weights @ ce)
    return mean + problem.regularizer(coef)


def training_objective(problem: Any, loss: str, coef: Any, intercept: Any) -> float:
    """The objective that a run with ``loss`` minimises (module docstring)."""
    if loss == "softmax":
        return softmax_objective(problem, coef, intercept)
    return problem.objective(coef, intercept)
