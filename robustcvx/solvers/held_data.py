"""The training data as a working-set solver's live state holds it: weakly, so that a warm-start
state kept by the user never keeps a large ``X`` alive (and never silently uses freed data)."""

from __future__ import annotations

import weakref
from typing import Any


class HeldData:
    """``X`` held by a weak reference, with the shape and the threat's radius derived from it."""

    threat: Any

    def hold(self, X: Any) -> None:
        self._X = weakref.ref(X)

    @property
    def X(self) -> Any:
        X = self._X()
        if X is None:
            raise RuntimeError("the data of this warm-start state no longer exists")
        return X

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    @property
    def eps(self) -> float:
        return float(self.threat.epsilon)
