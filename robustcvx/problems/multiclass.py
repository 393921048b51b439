r"""The multiclass training problem (Crammer--Singer), exact and robust.

Classes ``0..K-1``, model ``f_k(x) = w_k.x + b_k``, prediction ``argmax_k f_k(x)``.  For sample ``i``
and a competing class ``k != y_i`` write ``v = w_{y_i} - w_k`` and ``c = b_{y_i} - b_k``::

    P(W, b) = sum_i c_i max(0, max_{k != y_i} [1 - v.x_i - c + pen_i(v)])
              + l1 sum_k ||w_k||_1 + (l2 / 2) sum_k ||w_k||_2^2

with ``pen_i(v) = max_{delta in Delta(x_i)} -v.delta`` the threat's worst case of the score difference
(:meth:`~robustcvx.threats.Threat.penalties` with a positive label).  The adversary's maximum over
``delta`` and the maximum over ``k`` commute, so ``P`` is exactly the worst case of the multiclass hinge:
the exact robust training problem, an LP for polyhedral threats, an SOCP for the l_2 ball, a QP with
``l2 > 0``.  With two classes and no regulariser it has the optimal value of the binary problem
(``w = w_1 - w_0``).

The cvxpy model is the readable reference: ``xi_i >= 0`` and one row
``xi_i >= 1 - v.x_i - c + pen_i(v)`` per sample and competing class (a block per ordered class pair
``(a, k)``, over the samples of class ``a``).  Its multipliers ``alpha_ik`` (``sum_k alpha_ik <= c_i``) are
the dual variables of :mod:`robustcvx.certificate.multiclass`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import fp
from ..errors import DataError
from ..threats import Threat, make_threat
from ..validation import check_features, check_number
from .binary import check_sample_weight
from .common import ProblemBasics


def check_class_labels(y: Any, n: int, n_classes: int | None = None) -> tuple[np.ndarray, int]:
    """Labels ``0..K-1`` (int64) of length ``n`` with every class present; returns ``(y, K)``."""
    try:
        arr = np.asarray(y)
    except (TypeError, ValueError):
        raise DataError("y must hold class indices 0..K-1") from None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DataError(f"X has {n} samples but y has shape {np.shape(y)}: give one class index per sample")
    if arr.size == 0 or not np.all(np.isfinite(arr.astype(float))) or not np.all(arr == np.round(arr)) or arr.min() < 0:
        raise DataError("y must hold class indices 0..K-1 (integers >= 0); map your labels to indices first")
    arr = arr.astype(np.int64)
    k = int(arr.max()) + 1 if n_classes is None else int(n_classes)
    if arr.max() >= k:
        raise DataError(f"y has class index {int(arr.max())} but n_classes is {k}")
    missing = np.setdiff1d(np.arange(k), arr)
    if missing.size:
        raise DataError(f"class {int(missing[0])} has no training sample: every class needs at least one")
    if k < 2:
        raise DataError("multiclass training needs at least two classes")
    return np.ascontiguousarray(arr), k


@dataclass(frozen=True, eq=False)
class MulticlassHingeProblem(ProblemBasics):
    """Crammer--Singer robust hinge problem (see the module docstring for the math).

    ``y`` holds class indices ``0..K-1``; the threat is ``epsilon`` (a number, with ``norm``/``box``) or a
    :class:`~robustcvx.threats.Threat`; ``X`` dense or scipy.sparse.
    """

    X: Any
    y: np.ndarray
    epsilon: Any = 0.0
    norm: Any = "inf"
    box: Any = None
    l1: float = 0.0
    l2: float = 0.0
    sample_weight: Any = None
    n_classes: int | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)
    threat: Threat = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        X = check_features(self.X, sparse=True)
        y, k = check_class_labels(self.y, X.shape[0], self.n_classes)
        threat = make_threat(self.epsilon, self.norm, self.box)
        threat.check_data(X)
        sw = None
        if self.sample_weight is not None:
            sw = check_sample_weight(self.sample_weight, np.where(y == y[0], 1.0, -1.0) if k > 1 else y * 1.0)
            if not all(sw[y == c].sum() > 0 for c in range(k)):
                raise DataError("sample_weight is zero on a whole class: each class needs some positive weight")
        for key, value in (("X", X), ("y", y), ("n_classes", k), ("threat", threat), ("epsilon", threat.epsilon),
                           ("norm", threat.norm), ("box", threat.box), ("l1", check_number(self.l1, "l1")),
                           ("l2", check_number(self.l2, "l2")), ("sample_weight", sw)):
            object.__setattr__(self, key, value)

    # ----------------------------------------------------------------- shape (n, d: ProblemBasics)
    @property
    def K(self) -> int:
        return int(self.n_classes)

    def class_rows(self, a: int) -> np.ndarray:
        """Indices of the samples of class ``a`` (cached)."""
        key = ("rows", a)
        if key not in self._cache:
            self._cache[key] = np.flatnonzero(self.y == a)
        return self._cache[key]

    def describe(self) -> dict[str, Any]:
        return {**self.threat.describe(), "l1": self.l1, "l2": self.l2, "n": self.n, "d": self.d, "n_classes": self.K,
                "kind": self.kind, "weighted": self.weighted, "multiclass": "crammer-singer"}

    # ------------------------------------------------------------ evaluation
    def scores(self, W: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``f_k(x_i) = w_k.x_i + b_k`` (``n x K``)."""
        W, b = self._model(W, b)
        return np.asarray(self.X @ W.T) + b[None, :]

    def pair_penalties(self, W: np.ndarray) -> np.ndarray:
        """``pen_i(w_{y_i} - w_k)`` (``n x K``; 0 at ``k = y_i``)."""
        W, _ = self._model(W, np.zeros(self.K))
        P = np.zeros((self.n, self.K))
        if not self.threat.active:
            return P
        for a in range(self.K):
            rows = self.class_rows(a)
            Xa = self.X[rows]
            for k in range(self.K):
                if k != a:
                    P[rows, k] = self.threat.penalties(W[a] - W[k], Xa, np.ones(rows.size))
        return P

    def hinge_args(self, W: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``z_ik = 1 - (f_{y_i}(x_i) - f_k(x_i)) + pen_i(w_{y_i} - w_k)``; ``-inf`` at ``k = y_i``."""
        S = self.scores(W, b)
        own = S[np.arange(self.n), self.y][:, None]
        Z = 1.0 - own + S + self.pair_penalties(W)
        Z[np.arange(self.n), self.y] = -np.inf
        return Z

    def losses(self, W: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Per-sample robust multiclass hinge ``max(0, max_k z_ik)``."""
        return np.maximum(self.hinge_args(W, b).max(axis=1), 0.0)

    def regularizer(self, W: np.ndarray) -> float:
        W = np.asarray(W, dtype=float)
        return (self.l1 * float(np.abs(W).sum()) if self.l1 > 0 else 0.0) + fp.scaled_square(0.5 * self.l2, W)

    def loss(self, W: np.ndarray, b: np.ndarray) -> float:
        h = self.losses(W, b)
        return float(np.mean(h)) if not self.weighted else float(self.weights @ h)

    def objective(self, W: np.ndarray, b: np.ndarray) -> float:
        """The training objective recomputed on the data (floating point)."""
        return self.loss(W, b) + self.regularizer(W)

    def _model(self, W: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
        W = np.asarray(W, dtype=float)
        b = np.asarray(b, dtype=float).reshape(-1)
        if W.shape != (self.K, self.d) or b.shape != (self.K,):
            raise DataError(f"a {self.K}-class model on {self.d} features has coef of shape ({self.K}, {self.d}) and "
                            f"intercept of shape ({self.K},), got {W.shape} and {b.shape}")
        return W, b

    def with_epsilon(self, epsilon: float) -> MulticlassHingeProblem:
        return self.with_threat(self.threat.with_epsilon(epsilon))

    def with_threat(self, threat: Threat, **changes: Any) -> MulticlassHingeProblem:
        out = MulticlassHingeProblem(self.X, self.y, threat, l1=changes.get("l1", self.l1),
                                     l2=changes.get("l2", self.l2), sample_weight=self.sample_weight,
                                     n_classes=self.K)
        for key, value in self._cache.items():
            if key == "weights" or key in ("centre", "constant") or (isinstance(key, tuple) and key[0] == "rows"):
                out._cache[key] = value
        return out

    def reframed(self, X: Any, threat: Threat, l1: float, l2: float) -> MulticlassHingeProblem:
        """The same samples and weights with new features, threat and regularisers (:mod:`robustcvx.frame`)."""
        return MulticlassHingeProblem(X, self.y, threat, l1=l1, l2=l2, sample_weight=self.sample_weight,
                                      n_classes=self.K)

    # ---------------------------------------------------- cvxpy formulation
    def to_cvxpy(self) -> MulticlassCvxpyModel:
        """The reference model (explicit slacks; the duals of the pair rows are ``alpha``)."""
        import cvxpy as cp

        K, d = self.K, self.d
        W = cp.Variable((K, d), name="W")
        b = cp.Variable(K, name="b")
        xi = cp.Variable(self.n, name="xi")
        cons: list = [xi >= 0]
        rows: dict[tuple[int, int], Any] = {}
        shared: dict[tuple[int, int], Any] = {}          # uniform threats: one penalty per unordered pair
        for a in range(K):
            ra = self.class_rows(a)
            Xa = self.X[ra]
            for k in range(K):
                if k == a:
                    continue
                v = W[a] - W[k]
                if self.threat.uniform and (min(a, k), max(a, k)) in shared:
                    pen = shared[(min(a, k), max(a, k))]
                else:
                    pen, extra = self.threat.cvxpy_penalty_of(v, Xa)
                    cons += extra
                    if self.threat.uniform:
                        shared[(min(a, k), max(a, k))] = pen
                row = xi[ra] >= 1 - (Xa @ v + b[a] - b[k]) + pen
                rows[(a, k)] = row
                cons.append(row)
        obj = self.weights @ xi
        if self.l1 > 0:
            obj = obj + self.l1 * cp.sum(cp.abs(W))
        if self.l2 > 0:
            obj = obj + 0.5 * self.l2 * cp.sum_squares(W)
        return MulticlassCvxpyModel(cp.Problem(cp.Minimize(obj), cons), W, b, rows)

    def to_cvxpy_max_margin(self) -> MulticlassCvxpyModel:
        r"""Max-margin tie-break among the zero-loss models (a robustly separable problem, no regulariser).

        ``min t  s.t.  ||w_a - w_k||_q <= t`` for every pair, ``(w_{y_i} - w_k).x_i + b_{y_i} - b_k -
        pen_i(w_{y_i} - w_k) >= 1`` for every sample and competitor, ``sum_k w_k = 0``, ``sum_k b_k = 0``.
        Every pair's certified radius is then at least ``epsilon + 1 / t``: the largest such guarantee,
        the multiclass form of the binary ``min ||w||_q``; the sums pin the class-independent shift that
        leaves every score difference unchanged.
        """
        import cvxpy as cp

        K, d = self.K, self.d
        W = cp.Variable((K, d), name="W")
        b = cp.Variable(K, name="b")
        t = cp.Variable(name="size")
        cons: list = [cp.sum(W, axis=0) == 0, cp.sum(b) == 0]
        rows: dict[tuple[int, int], Any] = {}
        for a in range(K):
            ra = self.class_rows(a)
            Xa = self.X[ra]
            for k in range(K):
                if k == a:
                    continue
                v = W[a] - W[k]
                if a < k:
                    size, extra = self.threat.cvxpy_size_of(v)
                    cons += extra + [size <= t]
                pen, extra = self.threat.cvxpy_penalty_of(v, Xa)
                cons += extra
                rows[(a, k)] = Xa @ v + b[a] - b[k] - pen >= 1
                cons.append(rows[(a, k)])
        return MulticlassCvxpyModel(cp.Problem(cp.Minimize(t), cons), W, b, rows)

@dataclass
class MulticlassCvxpyModel:
    """A cvxpy problem with handles on ``W``, ``b`` and the pair rows ``(a, k) -> constraint``."""

    problem: Any
    W: Any
    b: Any
    rows: dict

    def alpha(self, problem: MulticlassHingeProblem) -> np.ndarray | None:
        """The multipliers ``alpha`` (``n x K``, zero at ``k = y_i``) from the solved model's duals."""
        out = np.zeros((problem.n, problem.K))
        for (a, k), row in self.rows.items():
            if row.dual_value is None:
                return None
            out[problem.class_rows(a), k] = np.asarray(row.dual_value, dtype=float).reshape(-1)
        return out
