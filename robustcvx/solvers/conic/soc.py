r"""Second-order cone algebra for the interior-point method (:mod:`.ipm`).

The cone ``K = {(u0, u1) : u0 >= ||u1||_2}`` with ``J = diag(1, -1, ..., -1)``: the Jordan product
``u o v = (u.v, u0 v1 + v0 u1)`` (identity ``e = (1, 0)``), its inverse, the step to the boundary,
and the Nesterov-Todd scaling ``W`` with ``W z = W^{-1} s = lambda`` (Vandenberghe 2010, section
on second-order cones): ``W = beta H(wbar)`` with ``beta = (s^T J s / z^T J z)^{1/4}``,
``wbar = (sbar + J zbar) / (2 gamma)``, ``gamma^2 = (1 + sbar.zbar) / 2`` for the normalised
``sbar = s / sqrt(s^T J s)``, ``zbar``, and ``H(v) = [[v0, v1^T], [v1, I + v1 v1^T / (1 + v0)]]``;
hence ``W^2 = beta^2 (2 wbar wbar^T - J)`` and ``W^{-2} = (2 J wbar (J wbar)^T - J) / beta^2``.
"""

from __future__ import annotations

import math

import numpy as np


def jnorm2(u: np.ndarray) -> float:
    """``u^T J u = (u0 - ||u1||)(u0 + ||u1||)`` without cancellation."""
    r = float(np.linalg.norm(u[1:]))
    return (float(u[0]) - r) * (float(u[0]) + r)


def jdot(u: np.ndarray, v: np.ndarray) -> float:
    return float(u[0] * v[0] - u[1:] @ v[1:])


def jprod(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Jordan product ``u o v = (u.v, u0 v1 + v0 u1)``."""
    out = np.empty_like(u)
    out[0] = u @ v
    out[1:] = u[0] * v[1:] + v[0] * u[1:]
    return out


def jdiv(lam: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``x`` with ``lam o x = d``."""
    x0 = (lam[0] * d[0] - lam[1:] @ d[1:]) / jnorm2(lam)
    out = np.empty_like(d)
    out[0] = x0
    out[1:] = (d[1:] - x0 * lam[1:]) / lam[0]
    return out


def soc_step(x: np.ndarray, dx: np.ndarray) -> float:
    """Largest ``a >= 0`` with ``x + a dx`` in the cone (``x`` interior); ``inf`` if unbounded."""
    c, b, a = jnorm2(x), jdot(x, dx), jdot(dx, dx)
    best = -x[0] / dx[0] if dx[0] < 0 else math.inf
    if a == 0:
        return min(best, -c / (2 * b)) if b < 0 else best
    disc = b * b - a * c
    if disc < 0:
        return best
    sq = math.sqrt(disc)
    for r in ((-b - sq) / a, (-b + sq) / a):
        if r > 0:
            best = min(best, r)
    return best


class SOCScaling:
    """Nesterov-Todd scaling ``W = beta H(wbar)`` of one second-order cone: ``W z = W^-1 s = lam``."""

    def __init__(self, s: np.ndarray, z: np.ndarray):
        sn = math.sqrt(max(jnorm2(s), 1e-300))
        zn = math.sqrt(max(jnorm2(z), 1e-300))
        sb, zb = s / sn, z / zn
        gamma = math.sqrt(max((1.0 + sb @ zb) / 2.0, 1e-300))
        wb = sb.copy()
        wb[0] += zb[0]
        wb[1:] -= zb[1:]
        self.wb = wb / (2.0 * gamma)
        self.beta = math.sqrt(sn / zn)
        self.lam = self.apply(z)

    @property
    def jw(self) -> np.ndarray:
        jw = self.wb.copy()
        jw[1:] = -jw[1:]
        return jw

    @staticmethod
    def _h(v: np.ndarray, x: np.ndarray) -> np.ndarray:
        t = v[1:] @ x[1:]
        out = np.empty_like(x)
        out[0] = v[0] * x[0] + t
        out[1:] = x[1:] + (t / (1.0 + v[0]) + x[0]) * v[1:]
        return out

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``W x``."""
        return self.beta * self._h(self.wb, x)

    def apply_inv(self, x: np.ndarray) -> np.ndarray:
        """``W^-1 x``."""
        return self._h(self.jw, x) / self.beta

    def inv_square(self, v: np.ndarray) -> np.ndarray:
        """``W^-2 v = (2 Jw (Jw.v) - J v) / beta^2``."""
        jw = self.jw
        out = 2.0 * (jw @ v) * jw
        out[0] -= v[0]
        out[1:] += v[1:]
        return out / self.beta ** 2

    def square(self, v: np.ndarray) -> np.ndarray:
        """``W^2 v``."""
        return self.apply(self.apply(v))
