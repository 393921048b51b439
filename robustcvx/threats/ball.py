r"""Norm-ball threats ``||delta||_p <= epsilon``: the shared part.

For a linear score the worst case is ``pen(v; x) = epsilon ||v||_q`` (``q`` dual to ``p``),
the same for every sample: the robust hinge is the hinge shifted by ``epsilon ||w||_q``, a
sample is certified at radius ``epsilon`` iff ``epsilon < y f(x) / ||w||_q``, and in the dual
``sum_i alpha_i pen_i(w) = (epsilon sum alpha) ||w||_q``, the support function of the ball
``(epsilon sum alpha) B_p``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import fp
from .base import CvxpyTerms, Shift, Threat
from .dualsets import BallSet


class NormBall(Threat):
    """``Delta(x) = {delta : ||delta||_p <= epsilon}`` (subclasses fix ``p``)."""

    uniform = True

    def _rebuild(self, epsilon: float) -> NormBall:
        return type(self)(epsilon)

    def scaled(self, c: float, m: Any) -> NormBall:
        return type(self)(self.epsilon * c)

    # ------------------------------------------------------------------ the math
    def penalties(self, w: np.ndarray, X: Any, y: np.ndarray) -> np.ndarray:
        return np.full(np.shape(y)[0], self.epsilon * self.dual_norm(w) if self.epsilon > 0 else 0.0)

    def radii(self, w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        m = y * (X @ w + b)
        q = self.dual_norm(w)
        if q == 0:
            return np.where(m > 0, np.inf, np.where(m < 0, -np.inf, 0.0))
        return m / q

    def dual_set(self, alpha: np.ndarray, X: Any, y: np.ndarray, alpha_sum_low: float,
                 shift: Shift | None = None) -> BallSet:
        if self.epsilon == 0:      # U = {0} whatever the norm: the constraints are |g_j| <= l1
            return BallSet("inf", 0.0, 0.0)
        return BallSet(self.norm, fp.down(self.epsilon * alpha_sum_low, 1), self.epsilon)

    # ------------------------------------------------------------------ cvxpy
    def cvxpy_terms(self, d: int, X: np.ndarray, y: np.ndarray, size: bool = False) -> CvxpyTerms:
        import cvxpy as cp

        w = cp.Variable(d, name="w")
        if self.epsilon == 0 and not size:    # no threat term: a plain LP (no cone for HiGHS to refuse)
            return CvxpyTerms(w, 0.0, None, None, [])
        t = cp.Variable(name="norm_w")        # one scalar t >= ||w||_q keeps the margin rows sparse
        cons, abs_sum = self._cvxpy_norm_bound(cp, w, t)
        return CvxpyTerms(w, self.epsilon * t if self.epsilon > 0 else 0.0, abs_sum, t, cons)

    def cvxpy_penalty_of(self, v: Any, X: Any) -> tuple[Any, list]:
        import cvxpy as cp

        if self.epsilon == 0:
            return 0.0, []
        t = cp.Variable()
        cons, _ = self._cvxpy_norm_bound(cp, v, t)
        return self.epsilon * t, cons

    def _cvxpy_norm_bound(self, cp: Any, w: Any, t: Any) -> tuple[list, Any]:
        """Constraints making ``t >= ||w||_q`` and an ``||w||_1`` expression if they define one."""
        raise NotImplementedError

    # ------------------------------------------------------------------ torch
    def torch_penalty(self, w: Any, xb: Any, yb: Any) -> Any:
        return self.epsilon * self._torch_norm(w) if self.epsilon > 0 else 0.0

    def _torch_norm(self, w: Any) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------------ working-set LP
    @property
    def lp_slack(self) -> str | None:  # type: ignore[override]
        # at epsilon = 0 any form works (the threat term is 0); the ball's own form lets an
        # epsilon sweep that starts at 0 keep its live LP model
        return self._lp_slack if (self._lp_slack is not None or self.epsilon > 0) else "shared"

    _lp_slack: str | None = None
