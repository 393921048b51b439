r"""The aggregated dual sets of the certificate, with rigorous distance bounds.

For a dual point ``alpha >= 0`` the Lagrangian of the robust hinge problem contains
``sum_i alpha_i pen_i(w)``, a sublinear function of ``w``: the support function ``sigma_U(w)``
of a convex set ``U = U(alpha)`` that the threat defines (:meth:`Threat.dual_set`):

* a norm ball ``||delta||_p <= eps``: ``pen_i(w) = eps ||w||_q`` for every sample, so
  ``U = s B_p`` with ``s = eps sum_i alpha_i`` (:class:`BallSet`);
* the l_inf ball inside the box: ``pen_i(w) = C+_i . w+ + C-_i . w-``, so
  ``U = prod_j [-A-_j, A+_j]`` with ``A+- = sum_i alpha_i C+-_i`` (:class:`BoxSet`).

The dual function needs ``g = X^T (alpha * y)`` to lie in ``U' = U + l1 B_inf`` (``l2 = 0``) or
pays ``dist_2(g, U')^2 / (2 l2)`` (``l2 > 0``).  The certificate knows ``g`` only up to an
enclosure ``|g - g_hat| <= err`` (floating point), and the set only through *lower* bounds of
``s`` or ``A+-`` (a smaller set is a subset, so distances to it are upper bounds).  Every method
here returns upper bounds valid for every ``g`` in the enclosure.

For a ball, ``g in s B_p + l1 B_inf`` iff ``||soft(g, l1)||_p <= s`` (``soft`` the soft
threshold), and ``dist_2(g, U') <= dist_2(soft(g, l1), s B_p)``; both quantities are
non-decreasing in ``|g_j|``, so the worst point of the enclosure has ``|soft_j| =
(|g_hat_j| + err_j - l1)_+``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import fp


@dataclass
class Distance:
    """Upper bounds on how far ``g`` (any point of its enclosure) is from ``U'``.

    ``dist2``: Euclidean distance; ``violation``: the largest constraint violation (same units
    as ``g``); ``feasible``: ``g`` is in ``U'`` for certain (then both are 0).
    """

    dist2: float
    violation: float
    feasible: bool


@dataclass
class Rows:
    r"""Near-active dual constraints, written linearly in ``alpha``, for the repair step.

    Constraint ``k`` reads ``sum_i alpha_i a_ik <= rhs_k`` with
    ``a_ik = y_i (x_i - m) . U[:, k] - eps_coef_k - cost_k(i)``: ``U`` (d x m) weighs the
    features, ``eps_coef`` is ``eps`` for rows of a ball (whose radius is ``eps sum alpha``), and
    ``cost_k(i) = C^{sign_k}_{i, feature_k}`` for rows of the box set (``box_rows``: feature and
    sign of each row, ``-1`` for none).  The repair aims every row at ``rhs - kappa``
    (``kappa > 0``: strictly inside, so that floating-point error cannot push it out again;
    ``kappa = 0``: the row should hold with equality, e.g. ``g_j = 0``).
    """

    U: np.ndarray
    eps_coef: np.ndarray
    rhs: np.ndarray
    kappa: np.ndarray
    box_feature: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    box_sign: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def m(self) -> int:
        return int(self.rhs.shape[0])


def _inflate(g: np.ndarray, err: np.ndarray, *others: float | np.ndarray) -> np.ndarray:
    """``err`` plus a margin covering the rounding of the few operations that combine ``g``,
    ``err`` and ``others`` below (a relative ``8u`` of their magnitudes)."""
    mag = np.abs(g) + err
    for o in others:
        mag = mag + np.abs(o)
    return err + 8 * fp.U * mag + 8 * fp.ETA


class BallSet:
    """``U = s B_p`` (``s`` a lower bound of ``eps sum alpha``)."""

    def __init__(self, p: str, radius: float, epsilon: float):
        self.p, self.s, self.epsilon = p, max(float(radius), 0.0), float(epsilon)

    def interval(self, d: int) -> tuple[np.ndarray, np.ndarray] | None:
        """``(lo, hi)`` with ``U = prod_j [-lo_j, hi_j]`` when ``U`` is a box (the l_inf ball, or ``{0}``),
        else None."""
        if self.p == "inf" or self.s == 0:
            return np.full(d, self.s), np.full(d, self.s)
        return None

    def contains_up_to(self, v: np.ndarray, err: np.ndarray) -> bool:
        """True when every point within ``err`` (coordinatewise) of ``v`` lies in ``U`` (rigorous)."""
        return fp.norm_up(np.abs(v) + err, self.p) <= self.s

    @property
    def kinked(self) -> bool:
        """True when the norm ``||.||_p`` has a kink wherever a coordinate is 0 (``p = 1``): first-order
        models of it hold only on a fixed support."""
        return self.p == "1"

    def norm_gradient(self, f: np.ndarray) -> tuple[float, np.ndarray]:
        """``(||f||_p, a (sub)gradient of ||.||_p at f)`` in floating point (for repairs, not proofs)."""
        if self.p == "2":
            nrm = float(np.linalg.norm(f))
            return nrm, (f / nrm if nrm > 0 else np.zeros_like(f))
        if self.p == "1":
            return float(np.abs(f).sum()), np.sign(f)
        j = int(np.argmax(np.abs(f)))
        g = np.zeros_like(f)
        g[j] = np.sign(f[j])
        return float(abs(f[j])), g

    def exact_feasible(self, g_parts: list[np.ndarray], s_parts: list[np.ndarray], l1: float) -> bool | None:
        """Whether ``g`` lies in ``U'`` *exactly*, from floats whose exact column sums are ``g_j``
        (``g_parts``) and whose exact sum is ``eps sum alpha`` (``s_parts``); ``None`` when this set
        cannot be decided exactly (the Euclidean ball)."""
        from ..certificate.exact_rows import column_sums

        if self.p == "2" and self.epsilon > 0:
            return None
        G = np.concatenate(g_parts, axis=0)
        S = np.concatenate(s_parts, axis=0) if s_parts else np.zeros((0, 1))
        lrow = np.full((1, 1), float(l1))
        if self.p == "inf" or self.epsilon == 0:
            for sign in (1.0, -1.0):
                vals = column_sums([sign * G, -np.broadcast_to(S, (S.shape[0], G.shape[1])),
                                    -np.broadcast_to(lrow, (1, G.shape[1]))])
                if (vals > 0).any():
                    return False
            return True
        g = column_sums([G])
        sign = np.where(g >= 0, 1.0, -1.0)
        above = column_sums([sign * G, -np.broadcast_to(lrow, (1, G.shape[1]))]) > 0
        top = np.flatnonzero(above)
        if top.size == 0:
            return True
        parts = (sign[top] * G[:, top]).reshape(-1, 1)
        total = column_sums([parts, -S, -np.full((top.size, 1), float(l1))])
        return bool(total[0] <= 0)

    def _soft_upper(self, g: np.ndarray, err: np.ndarray, l1: float) -> np.ndarray:
        e = _inflate(g, err, l1)
        return np.maximum(np.abs(g) + e - l1, 0.0)

    def distance(self, g: np.ndarray, err: np.ndarray, l1: float) -> Distance:
        v = self._soft_upper(g, err, l1)
        s, p = self.s, self.p
        if p == "inf":
            over = v - s
            viol = float(max(over.max(initial=0.0), 0.0))
            if viol <= 0:
                return Distance(0.0, 0.0, True)
            return Distance(fp.norm_up(np.maximum(over, 0.0) * (1 + 4 * fp.U), "2"), viol * (1 + 4 * fp.U), False)
        if p == "2":
            nv = fp.norm_up(v, "2")
            if nv <= s:
                return Distance(0.0, 0.0, True)
            gap = (nv - s) * (1 + 4 * fp.U)
            return Distance(gap, gap, False)
        nv = fp.norm_up(v, "1")
        if nv <= s:
            return Distance(0.0, 0.0, True)
        return Distance(self._dist_l1(v), (nv - s) * (1 + 4 * fp.U), False)

    def _dist_l1(self, v: np.ndarray) -> float:
        """Upper bound of ``dist_2(v, s B_1)`` for ``v >= 0``: a point ``a = (v - theta)_+`` of the
        ball (verified), then ``||v - a||_2 = ||min(v, theta)||_2``."""
        s = self.s
        if s <= 0:
            return fp.norm_up(v, "2")
        u = np.sort(v)[::-1]
        css = np.cumsum(u) - s
        k = np.nonzero(u - css / np.arange(1, u.size + 1) > 0)[0][-1]
        theta = max(css[k] / (k + 1), 0.0)
        for _ in range(60):
            a = np.maximum(v - theta, 0.0)
            if fp.norm_up(a, "1") <= s:
                return fp.norm_up(np.minimum(v, theta), "2")
            theta = theta * (1 + 1e-12) + 1e-300
        return fp.norm_up(v, "2")

    def rows(self, g: np.ndarray, err: np.ndarray, l1: float, band: float) -> Rows:
        """Near-active constraints for the repair (see :class:`Rows`).

        ``inf``: every feature with ``|soft_j|`` within ``band`` of ``s`` (row ``sign_j g_j - s <= l1``);
        ``1``: the top features (``|g_j| > l1 + band``) summed with their signs, and a row
        ``g_j = 0`` for every other feature whose ``|g_j|`` is not clearly below ``l1``;
        ``2``: the linearisation ``u . soft(g) <= s`` at ``u = soft(g)/||soft(g)||``.
        """
        d = g.shape[0]
        eps = self.epsilon
        sign = np.where(g >= 0, 1.0, -1.0)
        a = np.abs(g)
        v = self._soft_upper(g, err, l1)
        gap = float(np.max(v - self.s, initial=0.0)) if self.p == "inf" else 0.0
        if self.p == "inf":
            J = np.flatnonzero(a + _inflate(g, err, l1) - l1 - self.s >= -band)
            U = np.zeros((d, J.size))
            U[J, np.arange(J.size)] = sign[J]
            kappa = np.full(J.size, 2 * gap + 16 * float(err.max(initial=0.0)) + 1e-300)
            return Rows(U, np.full(J.size, eps), np.full(J.size, l1), kappa)
        if self.p == "1":
            # top features (clearly above the threshold l1) share one row: sum_top sign_j g_j - s <= |top| l1;
            # features at the threshold get their own row, pushed inside (l1 > 0) or aimed at g_j = 0 (l1 = 0)
            top = np.flatnonzero(a > l1 + band)
            near = np.flatnonzero((a <= l1 + band) & (a + err > l1 - band))
            m = 1 + near.size
            U = np.zeros((d, m))
            U[top, 0] = sign[top]
            U[near, 1 + np.arange(near.size)] = sign[near] if l1 > 0 else 1.0
            tiny = 16 * float(err.max(initial=0.0)) + 1e-300
            kappa = np.zeros(m)
            rest = np.setdiff1d(np.arange(d), top)
            kappa[0] = 4 * (float(np.sum(v[rest])) + float(np.sum(err[top]))) + tiny
            if l1 > 0:
                kappa[1:] = tiny
            rhs = np.zeros(m)
            rhs[0] = top.size * l1
            rhs[1:] = l1
            eps_coef = np.zeros(m)
            eps_coef[0] = eps
            return Rows(U, eps_coef, rhs, kappa)
        soft = np.sign(g) * np.maximum(a - l1, 0.0)
        ns = fp.norm2(soft)
        u = soft / ns if ns > 0 else np.zeros(d)
        U = u.reshape(d, 1)
        kappa = np.array([8 * fp.norm2(err) + 1e-300])
        return Rows(U, np.array([eps]), np.array([float(np.abs(u).sum()) * l1]), kappa)


class BoxSet:
    """``U = prod_j [-A-_j, A+_j]`` (``A+-`` lower bounds of ``sum_i alpha_i C+-_ij``)."""

    def interval(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        return self.cap_minus, self.cap_plus

    def contains_up_to(self, v: np.ndarray, err: np.ndarray) -> bool:
        e = _inflate(v, err, self.cap_plus, self.cap_minus)
        return bool(np.all(v + e <= self.cap_plus) and np.all(-v + e <= self.cap_minus))

    def exact_feasible(self, g_parts: list[np.ndarray], s_parts: list[np.ndarray], l1: float) -> None:
        """Not decided exactly (the costs are computed with rounding): ``None``."""
        return None

    def __init__(self, cap_plus: np.ndarray, cap_minus: np.ndarray):
        self.cap_plus = np.maximum(np.asarray(cap_plus, dtype=float), 0.0)
        self.cap_minus = np.maximum(np.asarray(cap_minus, dtype=float), 0.0)

    def _excess(self, g: np.ndarray, err: np.ndarray, l1: float) -> tuple[np.ndarray, np.ndarray]:
        e = _inflate(g, err, self.cap_plus, self.cap_minus, l1)
        return g + e - self.cap_plus - l1, -g + e - self.cap_minus - l1

    def distance(self, g: np.ndarray, err: np.ndarray, l1: float) -> Distance:
        hi, lo = self._excess(g, err, l1)
        ex = np.maximum(np.maximum(hi, lo), 0.0)
        viol = float(ex.max(initial=0.0))
        if viol <= 0:
            return Distance(0.0, 0.0, True)
        return Distance(fp.norm_up(ex * (1 + 4 * fp.U), "2"), viol * (1 + 4 * fp.U), False)

    def rows(self, g: np.ndarray, err: np.ndarray, l1: float, band: float) -> Rows:
        """Rows ``+-g_j - A+-_j <= l1`` of every side within ``band`` of its bound."""
        hi, lo = self._excess(g, err, l1)
        d = g.shape[0]
        J_hi = np.flatnonzero(hi >= -band)
        J_lo = np.flatnonzero(lo >= -band)
        J = np.concatenate([J_hi, J_lo])
        sgn = np.concatenate([np.ones(J_hi.size), -np.ones(J_lo.size)])
        U = np.zeros((d, J.size))
        U[J, np.arange(J.size)] = sgn
        worst = float(np.maximum(np.maximum(hi, lo), 0.0).max(initial=0.0))
        kappa = np.full(J.size, 2 * worst + 16 * float(err.max(initial=0.0)) + 1e-300)
        return Rows(U, np.zeros(J.size), np.full(J.size, l1), kappa, J.astype(np.int64), sgn)
