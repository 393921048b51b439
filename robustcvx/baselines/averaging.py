r"""Iterate averaging for SGD-type training (bookkeeping beside the run; the iterates do not change).

With ``(w_t, b_t)`` the model after step ``t`` and ``E_k`` the steps of epoch ``k``:

* ``all`` (Polyak-Ruppert): after epoch ``e``, ``bar w = (1 / |E_1 u ... u E_e|) sum_{t in E_1..E_e} w_t``;
* ``tail`` (suffix averaging): the same mean over the epochs ``m + 1 ... e`` with ``m = floor(e / 2)``,
  i.e. over the last half of the epochs run so far (all of them after epoch 1).

Step sums are accumulated in float64 on the training device; one float64 prefix sum per epoch is
kept on the CPU (``epochs x`` the number of parameters: ``d + 1``, or ``K (d + 1)`` for ``K`` classes),
so either mean costs ``O(d)`` (``O(K d)``) per epoch.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class IterateAverage:
    """Running sums of the iterates; ``mode`` is ``"all"`` or ``"tail"``."""

    def __init__(self, mode: str, w: Any, b: Any) -> None:
        import torch

        if mode not in ("all", "tail"):
            raise ValueError(f"unknown averaging mode {mode!r}")
        self.mode = mode
        self._sw = torch.zeros(w.shape, dtype=torch.float64, device=w.device)
        self._sb = torch.zeros(b.shape, dtype=torch.float64, device=b.device)
        self._steps = 0
        self._wshape, self._nw = tuple(w.shape), int(w.numel())
        self._scalar_b = b.numel() == 1 and len(w.shape) == 1   # a binary model's intercept is a float
        self._prefix: list[np.ndarray] = [np.zeros(self._nw + int(b.numel()))]   # sums of epochs 1..k
        self._counts: list[int] = [0]                        # number of them

    def add(self, w: Any, b: Any) -> None:
        """Add the current iterate (after a step)."""
        self._sw.add_(w.detach())
        self._sb.add_(b.detach())
        self._steps += 1

    def end_epoch(self) -> None:
        """Close the epoch (its sums join the prefix sums)."""
        s = np.concatenate([self._sw.to("cpu").numpy().reshape(-1), self._sb.to("cpu").numpy().reshape(-1)])
        self._prefix.append(self._prefix[-1] + s)
        self._counts.append(self._counts[-1] + self._steps)
        self._sw.zero_()
        self._sb.zero_()
        self._steps = 0

    def mean(self) -> tuple[np.ndarray, Any] | None:
        """``(bar w, bar b)`` after the last closed epoch (float64; ``bar b`` a float for a binary model,
        a vector for ``K`` classes), or ``None`` before any step."""
        e = len(self._prefix) - 1
        m = e // 2 if self.mode == "tail" else 0
        count = self._counts[e] - self._counts[m]
        if count == 0:
            return None
        s = (self._prefix[e] - self._prefix[m]) / count
        if self._scalar_b:
            return s[:-1].copy(), float(s[-1])
        return s[:self._nw].reshape(self._wshape).copy(), s[self._nw:].copy()
