"""Exact optimum vs. the training procedures people run, on the same objective.

:func:`compare` solves the exact problem on a task's training split, trains the requested
PyTorch baselines (:mod:`robustcvx.baselines`) on the same objective, and reports for every model
the objective (recomputed in float64 from its weights), the gap to the certified optimum, the
distance to the *set* of optima (:mod:`robustcvx.optimal_set`), clean / exactly certified /
PGD accuracy on the evaluation split (the test split when there is one), sparsity and time.

Consistency checks are part of the result (``errors``), never averaged away: the PGD accuracy of
every (linear) model must equal its exact certified accuracy, every reported objective must
equal the one recomputed from the weights, no model may beat the certified optimum by more than
``1e-9``, and the exact solution must carry a verified certificate.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .baselines.config import OPTIMIZERS, BaselineConfig, parse_optimizer
from .certify import certified_accuracy
from .errors import DataError, InputTypeError, OptionError
from .problems import RobustHingeProblem

#: A model may not beat the certified optimum by more than this (absolute).
OPTIMUM_SLACK = 1e-9
#: |w_j| below this counts as zero (``nonzeros`` column, ``small_weights`` in the traces).
ZERO_TOL = 1e-6


@dataclass
class ModelReport:
    """One row of the comparison (the exact model has ``kind == "exact"``)."""

    name: str
    kind: str
    objective: float
    gap: float
    rel_gap: float | None
    coef: np.ndarray
    intercept: float
    accuracy: float
    certified_accuracy: float
    pgd_accuracy: float
    seconds: float
    trace: list[dict] = field(default_factory=list)
    distance_to_optimal_set: float | None = None
    l1_norm: float = 0.0
    nonzeros: int = 0
    objective_recomputed: float = 0.0
    config: dict | None = None
    info: dict = field(default_factory=dict)

    @property
    def pgd_agrees(self) -> bool:
        return self.pgd_accuracy == self.certified_accuracy

    def to_dict(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "objective": float(self.objective), "gap": float(self.gap),
            "rel_gap": self.rel_gap, "coef": [float(v) for v in self.coef], "intercept": float(self.intercept),
            "accuracy": float(self.accuracy), "certified_accuracy": float(self.certified_accuracy),
            "pgd_accuracy": float(self.pgd_accuracy), "pgd_agrees": self.pgd_agrees,
            "seconds": float(self.seconds), "distance_to_optimal_set": self.distance_to_optimal_set,
            "l1_norm": float(self.l1_norm), "nonzeros": int(self.nonzeros),
            "objective_recomputed": float(self.objective_recomputed), "config": self.config,
            "info": self.info, "trace": self.trace,
        }


@dataclass
class CompareResult:
    """The exact optimum and one :class:`ModelReport` per model (the exact one first)."""

    optimum: float
    models: list[ModelReport]
    data: dict = field(default_factory=dict)
    problem: dict = field(default_factory=dict)
    evaluation: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def model(self, name: str) -> ModelReport:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(name)

    def to_dict(self) -> dict:
        """JSON-safe (non-finite numbers, e.g. in a failed solver attempt, become ``None``)."""
        return _json_safe({"optimum": float(self.optimum), "models": [m.to_dict() for m in self.models],
                           "data": self.data, "problem": self.problem, "evaluation": self.evaluation,
                           "settings": self.settings, "errors": list(self.errors), "warnings": list(self.warnings),
                           "ok": self.ok, "seconds": float(self.seconds)})

    def table(self) -> str:
        """The comparison as a fixed-width text table."""
        def pct(x: float) -> str:
            return f"{100 * x:.2f}%"

        def num(x: float | None, fmt: str) -> str:
            return "-" if x is None else format(x, fmt)

        head = ["model", "objective", "gap", "rel.gap", "dist.opt.set", "clean", "certified", "PGD",
                "nonzeros", "seconds"]
        rows = []
        for m in self.models:
            rows.append([m.name, f"{m.objective:.8g}", num(m.gap, ".3g"),
                         "-" if m.rel_gap is None else f"{100 * m.rel_gap:.2f}%",
                         num(m.distance_to_optimal_set, ".4g"), pct(m.accuracy), pct(m.certified_accuracy),
                         pct(m.pgd_accuracy) + ("" if m.pgd_agrees else " !"), str(m.nonzeros),
                         f"{m.seconds:.2f}"])
        widths = [max(len(r[k]) for r in [head] + rows) for k in range(len(head))]
        fmt = lambda r: "  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                                  for k, (c, w) in enumerate(zip(r, widths)))
        lines = [fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- helpers
def _json_safe(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    return obj


@dataclass
class _Task:
    """Minimal task for ``compare((X, y))`` or ``compare((X, y, X_test, y_test))``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None

    def info(self) -> dict:
        return {"name": "arrays", "n": int(self.X_train.shape[0]), "d": int(self.X_train.shape[1]),
                "n_test": None if self.X_test is None else int(self.X_test.shape[0])}

    def evaluation_split(self):
        if self.X_test is not None:
            return self.X_test, self.y_test, "test"
        return self.X_train, self.y_train, "train"


