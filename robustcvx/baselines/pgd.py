r"""The projected-gradient loop shared by adversarial training and the evaluation attacks.

The attacker decreases a per-row objective ``phi(x + delta)`` over the threat set ``Delta(x)`` of a
:class:`~robustcvx.threats.Threat`: the margin ``y f(x + delta)`` of a binary model (so it ascends
every margin-monotone loss, the hinge included, and never stalls on a zero hinge gradient), the
margin ``f_y - max_{k != y} f_k`` or a pair difference ``f_y - f_k`` of a ``K``-class model
(:mod:`.attack_multiclass`), or minus the cross-entropy (PGD training of softmax models).  Each
step is the threat's steepest-ascent step followed by its exact Euclidean projection::

    delta <- Proj_{Delta(x)}(delta + threat.torch_ascent(g, alpha)),   g = -grad_delta phi(x + delta)

(``l_inf``: ``alpha sign(g)`` then a clip, inside the box when there is one; ``l_2``: ``alpha g /
||g||_2`` then a rescale; ``l_1``: ``alpha`` on the largest ``|g_k|`` then the sort-based
projection onto the ``l_1`` ball).  With the default step ``2.5 epsilon / steps`` the zero start
reaches the exact minimiser of any objective with a constant gradient (a linear model's margin).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..threats import Threat
from ._torch import import_torch


def default_step_size(eps: float, steps: int) -> float:
    """``2.5 epsilon / steps`` (Madry et al.): enough to cross the threat set from any start."""
    return 2.5 * eps / max(int(steps), 1)


def attack_batch(objective: Callable[[Any], Any], x: Any, threat: Threat, *, steps: int, step_size: float,
                 start: Any, margin: Callable[[Any], Any] | None = None,
                 track_best: bool = False) -> tuple[Any, Any]:
    """Run PGD from ``start`` (a ``delta``) decreasing ``objective(x + delta)`` (one value per row);
    return ``(delta_final, min_margin)``.

    ``min_margin`` (when ``track_best``, else ``None``) is the smallest ``margin(x + delta)`` (default:
    the objective itself) over the start and every iterate (each iterate is feasible, so each is a
    valid attack).
    """
    torch = import_torch()
    delta = start.detach()
    best = None

    def keep(value: Any, z: Any) -> None:
        nonlocal best
        m = value.detach() if margin is None else margin(z)
        best = m if best is None else torch.minimum(best, m)

    for _ in range(steps):
        delta.requires_grad_(True)
        value = objective(x + delta)
        (g,) = torch.autograd.grad(-value.sum(), delta)
        with torch.no_grad():
            if track_best:
                keep(value, x + delta)
            delta = threat.torch_project(delta.detach() + threat.torch_ascent(g, step_size), x)
    if track_best:
        with torch.no_grad():
            z = x + delta
            keep(objective(z) if margin is None else None, z)
    return delta.detach(), best
