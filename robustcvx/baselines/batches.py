r"""The training data on the device and its minibatches, one seeded shuffle per epoch.

Dense ``X`` is copied once to the device as float32; each epoch gathers it in a random order
(``torch.randperm`` on the run's generator) and cuts contiguous batches.  A ``scipy.sparse`` ``X``
stays sparse: each epoch permutes its rows (CSR) and each batch becomes a torch sparse CSR tensor
(``xb @ w`` is a sparse product), or a dense one when the caller needs the batch's entries
(a threat whose penalty depends on ``x``, or adversarial training, which moves every feature).
The shuffle is the same for both, so a sparse problem trains like its dense copy (up to the
order of float32 sums).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np


class Batches:
    """``epoch(generator)`` yields ``(xb, yb, cb)``: features, labels, and the weight factors
    ``n c_i`` of a weighted problem (``None`` without weights)."""

    def __init__(self, torch: Any, X: Any, y: np.ndarray, factors: np.ndarray | None, batch_size: int,
                 device: str, dense_batches: bool) -> None:
        self.torch, self.device, self.dense_batches = torch, device, dense_batches
        self.n = int(X.shape[0])
        self.bs = min(int(batch_size), self.n)
        self.sparse = hasattr(X, "tocsr")
        if self.sparse:
            self.X = X.tocsr().astype(np.float32)
        else:
            self.X = torch.from_numpy(np.asarray(X).astype(np.float32)).to(device)  # a private, writable copy
        self.Y = torch.from_numpy(y.astype(np.float32)).to(device)
        self.C = None if factors is None else torch.from_numpy(factors.astype(np.float32)).to(device)

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n // self.bs)

    def epoch(self, generator: Any) -> Iterator[tuple[Any, Any, Any]]:
        torch, bs = self.torch, self.bs
        perm = torch.randperm(self.n, generator=generator)
        dev_perm = perm.to(self.device)
        Yp = self.Y[dev_perm]
        Cp = None if self.C is None else self.C[dev_perm]
        Xp = self.X[perm.numpy()] if self.sparse else self.X[dev_perm]  # one gather per epoch
        for k in range(self.steps_per_epoch):
            sl = slice(k * bs, (k + 1) * bs)
            xb = self._sparse_batch(Xp[sl]) if self.sparse else Xp[sl]
            yield xb, Yp[sl], None if Cp is None else Cp[sl]

    def _sparse_batch(self, block: Any) -> Any:
        torch = self.torch
        if self.dense_batches:
            return torch.from_numpy(block.toarray()).to(self.device)
        with warnings.catch_warnings():  # "sparse CSR support is in beta": the product used here is tested
            warnings.simplefilter("ignore", UserWarning)
            return torch.sparse_csr_tensor(torch.from_numpy(block.indptr.astype(np.int64)),
                                           torch.from_numpy(block.indices.astype(np.int64)),
                                           torch.from_numpy(block.data), size=block.shape, device=self.device,
                                           check_invariants=False)
