r"""``||delta||_1 <= epsilon``: a budget ``epsilon`` spread over the features.

Penalty ``epsilon ||w||_inf`` (an LP); worst case: the whole budget on one feature
``k = argmax |w_k|``, ``delta = -epsilon y sign(w_k) e_k``; the dual set is the l_1 ball of
radius ``epsilon sum alpha``; the working-set LP bounds feature ``j`` by ``beta_j >= 0`` with
``sum_j beta_j <= epsilon sum alpha``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ball import NormBall


class L1Ball(NormBall):
    norm, dual = "1", "inf"
    _lp_slack = "budget"
    cone_form = "max"

    def dual_norm(self, w: np.ndarray) -> float:
        return float(np.abs(w).max(initial=0.0))

    def distances(self, diff: np.ndarray) -> np.ndarray:
        return np.abs(diff).sum(axis=-1)

    def worst_delta(self, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        delta = np.zeros(X.shape)
        if not np.any(w):
            return delta
        k = int(np.argmax(np.abs(w)))
        delta[:, k] = -self.epsilon * y * np.sign(w[k])
        return delta

    def _cvxpy_norm_bound(self, cp: Any, w: Any, t: Any) -> tuple[list, Any]:
        return [w <= t, -w <= t], None

    def _torch_norm(self, w: Any) -> Any:
        return w.abs().max()

    def _torch_pair_norms(self, V: Any) -> Any:
        return V.abs().amax(dim=-1)

    def torch_project(self, delta: Any, xb: Any) -> Any:
        """Sort-based projection of each row onto the l_1 ball (Duchi et al., 2008)."""
        import torch

        eps = self.epsilon
        a = delta.abs()
        outside = a.sum(dim=1) > eps
        if not bool(outside.any()):
            return delta
        u, _ = torch.sort(a[outside], dim=1, descending=True)
        css = u.cumsum(dim=1) - eps
        j = torch.arange(1, u.shape[1] + 1, device=delta.device, dtype=delta.dtype)
        rho = (u * j > css).sum(dim=1, keepdim=True) - 1     # the condition holds on a prefix
        theta = css.gather(1, rho) / (rho.to(delta.dtype) + 1)
        out = delta.clone()
        v = delta[outside]
        out[outside] = v.sign() * (v.abs() - theta).clamp(min=0.0)
        return out

    def torch_ascent(self, g: Any, step: float) -> Any:
        import torch

        idx = g.abs().argmax(dim=1, keepdim=True)
        out = torch.zeros_like(g)
        out.scatter_(1, idx, step * g.gather(1, idx).sign())
        return out

    def torch_random_start(self, xb: Any, generator: Any) -> Any:
        import torch

        n, d = xb.shape
        radius = self.epsilon * torch.rand((n, 1), generator=generator, dtype=torch.float64) ** (1.0 / d)
        e = -torch.log(torch.rand((n, d), generator=generator, dtype=torch.float64).clamp(min=1e-300))
        s = torch.where(torch.rand((n, d), generator=generator, dtype=torch.float64) < 0.5, -1.0, 1.0)
        return (radius * s * e / e.sum(dim=1, keepdim=True)).to(device=xb.device, dtype=xb.dtype)
