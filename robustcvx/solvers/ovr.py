r"""One-vs-rest: ``K`` binary robust problems, class ``k`` (label ``+1``) against the rest (``-1``).

Problem ``k`` is the binary :class:`~robustcvx.problems.RobustHingeProblem` on all samples, solved and
certified by :func:`robustcvx.solvers.solve`; the model stacks the ``K`` weight vectors, predicts
``argmax_k w_k.x + b_k`` and is certified as any multiclass linear model (:mod:`robustcvx.pairs`).  Its
``objective`` is the mean of the ``K`` binary objectives; the combined certificate has the mean of their
bounds (so its gap is the mean gap) and is verified only when all ``K`` are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..certificate import Certificate
from ..problems import RobustHingeProblem
from .solution import Solution


@dataclass
class OvRSolution:
    """``K`` certified binary solutions, read as one multiclass model (same fields as a :class:`Solution`)."""

    coef: np.ndarray
    intercept: np.ndarray
    objective: float
    certificate: Certificate
    solutions: list[Solution]
    seconds: float
    solver: str = "ovr"
    status: str = "optimal"
    tie_break: str | None = None
    attempts: list[dict] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return self.certificate.verified

    @property
    def degenerate(self) -> bool:
        return self.certificate.degenerate

    def to_dict(self) -> dict:
        return {"objective": float(self.objective), "coef": self.coef.tolist(), "intercept": self.intercept.tolist(),
                "certificate": self.certificate.to_dict(), "solver": "ovr", "status": self.status,
                "seconds": float(self.seconds),
                "binary": [{"class_index": k, "objective": float(s.objective), "solver": s.solver,
                            "verified": s.verified, "gap": float(s.certificate.gap), "tie_break": s.tie_break}
                           for k, s in enumerate(self.solutions)]}


def combine(certs: list[Certificate]) -> Certificate:
    """The certificate of the mean objective: mean bounds, verified iff every one is."""
    K = len(certs)
    mean = lambda values: float(np.mean(values))
    verified = all(c.verified for c in certs)
    reasons = [f"class {k}: {c.reason}" for k, c in enumerate(certs) if c.reason and not c.verified]
    return Certificate(mean([c.primal for c in certs]), mean([c.primal_upper for c in certs]),
                       mean([c.dual for c in certs]), mean([c.gap for c in certs]),
                       max(c.gap_tol for c in certs), verified, all(c.degenerate for c in certs),
                       max(c.dual_infeasibility for c in certs), f"ovr of {K}", "; ".join(reasons))


def solve_ovr(X: Any, y: np.ndarray, n_classes: int, epsilon: Any = 0.0, norm: Any = "inf", box: Any = None,
              l1: float = 0.0, l2: float = 0.0, sample_weight: Any = None, solver: str = "auto", *,
              tie_break: str = "max-margin", strict: bool = False) -> OvRSolution:
    """Solve the ``K`` one-vs-rest problems (``y`` holds class indices ``0..K-1``)."""
    from . import solve

    t0 = time.perf_counter()
    y = np.asarray(y)
    sols = []
    for k in range(n_classes):
        problem = RobustHingeProblem(X, np.where(y == k, 1.0, -1.0), epsilon, norm, box, l1, l2,
                                     sample_weight=sample_weight)
        sols.append(solve(problem, solver, tie_break=tie_break, strict=strict))
    coef = np.stack([s.coef for s in sols])
    intercept = np.array([s.intercept for s in sols], dtype=float)
    cert = combine([s.certificate for s in sols])
    attempts = [{**a, "class_index": k} for k, s in enumerate(sols) for a in s.attempts]
    return OvRSolution(coef, intercept, float(np.mean([s.objective for s in sols])), cert, sols,
                       time.perf_counter() - t0, attempts=attempts)
