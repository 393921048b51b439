r"""Exact optimum vs. the training procedures people run, on the same objective.

:func:`compare` solves the exact problem on a task's training split, trains the requested
PyTorch baselines (:mod:`robustcvx.baselines`) on the same (weighted) objective, and reports for
every model -- the exact one, and each run's last, best and averaged iterate -- the objective
(recomputed in float64 from its weights), the gap to the certified optimum, the distance to the
*set* of optima (:mod:`robustcvx.optimal_set`), clean / exactly certified / PGD accuracy on the
evaluation split (the test split when there is one, unweighted), sparsity and time.

Consistency checks are part of the result (``errors``), never averaged away: the PGD accuracy of
every (linear) model must equal its exact certified accuracy, every reported objective must
equal the one recomputed from the weights (and the trace's last row the run's models), no model
may beat the certified optimum by more than :data:`OPTIMUM_SLACK`, and the exact solution must
carry a verified certificate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import metrics
from ..certify import certified_accuracy
from ..errors import DataError, InputTypeError
from ..problems import RobustHingeProblem
from ..validation import check_features, check_pm1_labels
from .config import CompareConfig
from .records import SUFFIX, CompareResult, ModelReport

#: A model may not beat the certified optimum by more than this (absolute).
OPTIMUM_SLACK = 1e-9


@dataclass(frozen=True)
class _Arrays:
    """Minimal task for ``compare((X, y))`` or ``compare((X, y, X_test, y_test))``."""

    X_train: Any
    y_train: np.ndarray
    X_test: Any = None
    y_test: np.ndarray | None = None

    def info(self) -> dict:
        return {"name": "arrays", "n": int(self.X_train.shape[0]), "d": int(self.X_train.shape[1]),
                "n_test": None if self.X_test is None else int(self.X_test.shape[0])}

    def evaluation_split(self) -> tuple[Any, np.ndarray, str]:
        if self.X_test is not None:
            return self.X_test, self.y_test, "test"
        return self.X_train, self.y_train, "train"


def _as_task(task: Any) -> Any:
    if hasattr(task, "X_train") and hasattr(task, "y_train"):
        return task
    if isinstance(task, (tuple, list)) and len(task) in (2, 4):
        X = [check_features(a, "X" if k == 0 else "X_test", sparse=True) for k, a in enumerate(task[0::2])]
        y = [np.asarray(a, dtype=np.float64) for a in task[1::2]]
        return _Arrays(*[v for pair in zip(X, y) for v in pair])
    raise InputTypeError("task must be a BinaryTask (robustcvx.data.load_task), (X, y) or (X, y, X_test, y_test)")


def _evaluation_split(task: Any, d: int) -> tuple[Any, np.ndarray, str]:
    X, y, split = task.evaluation_split()
    X = check_features(X, f"the {split} features", sparse=True)
    if X.shape[1] != d:
        raise DataError(f"the {split} split has {X.shape[1]} features but the training split has {d}")
    return X, check_pm1_labels(y, X.shape[0], f"the {split} labels"), split


class _Evaluator:
    """Evaluates models against one problem, optimum and evaluation split; collects the checks."""

    def __init__(self, problem: RobustHingeProblem, cfg: CompareConfig, sol: Any, Xe: np.ndarray,
                 ye: np.ndarray, split: str) -> None:
        self.problem, self.cfg, self.sol, self.Xe, self.ye, self.split = problem, cfg, sol, Xe, ye, split
        self.optimum = float(sol.objective)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def report(self, *, name: str, kind: str, w: np.ndarray, b: float, objective: float, seconds: float,
               run: str | None = None, iterate: str | None = None, epoch: int | None = None,
               trace: list[dict] | None = None, config: dict | None = None, info: dict | None = None,
               in_optimal_set: bool = False) -> ModelReport:
        from ..baselines.attack import pgd_accuracy
        from ..baselines.result import relative_gap

        problem, cfg, threat, optimum = self.problem, self.cfg, self.problem.threat, self.optimum
        info = dict(info or {})
        recomputed = problem.objective(w, b)
        if not abs(recomputed - objective) <= 1e-12 * max(1.0, abs(recomputed)):
            self.errors.append(f"{name}: reported objective {objective!r} != {recomputed!r} recomputed from its "
                               "weights")
        gap = float(objective - optimum)
        if objective < optimum - OPTIMUM_SLACK:
            self.errors.append(f"{name}: objective {objective:.12g} is below the certified optimum {optimum:.12g} "
                               f"by more than {OPTIMUM_SLACK:g}")
        cert = float(certified_accuracy((w, b), self.Xe, self.ye, threat.epsilon, threat))
        pgd = float(pgd_accuracy((w, b), self.Xe, self.ye, threat.epsilon, threat, **cfg.attack.to_dict()))
        if pgd != cert:
            self.errors.append(f"{name}: PGD accuracy {pgd!r} != exact certified accuracy {cert!r} on the "
                               f"{self.split} split (threat {threat!r}); the attack or the certificate is wrong")
        dist = None
        if cfg.distance or in_optimal_set:  # the exact model is in the set: no QP solved
            dist = self._distance(name, w, b, info)
        return ModelReport(name=name, kind=kind, run=run, iterate=iterate, epoch=epoch, objective=float(objective),
                           gap=gap, rel_gap=relative_gap(gap, optimum), coef=np.asarray(w, dtype=float),
                           intercept=float(b), accuracy=metrics.accuracy(w, b, self.Xe, self.ye),
                           certified_accuracy=cert, pgd_accuracy=pgd, seconds=float(seconds),
                           objective_recomputed=float(recomputed), trace=list(trace or []),
                           distance_to_optimal_set=dist, l1_norm=metrics.l1_norm(w), nonzeros=metrics.nonzeros(w),
                           significant_weights=metrics.significant_weights(w), config=config, info=info)

    def _distance(self, name: str, w: np.ndarray, b: float, info: dict) -> float | None:
        from ..optimal_set import project_onto_optimal_set

        try:
            proj = project_onto_optimal_set(self.problem, w, b, self.optimum, self.cfg.distance_tol,
                                            hint=(self.sol.coef, self.sol.intercept))
        except Exception as exc:  # the distance is a diagnostic; its failure must not hide the rest
            self.warnings.append(f"{name}: distance to the optimal set not computed ({type(exc).__name__}: {exc})")
            return None
        info["projection"] = proj.to_dict()
        if proj.status not in ("optimal", "inside"):
            self.warnings.append(f"{name}: the projection onto the optimal set ended with status {proj.status}; "
                                 "its distance may be inaccurate")
        return float(proj.distance)

    def check_run(self, name: str, res: Any) -> None:
        """The trace must agree with the run's models (last row = last / averaged; best = min row)."""
        if not res.trace:
            return
        last = res.trace[-1]
        if last["objective"] != res.last.objective:
            self.errors.append(f"{name}: last trace objective {last['objective']!r} != final {res.last.objective!r}")
        if res.averaged is not None and last["averaged_objective"] != res.averaged.objective:
            self.errors.append(f"{name}: last trace averaged objective {last['averaged_objective']!r} != "
                               f"final averaged {res.averaged.objective!r}")
        lowest = min(row["objective"] for row in res.trace)
        if res.best.objective != lowest or res.trace[res.best.epoch - 1]["objective"] != lowest:
            self.errors.append(f"{name}: best epoch {res.best.epoch} (objective {res.best.objective!r}) is not the "
                               f"lowest trace objective {lowest!r}")


