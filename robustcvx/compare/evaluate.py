r"""Evaluating the models of a comparison on one footing, with the consistency checks.

For every model ``(coef, intercept)`` -- binary ``(w, b)`` or ``K``-class ``(W, b)`` -- :class:`Evaluator`
recomputes the training objective in float64, the gap to the certified optimum, the clean accuracy
(:func:`robustcvx.metrics.accuracy`: margin ``> 0``), the exact certified accuracy
(:func:`robustcvx.certify.certified_accuracy`) and the accuracy under the autograd PGD attack
(:func:`robustcvx.baselines.pgd_accuracy`) on the evaluation split, the sparsity
(:mod:`robustcvx.metrics`, over every weight), and for binary problems the distance to the set of
optima (:mod:`robustcvx.optimal_set`).

Checks, collected in ``errors`` (never averaged away): the reported objective equals the recomputed
one; no model is below the certified optimum by more than ``OPTIMUM_SLACK``; PGD accuracy equals the
certified accuracy (a linear model's exact worst case is what PGD must reach; for ``K`` classes that
holds with the MultiTargeted attack, ``targets="all"``; with ``targets="max"`` a higher PGD accuracy
is a weakness of the attack, reported in ``warnings``, and a lower one is still an error); a run's
trace agrees with its models.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import metrics
from ..certify import certified_accuracy, worst_margins
from ..problems import MulticlassHingeProblem
from .config import CompareConfig
from .records import ModelReport

#: A model may not beat the certified optimum by more than this (absolute).
OPTIMUM_SLACK = 1e-9


#: a worst margin this small relative to the clean margins is a tie (rounding-level), see Evaluator._ties
TIE = 1e-12


class Evaluator:
    """Evaluates models against one problem, optimum and evaluation split; collects the checks."""

    def __init__(self, problem: Any, cfg: CompareConfig, sol: Any, Xe: Any, ye: np.ndarray, split: str) -> None:
        self.problem, self.cfg, self.sol, self.Xe, self.ye, self.split = problem, cfg, sol, Xe, ye, split
        self.multiclass = isinstance(problem, MulticlassHingeProblem)
        self.optimum = float(sol.objective)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def model(self, w: np.ndarray, b: Any) -> tuple:
        """The model as :mod:`robustcvx.certify` takes it: ``(w, b)``, or ``(W, b, classes)`` with the
        row indices ``0..K-1`` as classes (the evaluation labels are those indices)."""
        return (w, b, np.arange(self.problem.K)) if self.multiclass else (w, b)

    def report(self, *, name: str, kind: str, w: np.ndarray, b: Any, objective: float, seconds: float,
               run: str | None = None, iterate: str | None = None, epoch: int | None = None,
               trace: list[dict] | None = None, config: dict | None = None, info: dict | None = None,
               in_optimal_set: bool = False, loss: str = "hinge") -> ModelReport:
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
        model = self.model(w, b)
        cert = float(certified_accuracy(model, self.Xe, self.ye, threat.epsilon, threat))
        pgd = float(pgd_accuracy(model, self.Xe, self.ye, threat.epsilon, threat, **cfg.attack.to_dict()))
        self._check_pgd(name, pgd, cert, model, threat)
        dist = None
        if not self.multiclass and (cfg.distance or in_optimal_set):  # the exact model is in the set: no QP
            dist = self._distance(name, w, b, info)
        return ModelReport(name=name, kind=kind, loss=loss, run=run, iterate=iterate, epoch=epoch,
                           objective=float(objective), gap=gap, rel_gap=relative_gap(gap, optimum),
                           coef=np.asarray(w, dtype=float), intercept=b if self.multiclass else float(b),
                           accuracy=metrics.accuracy(w, b, self.Xe, self.ye), certified_accuracy=cert,
                           pgd_accuracy=pgd, seconds=float(seconds), objective_recomputed=float(recomputed),
                           trace=list(trace or []), distance_to_optimal_set=dist, l1_norm=metrics.l1_norm(w),
                           nonzeros=metrics.nonzeros(w), significant_weights=metrics.significant_weights(w),
                           config=config, info=info)

    def _ties(self, model: Any, threat: Any) -> int:
        """Evaluation samples whose exact worst margin is zero up to rounding (``|m_i| <= TIE * scale``,
        ``scale`` the largest clean margin magnitude): there the certificate's ``m_i > 0`` and the
        attack's argmax may disagree by a rounding error, not by a wrong attack or certificate."""
        m = worst_margins(model, self.Xe, self.ye, threat.epsilon, threat)
        clean = worst_margins(model, self.Xe, self.ye, 0.0, threat)
        scale = max(1.0, float(np.abs(clean).max(initial=0.0)))
        return int(np.count_nonzero(np.abs(m) <= TIE * scale))

    def _check_pgd(self, name: str, pgd: float, cert: float, model: Any, threat: Any) -> None:
        if pgd == cert:
            return
        where = f"on the {self.split} split (threat {self.problem.threat!r})"
        ties = self._ties(model, threat)
        if abs(pgd - cert) * len(self.ye) <= ties + 0.5:
            self.warnings.append(f"{name}: PGD accuracy {pgd!r} != exact certified accuracy {cert!r} {where}, within "
                                 f"the {ties} sample(s) whose worst margin is 0 up to rounding (a tie)")
            return
        if self.multiclass and self.cfg.attack.targets == "max" and pgd > cert:
            self.warnings.append(f"{name}: the untargeted PGD attack leaves accuracy {pgd!r} above the exact certified "
                                 f"{cert!r} {where}; attack targets 'all' reaches the exact worst case")
            return
        self.errors.append(f"{name}: PGD accuracy {pgd!r} != exact certified accuracy {cert!r} {where}; the attack "
                           "or the certificate is wrong")

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
        """The trace must agree with the run's models (last row = last / averaged; best = the row of
        lowest training objective: the problem's objective for a hinge run, the cross-entropy
        objective for a softmax run)."""
        if not res.trace:
            return
        last = res.trace[-1]
        if last["objective"] != res.last.objective:
            self.errors.append(f"{name}: last trace objective {last['objective']!r} != final {res.last.objective!r}")
        if res.averaged is not None and last["averaged_objective"] != res.averaged.objective:
            self.errors.append(f"{name}: last trace averaged objective {last['averaged_objective']!r} != "
                               f"final averaged {res.averaged.objective!r}")
        lowest = min(row["training_objective"] for row in res.trace)
        if res.best.training_objective != lowest or res.trace[res.best.epoch - 1]["training_objective"] != lowest:
            self.errors.append(f"{name}: best epoch {res.best.epoch} (training objective "
                               f"{res.best.training_objective!r}) is not the lowest in the trace {lowest!r}")
