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

from ..threats import Threat
from ._torch import import_torch
from .pgd import attack_batch


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