def compare(task: Any, config: CompareConfig | None = None, /, *, sample_weight: Any = None,
            progress: bool = False, **options: Any) -> CompareResult:
    """Train the exact model and the baselines on ``task``; measure them on one footing.

    ``task``: a :class:`~robustcvx.data.BinaryTask`, ``(X, y)`` or ``(X, y, X_test, y_test)``
    (labels -1/+1; ``X`` dense or ``scipy.sparse``).  ``config``: a :class:`CompareConfig`; or
    give its options as keywords (``compare(task, epsilon=0.1, optimizers="all", epochs=50)``,
    see :meth:`CompareConfig.create`), which also override the fields of a ``config`` given.
    ``sample_weight``: one weight per training sample (multiplied by the config's class
    weights); the optimum, every objective and every gap are then the weighted objective's.
    ``progress``: a tqdm bar per baseline on stderr.
    Returns a :class:`CompareResult` (``to_dict()`` for JSON); its ``errors`` list every failed
    consistency check (``ok`` is false then).
    """
    from ..baselines.train import train_baseline
    from ..solvers import solve

    t_start = time.perf_counter()
    if config is not None and not isinstance(config, CompareConfig):
        raise InputTypeError("config must be a robustcvx.compare.CompareConfig (or pass the options as keywords)")
    cfg = CompareConfig.create(config, **options) if (options or config is None) else config
    task = _as_task(task)
    problem = RobustHingeProblem(task.X_train, task.y_train, cfg.threat, l1=cfg.l1, l2=cfg.l2,
                                 sample_weight=cfg.sample_weight(task.y_train, sample_weight))
    Xe, ye, split = _evaluation_split(task, problem.d)

    sol = solve(problem, cfg.solver, tie_break=cfg.tie_break)
    ev = _Evaluator(problem, cfg, sol, Xe, ye, split)
    if not sol.verified:
        ev.errors.append(f"exact: the solver's answer did not verify ({sol.certificate.reason}); "
                         "the optimum below is not certified")
    models = [ev.report(name="exact", kind="exact", w=sol.coef, b=sol.intercept, objective=sol.objective,
                        seconds=sol.seconds, in_optimal_set=True,
                        info={"solver": sol.solver, "verified": bool(sol.verified), "tie_break": sol.tie_break,
                              "certificate": sol.certificate.to_dict(), "attempts": sol.attempts})]
    for name, bcfg in cfg.baselines():
        res = train_baseline(problem, bcfg, optimum=ev.optimum, eval_data=(Xe, ye), progress=progress, desc=name)
        ev.check_run(name, res)
        for it in res.iterates():
            models.append(ev.report(
                name=name + SUFFIX[it.which], kind=res.name, run=name, iterate=it.which, epoch=it.epoch,
                w=it.coef, b=it.intercept, objective=it.objective, seconds=res.seconds,
                trace=res.trace if it.which == "last" else None, config=bcfg.to_dict(),
                info={"device": res.device, "eval_seconds": res.eval_seconds}))

    data = task.info() if hasattr(task, "info") else {}
    return CompareResult(optimum=ev.optimum, models=models, data=data, problem=problem.describe(),
                         evaluation={"split": split, "n": len(ye)}, settings=cfg.to_dict(), errors=ev.errors,
                         warnings=ev.warnings, seconds=time.perf_counter() - t_start)
