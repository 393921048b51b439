r"""Train a linear layer ``f(x) = w.x + b`` with PyTorch on the exact problem's objective.

The minibatch loss is the objective of :class:`~robustcvx.problems.RobustHingeProblem` on the
batch: the mean robust hinge ``max(0, 1 - y f(x) + pen(w))`` plus ``l1 ||w||_1 + (l2/2)||w||^2``,
with ``pen = epsilon ||w||_q`` (dual norm) or the box penalty ``sum_j max(-y w_j L_j, -y w_j U_j)``.
Adversarial training (``fgsm``, ``pgd``) replaces ``pen`` by an attack: the plain hinge of the
adversarial examples found by :mod:`.attack` against the current weights (the procedure used
for non-linear models).  Training runs in float32; every number reported (the trace, the final
objective) is recomputed in float64 numpy with ``problem.objective(w, b)``.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..certify import certified_accuracy
from ..errors import RobustCVXError
from ..problems import RobustHingeProblem
from ._torch import deterministic, import_torch, num_threads, resolve_device, synchronize
from .attack import attack_batch, default_step_size, random_start
from .config import BaselineConfig


class TrainingDivergedError(RobustCVXError):
    """The weights became NaN or infinite (learning rate far too large)."""


def relative_gap(gap: float | None, optimum: float | None) -> float | None:
    """``gap / optimum``; ``None`` when there is no optimum or it is (numerically) zero."""
    if gap is None or optimum is None or not optimum > 1e-12:
        return None
    return float(gap / optimum)


@dataclass
class BaselineResult:
    """A trained baseline.  ``objective`` is recomputed from ``(coef, intercept)`` in float64."""

    name: str
    config: BaselineConfig
    coef: np.ndarray
    intercept: float
    objective: float
    seconds: float
    trace: list[dict] = field(default_factory=list)
    optimum: float | None = None
    device: str = "cpu"
    eval_seconds: float = 0.0

    @property
    def gap(self) -> float | None:
        return None if self.optimum is None else float(self.objective - self.optimum)

    @property
    def rel_gap(self) -> float | None:
        return relative_gap(self.gap, self.optimum)

    @property
    def coef_(self) -> np.ndarray:  # so that as_linear / certify accept a result directly
        return self.coef

    @property
    def intercept_(self) -> float:
        return self.intercept

    def to_dict(self) -> dict:
        return {"name": self.name, "config": self.config.to_dict(), "objective": float(self.objective),
                "gap": self.gap, "rel_gap": self.rel_gap, "coef": [float(v) for v in self.coef],
                "intercept": float(self.intercept), "seconds": float(self.seconds), "device": self.device,
                "trace": self.trace}


# --------------------------------------------------------------------------- torch pieces
def _penalty(torch: Any, problem: RobustHingeProblem, w: Any, xb: Any, yb: Any) -> Any:
    """``pen_i(w)`` for the batch, differentiable in ``w`` (0 when epsilon = 0)."""
    eps = problem.epsilon
    if eps == 0:
        return 0.0
    if problem.box is not None:
        lo, hi = problem.box
        L = (lo - xb).clamp(min=-eps, max=0.0)
        U = (hi - xb).clamp(min=0.0, max=eps)
        v = -yb[:, None] * w[None, :]
        return torch.maximum(v * L, v * U).sum(dim=1)
    q = problem.dual_norm
    if q == "1":
        return eps * w.abs().sum()
    if q == "inf":
        return eps * w.abs().max()
    return eps * torch.sqrt((w * w).sum() + 1e-30)  # smooth at w = 0 (no NaN gradient)


def _lr_at(cfg: BaselineConfig, epoch: int, step: int, total_steps: int) -> float:
    if cfg.schedule == "cosine":
        return cfg.lr * 0.5 * (1.0 + math.cos(math.pi * step / max(total_steps, 1)))
    if cfg.schedule == "step":
        m1, m2 = int(0.5 * cfg.epochs), int(0.75 * cfg.epochs)
        drops = int(m1 > 0 and epoch >= m1) + int(m2 > 0 and epoch >= m2)
        return cfg.lr * 0.1 ** drops
    return cfg.lr


def _evaluate(problem: RobustHingeProblem, w: np.ndarray, b: float, Xe: np.ndarray, ye: np.ndarray,
              optimum: float | None, tol: float) -> dict:
    obj = problem.objective(w, b)
    gap = None if optimum is None else float(obj - optimum)
    return {
        "objective": obj,
        "gap": gap,
        "rel_gap": relative_gap(gap, optimum),
        "accuracy": float(np.mean(ye * (Xe @ w + b) > 0)),
        "certified_accuracy": float(certified_accuracy((w, b), Xe, ye, problem.epsilon, problem.norm, problem.box)),
        "l1_norm": float(np.abs(w).sum()),
        "small_weights": int(np.count_nonzero(np.abs(w) < tol)),
    }


def _to_numpy(w: Any, b: Any, epoch: int) -> tuple[np.ndarray, float]:
    wn = w.detach().to("cpu").double().numpy().copy()
    bn = float(b.detach().to("cpu").double().item())
    if not (np.isfinite(wn).all() and math.isfinite(bn)):
        raise TrainingDivergedError(f"training diverged at epoch {epoch} (non-finite weights): "
                                    "lower the learning rate")
    return wn, bn


def train_baseline(problem: RobustHingeProblem, cfg: BaselineConfig | None = None, optimum: float | None = None,
                   eval_data: tuple[Any, Any] | None = None, progress: bool = False,
                   desc: str | None = None) -> BaselineResult:
    """Train the baseline ``cfg`` on ``problem``'s data, threat and regularisers.

    ``optimum``: the exact optimal value (for the trace's ``gap`` and ``rel_gap``).
    ``eval_data``: ``(X, y)`` (labels -1/+1) for the trace's accuracy columns (default: the
    training data).  ``progress``: a tqdm bar on stderr over the epochs.
    Deterministic for a given ``cfg.seed`` (and device / thread count).
    """
    torch = import_torch()
    cfg = BaselineConfig() if cfg is None else cfg
    if not isinstance(cfg, BaselineConfig):
        raise TypeError("cfg must be a BaselineConfig")
    device = resolve_device(cfg.device)
    if eval_data is None:
        Xe, ye = problem.X, problem.y
    else:
        Xe = np.asarray(eval_data[0], dtype=np.float64)
        ye = np.asarray(eval_data[1], dtype=np.float64).reshape(-1)
    n, d = problem.n, problem.d
    eps, norm, box = problem.epsilon, problem.norm, problem.box
    adversarial = cfg.optimizer in ("fgsm", "pgd") and eps > 0
    bs = min(cfg.batch_size, n)
    steps_per_epoch = -(-n // bs)
    total_steps = steps_per_epoch * cfg.epochs
    pgd_alpha = cfg.pgd_step_size if cfg.pgd_step_size is not None else default_step_size(eps, cfg.pgd_steps)

    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=cfg.epochs, desc=desc or cfg.optimizer, file=sys.stderr, unit="epoch", leave=True)

    train_seconds = 0.0
    eval_seconds = 0.0
    trace: list[dict] = []
    with contextlib.ExitStack() as stack:
        if bar is not None:
            stack.callback(bar.close)
        stack.enter_context(deterministic())
        stack.enter_context(num_threads(cfg.threads))
        torch.manual_seed(cfg.seed)
        gen = torch.Generator().manual_seed(cfg.seed)
        dtype = torch.float32
        X = torch.from_numpy(problem.X.astype(np.float32)).to(device)  # a private, writable copy
        Y = torch.from_numpy(problem.y.astype(np.float32)).to(device)
        if cfg.init == "zeros":
            w0, b0 = torch.zeros(d, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
        else:  # nn.Linear(d, 1)'s default: U(-1/sqrt(d), 1/sqrt(d)) for weight and bias
            bound = 1.0 / math.sqrt(d)
            w0 = (torch.rand(d, generator=gen, dtype=torch.float64) * 2 - 1) * bound
            b0 = (torch.rand(1, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        w = w0.to(device=device, dtype=dtype).requires_grad_(True)
        b = b0.to(device=device, dtype=dtype).requires_grad_(True)
        if cfg.optimizer == "adam":
            opt = torch.optim.Adam([w, b], lr=cfg.lr)
        else:
            opt = torch.optim.SGD([w, b], lr=cfg.lr, momentum=cfg.momentum)
        l1, l2 = problem.l1, problem.l2
        score = lambda z: z @ w.detach() + b.detach()

        step = 0
        for epoch in range(cfg.epochs):
            synchronize(device)
            t0 = time.perf_counter()
            perm = torch.randperm(n, generator=gen).to(device)
            Xp, Yp = X[perm], Y[perm]  # one gather per epoch; the batches are contiguous views
            for k in range(steps_per_epoch):
                lr = _lr_at(cfg, epoch, step, total_steps)
                for group in opt.param_groups:
                    group["lr"] = lr
                xb, yb = Xp[k * bs:(k + 1) * bs], Yp[k * bs:(k + 1) * bs]
                if adversarial:
                    if cfg.optimizer == "fgsm":
                        start, nsteps, alpha = torch.zeros_like(xb), 1, eps
                    else:
                        L, U = ((box[0] - xb).clamp(min=-eps, max=0.0), (box[1] - xb).clamp(min=0.0, max=eps)) \
                            if (norm == "inf" and box is not None) else (None, None)
                        start = random_start(tuple(xb.shape), norm, eps, gen, dtype, device, L, U)
                        nsteps, alpha = cfg.pgd_steps, pgd_alpha
                    delta, _ = attack_batch(score, xb, yb, eps, norm, box, steps=nsteps, step_size=alpha,
                                            start=start)
                    xb = xb + delta
                    pen = 0.0
                else:
                    pen = _penalty(torch, problem, w, xb, yb)
                loss = torch.relu(1.0 - yb * (xb @ w + b) + pen).mean()
                if l1 > 0:
                    loss = loss + l1 * w.abs().sum()
                if l2 > 0:
                    loss = loss + 0.5 * l2 * (w * w).sum()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step += 1
            synchronize(device)
            t1 = time.perf_counter()
            train_seconds += t1 - t0
            wn, bn = _to_numpy(w, b, epoch + 1)
            row = {"epoch": epoch + 1}
            row.update(_evaluate(problem, wn, bn, Xe, ye, optimum, cfg.small_weight_tol))
            row["lr"] = float(_lr_at(cfg, epoch, max(step - 1, 0), total_steps))
            row["seconds"] = train_seconds
            trace.append(row)
            eval_seconds += time.perf_counter() - t1
            if bar is not None:
                post = {"objective": f"{row['objective']:.5g}"}
                if row["gap"] is not None:
                    post["gap"] = f"{row['gap']:.3g}"
                bar.set_postfix(post, refresh=False)
                bar.update(1)
        wn, bn = _to_numpy(w, b, cfg.epochs)
    return BaselineResult(cfg.optimizer, cfg, wn, bn, problem.objective(wn, bn), train_seconds, trace, optimum,
                          device, eval_seconds)
