r"""The dual of the plain hard-margin SVM on a small Gram matrix, by a primal-dual interior-point
method (the master of :mod:`.hard_margin`).

For rows ``a_i = y_i x_i`` (``i`` in a working set of ``m`` samples) and ``K = A A^T``:

.. math::

    \min_\alpha\ \tfrac12 \alpha^T K \alpha - 1^T \alpha \quad\text{s.t.}\quad
    y^T \alpha = 0\ [c],\qquad 0 \le \alpha \le U\ [z_l, z_u]

the dual of ``min ||v||^2 / 2 s.t. y_i (x_i . v + c) + xi_i >= 1, xi >= 0`` with penalty ``U sum
xi`` (the hard margin when no ``alpha_i`` reaches ``U``).  Stationarity reads
``(K alpha)_i + c y_i - 1 = z_{l,i} - z_{u,i}``: with ``v = A^T alpha`` the left side is the margin
``y_i (x_i . v + c) - 1``, and the multiplier ``c`` of ``y^T alpha = 0`` is the intercept.  At a
hard-margin optimum ``||v||^2 = sum alpha`` (complementarity), so ``sum alpha`` is the squared
inverse of the geometric margin of the working set.

**Method.**  Mehrotra's predictor-corrector.  Each Newton system is
``(K + D) d_alpha + y d_c = r``, ``y^T d_alpha = r_e`` with ``D = z_l / alpha + z_u / (U - alpha)``
diagonal and positive: one Cholesky factor of ``K + D`` (``m^3 / 3`` flops) and a scalar Schur
complement for ``d_c``.  Nothing here is trusted: the caller prices the answer on the full data
and the package's certificate checks what is finally returned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from .linsolve import _cholesky

TOL = 1e-11        # relative residuals and gap at which the method stops
STEP = 0.99        # fraction of the step to the boundary


@dataclass
class DualResult:
    alpha: np.ndarray
    c: float              # the intercept (multiplier of y^T alpha = 0)
    status: str           # "optimal", "max_iter" or "numerical trouble"
    iterations: int


def solve_svm_dual(K: np.ndarray, y: np.ndarray, U: float, *, tol: float = TOL, max_iter: int = 80) -> DualResult:
    """Solve the problem of the module docstring (``U`` finite, positive; both classes in ``y``)."""
    with np.errstate(all="ignore"):
        return _solve(K, y, U, tol, max_iter)


def _max_step(pairs) -> float:
    """Largest step keeping every ``v + s dv`` of ``pairs`` nonnegative."""
    s = math.inf
    for v, dv in pairs:
        neg = dv < 0
        if neg.any():
            s = min(s, float(np.min(-v[neg] / dv[neg])))
    return s


class _Newton:
    """The factored Newton system at one iterate ``(alpha, zl, zu)`` with residuals ``rd``, ``re``."""

    def __init__(self, K: np.ndarray, y: np.ndarray, a: np.ndarray, u: np.ndarray, zl: np.ndarray,
                 zu: np.ndarray, rd: np.ndarray, re: float) -> None:
        self.y, self.a, self.u, self.zl, self.zu, self.rd, self.re = y, a, u, zl, zu, rd, re
        self.fac = _cholesky(K + np.diag(zl / a + zu / u))
        self.My = sla.cho_solve(self.fac, y, check_finite=False)
        self.yMy = float(y @ self.My)

    def step(self, rl: np.ndarray, ru: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
        """``(d_alpha, d_c, d_zl, d_zu)`` with ``zl d_alpha + alpha d_zl = rl`` and
        ``-zu d_alpha + u d_zu = ru`` (``u = U - alpha``) and the linear equations."""
        a, u = self.a, self.u
        Mr = sla.cho_solve(self.fac, -self.rd + rl / a - ru / u, check_finite=False)
        dc = (float(self.y @ Mr) + self.re) / self.yMy
        da = Mr - dc * self.My
        return da, dc, (rl - self.zl * da) / a, (ru + self.zu * da) / u


def _solve(K: np.ndarray, y: np.ndarray, U: float, tol: float, max_iter: int) -> DualResult:
    m = y.size
    a = np.full(m, min(1.0, 0.5 * U))          # interior start: 0 < alpha < U, z_l = z_u = 1
    zl, zu, c = np.ones(m), np.ones(m), 0.0
    status, iterations = "max_iter", max_iter
    for it in range(1, max_iter + 1):
        u = U - a
        Ka = K @ a
        rd = Ka - 1.0 + c * y - zl + zu            # stationarity
        re = float(y @ a)                          # y^T alpha = 0
        gap = float(a @ zl + u @ zu)
        obj = 0.5 * float(a @ Ka) - float(a.sum())
        scale = 1.0 + float(np.abs(Ka).max(initial=0.0))
        if not math.isfinite(gap + obj):
            status, iterations = "numerical trouble", it
            break
        if (float(np.abs(rd).max()) <= tol * scale and abs(re) <= tol * (1.0 + float(np.abs(a).max()))
                and gap <= tol * max(1.0, abs(obj))):
            status, iterations = "optimal", it
            break
        try:
            nt = _Newton(K, y, a, u, zl, zu, rd, re)
        except np.linalg.LinAlgError:
            status, iterations = "numerical trouble", it
            break
        mu = gap / (2 * m)
        da, dc, dzl, dzu = nt.step(-a * zl, -u * zu)                        # predictor (affine)
        s_aff = min(1.0, _max_step(((a, da), (u, -da), (zl, dzl), (zu, dzu))))
        gap_aff = float((a + s_aff * da) @ (zl + s_aff * dzl) + (u - s_aff * da) @ (zu + s_aff * dzu))
        smu = (max(0.0, gap_aff / gap) ** 3) * mu if gap > 0 else 0.0
        da, dc, dzl, dzu = nt.step(smu - a * zl - da * dzl, smu - u * zu + da * dzu)   # corrector
        s = min(1.0, STEP * _max_step(((a, da), (u, -da), (zl, dzl), (zu, dzu))))
        a, c, zl, zu = a + s * da, c + s * dc, zl + s * dzl, zu + s * dzu
    return DualResult(a, c, status, iterations)
