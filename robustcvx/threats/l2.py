r"""``||delta||_2 <= epsilon``.

Penalty ``epsilon ||w||_2`` (a second-order cone: the problem is an SOCP); worst case
``delta = -epsilon y w / ||w||_2``; the dual set is the Euclidean ball of radius
``epsilon sum alpha``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import fp
from .ball import NormBall


class L2Ball(NormBall):
    norm, dual = "2", "2"
    _lp_slack = None
    cone_form = "soc"

    def dual_norm(self, w: np.ndarray) -> float:
        return fp.norm2(w)

    def distances(self, diff: np.ndarray) -> np.ndarray:
        return np.sqrt(np.einsum("...k,...k->...", diff, diff))

    def worst_delta(self, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        nw = fp.norm2(w)
        if nw == 0:
            return np.zeros(X.shape)
        return np.outer(-self.epsilon * np.asarray(y, dtype=float), w / nw)

    def _cvxpy_norm_bound(self, cp: Any, w: Any, t: Any) -> tuple[list, Any]:
        return [cp.SOC(t, w)], None

    def _torch_norm(self, w: Any) -> Any:
        return (w * w).sum().add(1e-30).sqrt()   # smooth at w = 0 (no NaN gradient)

    def _torch_pair_norms(self, V: Any) -> Any:
        return (V * V).sum(dim=-1).add(1e-30).sqrt()

    def torch_project(self, delta: Any, xb: Any) -> Any:
        import torch

        nrm = torch.linalg.vector_norm(delta, dim=1, keepdim=True)
        scale = torch.where(nrm > self.epsilon, self.epsilon / nrm.clamp(min=torch.finfo(delta.dtype).tiny),
                            torch.ones_like(nrm))
        return delta * scale

    def torch_ascent(self, g: Any, step: float) -> Any:
        import torch

        nrm = torch.linalg.vector_norm(g, dim=1, keepdim=True)
        return torch.where(nrm > 0, step * g / nrm.clamp(min=torch.finfo(g.dtype).tiny), torch.zeros_like(g))

    def torch_random_start(self, xb: Any, generator: Any) -> Any:
        import torch

        n, d = xb.shape
        radius = self.epsilon * torch.rand((n, 1), generator=generator, dtype=torch.float64) ** (1.0 / d)
        z = torch.randn((n, d), generator=generator, dtype=torch.float64)
        z = z / torch.linalg.vector_norm(z, dim=1, keepdim=True).clamp(min=1e-300)
        return (radius * z).to(device=xb.device, dtype=xb.dtype)
