r"""The training problem, stated once.

Model ``f(x) = w.x + b``, labels ``y_i in {-1, +1}``, sample weights ``c_i >= 0`` with
``sum_i c_i = 1`` (``c_i = 1/n`` by default, ``s_i / sum s`` for user weights ``s``)::

    P(w, b) = sum_i c_i max(0, 1 - y_i f(x_i) + pen_i(w)) + l1 ||w||_1 + (l2 / 2) ||w||_2^2

where ``pen_i(w) = max_{delta in Delta(x_i)} -y_i w.delta`` is the exact worst-case loss of margin
of sample ``i`` under the threat (:mod:`robustcvx.threats`): ``0`` without attack,
``epsilon ||w||_q`` for the ball ``||delta||_p <= epsilon``, per-sample costs for the l_inf ball
inside the box.  It is an LP for polyhedral threats (``p = inf``, ``p = 1``, the box) without
``l2``, an SOCP for ``p = 2``, a QP with ``l2 > 0``.

The cvxpy models below are the readable reference.  They use an explicit slack
``xi_i >= 1 - y_i f(x_i) + pen_i(w)``, ``xi >= 0`` (never ``cp.pos``: cvxpy 1.9 with HiGHS returns
a wrong "optimal" value for that form), and the multipliers ``alpha_i`` of the margin
constraints are the dual variables of :mod:`robustcvx.certificate` (``0 <= alpha_i <= c_i``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import fp
from ..errors import DataError
from ..threats import Threat, make_threat
from ..validation import check_features, check_number, check_signed_labels
from .common import ProblemBasics


def check_sample_weight(sample_weight: Any, y: np.ndarray) -> np.ndarray | None:
    """``None`` (uniform) or the weights as a float64 vector: finite, ``>= 0``, positive on both classes."""
    if sample_weight is None:
        return None
    try:
        s = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise DataError("sample_weight must be numbers, one per sample") from None
    if s.shape[0] != y.shape[0]:
        raise DataError(f"sample_weight has {s.shape[0]} entries but there are {y.shape[0]} samples: "
                        "give one per sample")
    if not np.isfinite(s).all() or (s < 0).any():
        raise DataError("sample_weight must be finite and >= 0")
    if not (s[y > 0].sum() > 0 and s[y < 0].sum() > 0):
        raise DataError("sample_weight is zero on a whole class: each class needs some positive weight")
    return s


@dataclass(frozen=True, eq=False)
class RobustHingeProblem(ProblemBasics):
    """Robust hinge training problem (see the module docstring for the math).

    ``epsilon`` may be a number (with ``norm`` in ``inf|2|1`` and ``box = (lo, hi)`` or None) or a
    :class:`~robustcvx.threats.Threat`.  ``X`` may be dense or ``scipy.sparse`` (kept sparse, as CSR).
    Validated on construction: ``X`` finite 2-D, ``y`` in
    {-1, +1} with both classes, the threat against the data (a box must contain it), ``l1, l2 >= 0``,
    ``sample_weight`` finite, ``>= 0``, positive on both classes.
    """

    X: Any
    y: np.ndarray
    epsilon: Any = 0.0
    norm: Any = "inf"
    box: Any = None
    l1: float = 0.0
    l2: float = 0.0
    sample_weight: Any = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        X = check_features(self.X, sparse=True)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", check_signed_labels(self.y, X.shape[0]))
        threat = make_threat(self.epsilon, self.norm, self.box)
        threat.check_data(X)
        object.__setattr__(self, "threat", threat)
        object.__setattr__(self, "epsilon", threat.epsilon)
        object.__setattr__(self, "norm", threat.norm)
        object.__setattr__(self, "box", threat.box)
        object.__setattr__(self, "l1", check_number(self.l1, "l1"))
        object.__setattr__(self, "l2", check_number(self.l2, "l2"))
        object.__setattr__(self, "sample_weight", check_sample_weight(self.sample_weight, self.y))

    threat: Threat = field(init=False, repr=False, compare=False)

    # ----------------------------------------------------------------- shape (n, d: ProblemBasics)
    @property
    def dual_norm(self) -> str:
        """Name of the dual norm ``q`` used in the penalty (``"1"``, ``"2"`` or ``"inf"``)."""
        return self.threat.dual

    @property
    def uses_box(self) -> bool:
        """True when the box changes the problem (a box with ``epsilon = 0`` does not)."""
        return self.threat.active and not self.threat.uniform        # per-sample costs: the box

    def describe(self) -> dict[str, Any]:
        """JSON-safe parameters (no data)."""
        return {**self.threat.describe(), "l1": self.l1, "l2": self.l2, "n": self.n, "d": self.d,
                "kind": self.kind, "weighted": self.weighted}

    # ------------------------------------------------------------ evaluation
    def margins(self, w: np.ndarray, b: float) -> np.ndarray:
        """``y_i (w.x_i + b)`` for every training sample."""
        return self.y * (self.X @ np.asarray(w, dtype=float) + float(b))

    def penalty(self, w: np.ndarray) -> np.ndarray:
        """``pen_i(w)``: worst-case loss of margin of each sample (length ``n``)."""
        return self.threat.penalties(np.asarray(w, dtype=float), self.X, self.y)

    def losses(self, w: np.ndarray, b: float) -> np.ndarray:
        """Per-sample robust hinge ``max(0, 1 - y_i f(x_i) + pen_i(w))``."""
        return np.maximum(0.0, 1.0 - self.margins(w, b) + self.penalty(w))

    def regularizer(self, w: np.ndarray) -> float:
        """``l1 ||w||_1 + (l2 / 2) ||w||_2^2``."""
        w = np.asarray(w, dtype=float)
        return (self.l1 * float(np.abs(w).sum()) if self.l1 > 0 else 0.0) + fp.scaled_square(0.5 * self.l2, w)

    def loss(self, w: np.ndarray, b: float) -> float:
        """The weighted mean robust hinge (the objective without the regulariser)."""
        h = self.losses(w, b)
        return float(np.mean(h)) if self.sample_weight is None else float(self.weights @ h)

    def objective(self, w: np.ndarray, b: float) -> float:
        """The training objective recomputed on the data (floating point; the certificate bounds
        its rounding error separately)."""
        return self.loss(w, b) + self.regularizer(w)

    def with_epsilon(self, epsilon: float) -> RobustHingeProblem:
        """The same problem at another radius (data not copied)."""
        return self.with_threat(self.threat.with_epsilon(epsilon))

    def with_threat(self, threat: Threat, **changes: Any) -> RobustHingeProblem:
        """The same data with another threat (and optionally other ``l1``, ``l2``)."""
        out = RobustHingeProblem(self.X, self.y, threat, l1=changes.get("l1", self.l1),
                                 l2=changes.get("l2", self.l2), sample_weight=self.sample_weight)
        shared = ["weights", "centre", "constant"] + (["frame", "frame-X"] if threat.box == self.box else [])
        for key in shared:                 # what depends on the data only (and the box) is not recomputed
            if key in self._cache:
                out._cache[key] = self._cache[key]
        return out

    # ---------------------------------------------------- cvxpy formulations
    def to_cvxpy(self) -> CvxpyModel:
        """The reference cvxpy model (explicit slacks; duals of the margin rows = alpha)."""
        import cvxpy as cp

        terms = self.threat.cvxpy_terms(self.d, self.X, self.y)
        w = terms.w
        xi = cp.Variable(self.n, name="xi")
        b = cp.Variable(name="b")
        cons = list(terms.constraints)
        margin_row = xi >= 1 - cp.multiply(self.y, self.X @ w + b) + terms.penalty
        cons += [xi >= 0, margin_row]
        obj = self.weights @ xi if self.weighted else cp.sum(xi) / self.n
        if self.l1 > 0:
            abs_sum = terms.abs_sum
            if abs_sum is None:
                u = cp.Variable(self.d, name="abs_w")
                cons += [u >= w, u >= -w]
                abs_sum = cp.sum(u)
            obj = obj + self.l1 * abs_sum
        if self.l2 > 0:
            obj = obj + 0.5 * self.l2 * cp.sum_squares(w)
        return CvxpyModel(cp.Problem(cp.Minimize(obj), cons), w, b, margin_row)

    def reframed(self, X: Any, threat: Threat, l1: float, l2: float) -> RobustHingeProblem:
        """The same samples and weights with new features, threat and regularisers (:mod:`robustcvx.frame`)."""
        return RobustHingeProblem(X, self.y, threat, l1=l1, l2=l2, sample_weight=self.sample_weight)

    def to_cvxpy_max_margin(self, rows: np.ndarray | None = None) -> CvxpyModel:
        r"""Max-margin tie-break among zero-loss models.

        ``min ||w||_q  s.t.  y_i f(x_i) - pen_i(w) >= 1`` for all ``i``.  Among all models of
        zero robust hinge loss (the optimal set of a separable problem, a cone), this is the one
        whose smallest certified radius ``y_i f(x_i) / ||w||_q`` is largest.  ``rows`` restricts
        the constraints to a subset of samples (a relaxation, used by the working-set loop).
        """
        import cvxpy as cp

        rows = np.arange(self.n) if rows is None else np.asarray(rows)
        X, y = self.X[rows], self.y[rows]
        terms = self.threat.cvxpy_terms(self.d, X, y, size=True)
        b = cp.Variable(name="b")
        row = cp.multiply(y, X @ terms.w + b) - terms.penalty >= 1
        return CvxpyModel(cp.Problem(cp.Minimize(terms.size), list(terms.constraints) + [row]), terms.w, b, row)


@dataclass
class CvxpyModel:
    """A cvxpy problem with handles on ``w``, ``b`` and the margin constraints."""

    problem: Any
    w: Any
    b: Any
    margin_row: Any
