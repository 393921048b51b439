r"""Projected-gradient attacks written with autograd, independent of the closed forms.

The same code serves adversarial training (float32 minibatches: FGSM and PGD) and evaluation
(:func:`pgd_accuracy`, float64).  The attacker minimises the margin ``y f(x + delta)`` over the
threat set (``||delta||_p <= epsilon``; for ``p = inf`` optionally with ``x + delta`` in the box
``[lo, hi]``), so it ascends every margin-monotone loss, the hinge included, and never stalls
on a zero hinge gradient.  Each step is the steepest-ascent step of the threat norm followed by
an exact Euclidean projection onto the threat set:

* ``inf``: ``delta += alpha sign(g)``, then clip to ``[max(-eps, lo - x), min(eps, hi - x)]``;
* ``2``:  ``delta += alpha g / ||g||_2``, then scale back onto the ball;
* ``1``:  ``alpha`` on the top-``k`` coordinates of ``|g|`` (``k = 1``: pure steepest ascent),
  then the sort-based projection onto the ``l1`` ball (Duchi et al., 2008).

The first start is ``delta = 0``, the others uniform in the threat set.  With the default step
``2.5 epsilon / steps`` the zero start of a *linear* model reaches the exact worst case (a corner
of the box, the point ``-eps y w / ||w||_2``, the vertex ``-eps y sign(w_k) e_k``), so the
accuracy under attack equals the exact certified accuracy; :func:`pgd_accuracy` computes it
without using the closed forms, and callers compare the two.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import OptionError
from ..linear import as_linear
from ..threats import parse_norm
from ..validation import check_box, check_box_contains, check_epsilon, check_features
from ._torch import import_torch, num_threads, resolve_device

DEFAULT_STEPS = 20
DEFAULT_RESTARTS = 2


# ------------------------------------------------------------------ threat-set geometry
def box_delta_bounds(x: Any, eps: float, box: tuple[float, float] | None) -> tuple[Any, Any]:
    """Per-coordinate bounds ``(L, U)`` of ``delta`` for the inf-norm threat (``L <= 0 <= U``)."""
    if box is None:
        return -eps, eps
    lo, hi = box
    return (lo - x).clamp(min=-eps, max=0.0), (hi - x).clamp(min=0.0, max=eps)


def _clip(delta: Any, L: Any, U: Any) -> Any:
    torch = import_torch()
    if isinstance(L, float):
        return delta.clamp(min=L, max=U)
    return torch.minimum(torch.maximum(delta, L), U)


def project_l1_ball(v: Any, eps: float) -> Any:
    """Euclidean projection of each row of ``v`` onto ``{||delta||_1 <= eps}`` (exact, sort-based)."""
    torch = import_torch()
    a = v.abs()
    outside = a.sum(dim=1) > eps
    if not bool(outside.any()):
        return v
    u, _ = torch.sort(a[outside], dim=1, descending=True)
    css = u.cumsum(dim=1) - eps
    j = torch.arange(1, u.shape[1] + 1, device=v.device, dtype=v.dtype)
    cond = u * j > css
    rho = cond.sum(dim=1, keepdim=True) - 1  # cond holds on a prefix: its last index
    theta = css.gather(1, rho) / (rho.to(v.dtype) + 1)
    out = v.clone()
    w = v[outside]
    out[outside] = w.sign() * (w.abs() - theta).clamp(min=0.0)
    return out


def project(delta: Any, norm: str, eps: float, L: Any = None, U: Any = None) -> Any:
    """Project each row of ``delta`` onto the threat set."""
    torch = import_torch()
    if norm == "inf":
        return _clip(delta, -eps if L is None else L, eps if U is None else U)
    if norm == "2":
        nrm = torch.linalg.vector_norm(delta, dim=1, keepdim=True)
        scale = torch.where(nrm > eps, eps / nrm.clamp(min=torch.finfo(delta.dtype).tiny), torch.ones_like(nrm))
        return delta * scale
    return project_l1_ball(delta, eps)


def ascent_step(g: Any, norm: str, alpha: float, topk: int = 1) -> Any:
    """Steepest-ascent step of length ``alpha`` in the threat norm for the gradient ``g``."""
    torch = import_torch()
    if norm == "inf":
        return alpha * g.sign()
    if norm == "2":
        nrm = torch.linalg.vector_norm(g, dim=1, keepdim=True)
        return torch.where(nrm > 0, alpha * g / nrm.clamp(min=torch.finfo(g.dtype).tiny), torch.zeros_like(g))
    k = max(1, min(int(topk), g.shape[1]))
    idx = g.abs().topk(k, dim=1).indices
    step = torch.zeros_like(g)
    step.scatter_(1, idx, (alpha / k) * g.gather(1, idx).sign())
    return step


def random_start(shape: tuple[int, int], norm: str, eps: float, generator: Any, dtype: Any, device: str,
                 L: Any = None, U: Any = None) -> Any:
    """A uniform random point of the threat set for each row (drawn on the CPU generator)."""
    torch = import_torch()
    n, d = shape
    if norm == "inf":
        delta = (torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1) * eps
        delta = delta.to(device=device, dtype=dtype)
        return project(delta, "inf", eps, L, U)
    radius = eps * torch.rand((n, 1), generator=generator, dtype=torch.float64) ** (1.0 / d)
    if norm == "2":
        z = torch.randn(shape, generator=generator, dtype=torch.float64)
        z = z / torch.linalg.vector_norm(z, dim=1, keepdim=True).clamp(min=1e-300)
    else:  # uniform direction on the l1 sphere: signed exponentials over their sum
        e = -torch.log(torch.rand((n, d), generator=generator, dtype=torch.float64).clamp(min=1e-300))
        s = torch.where(torch.rand((n, d), generator=generator, dtype=torch.float64) < 0.5, -1.0, 1.0)
        z = s * e / e.sum(dim=1, keepdim=True)
    return (radius * z).to(device=device, dtype=dtype)


def default_step_size(eps: float, steps: int) -> float:
    """``2.5 epsilon / steps`` (Madry et al.): enough to cross the threat set from any start."""
    return 2.5 * eps / max(int(steps), 1)


def attack_batch(score: Callable[[Any], Any], x: Any, y: Any, eps: float, norm: str, box: Any, *,
                 steps: int, step_size: float, start: Any, topk: int = 1, track_best: bool = False):
    """Run PGD from ``start`` (a ``delta``); return ``(delta_final, min_margin)``.

    ``min_margin`` (when ``track_best``) is the smallest margin ``y f(x + delta)`` over the start
    and every iterate (each iterate is feasible, so each is a valid attack).
    """
    torch = import_torch()
    L, U = box_delta_bounds(x, eps, box) if norm == "inf" else (None, None)
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
            delta = project(delta.detach() + ascent_step(g, norm, step_size, topk), norm, eps, L, U)
    if track_best:
        with torch.no_grad():
            m = y * score(x + delta)
            best = m if best is None else torch.minimum(best, m)
    return delta.detach(), best


# ----------------------------------------------------------------------------- evaluation
def _is_torch_module(model: Any) -> bool:
    try:
        torch = import_torch()
    except OptionError:  # pragma: no cover
        return False
    return isinstance(model, torch.nn.Module)


def _scorer(model: Any, d: int, device: str):
    """``(score_fn, dtype)`` for a linear model (float64) or a torch module (its own dtype)."""
    torch = import_torch()
    if _is_torch_module(model):
        p = next(iter(model.parameters()), None)
        dtype = p.dtype if p is not None else torch.float32
        model = model.to(device)
        return (lambda z: model(z).reshape(-1)), dtype
    w, b = as_linear(model)
    if w.shape[0] != d:
        raise OptionError(f"model has {w.shape[0]} weights but the data has {d} features: they must match")
    W = torch.as_tensor(w, dtype=torch.float64, device=device)
    bb = float(b)
    return (lambda z: z @ W + bb), torch.float64


def pgd_margins(model: Any, X: Any, y: Any, epsilon: float, norm: object = "inf", box: object = None,
                steps: int = DEFAULT_STEPS, restarts: int = DEFAULT_RESTARTS, step_size: float | None = None,
                seed: int = 0, topk: int = 1, device: str = "cpu", chunk: int = 8192,
                threads: int | None = None) -> np.ndarray:
    """Smallest margin ``y_i f(x_i + delta)`` that PGD finds for each sample (float64 array).

    ``restarts`` is the number of starts: the first from ``delta = 0``, the others uniform in the
    threat set.  ``model``: a ``(w, b)`` pair, an estimator with ``coef_``/``intercept_``, a dict,
    or a ``torch.nn.Module`` returning one score per row.
    """
    torch = import_torch()
    X = check_features(X)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise OptionError(f"X has {X.shape[0]} samples but y has {y.shape[0]} labels: they must match")
    if not np.isin(y, (-1.0, 1.0)).all():
        raise OptionError("labels must be -1 or +1")
    eps = check_epsilon(epsilon)
    norm = parse_norm(norm)
    box = check_box(box)
    if box is not None:
        if norm != "inf":
            raise OptionError("box is supported for the inf-norm threat only")
        check_box_contains(X, box)
    if isinstance(steps, bool) or int(steps) < 1:
        raise OptionError(f"pgd steps must be >= 1, got {steps}")
    if isinstance(restarts, bool) or int(restarts) < 1:
        raise OptionError(f"pgd restarts must be >= 1, got {restarts}")
    steps, restarts = int(steps), int(restarts)
    alpha = default_step_size(eps, steps) if step_size is None else float(step_size)
    if not (math.isfinite(alpha) and alpha >= 0):
        raise OptionError(f"pgd step size must be a finite number >= 0, got {step_size!r}")
    device = resolve_device(device)
    with num_threads(threads):
        return _pgd_margins(model, X, y, eps, norm, box, steps, restarts, alpha, int(seed), topk, device, chunk)


def _pgd_margins(model, X, y, eps, norm, box, steps, restarts, alpha, seed, topk, device, chunk) -> np.ndarray:
    torch = import_torch()
    score, dtype = _scorer(model, X.shape[1], device)
    gen = torch.Generator().manual_seed(int(seed))
    out = np.empty(X.shape[0])
    for start in range(0, X.shape[0], chunk):
        xs = torch.tensor(X[start:start + chunk], dtype=dtype, device=device)  # copies (X may be read-only)
        ys = torch.tensor(y[start:start + chunk], dtype=dtype, device=device)
        with torch.no_grad():
            best = ys * score(xs)
        if eps > 0:
            L, U = box_delta_bounds(xs, eps, box) if norm == "inf" else (None, None)
            for r in range(restarts):
                d0 = torch.zeros_like(xs) if r == 0 else random_start(tuple(xs.shape), norm, eps, gen, dtype,
                                                                      device, L, U)
                _, m = attack_batch(score, xs, ys, eps, norm, box, steps=steps, step_size=alpha, start=d0,
                                    topk=topk, track_best=True)
                best = torch.minimum(best, m)
        out[start:start + chunk] = best.detach().to("cpu", torch.float64).numpy()
    return out


def pgd_accuracy(model: Any, X: Any, y: Any, epsilon: float, norm: object = "inf", box: object = None,
                 steps: int = DEFAULT_STEPS, restarts: int = DEFAULT_RESTARTS, step_size: float | None = None,
                 seed: int = 0, topk: int = 1, device: str = "cpu", threads: int | None = None) -> float:
    """Accuracy under the PGD attack: the fraction of samples whose every attacked margin is ``> 0``.

    For a linear model this must equal :func:`robustcvx.certify.certified_accuracy` exactly; a
    difference means the attack (or the certificate) is wrong and is reported, never averaged.
    """
    m = pgd_margins(model, X, y, epsilon, norm, box, steps=steps, restarts=restarts, step_size=step_size,
                    seed=seed, topk=topk, device=device, threads=threads)
    return float(np.mean(m > 0))
