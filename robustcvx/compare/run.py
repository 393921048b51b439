r"""Exact optimum vs. the training procedures people run, on the same objective.

:func:`compare` solves the exact problem on a task's training split, trains the requested
PyTorch baselines (:mod:`robustcvx.baselines`) on the same (weighted) objective, and reports for
every model -- the exact one, and each run's last, best and averaged iterate -- the objective
(recomputed in float64 from its weights), the gap to the certified optimum, the distance to the
*set* of optima (:mod:`robustcvx.optimal_set`; binary tasks), clean / exactly certified / PGD
accuracy on the evaluation split (the test split when there is one, unweighted), sparsity and time.

A :class:`~robustcvx.data.MulticlassTask` (or arrays with class indices ``0..K-1``, ``K >= 3``) is
compared on the joint Crammer--Singer problem (:class:`~robustcvx.problems.MulticlassHingeProblem`):
the exact optimum, the hinge baselines on the same joint objective, and the softmax baselines
(the standard practice; their joint-hinge objective is reported for information).

Consistency checks are part of the result (``errors``), never averaged away: the PGD accuracy of
every (linear) model must equal its exact certified accuracy (for ``K`` classes with the
MultiTargeted attack, ``targets="all"``; with the untargeted ``targets="max"`` PGD may only be
higher, a warning, and lower is an error), every reported objective must equal the one recomputed
from the weights (and the trace's last row the run's models), no model may beat the certified
optimum by more than :data:`OPTIMUM_SLACK`, and the exact solution must carry a verified
certificate.
"""

from __future__ import annotations

import time
from typing import Any

from ..errors import InputTypeError
from ..problems import MulticlassHingeProblem
from .config import CompareConfig
from .evaluate import OPTIMUM_SLACK, Evaluator
from .records import SUFFIX, CompareResult
from .tasks import as_task, evaluation_split, training_problem


def compare(task: Any, config: CompareConfig | None = None, /, *, sample_weight: Any = None,
            progress: bool = False, **options: Any) -> CompareResult:
    """Train the exact model and the baselines on ``task``; measure them on one footing.

    ``task``: a :class:`~robustcvx.data.BinaryTask` or :class:`~robustcvx.data.MulticlassTask`,
    ``(X, y)`` or ``(X, y, X_test, y_test)`` (labels -1/+1, or class indices ``0..K-1`` with ``K >= 3``;
    ``X`` dense or ``scipy.sparse``).  ``config``: a :class:`CompareConfig`; or
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
    task = as_task(task)
    problem = training_problem(task, cfg, sample_weight)
    Xe, ye, split = evaluation_split(task, problem)

    sol = solve(problem, cfg.solver, tie_break=cfg.tie_break)
    ev = Evaluator(problem, cfg, sol, Xe, ye, split)
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
                w=it.coef, b=it.intercept, objective=it.objective, seconds=res.seconds, loss=bcfg.loss,
                trace=res.trace if it.which == "last" else None, config=bcfg.to_dict(),
                info={"device": res.device, "eval_seconds": res.eval_seconds,
                      "training_objective": it.training_objective}))

    data = task.info() if hasattr(task, "info") else {}
    multiclass = isinstance(problem, MulticlassHingeProblem)
    classes = list(getattr(task, "classes", ()) or ()) if multiclass else [-1, 1]
    return CompareResult(optimum=ev.optimum, models=models, data=data, problem=problem.describe(),
                         evaluation={"split": split, "n": len(ye)}, settings=cfg.to_dict(), errors=ev.errors,
                         warnings=ev.warnings, seconds=time.perf_counter() - t_start,
                         n_classes=problem.K if multiclass else 2, classes=classes or None)


__all__ = ["OPTIMUM_SLACK", "compare"]
