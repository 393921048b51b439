r"""The columns of the data that the models of one window of the homotopy use, kept in one block.

The homotopy (:mod:`.homotopy`) checks every sample at every vertex of a window of vertices at
once: with ``W`` the window's models (one row per vertex, one column per feature used) the margins
of all samples at all vertices are ``W Z_S^T + b y^T``, one matrix product.  Gathering ``Z_S^T``
(``|S| x n``) anew for every window would copy the data each time; instead each feature keeps a
*slot*, a row of one contiguous block holding ``Z[:, j]``, from the step it first joins the active
set until a window closes without it.  Slots freed at a close are reused by later features, so the
block has about as many rows as the largest active set.
"""

from __future__ import annotations

import numpy as np

U32 = 2.0 ** -24          # unit roundoff of float32


class FeatureRows:
    """``block[slot[j]] = ZT[j]`` (and its float32 copy) for every feature ``j`` that holds a slot."""

    def __init__(self, ZT: np.ndarray):
        self.ZT = ZT
        d, n = ZT.shape
        self.slot = np.full(d, -1, dtype=np.int64)
        self.block = np.empty((16, n))
        self.block32 = np.empty((16, n), dtype=np.float32)
        self.used = 0                      # rows [0, used) are slots (some perhaps free)
        self.free: list[int] = []
        self.holder = np.full(16, -1, dtype=np.int64)    # the feature in each slot, -1 when free

    def add(self, j: int) -> int:
        """The slot of feature ``j``, given one if it has none."""
        s = int(self.slot[j])
        if s >= 0:
            return s
        if self.free:
            s = self.free.pop()
        else:
            if self.used == self.block.shape[0]:
                for name in ("block", "block32"):
                    old = getattr(self, name)
                    grown = np.empty((2 * self.used, old.shape[1]), dtype=old.dtype)
                    grown[:self.used] = old[:self.used]
                    setattr(self, name, grown)
                self.holder = np.concatenate([self.holder, np.full(self.used, -1, dtype=np.int64)])
            s = self.used
            self.used += 1
        self.block[s] = self.ZT[j]
        self.block32[s] = self.ZT[j]
        self.slot[j] = s
        self.holder[s] = j
        return s

    def keep_only(self, features: np.ndarray) -> None:
        """Free the slots of every feature not in ``features``."""
        keep = np.zeros(self.slot.shape[0], dtype=bool)
        keep[np.asarray(features, dtype=np.int64)] = True
        for s in range(self.used):
            j = int(self.holder[s])
            if j >= 0 and not keep[j]:
                self.slot[j] = -1
                self.holder[s] = -1
                self.free.append(s)

    def weights(self, models: list) -> tuple[np.ndarray, np.ndarray]:
        """The models ``(A, w_A, b)`` as rows over the slots (every feature in them must hold one)."""
        W = np.zeros((len(models), self.used))
        bs = np.empty(len(models))
        for t, (a, w, b) in enumerate(models):
            W[t, self.slot[a]] = w
            bs[t] = b
        return W, bs

    def screen(self, W: np.ndarray, bs: np.ndarray, y32: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Margins of every sample at every model in float32, ``M32``, and a bound ``err`` (one per
        sample) with ``|M32[t, i] - (z_i . w_t + y_i b_t)| <= err[i]`` for every ``t``.

        With ``L`` slots the float32 products and sums (in any order, with or without fused
        multiply-adds) and the roundings of ``w``, ``z`` and ``b`` to float32 err by at most
        ``(L + 4) u (sum_j |w_j z_ij| + |b|) / (1 - (L + 4) u)`` (``u = 2^-24``), and
        ``sum_j |w_j z_ij| <= ||w||_1 R_i`` with ``R_i = max_j |z_ij|``."""
        M = W.astype(np.float32) @ self.block32[:self.used]
        M += bs.astype(np.float32)[:, None] * y32[None, :]
        g = (self.used + 4) * U32
        g = 1.01 * g / (1.0 - g)
        l1 = float(np.abs(W).sum(axis=1).max(initial=0.0))
        bmax = float(np.abs(bs).max(initial=0.0))
        return M, g * (l1 * R + bmax) + 1e-300

    def exact(self, W: np.ndarray, bs: np.ndarray, y: np.ndarray, samples: np.ndarray | None = None) -> np.ndarray:
        """``z_i . w_t + y_i b_t`` in float64, for every sample or those of ``samples``."""
        if samples is None:
            M = W @ self.block[:self.used]
            M += bs[:, None] * y[None, :]
            return M
        M = W @ self.block[:self.used, samples]
        M += bs[:, None] * y[samples][None, :]
        return M
