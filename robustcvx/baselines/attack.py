r"""Projected-gradient attacks written with autograd, independent of the closed forms.

The same step loop (:mod:`.pgd`) serves adversarial training (float32 minibatches: FGSM and PGD)
and evaluation (:func:`pgd_margins`, :func:`pgd_accuracy`, float64).  A binary model's attack
minimises the margin ``y f(x + delta)``; a ``K``-class model's attack minimises ``f_y - max_{k != y}
f_k`` (:mod:`.attack_multiclass`: every competing class in turn, or untargeted).  Each step is the
threat's steepest-ascent step followed by its exact Euclidean projection (``l_inf``: ``alpha
sign(g)`` then a clip, inside the box when there is one; ``l_2``: ``alpha g / ||g||_2`` then a
rescale; ``l_1``: ``alpha`` on the largest ``|g_k|`` then the sort-based projection onto the ``l_1``
ball).

The first start is ``delta = 0``, the others uniform in the threat set
(``threat.torch_random_start``).  With the default step ``2.5 epsilon / steps`` the zero start of
a *linear* model reaches the exact worst case (a corner of the box, the point
``-eps y w / ||w||_2``, the vertex ``-eps y sign(w_k) e_k``; for ``K`` classes the same for each
competing class), so the accuracy under attack equals the exact certified accuracy;
:func:`pgd_accuracy` computes it without using the closed forms, and callers compare the two.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..certify import threat_family
from ..linear import as_linear, as_multiclass, check_dimension, is_multiclass
from ..pairs import class_indices
from ..threats import Threat
from ..validation import check_choice, check_epsilon, check_features, check_integer, check_number, check_pm1_labels
from ._torch import import_torch, num_threads, resolve_device
from .attack_multiclass import block_margins, module_classes
from .config import TARGETS, AttackConfig
from .pgd import attack_batch, default_step_size

DEFAULT_STEPS = AttackConfig.steps
DEFAULT_RESTARTS = AttackConfig.restarts
DEFAULT_TARGETS = AttackConfig.targets


# ----------------------------------------------------------------------------- evaluation
class _Scorer:
    """The scores of a model on a block: ``K == 1`` (binary: one score per row) or ``K >= 2`` classes
    (``classes``: the label of each score row, ``0..K-1`` unless the model names them)."""

    def __init__(self, model: Any, X: Any, device: str) -> None:
        torch = import_torch()
        if isinstance(model, torch.nn.Module):
            p = next(iter(model.parameters()), None)
            self.dtype = p.dtype if p is not None else torch.float32
            module = model.to(device)
            row = X[:1].toarray() if hasattr(X, "tocsr") else X[:1]
            self.K = module_classes(module, torch.tensor(row, dtype=self.dtype, device=device))
            self.classes = np.arange(self.K)
            self.score = (lambda z: module(z).reshape(-1)) if self.K == 1 else module
            return
        self.dtype = torch.float64
        if not is_multiclass(model):
            w, b = as_linear(model)
            check_dimension(w, X)
            wt = torch.as_tensor(w, dtype=torch.float64, device=device)
            self.K, self.score = 1, (lambda z: z @ wt + b)
            return
        W, b, self.classes = as_multiclass(model)
        check_dimension(W[0], X)
        Wt = torch.as_tensor(W, dtype=torch.float64, device=device)
        bt = torch.as_tensor(b, dtype=torch.float64, device=device)
        self.K, self.score = W.shape[0], (lambda z: z @ Wt.T + bt)

    def labels(self, y: Any, n: int) -> np.ndarray:
        """Binary: labels -1/+1; ``K`` classes: the row of each label among the model's classes."""
        if self.K == 1:
            return check_pm1_labels(y, n)
        return class_indices(y, self.classes, n)


