r"""Exact worst-case attacks on linear models (torchattacks style: build, then call on data).

``X_adv = WorstCaseAttack(model, eps=0.1, norm="inf", box=(0, 1))(X, y)``.  For ``f(x) = w.x + b``
the minimiser of ``y f(x + delta)`` over the threat set is closed form, and the threat owns it
(:meth:`~robustcvx.threats.Threat.worst_delta`): ``-eps y sign(w)`` for the l_inf ball (inside the
box: each feature to the edge of its feasible interval), ``-eps y w / ||w||_2`` for the l_2 ball,
the whole budget on the largest weight for the l_1 ball.  So the accuracy on the attacked data
equals the certified accuracy of :mod:`robustcvx.certify` (up to margins that are 0 to rounding).
A multiclass model is attacked towards each sample's weakest competitor (:func:`robustcvx.pairs.worst_delta`).

:class:`LinfWorstCase`, :class:`L2WorstCase` and :class:`L1WorstCase` fix the norm.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import pairs
from .certify import threat_family
from .linear import as_linear, as_multiclass, check_dimension, is_multiclass
from .validation import check_epsilon, check_features, check_pm1_labels


class WorstCaseAttack:
    """``attack(X, y) -> X_adv``: the exact worst case of ``model`` at radius ``eps`` under the threat."""

    norm: str = "inf"

    def __init__(self, model: Any, eps: float, norm: object = None, box: object = None) -> None:
        self.multiclass = is_multiclass(model)
        if self.multiclass:
            self.w, self.b, self.classes = as_multiclass(model)
        else:
            self.w, self.b = as_linear(model)
            self.classes = None
        self.eps = check_epsilon(eps)
        self.threat = threat_family(self.norm if norm is None else norm, box, self.eps)
        self.box = self.threat.box

    def labels(self, X: Any, y: Any) -> np.ndarray:
        """Checked labels: -1/+1 (binary) or the class row of each label (multiclass)."""
        if self.multiclass:
            check_dimension(self.w[0], X)
            return pairs.class_indices(y, self.classes, X.shape[0])
        check_dimension(self.w, X)
        return check_pm1_labels(y, X.shape[0])

    def perturbation(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The worst-case ``delta`` of every sample (inside the box when there is one); ``y`` as
        :meth:`labels` gives it."""
        if self.multiclass:
            return pairs.worst_delta(self.w, self.b, X, y, self.threat)
        return self.threat.worst_delta(self.w, X, y)

    def correct(self, X: Any, y: np.ndarray) -> np.ndarray:
        """Which samples the model classifies correctly (``y`` as :meth:`labels` gives it)."""
        if self.multiclass:
            return pairs.correct(self.w, self.b, X, y)
        return y * (X @ self.w + self.b) > 0

    def __call__(self, X: Any, y: Any) -> np.ndarray:
        """The attacked inputs (dense, even for sparse ``X``: every feature may move)."""
        X = check_features(X, sparse=True)
        y = self.labels(X, y)
        self.threat.check_data(X)
        X_adv = (X.toarray() if hasattr(X, "toarray") else X) + self.perturbation(X, y)
        self.threat.clip_to_domain(X_adv)        # rounding of x + delta must not leave the box
        return X_adv

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.threat!r})"


class LinfWorstCase(WorstCaseAttack):
    """``||delta||_inf <= eps`` (optionally with ``x + delta`` in the box)."""

    norm = "inf"

    def __init__(self, model: Any, eps: float, box: object = None) -> None:
        super().__init__(model, eps, "inf", box)


class L2WorstCase(WorstCaseAttack):
    """``||delta||_2 <= eps``."""

    norm = "2"

    def __init__(self, model: Any, eps: float, box: object = None) -> None:
        super().__init__(model, eps, "2", box)


class L1WorstCase(WorstCaseAttack):
    """``||delta||_1 <= eps``: the whole budget on the largest-weight coordinate."""

    norm = "1"

    def __init__(self, model: Any, eps: float, box: object = None) -> None:
        super().__init__(model, eps, "1", box)


def worst_case_attack(model: Any, eps: float, norm: object = "inf", box: object = None) -> WorstCaseAttack:
    """The exact worst-case attack for the threat ``norm`` (``inf``, ``2``, ``1`` or a Threat) and ``box``."""
    return WorstCaseAttack(model, eps, norm, box)


def attacked_accuracy(model: Any, X: Any, y: Any, epsilon: float, norm: object = "inf",
                      box: object = None, block: int = 4096) -> float:
    """Accuracy of ``model`` on the exact worst-case perturbation of every sample (attacked in blocks
    of rows, so a large or sparse data set is never perturbed whole)."""
    attack = worst_case_attack(model, epsilon, norm, box)
    X = check_features(X, sparse=True)
    labels = np.asarray(y).reshape(-1) if np.ndim(y) == 2 and 1 in np.shape(y) else np.asarray(y)
    rows = attack.labels(X, labels)
    correct = 0
    for s in range(0, X.shape[0], block):
        Xa = attack(X[s:s + block], labels[s:s + block])
        correct += int(np.sum(attack.correct(Xa, rows[s:s + block])))
    return correct / X.shape[0]
