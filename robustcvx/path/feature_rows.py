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


class FeatureRows:
    """``block[slot[j]] = ZT[j]`` for every feature ``j`` that holds a slot."""

    def __init__(self, ZT: np.ndarray):
        self.ZT = ZT
        d, n = ZT.shape
        self.slot = np.full(d, -1, dtype=np.int64)
        self.block = np.empty((16, n))
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
                grown = np.empty((2 * self.used, self.block.shape[1]))
                grown[:self.used] = self.block[:self.used]
                self.block = grown
                self.holder = np.concatenate([self.holder, np.full(self.used, -1, dtype=np.int64)])
            s = self.used
            self.used += 1
        self.block[s] = self.ZT[j]
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

    def margins(self, models: list, y: np.ndarray) -> np.ndarray:
        """``M[t, i] = z_i . w_t + y_i b_t`` for the models ``(A, w_A, b)``: every feature in the
        models must hold a slot."""
        W = np.zeros((len(models), self.used))
        bs = np.empty(len(models))
        for t, (a, w, b) in enumerate(models):
            W[t, self.slot[a]] = w
            bs[t] = b
        M = W @ self.block[:self.used]
        M += bs[:, None] * y[None, :]
        return M
