r"""Solve in a well-conditioned frame, report in the user's.

The training problem is invariant under the change of coordinates ``x' = c (x - m)`` with
``epsilon' = c epsilon``, ``box' = c (box - m)``, ``l1' = c l1``, ``l2' = c^2 l2``: a model
``(w', b')`` of the framed problem is the model ``w = c w'``, ``b = b' - w.m`` of the original one,
with the same objective (margins ``w'.x' + b' = w.x + b``, penalties ``epsilon' ||w'||_q =
epsilon ||w||_q``, regularisers alike) and the same dual point (the multipliers belong to the
samples).  Solvers have absolute tolerances, so data of size ``1e-9`` or ``1e4 + 1e-2 z`` is solved
in the frame where it is of order one: ``m`` the column means (a scalar ``m = lo`` for the box, whose
bounds must move with the data; ``0`` for sparse data) and ``c`` a power of two (exact scaling).
Well-scaled data keeps the identity frame (no copy).

Certification never uses the frame: it runs on the original data (:mod:`robustcvx.certificate`).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import fp
from .errors import OptionError

#: data whose centred scale is within [1/WIDE, WIDE] and whose offset is below WIDE times the
#: scale is solved as given
WIDE = 8.0


@dataclass(frozen=True, eq=False)
class Frame:
    """``x' = scale (x - offset)``; ``identity`` when nothing is changed."""

    scale: float
    offset: np.ndarray | float
    identity: bool

    def problem(self, problem: Any) -> Any:
        """The problem in this frame (cached on ``problem``, shared by ``with_epsilon`` copies)."""
        if self.identity:
            return problem
        key = ("frame-problem", problem.threat.key(), problem.l1, problem.l2)
        cache = problem._cache
        if key not in cache:
            if "frame-X" not in cache:
                X = problem.X
                cache["frame-X"] = (X * self.scale) if hasattr(X, "tocsr") else (X - self.offset) * self.scale
            threat = problem.threat.scaled(self.scale, self.offset)
            l1 = problem.l1 * self.scale
            l2 = problem.l2 * self.scale * self.scale if problem.l2 > 0 else 0.0
            for name, before, after in (("epsilon", problem.epsilon, threat.epsilon), ("l1", problem.l1, l1),
                                        ("l2", problem.l2, l2)):
                if not np.isfinite(after) or (before > 0 and after == 0):
                    raise OptionError(
                        f"{name} = {before:g} is out of range for data of this size (features up to "
                        f"{1 / self.scale:.3g} after centring): in the frame where the data is of order one it "
                        f"becomes {after:g}; rescale the data or the option")
            cache[key] = problem.reframed(cache["frame-X"], threat, l1, l2)
        return cache[key]

    def from_frame(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float]:
        """``(w, b)`` of the original problem for a framed model ``(w', b')`` (``b`` exactly rounded)."""
        w = np.asarray(w, dtype=float) * self.scale
        if self.identity:
            return w, float(b)
        m = np.broadcast_to(np.asarray(self.offset, dtype=float), w.shape)
        return w, float(fp.Fraction(float(b)) - fp.exact_dot(w, m)) if np.any(m) else float(b)

    def to_frame(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float]:
        """``(w', b')`` in this frame for a model of the original problem."""
        w = np.asarray(w, dtype=float)
        if self.identity:
            return w.copy(), float(b)
        m = np.broadcast_to(np.asarray(self.offset, dtype=float), w.shape)
        b2 = float(fp.Fraction(float(b)) + fp.exact_dot(w, m)) if np.any(m) else float(b)
        return w / self.scale, b2

    def multi_from_frame(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`from_frame` for every row of a multiclass model ``(W' (K x d), b' (K,))``."""
        pairs = [self.from_frame(w, bk) for w, bk in zip(np.asarray(W, dtype=float), np.asarray(b, dtype=float))]
        return np.array([w for w, _ in pairs]).reshape(np.shape(W)), np.array([bk for _, bk in pairs])

    def multi_to_frame(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`to_frame` for every row of a multiclass model."""
        pairs = [self.to_frame(w, bk) for w, bk in zip(np.asarray(W, dtype=float), np.asarray(b, dtype=float))]
        return np.array([w for w, _ in pairs]).reshape(np.shape(W)), np.array([bk for _, bk in pairs])

    def describe(self) -> dict:
        off = np.asarray(self.offset, dtype=float)
        return {"identity": self.identity, "scale": self.scale,
                "offset": float(off) if off.ndim == 0 else {"min": float(off.min()), "max": float(off.max())}}


def _pow2(x: float) -> float:
    return float(2.0 ** round(math.log2(x))) if x > 0 and math.isfinite(x) else 1.0


def choose_frame(problem: Any) -> Frame:
    """The frame for ``problem`` (see the module docstring), cached on it."""
    if "frame" in problem._cache:
        return problem._cache["frame"]
    X = problem.X
    anchor = problem.threat.frame_anchor()
    if anchor is not None:
        offset, spread = anchor
        off_size = abs(offset)
    elif hasattr(X, "tocsr"):
        spread = float(abs(X).max()) if X.nnz else 1.0
        offset, off_size = 0.0, 0.0
    else:
        offset = X.mean(axis=0)
        spread = float(np.abs(X - offset).max()) if X.size else 1.0
        off_size = float(np.abs(offset).max())
    spread = spread if spread > 0 else 1.0
    identity = (1.0 / WIDE <= spread <= WIDE) and off_size <= WIDE * spread
    frame = Frame(1.0, 0.0, True) if identity else Frame(1.0 / _pow2(spread), offset, False)
    problem._cache["frame"] = frame
    return frame


def fingerprint(X: Any) -> str:
    """A digest of the data's bytes: a warm start built on ``X`` is reused only if it still matches."""
    if hasattr(X, "tocsr"):
        h = hashlib.sha1()
        for part in (X.data, X.indices, X.indptr):
            h.update(np.ascontiguousarray(part).view(np.uint8))
        return h.hexdigest()
    return hashlib.sha1(memoryview(np.ascontiguousarray(X)).cast("B")).hexdigest()
