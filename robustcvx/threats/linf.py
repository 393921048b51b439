r"""``||delta||_inf <= epsilon``: every feature moves by at most ``epsilon``.

Penalty ``epsilon ||w||_1`` (an LP); worst case ``delta = -epsilon y sign(w)``; the dual set is
the l_inf ball of radius ``epsilon sum alpha`` (``|g_j| <= epsilon sum alpha + l1`` for every
feature); the working-set LP shares one scalar ``epsilon sum alpha`` among all feature rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ball import NormBall


class LinfBall(NormBall):
    norm, dual = "inf", "1"
    _lp_slack = "shared"
    cone_form = "sum"

    def dual_norm(self, w: np.ndarray) -> float:
        return float(np.abs(w).sum())

    def distances(self, diff: np.ndarray) -> np.ndarray:
        return np.abs(diff).max(axis=-1)

    def interval_costs(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        full = np.full(X.shape, self.epsilon)
        return full, full

    def worst_delta(self, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.outer(-self.epsilon * np.asarray(y, dtype=float), np.sign(w))

    def _cvxpy_norm_bound(self, cp: Any, w: Any, t: Any) -> tuple[list, Any]:
        u = cp.Variable(w.shape[0], name="abs_w")
        return [u >= w, u >= -w, cp.sum(u) <= t], cp.sum(u)

    def _torch_norm(self, w: Any) -> Any:
        return w.abs().sum()

    def _torch_pair_norms(self, V: Any) -> Any:
        return V.abs().sum(dim=-1)

    def torch_project(self, delta: Any, xb: Any) -> Any:
        return delta.clamp(min=-self.epsilon, max=self.epsilon)

    def torch_ascent(self, g: Any, step: float) -> Any:
        return step * g.sign()

    def torch_random_start(self, xb: Any, generator: Any) -> Any:
        import torch

        delta = (torch.rand(tuple(xb.shape), generator=generator, dtype=torch.float64) * 2 - 1) * self.epsilon
        return delta.to(device=xb.device, dtype=xb.dtype)
