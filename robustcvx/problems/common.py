"""What the binary and the K-class problems share: the sample weights of the mean and the kind of
convex program (a problem has ``X``, ``sample_weight``, ``threat``, ``l1``, ``l2`` and a ``_cache``)."""

from __future__ import annotations

import math

import numpy as np


class ProblemBasics:
    """Mixin of the properties that only depend on the shape, the weights, the threat and the
    regularisers."""

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    @property
    def weights(self) -> np.ndarray:
        """``c_i`` (float64, summing to 1 up to rounding): the weight of sample ``i`` in the mean."""
        if "weights" not in self._cache:
            if self.sample_weight is None:
                c = np.full(self.n, 1.0 / self.n)
            else:
                c = self.sample_weight / math.fsum(self.sample_weight.tolist())
            self._cache["weights"] = c
        return self._cache["weights"]

    @property
    def weighted(self) -> bool:
        return self.sample_weight is not None

    @property
    def regularized(self) -> bool:
        return self.l1 > 0 or self.l2 > 0

    @property
    def is_lp(self) -> bool:
        """True when the problem is a linear program (no ``l2`` term and a polyhedral threat)."""
        return self.l2 == 0 and self.threat.polyhedral

    @property
    def kind(self) -> str:
        """``"LP"``, ``"SOCP"`` or ``"QP"`` (the class of convex program)."""
        if self.threat.polyhedral:
            return "QP" if self.l2 > 0 else "LP"
        return "SOCP"
