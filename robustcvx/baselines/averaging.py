r"""Iterate averaging for SGD-type training (bookkeeping beside the run; the iterates do not change).

With ``(w_t, b_t)`` the model after step ``t`` and ``E_k`` the steps of epoch ``k``:

* ``all`` (Polyak-Ruppert): after epoch ``e``, ``bar w = (1 / |E_1 u ... u E_e|) sum_{t in E_1..E_e} w_t``;
* ``tail`` (suffix averaging): the same mean over the epochs ``m + 1 ... e`` with ``m = floor(e / 2)``,
  i.e. over the last half of the epochs run so far (all of them after epoch 1).

Step sums are accumulated in float64 on the training device; one float64 prefix sum per epoch is
kept on the CPU (``epochs x (d + 1)`` numbers), so either mean costs ``O(d)`` per epoch.
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
        d = int(w.shape[0])
        self._prefix: list[np.ndarray] = [np.zeros(d + 1)]   # sum of the iterates of epochs 1..k
        self._counts: list[int] = [0]                        # number of them

    def add(self, w: Any, b: Any) -> None:
        """Add the current iterate (after a step)."""
        self._sw.add_(w.detach())
        self._sb.add_(b.detach())
        self._steps += 1

    def end_epoch(self) -> None:
        """Close the epoch (its sums join the prefix sums)."""
        s = np.concatenate([self._sw.to("cpu").numpy(), self._sb.to("cpu").numpy()])
        self._prefix.append(self._prefix[-1] + s)
        self._counts.append(self._counts[-1] + self._steps)
        self._sw.zero_()
        self._sb.zero_()
        self._steps = 0

    def mean(self) -> tuple[np.ndarray, float] | None:
        """``(bar w, bar b)`` after the last closed epoch (float64), or ``None`` before any step."""
        e = len(self._prefix) - 1
        m = e // 2 if self.mode == "tail" else 0
        count = self._counts[e] - self._counts[m]
        if count == 0:
            return None
        s = (self._prefix[e] - self._prefix[m]) / count
        return s[:-1].copy(), float(s[-1])
