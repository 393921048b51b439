"""The trained models of a run, as records: how each was obtained and what it is.

Keys: ``exact-regular``, ``exact-regular-l2svm`` (the classical SVM: the regular optimum with the
l_2 max-margin tie-break), ``exact-robust-0.1``, ``exact-robust-box-0.1`` (trained against the
l_inf ball kept inside the pixel box), ``sgd-regular``, ``sgd-robust-0.1``.

Two models are the *same classifier* when ``(w, b)`` of one is a positive multiple of the other's:
they predict alike on every input and have the same certified radii.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def model_key(method: str, epsilon: float, box: bool = False, variant: str = "") -> str:
    if variant:
        return f"{method}-regular-{variant}"
    if epsilon == 0:
        return f"{method}-regular"
    return f"{method}-robust{'-box' if box else ''}-{epsilon:g}"


@dataclass(frozen=True, kw_only=True)
class SgdIterates:
    """Training objectives of the iterates of one SGD run (``None``: not recorded by the baseline).

    ``last``: the final iterate (the model the study reports); ``best``: the lowest objective of
    the iterates after each epoch, reached at ``best_epoch``; ``averaged``: the average of the
    iterates (Polyak averaging), whose objective SGD's oscillation does not move much.
    ``averaged_trace``: the averaged iterate's objective after each epoch.
    """

    last: float
    best: float
    best_epoch: int
    averaged: float | None = None
    averaged_trace: tuple[float, ...] = ()


@dataclass(kw_only=True)
class TrainedModel:
    """One trained linear model ``f(x) = w.x + b`` and how it was obtained."""

    key: str               # see the module docstring
    method: str            # "exact" or "sgd"
    epsilon: float         # training radius (0: regular hinge)
    box: bool = False      # trained against the l_inf ball inside the pixel box
    coef: np.ndarray
    intercept: float
    objective: float       # training objective of its own problem, recomputed on the data
    optimum: float         # certified optimal value of the same problem
    seconds: float
    verified: bool | None = None
    degenerate: bool | None = None
    tie_break: str | None = None
    solver: str | None = None
    certificate_gap: float | None = None
    trace: list[dict] = field(default_factory=list)
    iterates: SgdIterates | None = None
    variant: str = ""              # "l2svm": the regular optimum with the l2 max-margin tie-break
    same_as: str | None = None     # key of an exact model with the same classifier (rescaled)

    @property
    def wb(self) -> tuple[np.ndarray, float]:
        return self.coef, self.intercept

    @property
    def label(self) -> str:
        if self.variant == "l2svm":
            return "regular, exact l2 max-margin (classical SVM)"
        kind = "regular" if self.epsilon == 0 else ("box-aware robust" if self.box else "robust")
        eps = "" if self.epsilon == 0 else f" eps={self.epsilon:g}"
        return f"{kind}{eps}, {'exact' if self.method == 'exact' else 'SGD'}"

    @property
    def gap(self) -> float:
        """Training objective minus the certified optimum (0 for the exact models)."""
        return 0.0 if self.method == "exact" else float(self.objective - self.optimum)


def same_classifier(a: TrainedModel, b: TrainedModel, tol: float = 1e-6) -> bool:
    """True when ``(w, b)`` of the two models are positive multiples of each other."""
    u = np.append(a.coef, a.intercept)
    v = np.append(b.coef, b.intercept)
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0 or nv == 0:
        return False
    return float(u @ v) / (nu * nv) > 1.0 - tol


def scale_between(a: TrainedModel, b: TrainedModel) -> float:
    """``s`` with ``(w_a, b_a) = s (w_b, b_b)`` for the same classifier (least squares)."""
    u = np.append(a.coef, a.intercept)
    v = np.append(b.coef, b.intercept)
    return float(u @ v) / float(v @ v)
