r"""Train a linear layer ``f(x) = w.x + b`` with PyTorch on the exact problem's objective.

The minibatch loss is the objective of :class:`~robustcvx.problems.RobustHingeProblem` on the
batch ``B`` (drawn by a seeded shuffle, so uniformly)::

    L_B(w, b) = (1/|B|) sum_{i in B} n c_i max(0, 1 - y_i f(x_i) + pen_i(w)) + l1 ||w||_1 + (l2/2) ||w||^2

with ``pen_i = threat.torch_penalty(w, x_i, y_i)`` and the problem's sample weights ``c_i``
(``n c_i = 1`` without weights: the plain batch mean), so ``E_B[L_B] = P``, the (weighted)
objective.  Adversarial training (``fgsm``, ``pgd``) replaces ``pen`` by an attack: the hinge of
the adversarial examples found by :mod:`.attack` against the current weights (the procedure used
for non-linear models).  Training runs in float32; every number reported (the trace, the models'
objectives) is recomputed in float64 numpy with ``problem.objective(w, b)``.  A ``scipy.sparse``
problem trains on sparse minibatches (:mod:`.batches`) along the same path as its dense copy.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from typing import Any

import numpy as np

from .. import metrics
from ..certify import certified_accuracy
from ..errors import DataError, InputTypeError, RobustCVXError
from ..problems import RobustHingeProblem
from ..validation import check_features, check_pm1_labels
from ._torch import deterministic, import_torch, num_threads, resolve_device, synchronize
from .attack import attack_batch, default_step_size
from .averaging import IterateAverage
from .batches import Batches
from .config import BaselineConfig
from .result import BaselineResult, Iterate, relative_gap


class TrainingDivergedError(RobustCVXError):
    """The weights became NaN or infinite (learning rate far too large)."""


def evaluate_model(problem: RobustHingeProblem, w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray,
                   optimum: float | None) -> dict:
    """The trace's columns for one model: ``objective`` (float64, training data), ``gap``, ``rel_gap``,
    and on ``(X, y)``: ``accuracy``, ``certified_accuracy`` (exact, the problem's threat),
    ``l1_norm``, ``nonzeros`` and ``significant_weights`` (:mod:`robustcvx.metrics`)."""
    obj = problem.objective(w, b)
    gap = None if optimum is None else float(obj - optimum)
    threat = problem.threat
    return {
        "objective": obj,
        "gap": gap,
        "rel_gap": relative_gap(gap, optimum),
        "accuracy": metrics.accuracy(w, b, X, y),
        "certified_accuracy": float(certified_accuracy((w, b), X, y, threat.epsilon, threat)),
        "l1_norm": metrics.l1_norm(w),
        "nonzeros": metrics.nonzeros(w),
        "significant_weights": metrics.significant_weights(w),
    }


def _to_numpy(w: Any, b: Any, epoch: int) -> tuple[np.ndarray, float]:
    wn = w.detach().to("cpu").double().numpy().copy()
    bn = float(b.detach().to("cpu").double().reshape(-1)[0].item())
    if not (np.isfinite(wn).all() and math.isfinite(bn)):
        raise TrainingDivergedError(f"training diverged at epoch {epoch} (non-finite weights): "
                                    "lower the learning rate")
    return wn, bn


def _eval_split(problem: RobustHingeProblem, eval_data: tuple[Any, Any] | None) -> tuple[np.ndarray, np.ndarray]:
    if eval_data is None:
        return problem.X, problem.y
    if not (isinstance(eval_data, (tuple, list)) and len(eval_data) == 2):
        raise InputTypeError("eval_data must be a pair (X, y) with labels -1/+1")
    X = check_features(eval_data[0], "eval_data X", sparse=True)
    if X.shape[1] != problem.d:
        raise DataError(f"eval_data X has {X.shape[1]} features but the problem has {problem.d}")
    return X, check_pm1_labels(eval_data[1], X.shape[0], "eval_data y")


class _Trainer:
    """The torch state of one run: data, parameters, optimizer, generator."""

    def __init__(self, torch: Any, problem: RobustHingeProblem, cfg: BaselineConfig, device: str) -> None:
        self.torch, self.problem, self.cfg, self.threat = torch, problem, cfg, problem.threat
        d = problem.d
        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.attack = cfg.adversarial and self.threat.active
        # n c_i: the factor that makes the batch mean an unbiased estimate of the weighted mean
        factors = problem.n * problem.weights if problem.weighted else None
        self.batches = Batches(torch, problem.X, problem.y, factors, cfg.batch_size, device,
                               dense_batches=self.attack or not self.threat.uniform)
        if cfg.init == "zeros":
            w0, b0 = torch.zeros(d, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
        else:  # nn.Linear(d, 1)'s default: U(-1/sqrt(d), 1/sqrt(d)) for weight and bias
            bound = 1.0 / math.sqrt(d)
            w0 = (torch.rand(d, generator=self.gen, dtype=torch.float64) * 2 - 1) * bound
            b0 = (torch.rand(1, generator=self.gen, dtype=torch.float64) * 2 - 1) * bound
        self.w = w0.to(device=device, dtype=torch.float32).requires_grad_(True)
        self.b = b0.to(device=device, dtype=torch.float32).requires_grad_(True)
        if cfg.optimizer == "adam":
            self.opt = torch.optim.Adam([self.w, self.b], lr=cfg.lr)
        else:
            self.opt = torch.optim.SGD([self.w, self.b], lr=cfg.lr, momentum=cfg.momentum)
        self.steps_per_epoch = self.batches.steps_per_epoch
        self.step = 0
        eps = self.threat.epsilon
        self.pgd_alpha = cfg.pgd_step_size if cfg.pgd_step_size is not None else default_step_size(eps, cfg.pgd_steps)

    def _adversarial(self, xb: Any, yb: Any) -> Any:
        """``xb + delta`` with ``delta`` from FGSM (one step of length epsilon from 0) or PGD."""
        w, b = self.w.detach(), self.b.detach()
        score = lambda z: z @ w + b
        if self.cfg.optimizer == "fgsm":
            start, steps, alpha = self.torch.zeros_like(xb), 1, self.threat.epsilon
        else:
            start, steps, alpha = self.threat.torch_random_start(xb, self.gen), self.cfg.pgd_steps, self.pgd_alpha
        delta, _ = attack_batch(score, xb, yb, self.threat, steps=steps, step_size=alpha, start=start)
        return xb + delta

    def loss(self, xb: Any, yb: Any, cb: Any) -> Any:
        """The minibatch loss ``L_B`` (module docstring)."""
        w, b, problem = self.w, self.b, self.problem
        if self.attack:
            xb, pen = self._adversarial(xb, yb), 0.0
        else:
            pen = self.threat.torch_penalty(w, xb, yb)
        hinge = self.torch.relu(1.0 - yb * (xb @ w + b) + pen)
        loss = hinge.mean() if cb is None else (cb * hinge).mean()
        if problem.l1 > 0:
            loss = loss + problem.l1 * w.abs().sum()
        if problem.l2 > 0:
            loss = loss + 0.5 * problem.l2 * (w * w).sum()
        return loss

    def epoch(self, average: IterateAverage | None) -> float:
        """One pass over the data; returns the learning rate of its last step."""
        lr = self.cfg.lr
        for xb, yb, cb in self.batches.epoch(self.gen):
            lr = self.cfg.learning_rate(self.step, self.steps_per_epoch)
            for group in self.opt.param_groups:
                group["lr"] = lr
            loss = self.loss(xb, yb, cb)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.step += 1
            if average is not None:
                average.add(self.w, self.b)
        return float(lr)


def train_baseline(problem: RobustHingeProblem, cfg: BaselineConfig | None = None, *, optimum: float | None = None,
                   eval_data: tuple[Any, Any] | None = None, progress: bool = False,
                   desc: str | None = None) -> BaselineResult:
    """Train the baseline ``cfg`` on ``problem``'s data, threat, regularisers and sample weights.

    ``optimum``: the exact optimal value (for the gaps).  ``eval_data``: ``(X, y)`` (labels
    -1/+1) for the trace's accuracy columns (default: the training data).  ``progress``: a tqdm
    bar on stderr over the epochs.  Deterministic for a given ``cfg.seed`` (and device / threads).

    The trace has one dict per epoch ``e``: ``epoch``, ``lr`` (of the epoch's last step),
    ``seconds`` (training time so far), the last iterate's :func:`evaluate_model` columns
    (``objective``, ``gap``, ``rel_gap``, ``accuracy``, ``certified_accuracy``, ``l1_norm``,
    ``nonzeros``, ``significant_weights``) and the averaged iterate's ``averaged_objective``,
    ``averaged_gap``, ``averaged_rel_gap`` (``None`` when ``cfg.average == "none"``).
    The result's ``best`` is the epoch-end iterate of smallest ``objective`` (the first on ties).
    """
    torch = import_torch()
    cfg = BaselineConfig() if cfg is None else cfg
    if not isinstance(cfg, BaselineConfig):
        raise InputTypeError("cfg must be a robustcvx.baselines.BaselineConfig")
    if not isinstance(problem, RobustHingeProblem):
        raise InputTypeError("problem must be a robustcvx.problems.RobustHingeProblem")
    device = resolve_device(cfg.device)
    Xe, ye = _eval_split(problem, eval_data)

    def iterate(which: str, w: np.ndarray, b: float, epoch: int, objective: float | None = None) -> Iterate:
        obj = problem.objective(w, b) if objective is None else objective
        return Iterate(which=which, coef=w, intercept=b, objective=obj, epoch=epoch, optimum=optimum)

    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=cfg.epochs, desc=desc or cfg.optimizer, file=sys.stderr, unit="epoch", leave=True)
    train_seconds = eval_seconds = 0.0
    trace: list[dict] = []
    with contextlib.ExitStack() as stack:
        if bar is not None:
            stack.callback(bar.close)
        stack.enter_context(deterministic())
        stack.enter_context(num_threads(cfg.threads))
        run = _Trainer(torch, problem, cfg, device)
        average = None if cfg.average == "none" else IterateAverage(cfg.average, run.w, run.b)
        w0, b0 = _to_numpy(run.w, run.b, 0)
        best = iterate("best", w0, b0, 0)
        for epoch in range(1, cfg.epochs + 1):
            synchronize(device)
            t0 = time.perf_counter()
            lr = run.epoch(average)
            if average is not None:
                average.end_epoch()
            synchronize(device)
            t1 = time.perf_counter()
            train_seconds += t1 - t0
            wn, bn = _to_numpy(run.w, run.b, epoch)
            row: dict[str, Any] = {"epoch": epoch, **evaluate_model(problem, wn, bn, Xe, ye, optimum),
                                   "averaged_objective": None, "averaged_gap": None, "averaged_rel_gap": None}
            if average is not None:
                wa, ba = average.mean()
                avg = iterate("averaged", wa, ba, epoch)
                row.update(averaged_objective=avg.objective, averaged_gap=avg.gap, averaged_rel_gap=avg.rel_gap)
            row["lr"] = lr
            row["seconds"] = train_seconds
            trace.append(row)
            if epoch == 1 or row["objective"] < best.objective:
                best = iterate("best", wn, bn, epoch, row["objective"])
            eval_seconds += time.perf_counter() - t1
            if bar is not None:
                post = {"objective": f"{row['objective']:.5g}"}
                if row["gap"] is not None:
                    post["gap"] = f"{row['gap']:.3g}"
                bar.set_postfix(post, refresh=False)
                bar.update(1)
        wn, bn = _to_numpy(run.w, run.b, cfg.epochs)
    last = iterate("last", wn, bn, cfg.epochs, trace[-1]["objective"] if trace else None)
    averaged = None
    if average is not None:
        mean = average.mean()
        wa, ba = (w0, b0) if mean is None else mean
        averaged = iterate("averaged", wa, ba, cfg.epochs)
    return BaselineResult(name=cfg.optimizer, config=cfg, last=last, best=best, averaged=averaged,
                          seconds=train_seconds, eval_seconds=eval_seconds, trace=trace, optimum=optimum,
                          device=device)
