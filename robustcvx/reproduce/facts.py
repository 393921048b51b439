r"""Derived numbers that several outputs share (figures, findings, the claims table).

* :func:`separation_margin`: the l_inf margin of separable training data, ``max_w min_i y_i f(x_i) /
  ||w||_1``, read off the exact regular max-margin model;
* :func:`regular_optima`: the models that solve the *regular* problem (``epsilon = 0``) -- the
  l_inf max-margin optimum, the classical SVM and, when it reached the optimal value, SGD's --
  with their certified accuracy at the study radius;
* :func:`error_distances`: signed distances ``y f(x) / ||w||_q`` of the misclassified evaluation
  samples, clean or under the exact attack;
* :func:`confidence`: the study's "wrong regular predictions are confident, robust ones uncertain",
  measured in distance to the boundary (scale-free) instead of raw logits;
* :func:`dead_pixel_weights`: the weight a model puts on pixels that are 0 in every training image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analysis import dead_pixels, signed_distances
from .models import TrainedModel
from .results import RunResults

#: a training objective within this of the optimum counts as optimal (the certificate's tolerance)
OPTIMAL_TOL = 1e-8


def separation_margin(r: RunResults) -> float | None:
    """The smallest training distance to the boundary of the exact regular model, when it is degenerate."""
    reg = r.m("exact", 0.0)
    if not reg.degenerate:
        return None
    return float(np.min(signed_distances(*reg.wb, r.task.X_train, r.task.y_train, r.threat)))


@dataclass(frozen=True, kw_only=True)
class Optimum:
    """One model of the regular problem, and what it certifies."""

    name: str
    model: TrainedModel
    optimal: bool          # its training objective is the optimal value (within OPTIMAL_TOL)
    certified: float       # certified accuracy at the study radius
    clean: float


def regular_optima(r: RunResults) -> list[Optimum]:
    """SGD's regular model, the classical SVM (if any) and the l_inf max-margin optimum, in that order."""
    out = []
    for name, model in (("SGD", r.m("sgd", 0.0)), ("classical SVM (l2 max-margin)", r.svm),
                        ("l_inf max-margin", r.m("exact", 0.0))):
        if model is None:
            continue
        optimal = model.method == "exact" or model.objective - model.optimum <= OPTIMAL_TOL * max(1.0, model.optimum)
        out.append(Optimum(name=name, model=model, optimal=bool(optimal), certified=r.certified(model, r.study),
                           clean=r.ev(model).clean))
    return out


def error_distances(r: RunResults, model: TrainedModel, eps: float = 0.0) -> np.ndarray:
    """Signed distances (threat norm) of the evaluation samples ``model`` gets wrong, attacked at ``eps``.

    The attack is the exact worst case of the study's threat (no box), which moves every sample
    by exactly ``eps`` towards the boundary, so the attacked distance is the clean one minus ``eps``.
    """
    from ..attacks import WorstCaseAttack

    X, y, _ = r.task.evaluation_split()
    if eps > 0:
        X = WorstCaseAttack(model.wb, eps, r.threat)(X, y)
    d = signed_distances(*model.wb, X, y, r.threat)
    return d[d <= 0]


@dataclass(frozen=True, kw_only=True)
class Confidence:
    """Median signed distance of the errors of a regular and a robust model (same method, same attack)."""

    method: str
    attack_eps: float
    regular: np.ndarray
    robust: np.ndarray

    @property
    def holds(self) -> bool | None:
        """True when the regular model's errors lie farther from the boundary (median) than the robust
        model's; ``None`` when either model makes no error."""
        if self.regular.size == 0 or self.robust.size == 0:
            return None
        return bool(np.median(self.regular) < np.median(self.robust))

    def summary(self) -> str:
        med = lambda v: f"{np.median(v):+.3f} ({v.size} errors)" if v.size else "no errors"
        name = "SGD" if self.method == "sgd" else self.method
        return (f"{name} at ε = {self.attack_eps:g}: regular {med(self.regular)}, robust {med(self.robust)}")


def compared_radius(r: RunResults, method: str) -> float | None:
    """The training radius whose robust ``method`` model is compared with the regular one: the study
    radius, or when that model is the regular one rescaled (a separable problem), the smallest larger
    training radius whose model differs; ``None`` when every robust model is the regular one."""
    for eps in sorted(r.epsilons, key=lambda v: (v < r.study, v)):
        if not r.m(method, eps).same_as:
            return float(eps)
    return None


def confidence(r: RunResults, method: str) -> Confidence | None:
    """The study's confidence claim for ``method`` (``"sgd"`` or ``"exact"``): the errors of the regular
    and the robust model under the attack at the radius of :func:`compared_radius`.

    ``None`` when every robust model of ``method`` is the regular one rescaled (nothing to compare).
    """
    eps = compared_radius(r, method)
    if eps is None:
        return None
    reg, rob = r.m(method, 0.0), r.m(method, eps)
    return Confidence(method=method, attack_eps=eps, regular=error_distances(r, reg, eps),
                      robust=error_distances(r, rob, eps))


def dead_pixel_weights(r: RunResults, model: TrainedModel) -> tuple[int, float]:
    """``(number of dead pixels, share of ||w||_1 on them)`` for ``model``."""
    dead = dead_pixels(r.task.X_train)
    total = float(np.abs(model.coef).sum())
    share = float(np.abs(model.coef[dead]).sum()) / total if total > 0 else 0.0
    return int(dead.sum()), share
