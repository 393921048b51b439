r"""The numbers the figures and findings are made of, computed from data and models (no drawing).

* :func:`pixel_signal`: ``s_j = mean_i y_i x_ij``, minus the gradient of the mean hinge w.r.t.
  ``w_j`` at ``w = 0, b = 0``;
* :func:`landscape_along_weight`: the regular and robust objectives along one weight from the zero
  model, and their derivatives;
* :func:`pick_pixels`: a strong pixel and a weak one (signal below epsilon) for that figure;
* :func:`nearest_misclassified`: the misclassified samples closest to the boundary;
* :func:`signed_distances`: ``y f(x) / ||w||_q``, the signed distance to the boundary in the
  threat norm (``q`` its dual norm, asked of the threat): scale-free, unlike the logit;
* :func:`dead_pixels`: features that are 0 in every training sample.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..threats import Threat


def pixel_signal(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``s_j = mean_i y_i x_ij``: minus the gradient of the mean hinge w.r.t. ``w_j`` at ``w = 0, b = 0``."""
    return (y @ X) / X.shape[0]


def landscape_along_weight(X: np.ndarray, y: np.ndarray, j: int, epsilon: float, t: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Objective and derivative along weight ``j`` from the zero model (``w = t e_j``, ``b = 0``).

    Returns ``(loss_regular, loss_robust, grad_regular, grad_robust)`` over ``t``, for the mean
    hinge ``mean_i max(0, 1 - y_i x_ij t)`` and the mean robust hinge with ``+ epsilon |t|`` (the
    penalty ``epsilon ||w||_q`` of any norm ball is ``epsilon |t|`` for a single weight).  The
    robust derivative is the regular one plus ``epsilon sign(t)`` on the active samples: it is
    smaller in magnitude, and when ``|s_j| < epsilon`` it changes sign at ``t = 0``.
    """
    t = np.asarray(t, dtype=float)
    a = y * X[:, j]                                   # margin per unit of t
    m = np.outer(a, t)                                # n x len(t)
    h_reg = 1.0 - m
    h_rob = h_reg + epsilon * np.abs(t)[None, :]
    act_reg = h_reg > 0
    act_rob = h_rob > 0
    loss_reg = np.maximum(h_reg, 0.0).mean(axis=0)
    loss_rob = np.maximum(h_rob, 0.0).mean(axis=0)
    grad_reg = (-(a[:, None]) * act_reg).mean(axis=0)
    grad_rob = ((-(a[:, None]) + epsilon * np.sign(t)[None, :]) * act_rob).mean(axis=0)
    return loss_reg, loss_rob, grad_reg, grad_rob


def pick_pixels(signal: np.ndarray, epsilon: float, reference: np.ndarray | None = None) -> tuple[int, int]:
    """``(strong, weak)`` pixel indices: the largest ``|signal|``, and one with ``|signal|`` well below ``epsilon``.

    The weak one is taken among ``epsilon/4 < |s_j| < 3 epsilon/4`` with the largest ``|reference_j|``
    (e.g. a regular model's weight: a pixel that model uses) or, without a reference, ``|s_j|``
    closest to ``epsilon / 2``; ties go to the lowest index.
    """
    s = np.abs(np.asarray(signal, dtype=float))
    strong = int(np.argmax(s))
    cand = np.flatnonzero((s > epsilon / 4) & (s < 3 * epsilon / 4))
    if cand.size == 0:
        cand = np.flatnonzero((s > 0) & (s < epsilon))
    if cand.size == 0:
        return strong, int(np.argmin(np.where(s > 0, s, np.inf)))
    if reference is not None:
        r = np.abs(np.asarray(reference, dtype=float))[cand]
        return strong, int(cand[np.argmax(r)])
    return strong, int(cand[np.argmin(np.abs(s[cand] - epsilon / 2))])


def nearest_misclassified(scores: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Indices of up to ``k`` misclassified samples (``y f(x) <= 0``) with the smallest ``|f(x)|``, nearest first.

    ``scores`` are the logits ``f(x)`` (or any positive multiple of them); ties go to the lower index.
    """
    scores = np.asarray(scores, dtype=float)
    wrong = np.flatnonzero(y * scores <= 0)
    order = np.lexsort((wrong, np.abs(scores[wrong])))
    return wrong[order[:k]]


def signed_distances(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray, threat: Threat) -> np.ndarray:
    """``y_i f(x_i) / ||w||_q``: the signed distance of each sample to the boundary in the threat norm.

    Negative for misclassified samples; for a correct one it is the smallest perturbation (in the
    threat norm, without a box) that flips it.  Invariant under scaling ``(w, b)`` by ``c > 0``.
    """
    q = threat.dual_norm(np.asarray(w, dtype=float))
    margins = y * (X @ w + b)
    if q == 0:
        return np.where(margins > 0, np.inf, np.where(margins < 0, -np.inf, 0.0))
    return margins / q


def dead_pixels(X: Any) -> np.ndarray:
    """Boolean mask of the features that are 0 in every row of ``X``."""
    return ~np.asarray((X != 0).any(axis=0)).ravel()
