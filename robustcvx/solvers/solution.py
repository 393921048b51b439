"""Result types shared by every solver backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..certificate import Certificate


@dataclass
class BackendResult:
    """What one backend returns before the package checks it.

    ``alpha`` are the multipliers of the margin constraints in the convention of
    :mod:`robustcvx.certificate` (``0 <= alpha_i <= c_i``); ``objective`` is the value the
    backend *claims* and is never trusted.
    """

    coef: np.ndarray
    intercept: float
    alpha: np.ndarray | None
    objective: float
    status: str
    seconds: float
    info: dict = field(default_factory=dict)


@dataclass
class Solution:
    """A solution of :class:`~robustcvx.problems.RobustHingeProblem` with its own certificate.

    ``objective`` is the primal value recomputed from ``(coef, intercept)`` on the data;
    ``verified`` is true only when the certificate holds.  ``attempts`` lists every backend
    tried (name, status, verified, gap, seconds) in order.  ``warm_state``: the live solver
    state for a warm start of the next solve (``solve(..., warm_start=this)``).
    """

    coef: np.ndarray
    intercept: float
    objective: float
    dual: np.ndarray
    certificate: Certificate
    solver: str
    status: str
    seconds: float
    attempts: list[dict] = field(default_factory=list)
    tie_break: str | None = None
    warm_state: Any = field(default=None, repr=False)
    info: dict = field(default_factory=dict)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["warm_state"] = None        # a live solver model is neither picklable nor portable
        return state

    @property
    def verified(self) -> bool:
        return self.certificate.verified

    @property
    def degenerate(self) -> bool:
        return self.certificate.degenerate

    def to_dict(self) -> dict:
        """JSON-safe summary (coefficients as a list)."""
        return {
            "objective": float(self.objective),
            "coef": np.asarray(self.coef, dtype=float).tolist(),
            "intercept": np.asarray(self.intercept, dtype=float).tolist(),
            "certificate": self.certificate.to_dict(),
            "solver": self.solver,
            "status": self.status,
            "tie_break": self.tie_break,
            "seconds": float(self.seconds),
            "attempts": self.attempts,
            **({"frame": self.info["frame"]} if "frame" in self.info else {}),
        }


def zero_model_solution(coef: Any, intercept: Any, alpha: np.ndarray, cert: Certificate, t0: float,
                        status: str) -> Solution:
    """The :class:`Solution` for a verified constant model (``coef = 0``), found without a backend."""
    import time

    seconds = time.perf_counter() - t0
    att = {"solver": "zero-model", "status": "optimal", "verified": True, "gap": cert.gap, "seconds": seconds}
    return Solution(coef, intercept, cert.primal, alpha, cert, "zero-model", status, seconds, [att], None)
