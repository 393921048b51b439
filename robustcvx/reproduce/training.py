r"""Training: the certified optimum of every problem of the study, and SGD on the same objectives.

The problems are ``min_{w,b} mean_i max(0, 1 - y_i f(x_i) + pen_i(w))`` for the study's threat at
each radius: the l_inf ball (``pen = epsilon ||w||_1``) and, for pixel data, the l_inf ball kept
inside the pixel box (box-aware).  The threat objects are given by the caller (a mapping
``{box-aware: threat at radius 0}``); nothing here depends on which threat they are.

* :func:`train_exact`: :func:`robustcvx.solve` with the max-margin tie-break, one problem per
  radius, the previous radius's solution warm-starting the next; when the regular problem is
  degenerate (separable data: every zero-loss separator is optimal) also the classical SVM, the
  regular optimum of smallest ``||w||_2`` (the max-margin tie-break of the l_2 threat family).
* :func:`train_sgd`: :func:`robustcvx.baselines.train_baseline` (plain minibatch SGD, the study's
  procedure, seeded), with the objective of the last, the best and (when the baseline records it)
  the averaged iterate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..threats import L2Ball, Threat
from .models import SgdIterates, TrainedModel, model_key
from .progress import Progress


def exact_series(epsilons: Sequence[float], has_box: bool) -> list[tuple[float, bool]]:
    """``(epsilon, box-aware)`` of every exact problem, in solving order: regular, robust, box-aware."""
    series = [(0.0, False)] + [(float(e), False) for e in epsilons]
    if has_box:
        series += [(float(e), True) for e in epsilons]
    return series


def _describe(eps: float, box: bool) -> str:
    return "regular" if eps == 0 else f"{'box-aware ' if box else ''}robust eps={eps:g}"


def _solution_state(sol: Any) -> str:
    state = "verified" if sol.verified else "NOT VERIFIED: " + sol.certificate.reason
    if sol.degenerate:
        state += ", degenerate (zero loss): max-margin optimum" if sol.tie_break == "max-margin" else \
            ", degenerate (zero loss)"
    return f"objective {sol.objective:.6g}, {state}, solver {sol.solver}"


def _exact_model(key: str, eps: float, box: bool, sol: Any, optimum: float, **extra: Any) -> TrainedModel:
    return TrainedModel(key=key, method="exact", epsilon=eps, box=box, coef=np.asarray(sol.coef, dtype=float),
                        intercept=float(sol.intercept), objective=float(sol.objective), optimum=optimum,
                        seconds=float(sol.seconds), verified=bool(sol.verified), degenerate=bool(sol.degenerate),
                        tie_break=extra.pop("tie_break", sol.tie_break), solver=sol.solver,
                        certificate_gap=float(sol.certificate.gap), **extra)


def train_exact(X: np.ndarray, y: np.ndarray, epsilons: Sequence[float], *, threats: Mapping[bool, Threat],
                solver: str = "auto", progress: Progress | None = None) -> dict[str, TrainedModel]:
    """The certified optimum of every problem of :func:`exact_series` (and the classical SVM)."""
    from ..problems import RobustHingeProblem
    from ..solvers import solve

    out: dict[str, TrainedModel] = {}
    prev: dict[bool, Any] = {}
    for eps, box in exact_series(epsilons, True in threats):
        key = model_key("exact", eps, box)
        t = progress.start(f"exact {_describe(eps, box)}: solve and certify") if progress else 0.0
        problem = RobustHingeProblem(X, y, threats[box].with_epsilon(eps))
        sol = solve(problem, solver, tie_break="max-margin", warm_start=prev.get(box))
        prev[box] = sol
        if eps == 0:
            prev[True] = sol
        out[key] = _exact_model(key, eps, box, sol, float(sol.objective))
        if progress:
            progress.done(t, _solution_state(sol))
        if eps == 0:
            svm = train_classical_svm(X, y, sol, solver=solver, progress=progress)
            if svm is not None:
                out[svm.key] = svm
    return out


def train_classical_svm(X: np.ndarray, y: np.ndarray, regular: Any, *, solver: str = "auto",
                        progress: Progress | None = None) -> TrainedModel | None:
    """The regular optimum of smallest ``||w||_2`` when the regular problem is degenerate, else ``None``.

    ``regular`` is the solution of the regular problem.  Its optimal value is 0, so every
    separator with all margins ``>= 1`` is optimal; the l_2 max-margin tie-break picks the
    classical hard-margin SVM among them.
    """
    from ..problems import RobustHingeProblem
    from ..solvers import solve

    t = progress.start("exact regular, l2 max-margin tie-break (classical SVM)") if progress else 0.0
    if not regular.degenerate:
        if progress:
            progress.done(t, "skipped: the regular problem is not degenerate, its optimum needs no tie-break")
        return None
    problem = RobustHingeProblem(X, y, L2Ball(0.0))
    svm = solve(problem, solver, tie_break="max-margin")
    if svm.tie_break != "max-margin":   # a vertex of the optimal set is no classical SVM: leave it out
        if progress:
            progress.done(t, "skipped: the l2 max-margin tie-break did not verify")
        return None
    key = model_key("exact", 0.0, variant="l2svm")
    model = _exact_model(key, 0.0, False, svm, float(regular.objective), variant="l2svm", tie_break="max-margin-l2")
    if progress:
        progress.done(t, _solution_state(svm))
    return model


def sgd_iterates(result: Any) -> SgdIterates:
    """Last, best and averaged objectives of a :class:`~robustcvx.baselines.BaselineResult`.

    ``best`` is the epoch-end iterate of smallest training objective; ``averaged`` the averaged
    iterate of the run's ``average`` mode (``None`` without averaging), with its objective after
    each epoch from the trace.
    """
    averaged = result.averaged
    trail = tuple(float(r["averaged_objective"]) for r in result.trace if r.get("averaged_objective") is not None)
    return SgdIterates(last=float(result.last.objective), best=float(result.best.objective),
                       best_epoch=int(result.best.epoch),
                       averaged=None if averaged is None else float(averaged.objective), averaged_trace=trail)


def train_sgd(X: np.ndarray, y: np.ndarray, epsilons: Sequence[float], exact: Mapping[str, TrainedModel], *,
              threat: Threat, epochs: int, batch_size: int, lr: float, seed: int, schedule: str = "none",
              average: str = "tail", progress: Progress | None = None, bars: bool = False
              ) -> dict[str, TrainedModel]:
    """Plain SGD on the regular and each robust objective (the study's models), seeded.

    The model kept is the last iterate (the study's); ``schedule`` and ``average`` are the
    baseline's learning-rate schedule and iterate averaging (:class:`~robustcvx.baselines.BaselineConfig`),
    whose averaged iterate is reported beside the last and the best one.
    """
    from ..baselines import BaselineConfig, train_baseline
    from ..problems import RobustHingeProblem

    out: dict[str, TrainedModel] = {}
    for eps in [0.0] + [float(e) for e in epsilons]:
        key = model_key("sgd", eps)
        optimum = exact[model_key("exact", eps)].objective
        t = progress.start(f"SGD {_describe(eps, False)}: {epochs} epochs") if progress else 0.0
        problem = RobustHingeProblem(X, y, threat.with_epsilon(eps))
        cfg = BaselineConfig(optimizer="sgd", epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                             schedule=schedule, average=average, device="cpu")
        res = train_baseline(problem, cfg, optimum=optimum, progress=bars)
        coef = np.asarray(res.last.coef, dtype=float).reshape(-1)
        b = float(res.last.intercept)
        objective = float(problem.objective(coef, b))
        it = sgd_iterates(res)
        out[key] = TrainedModel(key=key, method="sgd", epsilon=eps, coef=coef, intercept=b, objective=objective,
                                optimum=optimum, seconds=float(res.seconds), trace=[dict(e) for e in res.trace],
                                iterates=it)
        if progress:
            avg = "" if it.averaged is None else f", averaged {it.averaged - optimum:.3g}"
            progress.done(t, f"objective {objective:.6g} (optimum {optimum:.6g}); gap: last {objective - optimum:.3g}, "
                             f"best {it.best - optimum:.3g} (epoch {it.best_epoch}){avg}")
    return out
