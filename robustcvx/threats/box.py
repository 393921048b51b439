r"""``||delta||_inf <= epsilon`` with ``x + delta`` kept in the data domain ``[lo, hi]`` (pixels).

Feature ``j`` of sample ``i`` moves in ``[L_ij, U_ij] = [max(-eps, lo - x_ij), min(eps, hi - x_ij)]``,
so ``pen_i(w) = sum_j max(-y_i w_j L_ij, -y_i w_j U_ij)``.  With ``w = w+ - w-`` (``w+-  >= 0``)
this is ``C+_i . w+ + C-_i . w-`` with non-negative costs (``y_i = +1``: ``C+ = -L``,
``C- = U``; ``y_i = -1``: ``C+ = U``, ``C- = -L``), an exact LP (the split is tight at an optimum
because the costs are non-negative).  In the dual, ``sum_i alpha_i pen_i`` is the support
function of the box ``prod_j [-A-_j, A+_j]`` with ``A+- = sum_i alpha_i C+-_i``.

A sample's worst margin ``y f(x) - sum_j |w_j| min(eps, c_ij)`` (``c_ij`` how far pixel ``j`` can
move in the harmful direction) is concave and piecewise linear in ``eps``: its root is the exact
box-aware certified radius.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import fp
from ..errors import OptionError
from ..validation import check_box
from .base import CvxpyTerms, Shift, Threat
from .dualsets import BoxSet

BLOCK = 1 << 13      # samples per block when a cost matrix is formed


def _sparse_if_worth_it(A: np.ndarray) -> Any:
    """MNIST-like costs are mostly zeros: a sparse constant makes cvxpy and its solvers much faster."""
    if np.count_nonzero(A) < 0.5 * A.size:
        import scipy.sparse as sp

        return sp.csr_matrix(A)
    return A


def _split_costs(C: np.ndarray, eps: float) -> tuple[np.ndarray, Any]:
    """``C = eps * mask[:, None] + R`` with ``R`` as sparse as possible (rows mostly at ``eps``)."""
    at_eps = np.count_nonzero(eps == C, axis=1)
    mask = (at_eps > 0.5 * C.shape[1]).astype(np.float64)
    return mask, _sparse_if_worth_it(C - eps * mask[:, None])


class LinfBallInBox(Threat):
    """``{delta : ||delta||_inf <= epsilon, lo <= x + delta <= hi}``."""

    norm, dual = "inf", "1"
    uniform = False
    cone_form = None          # per-sample costs, not epsilon times a norm of w

    def __init__(self, epsilon: float = 0.0, box: Any = (0.0, 1.0)) -> None:
        super().__init__(epsilon)
        box = check_box(box)
        if box is None:
            raise OptionError("the box threat needs a box (lo, hi), e.g. (0, 1)")
        self.box = box

    def _rebuild(self, epsilon: float) -> LinfBallInBox:
        return LinfBallInBox(epsilon, self.box)

    def scaled(self, c: float, m: Any) -> LinfBallInBox:
        m = np.asarray(m, dtype=float)
        if m.size > 1 and not np.all(m == m.flat[0]):
            raise ValueError("the box threat is scaled with one offset for every feature")
        m0 = float(m.flat[0]) if m.size else 0.0
        lo, hi = self.box
        return LinfBallInBox(self.epsilon * c, ((lo - m0) * c, (hi - m0) * c))

    def check_data(self, X: Any) -> None:
        lo, hi = self.box
        xmin, xmax = float(X.min()), float(X.max())
        tol = 1e-12 * max(1.0, abs(lo), abs(hi))
        if xmin < lo - tol or xmax > hi + tol:
            raise OptionError(
                f"box [{lo:g}, {hi:g}] does not contain the data (features range over [{xmin:g}, {xmax:g}]): "
                "widen the box or rescale the data")

    def frame_anchor(self) -> tuple[float, float]:
        lo, hi = self.box
        return lo, hi - lo

    # ------------------------------------------------------------------ geometry
    def bounds(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(L, U)``: per-sample, per-feature perturbation bounds, ``L <= 0 <= U``."""
        lo, hi = self.box
        eps = self.epsilon
        return np.minimum(np.maximum(-eps, lo - X), 0.0), np.maximum(np.minimum(eps, hi - X), 0.0)

    def costs(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(C+, C-)`` (non-negative): ``pen_i(w) = C+_i . w+ + C-_i . w-``."""
        L, U = self.bounds(X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=float))
        pos = (np.asarray(y) > 0)[:, None]
        return np.where(pos, -L, U), np.where(pos, U, -L)

    def _blocks(self, X: Any, y: np.ndarray, rows: np.ndarray | None = None):
        """``(rows, dense X rows, (C+, C-))`` in blocks of at most ``BLOCK`` rows and ``2^23`` entries."""
        idx = np.arange(X.shape[0]) if rows is None else rows
        step = max(1, min(BLOCK, (1 << 23) // max(X.shape[1], 1)))
        for s in range(0, idx.size, step):
            r = idx[s:s + step]
            Xb = X[r]
            Xb = Xb.toarray() if hasattr(Xb, "toarray") else np.asarray(Xb, dtype=float)
            yield r, Xb, self.costs(Xb, y[r])

    # ------------------------------------------------------------------ the math
    def dual_norm(self, w: np.ndarray) -> float:
        return float(np.abs(w).sum())

    def distances(self, diff: np.ndarray) -> np.ndarray:
        return np.abs(diff).max(axis=-1)

    def penalties(self, w: np.ndarray, X: Any, y: np.ndarray) -> np.ndarray:
        n = np.shape(y)[0]
        if self.epsilon == 0:
            return np.zeros(n)
        wp, wm = np.maximum(w, 0.0), np.maximum(-w, 0.0)
        out = np.empty(n)
        for r, _, (Cp, Cm) in self._blocks(X, y):
            out[r] = Cp @ wp + Cm @ wm
        return out

    def worst_delta(self, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = np.empty(X.shape)
        for r, Xb, _ in self._blocks(X, y):
            direction = -np.sign(y[r][:, None] * w[None, :])      # -1: push the pixel down, +1: up
            L, U = self.bounds(Xb)
            out[r] = np.where(direction < 0, L, np.where(direction > 0, U, 0.0))
        return out

    def harm_capacity(self, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``c_ij``: how far pixel ``j`` of sample ``i`` can move in the direction that lowers the margin."""
        lo, hi = self.box
        down = (y[:, None] * w[None, :]) > 0
        return np.maximum(np.where(down, X - lo, hi - X), 0.0)

    def radii(self, w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        m = y * (X @ w + b)
        a = np.abs(w)
        nz = a > 0
        if not nz.any():                                     # constant model: nothing to attack
            return np.where(m > 0, np.inf, np.where(m < 0, -np.inf, 0.0))
        r = np.empty(m.shape[0])
        for rows, Xb, _ in self._blocks(X, y):
            r[rows] = self._radii_block(m[rows], a[nz], self.harm_capacity(w, Xb, y[rows])[:, nz])
        return r

    @staticmethod
    def _radii_block(m: np.ndarray, a: np.ndarray, C: np.ndarray) -> np.ndarray:
        r = np.empty(m.shape[0])
        for i in range(m.shape[0]):                          # sort per sample; O(d log d) each
            if m[i] <= 0:
                r[i] = m[i] / a.sum()
                continue
            order = np.argsort(C[i])
            c, ai = C[i][order], a[order]
            # F(c_k) = sum_{l<k} a_l c_l + c_k sum_{l>=k} a_l: increasing, piecewise linear
            before = np.concatenate(([0.0], np.cumsum(ai * c)[:-1]))
            rest = ai[::-1].cumsum()[::-1]
            k = np.searchsorted(before + c * rest, m[i], side="left")
            r[i] = np.inf if k >= c.size else (m[i] - before[k]) / rest[k]
        return r

    def worst_margins(self, w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        m = y * (X @ w + b)
        for rows, Xb, _ in self._blocks(X, y):
            m[rows] -= np.minimum(self.epsilon, self.harm_capacity(w, Xb, y[rows])) @ np.abs(w)
        return m

    # ------------------------------------------------------------------ certificate
    def dual_set(self, alpha: np.ndarray, X: Any, y: np.ndarray, alpha_sum_low: float,
                 shift: Shift | None = None) -> BoxSet:
        d = X.shape[1]
        Ap, Am = np.zeros(d), np.zeros(d)
        rows = np.flatnonzero(alpha)
        if self.epsilon > 0 and rows.size:
            for r, _, (Cp, Cm) in self._blocks(X, y, rows):
                Ap += alpha[r] @ Cp
                Am += alpha[r] @ Cm
        Ap, Am = fp.down(Ap, X.shape[0] + 3), fp.down(Am, X.shape[0] + 3)
        if shift is not None and shift.direction < 0 and shift.amount > 0 and self.epsilon > 0:
            top_p, top_m = np.zeros(d), np.zeros(d)        # the largest costs of the samples that may move
            for _, _, (Cp, Cm) in self._blocks(X, y, shift.rows):
                top_p, top_m = np.maximum(top_p, Cp.max(axis=0)), np.maximum(top_m, Cm.max(axis=0))
            Ap = Ap - fp.up(shift.amount * top_p, 2)
            Am = Am - fp.up(shift.amount * top_m, 2)
        return BoxSet(Ap, Am)

    def clip_to_domain(self, X: np.ndarray) -> np.ndarray:
        return np.clip(X, self.box[0], self.box[1], out=X)

    def interval_costs(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        Cp, Cm = self.costs(X, np.ones(X.shape[0]))
        return Cm, Cp                              # U = prod_j [-sum alpha C-, sum alpha C+]

    def cost_columns(self, Xb: np.ndarray, yb: np.ndarray, features: np.ndarray, signs: np.ndarray) -> np.ndarray:
        """``C^{sign_k}_{i, features_k}`` for a block of samples (the box part of repair rows)."""
        Cp, Cm = self.costs(Xb[:, features], yb)
        return np.where(signs[None, :] > 0, Cp, Cm)

    # ------------------------------------------------------------------ cvxpy
    def cvxpy_terms(self, d: int, X: np.ndarray, y: np.ndarray, size: bool = False) -> CvxpyTerms:
        """``w = w+ - w-`` and ``pen = C+ w+ + C- w-``.  Each cost row is mostly 0 (pixels at the edge
        they would be pushed to) or mostly ``eps``: written as ``eps * mask * sum(w+-)`` plus a
        sparse remainder, the cost matrices stay sparse for the solver."""
        import cvxpy as cp

        wp = cp.Variable(d, nonneg=True, name="w_plus")
        wm = cp.Variable(d, nonneg=True, name="w_minus")
        sp_, sm_ = cp.Variable(name="sum_w_plus"), cp.Variable(name="sum_w_minus")
        cons = [sp_ == cp.sum(wp), sm_ == cp.sum(wm)]
        pen: Any = 0.0
        if self.epsilon > 0 and X.shape[0]:
            for C, var, total in zip(self.costs(X, y), (wp, wm), (sp_, sm_)):
                mask, R = _split_costs(C, self.epsilon)
                pen = pen + R @ var
                if mask.any():
                    pen = pen + self.epsilon * mask * total
        return CvxpyTerms(wp - wm, pen, sp_ + sm_, sp_ + sm_, cons, parts=(wp, wm))

    def cvxpy_penalty_of(self, v: Any, X: Any) -> tuple[Any, list]:
        """``v = v+ - v-`` (both ``>= 0``), ``pen_i = C+_i . v+ + C-_i . v-`` with the costs of a positive label."""
        import cvxpy as cp

        if self.epsilon == 0 or X.shape[0] == 0:
            return 0.0, []
        d = v.shape[0]
        vp, vm = cp.Variable(d, nonneg=True), cp.Variable(d, nonneg=True)
        Cp, Cm = self.costs(X, np.ones(X.shape[0]))
        return Cp @ vp + Cm @ vm, [vp - vm == v]

    def cvxpy_penalty_sum(self, terms: CvxpyTerms, X: np.ndarray, y: np.ndarray, weights: np.ndarray) -> Any:
        if self.epsilon == 0 or X.shape[0] == 0:
            return 0.0
        Cp, Cm = self.costs(X, y)
        wp, wm = terms.parts
        return (weights @ Cp) @ wp + (weights @ Cm) @ wm

    # ------------------------------------------------------------------ torch
    def torch_bounds(self, xb: Any) -> tuple[Any, Any]:
        lo, hi = self.box
        eps = self.epsilon
        return (lo - xb).clamp(min=-eps, max=0.0), (hi - xb).clamp(min=0.0, max=eps)

    def torch_penalty(self, w: Any, xb: Any, yb: Any) -> Any:
        import torch

        if self.epsilon == 0:
            return 0.0
        L, U = self.torch_bounds(xb)
        v = -yb[:, None] * w[None, :]
        return torch.maximum(v * L, v * U).sum(dim=1)

    def torch_pair_penalties(self, W: Any, xb: Any, yb: Any) -> Any:
        """``pen_i(w_a - w_k) = sum_j U_ij (w_kj - w_aj)_+ + (-L_ij) (w_aj - w_kj)_+`` with ``a = y_i``
        (each feature pushed to the edge that lowers ``f_a - f_k``): two products per class."""
        K = W.shape[0]
        out = xb.new_zeros((yb.shape[0], K))
        if self.epsilon == 0:
            return out
        L, U = self.torch_bounds(xb)
        D = (W[None, :, :] - W[:, None, :]).clamp(min=0.0)                    # D[a, k] = (w_k - w_a)_+
        for a in range(K):
            rows = (yb == a).nonzero(as_tuple=True)[0]
            if rows.numel():
                out = out.index_put((rows,), U[rows] @ D[a].T - L[rows] @ D[:, a].T)
        return out

    def torch_project(self, delta: Any, xb: Any) -> Any:
        import torch

        L, U = self.torch_bounds(xb)
        return torch.minimum(torch.maximum(delta, L), U)

    def torch_ascent(self, g: Any, step: float) -> Any:
        return step * g.sign()

    def torch_random_start(self, xb: Any, generator: Any) -> Any:
        import torch

        delta = (torch.rand(tuple(xb.shape), generator=generator, dtype=torch.float64) * 2 - 1) * self.epsilon
        return self.torch_project(delta.to(device=xb.device, dtype=xb.dtype), xb)

    # ------------------------------------------------------------------ working-set LP
    @property
    def lp_slack(self) -> str:  # type: ignore[override]
        return "none" if self.epsilon > 0 else "shared"    # at epsilon = 0 the box changes nothing

    def lp_coefficients(self, Xb: np.ndarray, yb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ap = Xb * yb[:, None]
        if self.epsilon == 0:
            return ap, -ap
        Cp, Cm = self.costs(Xb, yb)
        return ap - Cp, -ap - Cm
