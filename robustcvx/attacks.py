r"""Exact worst-case attacks on linear models, one small class per threat (torchattacks style).

Each attack is built with the model and the radius and called on data:
``X_adv = LinfWorstCase(model, eps=0.1, box=(0, 1))(X, y)``.  For ``f(x) = w.x + b`` the
minimiser of ``y f(x + delta)`` over the threat set is closed form:

* ``l_inf``: ``delta = -eps * y * sign(w)``; inside the box ``[lo, hi]`` each pixel goes to
  the edge of its feasible interval in the harmful direction (``x + delta`` stays in the box);
* ``l_2``: ``delta = -eps * y * w / ||w||_2``;
* ``l_1``: all of ``eps`` on one coordinate ``k = argmax |w_k|``: ``delta = -eps * y * sign(w_k) e_k``.

so the accuracy on the attacked data equals the certified accuracy of
:mod:`robustcvx.certify` (up to ties at margin exactly 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .linear import as_linear, check_dimension
from .norms import parse_norm
from .validation import check_box, check_box_contains, check_epsilon, check_features, check_pm1_labels
from .errors import OptionError


class WorstCaseAttack:
    """Base class: ``attack(X, y) -> X_adv`` for a linear ``model`` and radius ``eps``."""

    norm: str = "inf"

    def __init__(self, model: Any, eps: float, box: object = None) -> None:
        self.w, self.b = as_linear(model)
        self.eps = check_epsilon(eps)
        self.box = check_box(box)
        if self.box is not None and self.norm != "inf":
            raise OptionError("box is supported for the inf-norm threat only (use --norm inf or drop --box)")

    def perturbation(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, X: Any, y: Any) -> np.ndarray:
        X = check_features(X)
        y = check_pm1_labels(y, X.shape[0])
        check_dimension(self.w, X)
        if self.box is not None:
            check_box_contains(X, self.box)
        X_adv = X + self.perturbation(X, y)
        if self.box is not None:
            np.clip(X_adv, self.box[0], self.box[1], out=X_adv)
        return X_adv

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eps={self.eps:g}, box={self.box})"


class LinfWorstCase(WorstCaseAttack):
    """``||delta||_inf <= eps`` (optionally with ``x + delta`` in the box)."""

    norm = "inf"

    def perturbation(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        direction = -np.sign(y[:, None] * self.w[None, :])  # -1: push pixel down, +1: up
        if self.box is None:
            return self.eps * direction
        lo, hi = self.box
        down = np.maximum(-self.eps, lo - X)
        up = np.minimum(self.eps, hi - X)
        return np.where(direction < 0, np.minimum(down, 0.0), np.where(direction > 0, np.maximum(up, 0.0), 0.0))


class L2WorstCase(WorstCaseAttack):
    """``||delta||_2 <= eps``."""

    norm = "2"

    def perturbation(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        nw = np.linalg.norm(self.w)
        if nw == 0:
            return np.zeros_like(X)
        return -self.eps * y[:, None] * (self.w / nw)[None, :]


class L1WorstCase(WorstCaseAttack):
    """``||delta||_1 <= eps``: the whole budget on the largest-weight coordinate."""

    norm = "1"

    def perturbation(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        delta = np.zeros_like(X)
        if not self.w.any():
            return delta
        k = int(np.argmax(np.abs(self.w)))
        delta[:, k] = -self.eps * y * np.sign(self.w[k])
        return delta


ATTACKS = {"inf": LinfWorstCase, "2": L2WorstCase, "1": L1WorstCase}


def worst_case_attack(model: Any, eps: float, norm: object = "inf", box: object = None) -> WorstCaseAttack:
    """The exact worst-case attack for threat ``norm`` (``inf``, ``2`` or ``1``)."""
    return ATTACKS[parse_norm(norm)](model, eps, box)


def attacked_accuracy(model: Any, X: Any, y: Any, epsilon: float, norm: object = "inf",
                      box: object = None) -> float:
    """Accuracy of ``model`` on the exact worst-case perturbation of every sample."""
    attack = worst_case_attack(model, epsilon, norm, box)
    X_adv = attack(X, y)
    y = check_pm1_labels(y, X_adv.shape[0])
    return float(np.mean(y * (X_adv @ attack.w + attack.b) > 0))
