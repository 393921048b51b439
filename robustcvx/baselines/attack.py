r"""Projected-gradient attacks written with autograd, independent of the closed forms.

The same code serves adversarial training (float32 minibatches: FGSM and PGD) and evaluation
(:func:`pgd_accuracy`, float64).  The attacker minimises the margin ``y f(x + delta)`` over the
threat set ``Delta(x)`` of a :class:`~robustcvx.threats.Threat`, so it ascends every
margin-monotone loss, the hinge included, and never stalls on a zero hinge gradient.  Each step
is the threat's steepest-ascent step followed by its exact Euclidean projection::

    delta <- Proj_{Delta(x)}(delta + threat.torch_ascent(g, alpha)),   g = -grad_delta y f(x + delta)

(``l_inf``: ``alpha sign(g)`` then a clip, inside the box when there is one; ``l_2``: ``alpha g /
||g||_2`` then a rescale; ``l_1``: ``alpha`` on the largest ``|g_k|`` then the sort-based
projection onto the ``l_1`` ball).

The first start is ``delta = 0``, the others uniform in the threat set
(``threat.torch_random_start``).  With the default step ``2.5 epsilon / steps`` the zero start of
a *linear* model reaches the exact worst case (a corner of the box, the point
``-eps y w / ||w||_2``, the vertex ``-eps y sign(w_k) e_k``), so the accuracy under attack equals
the exact certified accuracy; :func:`pgd_accuracy` computes it without using the closed forms,
and callers compare the two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..certify import threat_family
from ..linear import as_linear, check_dimension
from ..threats import Threat
from ..validation import check_epsilon, check_features, check_integer, check_number, check_pm1_labels
from ._torch import import_torch, num_threads, resolve_device
from .config import AttackConfig

DEFAULT_STEPS = AttackConfig.steps
DEFAULT_RESTARTS = AttackConfig.restarts


def default_step_size(eps: float, steps: int) -> float:
    """``2.5 epsilon / steps`` (Madry et al.): enough to cross the threat set from any start."""
    return 2.5 * eps / max(int(steps), 1)


def attack_batch(score: Callable[[Any], Any], x: Any, y: Any, threat: Threat, *, steps: int, step_size: float,
                 start: Any, track_best: bool = False) -> tuple[Any, Any]:
    """Run PGD from ``start`` (a ``delta``); return ``(delta_final, min_margin)``.

    ``min_margin`` (when ``track_best``, else ``None``) is the smallest margin ``y f(x + delta)``
    over the start and every iterate (each iterate is feasible, so each is a valid attack).
    """
    torch = import_torch()
    delta = start.detach()
    best = None
    for _ in range(steps):
        delta.requires_grad_(True)
        margin = y * score(x + delta)
        (g,) = torch.autograd.grad(-margin.sum(), delta)
        with torch.no_grad():
            if track_best:
                m = margin.detach()
                best = m if best is None else torch.minimum(best, m)
            delta = threat.torch_project(delta.detach() + threat.torch_ascent(g, step_size), x)
    if track_best:
        with torch.no_grad():
            m = y * score(x + delta)
            best = m if best is None else torch.minimum(best, m)
    return delta.detach(), best


# ----------------------------------------------------------------------------- evaluation
def _scorer(model: Any, X: np.ndarray, device: str) -> tuple[Callable[[Any], Any], Any]:
    """``(score_fn, dtype)`` for a linear model (float64) or a torch module (its own dtype)."""
    torch = import_torch()
    if isinstance(model, torch.nn.Module):
        p = next(iter(model.parameters()), None)
        dtype = p.dtype if p is not None else torch.float32
        model = model.to(device)
        return (lambda z: model(z).reshape(-1)), dtype
    w, b = as_linear(model)
    check_dimension(w, X)
    W = torch.as_tensor(w, dtype=torch.float64, device=device)
    return (lambda z: z @ W + b), torch.float64


def pgd_margins(model: Any, X: Any, y: Any, epsilon: float, norm: object = "inf", box: object = None, *,
                steps: int = DEFAULT_STEPS, restarts: int = DEFAULT_RESTARTS, step_size: float | None = None,
                seed: int = 0, device: str = "cpu", chunk: int = 8192, threads: int | None = None) -> np.ndarray:
    """Smallest margin ``y_i f(x_i + delta)`` that PGD finds for each sample (float64 array).

    The threat is ``norm`` (``inf|2|1``) with ``box``, or a :class:`~robustcvx.threats.Threat`
    passed as ``norm``, at radius ``epsilon``.  ``X`` may be ``scipy.sparse`` (attacked in dense
    blocks of rows).  ``restarts`` is the number of starts: the first
    from ``delta = 0``, the others uniform in the threat set.  ``model``: a ``(w, b)`` pair, an
    estimator with ``coef_``/``intercept_``, a dict, or a ``torch.nn.Module`` returning one score
    per row.
    """
    X = check_features(X, sparse=True)
    y = check_pm1_labels(y, X.shape[0])
    threat = threat_family(norm, box, check_epsilon(epsilon))
    threat.check_data(X)
    steps = check_integer(steps, "pgd steps", minimum=1)
    restarts = check_integer(restarts, "pgd restarts", minimum=1)
    alpha = default_step_size(threat.epsilon, steps) if step_size is None else check_number(step_size, "pgd step size")
    seed = check_integer(seed, "seed", minimum=0)
    chunk = check_integer(chunk, "chunk", minimum=1)
    device = resolve_device(device)
    with num_threads(threads):
        return _pgd_margins(model, X, y, threat, steps, restarts, alpha, seed, device, chunk)


def _pgd_margins(model: Any, X: Any, y: np.ndarray, threat: Threat, steps: int, restarts: int,
                 alpha: float, seed: int, device: str, chunk: int) -> np.ndarray:
    torch = import_torch()
    score, dtype = _scorer(model, X, device)
    gen = torch.Generator().manual_seed(seed)
    out = np.empty(X.shape[0])
    sparse = hasattr(X, "tocsr")
    if sparse:  # attacked inputs are dense: blocks of at most 2^22 entries
        chunk = max(1, min(chunk, (1 << 22) // X.shape[1]))
    for start in range(0, X.shape[0], chunk):
        block = X[start:start + chunk].toarray() if sparse else X[start:start + chunk]
        xs = torch.tensor(block, dtype=dtype, device=device)  # copies (X may be read-only)
        ys = torch.tensor(y[start:start + chunk], dtype=dtype, device=device)
        with torch.no_grad():
            best = ys * score(xs)
        if threat.active:
            for r in range(restarts):
                d0 = torch.zeros_like(xs) if r == 0 else threat.torch_random_start(xs, gen)
                _, m = attack_batch(score, xs, ys, threat, steps=steps, step_size=alpha, start=d0, track_best=True)
                best = torch.minimum(best, m)
        out[start:start + chunk] = best.detach().to("cpu", torch.float64).numpy()
    return out


def pgd_accuracy(model: Any, X: Any, y: Any, epsilon: float, norm: object = "inf", box: object = None, *,
                 steps: int = DEFAULT_STEPS, restarts: int = DEFAULT_RESTARTS, step_size: float | None = None,
                 seed: int = 0, device: str = "cpu", threads: int | None = None) -> float:
    """Accuracy under the PGD attack: the fraction of samples whose every attacked margin is ``> 0``.

    For a linear model this must equal :func:`robustcvx.certify.certified_accuracy` exactly; a
    difference means the attack (or the certificate) is wrong and is reported, never averaged.
    The keyword arguments are the fields of :class:`~robustcvx.baselines.AttackConfig`.
    """
    m = pgd_margins(model, X, y, epsilon, norm, box, steps=steps, restarts=restarts, step_size=step_size,
                    seed=seed, device=device, threads=threads)
    return float(np.mean(m > 0))