def _as_task(task: Any) -> Any:
    if hasattr(task, "X_train") and hasattr(task, "y_train"):
        return task
    if isinstance(task, (tuple, list)) and len(task) in (2, 4):
        arrs = [np.asarray(a, dtype=np.float64) for a in task]
        return _Task(*arrs)
    raise InputTypeError("task must be a BinaryTask (robustcvx.data.load_task), (X, y) or (X, y, X_test, y_test)")


def parse_optimizers(optimizers: Any) -> list[str]:
    """``"sgd"``, ``"sgd,adam"``, ``["sgd", "pgd"]`` or ``"all"`` -> unique canonical names, in order."""
    if isinstance(optimizers, str):
        items: Iterable[Any] = [optimizers]
    elif isinstance(optimizers, Iterable):
        items = list(optimizers)
    else:
        raise OptionError(f"unknown optimizer {optimizers!r}: use one of {', '.join(OPTIMIZERS)}")
    out: list[str] = []
    for item in items:
        parts = [p for p in str(item).replace(" ", ",").split(",") if p] if isinstance(item, str) else [item]
        for p in parts:
            names = list(OPTIMIZERS) if isinstance(p, str) and p.strip().lower() == "all" else [parse_optimizer(p)]
            out += [n for n in names if n not in out]
    return out


def _parse_lrs(lr: Any) -> list[float]:
    if isinstance(lr, str):
        lr = [p for p in lr.replace(" ", "").split(",") if p]
    lrs = list(lr) if isinstance(lr, Sequence) and not isinstance(lr, str) else [lr]
    if not lrs:
        raise OptionError("learning rate needs at least one value, e.g. 0.1")
    out: list[float] = []
    for v in lrs:
        v = BaselineConfig(lr=v).lr  # validates: a finite number > 0
        if v not in out:
            out.append(v)
    return out


def baseline_configs(optimizers: Any = ("sgd",), epochs: int = 100, lr: Any = 0.1, batch_size: int = 100,
                     schedule: str = "none", seed: int = 0, **extra: Any) -> list[tuple[str, BaselineConfig]]:
    """``(name, config)`` for every optimizer x learning rate (validated; OptionError on bad values).

    Names are the optimizer (``sgd``) or, when several learning rates are given, ``sgd@lr=0.01``.
    """
    opts = parse_optimizers(optimizers)
    if not opts:
        raise OptionError(f"no optimizer given: use one or more of {', '.join(OPTIMIZERS)}")
    lrs = _parse_lrs(lr)
    out = []
    for opt in opts:
        for rate in lrs:
            cfg = BaselineConfig(optimizer=opt, epochs=epochs, batch_size=batch_size, lr=rate, seed=seed,
                                 schedule=schedule, small_weight_tol=ZERO_TOL, **extra)
            out.append((opt if len(lrs) == 1 else f"{opt}@lr={rate:g}", cfg))
    return out


def _signed_eval(task: Any) -> tuple[np.ndarray, np.ndarray, str]:
    X, y, split = task.evaluation_split()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if not np.isin(y, (-1.0, 1.0)).all():
        raise DataError(f"the {split} labels must be -1/+1")
    return X, y, split


