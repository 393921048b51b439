r"""PGD against ``K``-class models (autograd; independent of the closed-form certificate).

A sample ``(x, y)`` is robust at ``x + delta`` iff its margin ``m(x + delta) = f_y - max_{k != y} f_k``
is ``> 0``.  The attack minimises the margin over the threat set with the threat's steps and
projection (:func:`.pgd.attack_batch`), from ``delta = 0`` and from ``restarts - 1`` random starts:

* ``targets="max"`` (untargeted): each start descends the margin itself, i.e. ascends the margin loss
  ``max_{k != y} f_k - f_y``;
* ``targets="all"`` (MultiTargeted, Gowal et al. 2019): each start runs once per competing class
  ``k``, descending ``f_y - f_k``.  For a *linear* model ``f_y - f_k = (w_y - w_k).x + b_y - b_k`` has a
  constant gradient, so the zero start reaches the exact worst case of the pair (the threat's
  closed form, as in the binary attack) and the minimum over ``k`` is the exact worst-case margin
  ``min_k [(w_y - w_k).x + b_y - b_k - pen(w_y - w_k)]``: the PGD accuracy then equals the exact
  certified accuracy.  The untargeted attack follows the competitor that is largest along its path
  and may stop at a pair's corner that is not the worst one, so it can overestimate robustness.

Every iterate of every run is a feasible perturbation; the reported margin of a sample is the
smallest margin seen (so PGD accuracy ``>=`` certified accuracy for any model, with equality for
linear models and ``targets="all"``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DataError, ModelFileError
from ..threats import Threat
from ._torch import import_torch
from .pgd import attack_batch


def check_class_indices(y: Any, n: int, n_classes: int, name: str = "y") -> np.ndarray:
    """Class indices ``0..n_classes-1`` (int64, 1-D, length ``n``); classes may be absent (evaluation)."""
    try:
        arr = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{name} must hold class indices 0..{n_classes - 1}") from None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DataError(f"X has {n} samples but {name} has shape {np.shape(y)}: give one class index per sample")
    if not (np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)) and (arr.size == 0 or arr.min() >= 0)):
        raise DataError(f"{name} must hold class indices 0..{n_classes - 1} (integers >= 0)")
    if arr.size and arr.max() >= n_classes:
        raise DataError(f"{name} has class index {int(arr.max())} but the model has {n_classes} classes "
                        f"(indices 0..{n_classes - 1})")
    return np.ascontiguousarray(arr.astype(np.int64))


def multiclass_linear(model: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """``(W (K x d), b (K,))`` of a linear model with ``K >= 2`` score rows, or ``None`` for a binary one.

    Accepts what :func:`robustcvx.linear.as_linear` accepts: a ``(W, b)`` pair, an object with
    ``coef_``/``intercept_`` (an estimator, an :class:`~robustcvx.baselines.Iterate`, a compare row),
    or a dict with ``coef``/``intercept``.
    """
    if isinstance(model, dict):
        W, b = model.get("coef"), model.get("intercept")
    elif hasattr(model, "coef_") and hasattr(model, "intercept_"):
        W, b = model.coef_, model.intercept_
    elif isinstance(model, (tuple, list)) and len(model) == 2:
        W, b = model
    else:
        return None
    try:
        W = np.asarray(W, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    if W.ndim != 2 or W.shape[0] < 2:
        return None
    if b.shape != (W.shape[0],):
        raise ModelFileError(f"a {W.shape[0]}-class model needs one intercept per class, got {b.size}")
    if not (np.isfinite(W).all() and np.isfinite(b).all()):
        raise ModelFileError("model coef/intercept contain NaN or inf")
    return W, b


def module_classes(model: Any, x: Any) -> int:
    """The number of scores a torch module returns per row (1 for a binary model's single score)."""
    torch = import_torch()
    with torch.no_grad():
        out = model(x[:1])
    return int(out.shape[1]) if out.ndim == 2 else 1


def margins_of(S: Any, y: Any) -> Any:
    """``f_y - max_{k != y} f_k`` for every row of the scores ``S`` (``B x K``)."""
    own = S.gather(1, y[:, None])[:, 0]
    mask = import_torch().nn.functional.one_hot(y, S.shape[1]).to(bool)
    return own - S.masked_fill(mask, -math.inf).amax(dim=1)


def block_margins(score: Callable[[Any], Any], xs: Any, ys: Any, K: int, threat: Threat, *, steps: int,
                  restarts: int, step_size: float, gen: Any, targets: str) -> Any:
    """The smallest margin the attack finds for each row of one block (module docstring)."""
    torch = import_torch()
    with torch.no_grad():
        best = margins_of(score(xs), ys)
    if not threat.active:
        return best
    for r in range(restarts):
        for k in (range(K) if targets == "all" else [None]):
            rows = torch.arange(xs.shape[0], device=xs.device) if k is None else (ys != k).nonzero(as_tuple=True)[0]
            if rows.numel() == 0:
                continue
            x, y = xs[rows], ys[rows]
            start = torch.zeros_like(x) if r == 0 else threat.torch_random_start(x, gen)
            margin = (lambda z, y=y: margins_of(score(z), y))
            if k is None:
                objective = margin
            else:
                objective = (lambda z, y=y, k=k: _pair(score(z), y, k))
            _, m = attack_batch(objective, x, threat, steps=steps, step_size=step_size, start=start,
                                margin=None if k is None else margin, track_best=True)
            best[rows] = torch.minimum(best[rows], m)
    return best


def _pair(S: Any, y: Any, k: int) -> Any:
    """``f_y - f_k``: what the run targeting class ``k`` decreases."""
    return S.gather(1, y[:, None])[:, 0] - S[:, k]
