r"""The losses a baseline minimises, for the two shapes of linear model (torch; any float dtype).

**Binary** (:class:`~robustcvx.problems.RobustHingeProblem`, labels ``y = +-1``): ``f(x) = w.x + b``,
margin ``m(x) = y f(x)``.

* ``hinge``: ``max(0, 1 - m(x_i) + pen_i(w))``, ``pen_i`` = ``threat.torch_penalty`` (the robust hinge);
* ``softmax``: the logistic loss ``log(1 + exp(-m(x_i)))`` (the two-class softmax with ``w = w_1 - w_0``).

**K classes** (:class:`~robustcvx.problems.MulticlassHingeProblem`, labels ``0..K-1``): ``f_k(x) = w_k.x
+ b_k``, margin ``m(x) = f_y(x) - max_{k != y} f_k(x)`` (the sample is classified correctly iff ``m > 0``).

* ``hinge``: Crammer--Singer, ``max(0, max_{k != y_i} [1 - (f_{y_i} - f_k)(x_i) + pen_i(w_{y_i} - w_k)])``
  with ``pen_i`` = ``threat.torch_pair_penalties`` (the problem's joint robust objective);
* ``softmax``: multinomial cross-entropy ``log sum_k exp f_k(x_i) - f_{y_i}(x_i)`` (softmax regression).

The batch objective (:func:`batch_objective`) is ``(1/|B|) sum_{i in B} n c_i loss_i + l1 ||W||_1 +
(l2/2) ||W||_2^2`` (``n c_i = 1`` without sample weights), an unbiased estimate of the full objective;
on the whole data in float64 (:func:`torch_objective`) it *is* the objective: ``problem.objective`` for
the hinge.  ``robust=False`` drops the penalty (adversarial training moves the inputs instead).

What an attacker decreases (:meth:`BinaryModel.attack_objective`): the margin for hinge models (so that
it ascends the hinge's argument and never stalls on a zero hinge gradient; for ``K`` classes the
margin loss ``max_{k != y} f_k - f_y``), minus the cross-entropy for softmax models (PGD on the
cross-entropy, the standard practice).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputTypeError
from ..problems import MulticlassHingeProblem, RobustHingeProblem


class BinaryModel:
    """``f(x) = w.x + b`` for a :class:`RobustHingeProblem`: ``w`` of shape ``(d,)``, ``b`` of shape ``(1,)``."""

    multiclass = False

    def __init__(self, problem: RobustHingeProblem) -> None:
        self.problem, self.threat, self.d = problem, problem.threat, problem.d

    def initial(self, torch: Any, gen: Any, init: str) -> tuple[Any, Any]:
        """float64 ``(w, b)``: zeros, or ``nn.Linear(d, 1)``'s default ``U(-1/sqrt(d), 1/sqrt(d))`` (seeded)."""
        d = self.d
        if init == "zeros":
            return torch.zeros(d, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
        bound = 1.0 / math.sqrt(d)
        w0 = (torch.rand(d, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        b0 = (torch.rand(1, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        return w0, b0

    def labels(self) -> np.ndarray:
        """The training labels as the batches carry them (float32 ``+-1``)."""
        return self.problem.y.astype(np.float32)

    @staticmethod
    def scores(xb: Any, w: Any, b: Any) -> Any:
        return xb @ w + b

    @staticmethod
    def margins(S: Any, yb: Any) -> Any:
        return yb * S

    def hinge(self, w: Any, b: Any, xb: Any, yb: Any, robust: bool) -> Any:
        # the penalty is built before the scores: autograd then sums the gradient of w in the order of
        # the original implementation (float32 sums, so the order shows in the last bits)
        import torch

        pen = self.threat.torch_penalty(w, xb, yb) if robust else 0.0
        return torch.relu(1.0 - yb * self.scores(xb, w, b) + pen)

    @staticmethod
    def cross_entropy(S: Any, yb: Any) -> Any:
        import torch

        return torch.nn.functional.softplus(-(yb * S))

    def to_numpy(self, w: Any, b: Any) -> tuple[np.ndarray, float]:
        """float64 copies (``w`` a vector, ``b`` a float)."""
        return (w.detach().to("cpu").double().numpy().copy(),
                float(b.detach().to("cpu").double().reshape(-1)[0].item()))

    def to_torch(self, torch: Any, w: Any, b: Any, dtype: Any, device: str) -> tuple[Any, Any]:
        return (torch.as_tensor(np.asarray(w, dtype=float), dtype=dtype, device=device),
                torch.as_tensor(np.asarray(b, dtype=float).reshape(1), dtype=dtype, device=device))


class MulticlassModel(BinaryModel):
    """``f_k(x) = w_k.x + b_k`` for a :class:`MulticlassHingeProblem`: ``W`` ``(K, d)``, ``b`` ``(K,)``."""

    multiclass = True

    def __init__(self, problem: MulticlassHingeProblem) -> None:
        super().__init__(problem)  # type: ignore[arg-type]
        self.K = problem.K

    def initial(self, torch: Any, gen: Any, init: str) -> tuple[Any, Any]:
        """float64 ``(W, b)``: zeros, or ``nn.Linear(d, K)``'s default ``U(-1/sqrt(d), 1/sqrt(d))`` (seeded)."""
        K, d = self.K, self.d
        if init == "zeros":
            return torch.zeros((K, d), dtype=torch.float64), torch.zeros(K, dtype=torch.float64)
        bound = 1.0 / math.sqrt(d)
        W0 = (torch.rand((K, d), generator=gen, dtype=torch.float64) * 2 - 1) * bound
        b0 = (torch.rand(K, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        return W0, b0

    def labels(self) -> np.ndarray:
        """Class indices ``0..K-1`` (int64)."""
        return self.problem.y.astype(np.int64)

    @staticmethod
    def scores(xb: Any, W: Any, b: Any) -> Any:
        return xb @ W.T + b

    @staticmethod
    def own_and_rest(S: Any, yb: Any) -> tuple[Any, Any]:
        """``(f_y, mask)``: the own class's score (``B x 1``) and the one-hot mask of ``y`` (``B x K``)."""
        import torch

        mask = torch.nn.functional.one_hot(yb, S.shape[1]).to(torch.bool)
        return S.gather(1, yb[:, None]), mask

    @classmethod
    def margins(cls, S: Any, yb: Any) -> Any:
        own, mask = cls.own_and_rest(S, yb)
        return own[:, 0] - S.masked_fill(mask, -math.inf).amax(dim=1)

    def hinge(self, W: Any, b: Any, xb: Any, yb: Any, robust: bool) -> Any:
        """``max(0, max_{k != y} z_k)`` as ``max_k z'_k`` with ``z'_y = 0`` (the hinge's zero)."""
        S = self.scores(xb, W, b)
        own, mask = self.own_and_rest(S, yb)
        Z = 1.0 - own + S
        if robust and self.threat.active:
            Z = Z + self.threat.torch_pair_penalties(W, xb, yb)
        return Z.masked_fill(mask, 0.0).amax(dim=1)

    @staticmethod
    def cross_entropy(S: Any, yb: Any) -> Any:
        import torch

        return torch.nn.functional.cross_entropy(S, yb, reduction="none")

    def to_numpy(self, W: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[override]
        return W.detach().to("cpu").double().numpy().copy(), b.detach().to("cpu").double().numpy().copy()

    def to_torch(self, torch: Any, W: Any, b: Any, dtype: Any, device: str) -> tuple[Any, Any]:
        return (torch.as_tensor(np.asarray(W, dtype=float), dtype=dtype, device=device),
                torch.as_tensor(np.asarray(b, dtype=float).reshape(-1), dtype=dtype, device=device))


def linear_model(problem: Any) -> BinaryModel:
    """The model shape of ``problem`` (binary or ``K``-class)."""
    if isinstance(problem, MulticlassHingeProblem):
        return MulticlassModel(problem)
    if isinstance(problem, RobustHingeProblem):
        return BinaryModel(problem)
    raise InputTypeError("problem must be a robustcvx.problems.RobustHingeProblem or MulticlassHingeProblem")


def sample_losses(model: BinaryModel, loss: str, w: Any, b: Any, xb: Any, yb: Any, robust: bool = True) -> Any:
    """Per-sample ``hinge`` (robust unless ``robust=False``) or ``softmax`` losses of the model ``(w, b)``."""
    if loss == "softmax":
        return model.cross_entropy(model.scores(xb, w, b), yb)
    return model.hinge(w, b, xb, yb, robust)


def attack_objective(model: BinaryModel, loss: str, w: Any, b: Any, yb: Any) -> Any:
    """``z -> values`` that an attacker on the inputs ``z`` decreases (module docstring)."""
    if loss == "softmax":
        return lambda z: -model.cross_entropy(model.scores(z, w, b), yb)
    return lambda z: model.margins(model.scores(z, w, b), yb)


def batch_objective(model: BinaryModel, loss: str, w: Any, b: Any, xb: Any, yb: Any, cb: Any,
                    robust: bool = True) -> Any:
    """``(1/|B|) sum_i n c_i loss_i + l1 ||w||_1 + (l2/2) ||w||^2`` on a batch (``cb``: ``n c_i`` or ``None``)."""
    problem = model.problem
    per = sample_losses(model, loss, w, b, xb, yb, robust)
    out = per.mean() if cb is None else (cb * per).mean()
    if problem.l1 > 0:
        out = out + problem.l1 * w.abs().sum()
    if problem.l2 > 0:
        out = out + 0.5 * problem.l2 * (w * w).sum()
    return out


def torch_objective(problem: Any, coef: Any, intercept: Any, loss: str = "hinge", device: str = "cpu") -> float:
    """The full objective of ``(coef, intercept)`` computed by the training code in float64.

    For ``loss="hinge"`` it equals ``problem.objective(coef, intercept)`` (up to rounding): the check
    that the baselines minimise the problem's own objective.  For ``softmax`` it is the (weighted) mean
    cross-entropy plus the problem's regularisers (:func:`robustcvx.baselines.objectives.softmax_objective`).
    """
    from ..validation import check_choice
    from ._torch import import_torch
    from .config import LOSSES

    torch = import_torch()
    loss = check_choice(loss, "loss", LOSSES)
    model = linear_model(problem)
    X = problem.X.toarray() if hasattr(problem.X, "toarray") else np.asarray(problem.X)
    xb = torch.as_tensor(X, dtype=torch.float64, device=device)
    y = model.labels()
    yb = torch.as_tensor(y.astype(np.float64) if not model.multiclass else y, device=device)
    cb = torch.as_tensor(problem.n * problem.weights, dtype=torch.float64, device=device) if problem.weighted else None
    w, b = model.to_torch(torch, coef, intercept, torch.float64, device)
    with torch.no_grad():
        return float(batch_objective(model, loss, w, b, xb, yb, cb).item())