def pgd_margins(model: Any, X: Any, y: Any, epsilon: float, norm: object = "inf", box: object = None, *,
                steps: int = DEFAULT_STEPS, restarts: int = DEFAULT_RESTARTS, step_size: float | None = None,
                seed: int = 0, device: str = "cpu", chunk: int = 8192, threads: int | None = None,
                targets: str = DEFAULT_TARGETS) -> np.ndarray:
    """Smallest margin that PGD finds for each sample (float64 array): ``y_i f(x_i + delta)`` for a
    binary model, ``f_{y_i} - max_{k != y_i} f_k`` at ``x_i + delta`` for a ``K``-class one.

    The threat is ``norm`` (``inf|2|1``) with ``box``, or a :class:`~robustcvx.threats.Threat`
    passed as ``norm``, at radius ``epsilon``.  ``X`` may be ``scipy.sparse`` (attacked in dense
    blocks of rows).  ``restarts`` is the number of starts: the first
    from ``delta = 0``, the others uniform in the threat set.  ``model``: a ``(w, b)`` pair, an
    estimator with ``coef_``/``intercept_``, a dict, or a ``torch.nn.Module`` returning one score
    per row (labels ``y`` in ``{-1, +1}``); or a multiclass model (:func:`robustcvx.linear.is_multiclass`:
    ``coef`` of shape ``(K, d)``, ``(W, b, classes)``, an estimator with ``classes_``; or a module returning
    ``B x K`` scores) with labels among its classes (``0..K-1`` unless it names them), attacked as
    :mod:`.attack_multiclass` describes (``targets``: ``all`` or ``max``).
    """
    X = check_features(X, sparse=True)
    targets = check_choice(targets, "attack targets", TARGETS)
    device = resolve_device(device)
    scorer = _Scorer(model, X, device)
    y = scorer.labels(y, X.shape[0])
    threat = threat_family(norm, box, check_epsilon(epsilon))
    threat.check_data(X)
    steps = check_integer(steps, "pgd steps", minimum=1)
    restarts = check_integer(restarts, "pgd restarts", minimum=1)
    alpha = default_step_size(threat.epsilon, steps) if step_size is None else check_number(step_size, "pgd step size")
    seed = check_integer(seed, "seed", minimum=0)
    chunk = check_integer(chunk, "chunk", minimum=1)
    with num_threads(threads):
        return _pgd_margins(scorer, X, y, threat, steps, restarts, alpha, seed, device, chunk, targets)


def _pgd_margins(scorer: _Scorer, X: Any, y: np.ndarray, threat: Threat, steps: int, restarts: int,
                 alpha: float, seed: int, device: str, chunk: int, targets: str) -> np.ndarray:
    torch = import_torch()
    score, dtype = scorer.score, scorer.dtype
    gen = torch.Generator().manual_seed(seed)
    out = np.empty(X.shape[0])
    sparse = hasattr(X, "tocsr")
    if sparse:  # attacked inputs are dense: blocks of at most 2^22 entries
        chunk = max(1, min(chunk, (1 << 22) // X.shape[1]))
    for start in range(0, X.shape[0], chunk):
        block = X[start:start + chunk].toarray() if sparse else X[start:start + chunk]
        xs = torch.tensor(block, dtype=dtype, device=device)  # copies (X may be read-only)
        if scorer.K > 1:
            ys = torch.tensor(y[start:start + chunk], dtype=torch.int64, device=device)
            best = block_margins(score, xs, ys, scorer.K, threat, steps=steps, restarts=restarts, step_size=alpha,
                                 gen=gen, targets=targets)
            out[start:start + chunk] = best.detach().to("cpu", torch.float64).numpy()
            continue
        ys = torch.tensor(y[start:start + chunk], dtype=dtype, device=device)
        with torch.no_grad():
            best = ys * score(xs)
        if threat.active:
            margin = lambda z, ys=ys: ys * score(z)
            for r in range(restarts):
                d0 = torch.zeros_like(xs) if r == 0 else threat.torch_random_start(xs, gen)
                _, m = attack_batch(margin, xs, threat, steps=steps, step_size=alpha, start=d0, track_best=True)
                best = torch.minimum(best, m)
        out[start:start + chunk] = best.detach().to("cpu", torch.float64).numpy()
    return out


def pgd_accuracy(model: Any, X: Any, y: Any, epsilon: float, norm: object = "inf", box: object = None, *,
                 steps: int = DEFAULT_STEPS, restarts: int = DEFAULT_RESTARTS, step_size: float | None = None,
                 seed: int = 0, device: str = "cpu", threads: int | None = None,
                 targets: str = DEFAULT_TARGETS) -> float:
    """Accuracy under the PGD attack: the fraction of samples whose every attacked margin is ``> 0``.

    For a linear model this must equal :func:`robustcvx.certify.certified_accuracy` exactly (for a
    ``K``-class model with ``targets="all"``; ``targets="max"`` may only overestimate it); a
    difference means the attack (or the certificate) is wrong and is reported, never averaged.
    The keyword arguments are the fields of :class:`~robustcvx.baselines.AttackConfig`.
    """
    m = pgd_margins(model, X, y, epsilon, norm, box, steps=steps, restarts=restarts, step_size=step_size,
                    seed=seed, device=device, threads=threads, targets=targets)
    return float(np.mean(m > 0))

__all__ = ["attack_batch", "default_step_size", "pgd_accuracy", "pgd_margins"]