# ------------------------------------------------------------------------------- compare
def compare(task: Any, epsilon: float, norm: str = "inf", box: Any = None, l1: float = 0.0, l2: float = 0.0,
            optimizers: Any = ("sgd",), epochs: int = 100, lr: Any = 0.1, batch_size: int = 100,
            schedule: str = "none", seed: int = 0, solver: str = "auto", progress: bool = False, *,
            momentum: float = 0.0, device: str = "auto", pgd_steps: int = 10, pgd_step_size: float | None = None,
            init: str = "torch", attack_steps: int = 20, attack_restarts: int = 2, distance: bool = True,
            tol: float = 1e-7, threads: int | None = None, tie_break: str = "max-margin") -> CompareResult:
    """Train the exact model and the baselines on ``task``; measure them on one footing.

    ``task``: a :class:`~robustcvx.data.BinaryTask`, ``(X, y)`` or ``(X, y, X_test, y_test)``
    (labels -1/+1).  ``optimizers``: names from ``sgd, adam, fgsm, pgd`` (or ``"all"``); ``lr``
    may be a list (one baseline per optimizer and rate).  ``attack_steps`` / ``attack_restarts``
    configure the evaluation PGD attack; ``distance=False`` skips the projections onto the
    optimal set (a QP per baseline).  ``threads``: torch threads for training and the attack
    (``None``: torch's setting).  ``tie_break``: passed to :func:`robustcvx.solvers.solve` (the
    optimum and the distances do not depend on it; the exact model's accuracies do).
    Returns a :class:`CompareResult` (``to_dict()`` for JSON); its ``errors`` list every failed
    consistency check (``ok`` is false then).
    """
    from .baselines.attack import pgd_accuracy
    from .baselines.train import relative_gap, train_baseline
    from .optimal_set import project_onto_optimal_set
    from .solvers import parse_solver, parse_tie_break, solve

    t_start = time.perf_counter()
    task = _as_task(task)
    solver, tie_break = parse_solver(solver), parse_tie_break(tie_break)
    configs = baseline_configs(optimizers, epochs, lr, batch_size, schedule, seed, momentum=momentum,
                               device=device, pgd_steps=pgd_steps, pgd_step_size=pgd_step_size, init=init,
                               threads=threads)
    for value, name in ((attack_steps, "attack steps"), (attack_restarts, "attack restarts")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise OptionError(f"{name} must be an integer >= 1, got {value!r}")
    problem = RobustHingeProblem(task.X_train, task.y_train, epsilon, norm, box, l1, l2)
    Xe, ye, split = _signed_eval(task)
    if Xe.shape[1] != problem.d:
        raise DataError(f"the {split} split has {Xe.shape[1]} features but the training split has {problem.d}")
    eps, norm, box = problem.epsilon, problem.norm, problem.box

    errors: list[str] = []
    warns: list[str] = []
    sol = solve(problem, solver, tie_break=tie_break)
    optimum = float(sol.objective)
    if not sol.verified:
        errors.append(f"exact: the solver's answer did not verify ({sol.certificate.reason}); "
                      "the optimum below is not certified")

    def evaluate(name: str, kind: str, w: np.ndarray, b: float, objective: float, seconds: float,
                 trace: list[dict], config: dict | None, info: dict) -> ModelReport:
        recomputed = problem.objective(w, b)
        if not abs(recomputed - objective) <= 1e-12 * max(1.0, abs(recomputed)):
            errors.append(f"{name}: reported objective {objective!r} != {recomputed!r} recomputed from its weights")
        gap = float(objective - optimum)
        if objective < optimum - OPTIMUM_SLACK:
            errors.append(f"{name}: objective {objective:.12g} is below the certified optimum {optimum:.12g} "
                          f"by more than {OPTIMUM_SLACK:g}")
        acc = float(np.mean(ye * (Xe @ w + b) > 0))
        cert = float(certified_accuracy((w, b), Xe, ye, eps, norm, box))
        pgd = float(pgd_accuracy((w, b), Xe, ye, eps, norm, box, steps=attack_steps, restarts=attack_restarts,
                                 seed=seed, threads=threads))
        if pgd != cert:
            errors.append(f"{name}: PGD accuracy {pgd!r} != exact certified accuracy {cert!r} on the {split} split "
                          f"(epsilon {eps:g}, norm {norm}); the attack or the certificate is wrong")
        dist = None
        if distance or kind == "exact":  # the exact model is in the set: no QP solved
            try:
                proj = project_onto_optimal_set(problem, w, b, optimum, tol, hint=(sol.coef, sol.intercept))
                dist = float(proj.distance)
                info = dict(info, projection=proj.to_dict())
                if proj.status not in ("optimal", "inside"):
                    warns.append(f"{name}: the projection onto the optimal set ended with status {proj.status}; "
                                 "its distance may be inaccurate")
            except Exception as exc:  # the distance is a diagnostic; its failure must not hide the rest
                warns.append(f"{name}: distance to the optimal set not computed ({type(exc).__name__}: {exc})")
        return ModelReport(name, kind, float(objective), gap, relative_gap(gap, optimum), np.asarray(w, float),
                           float(b), acc, cert, pgd, float(seconds), trace, dist, float(np.abs(w).sum()),
                           int(np.count_nonzero(np.abs(w) >= ZERO_TOL)), float(recomputed), config, info)

    models = [evaluate("exact", "exact", sol.coef, sol.intercept, sol.objective, sol.seconds, [], None,
                       {"solver": sol.solver, "verified": bool(sol.verified), "tie_break": sol.tie_break,
                        "certificate": sol.certificate.to_dict(), "attempts": sol.attempts})]
    for name, cfg in configs:
        res = train_baseline(problem, cfg, optimum=optimum, eval_data=(Xe, ye), progress=progress, desc=name)
        if res.trace and res.trace[-1]["objective"] != res.objective:
            errors.append(f"{name}: last trace objective {res.trace[-1]['objective']!r} != final {res.objective!r}")
        models.append(evaluate(name, res.name, res.coef, res.intercept, res.objective, res.seconds, res.trace,
                               cfg.to_dict(), {"device": res.device, "eval_seconds": res.eval_seconds}))

    data = task.info() if hasattr(task, "info") else {}
    settings = {"optimizers": [c.optimizer for _, c in configs], "epochs": configs[0][1].epochs,
                "lr": _parse_lrs(lr), "batch_size": configs[0][1].batch_size, "schedule": configs[0][1].schedule,
                "seed": int(seed), "solver": solver, "tie_break": tie_break, "attack_steps": int(attack_steps),
                "attack_restarts": int(attack_restarts), "distance_tol": float(tol), "zero_tol": ZERO_TOL}
    return CompareResult(optimum, models, data, problem.describe(),
                         {"split": split, "n": len(ye)}, settings, errors, warns,
                         time.perf_counter() - t_start)
