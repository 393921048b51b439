r"""The training problems, stated once.

Model ``f(x) = w.x + b``, labels ``y_i in {-1, +1}``, ``n`` samples.  Every problem is

.. math::

    \min_{w,b}\; \frac1n \sum_{i=1}^n \max\bigl(0,\; 1 - y_i f(x_i) + \mathrm{pen}_i(w)\bigr)
      + \lambda_1 \|w\|_1 + \frac{\lambda_2}{2}\|w\|_2^2

where ``pen_i(w) = max_{delta in Delta_i} -y_i w.delta`` is the exact worst-case loss of
margin of sample ``i`` under the threat set ``Delta_i``:

* no attack (``epsilon = 0``): ``pen_i = 0`` -- the regular hinge SVM, an LP;
* ``||delta||_p <= epsilon``: ``pen_i = epsilon ||w||_q`` (``q`` dual to ``p``): an LP for
  ``p = inf`` (``||w||_1``) and ``p = 1`` (``||w||_inf``), an SOCP for ``p = 2``;
* ``p = inf`` inside the data domain ``[lo, hi]`` (``box``): pixel ``j`` of sample ``i``
  moves in ``[L_ij, U_ij] = [max(-eps, lo - x_ij), min(eps, hi - x_ij)]``, so
  ``pen_i = sum_j max(-y_i w_j L_ij, -y_i w_j U_ij)``.  Writing ``w = w+ - w-`` with
  ``w+, w- >= 0`` this is ``C+_i . w+ + C-_i . w-`` with non-negative costs
  (``y_i = +1``: ``C+ = -L, C- = U``; ``y_i = -1``: ``C+ = U, C- = -L``), an exact LP
  (the split is tight at an optimum because the costs are non-negative).

The objective is always the **mean** over samples (normalisation ``1/n``).  The cvxpy
model below is the readable reference; it uses an explicit slack ``xi_i >= 0``,
``xi_i >= 1 - y_i f(x_i) + pen_i(w)`` (never ``cp.pos``: cvxpy 1.9 with HiGHS returns a
wrong "optimal" value for the ``cp.pos`` form), and the multipliers ``alpha_i`` of the
margin constraints are the dual variables used by :mod:`robustcvx.certificate`
(``0 <= alpha_i <= 1/n``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import OptionError
from .norms import dual_norm, dual_norm_name, parse_norm
from .validation import (check_box, check_box_contains, check_epsilon, check_features,
                         check_number, check_signed_labels)


@dataclass(frozen=True, eq=False)
class RobustHingeProblem:
    """Robust hinge training problem (see the module docstring for the math).

    Parameters are validated on construction: ``X`` finite 2-D, ``y`` in {-1, +1} with both
    classes, ``epsilon >= 0``, ``norm`` in ``inf|2|1``, ``box = (lo, hi)`` only with
    ``norm="inf"`` and containing the data, ``l1, l2 >= 0``.
    """

    X: np.ndarray
    y: np.ndarray
    epsilon: float = 0.0
    norm: str = "inf"
    box: tuple[float, float] | None = None
    l1: float = 0.0
    l2: float = 0.0
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        X = check_features(self.X)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", check_signed_labels(self.y, X.shape[0]))
        object.__setattr__(self, "epsilon", check_epsilon(self.epsilon))
        object.__setattr__(self, "norm", parse_norm(self.norm))
        box = check_box(self.box)
        if box is not None:
            if self.norm != "inf":
                raise OptionError("box is supported for the inf-norm threat only (use --norm inf or drop --box)")
            check_box_contains(X, box)
        object.__setattr__(self, "box", box)
        object.__setattr__(self, "l1", check_number(self.l1, "l1"))
        object.__setattr__(self, "l2", check_number(self.l2, "l2"))

    # ----------------------------------------------------------------- shape
    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    @property
    def dual_norm(self) -> str:
        """Name of the dual norm ``q`` used in the penalty (``"1"``, ``"2"`` or ``"inf"``)."""
        return dual_norm_name(self.norm)

    @property
    def uses_box(self) -> bool:
        """True when the box changes the problem (a box with ``epsilon = 0`` does not)."""
        return self.box is not None and self.epsilon > 0

    @property
    def is_lp(self) -> bool:
        """True when the problem is a linear program (no ``l2`` term, threat ``inf`` or ``1``)."""
        return self.l2 == 0 and (self.norm in ("inf", "1") or self.epsilon == 0)

    @property
    def kind(self) -> str:
        """``"LP"``, ``"SOCP"`` or ``"QP"`` (the class of convex program)."""
        if self.l2 > 0:
            return "QP" if (self.epsilon == 0 or self.norm != "2") else "SOCP"
        return "LP" if self.is_lp else "SOCP"

    def describe(self) -> dict[str, Any]:
        """JSON-safe parameters (no data)."""
        return {"epsilon": self.epsilon, "norm": self.norm,
                "box": list(self.box) if self.box is not None else None,
                "l1": self.l1, "l2": self.l2, "n": self.n, "d": self.d, "kind": self.kind}

    # ------------------------------------------------------- box threat data
    def box_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """``(L, U)``: per-sample, per-feature perturbation bounds (``n x d``), ``L <= 0 <= U``."""
        if self.box is None:
            raise OptionError("box_bounds needs a box")
        if "bounds" not in self._cache:
            lo, hi = self.box
            eps = self.epsilon
            L = np.minimum(np.maximum(-eps, lo - self.X), 0.0)
            U = np.maximum(np.minimum(eps, hi - self.X), 0.0)
            self._cache["bounds"] = (L, U)
        return self._cache["bounds"]

    def box_costs(self) -> tuple[np.ndarray, np.ndarray]:
        """``(C+, C-)`` (``n x d``, non-negative): ``pen_i(w) = C+_i.w+ + C-_i.w-``."""
        if "costs" not in self._cache:
            L, U = self.box_bounds()
            pos = (self.y > 0)[:, None]
            self._cache["costs"] = (np.where(pos, -L, U), np.where(pos, U, -L))
        return self._cache["costs"]

    # ------------------------------------------------------------ evaluation
    def margins(self, w: np.ndarray, b: float) -> np.ndarray:
        """``y_i (w.x_i + b)`` for every training sample."""
        return self.y * (self.X @ np.asarray(w, dtype=float) + float(b))

    def penalty(self, w: np.ndarray) -> np.ndarray:
        """``pen_i(w)``: worst-case loss of margin of each sample (length ``n``)."""
        w = np.asarray(w, dtype=float)
        if self.epsilon == 0:
            return np.zeros(self.n)
        if self.box is None:
            return np.full(self.n, self.epsilon * dual_norm(w, self.norm))
        Cp, Cm = self.box_costs()
        return Cp @ np.maximum(w, 0.0) + Cm @ np.maximum(-w, 0.0)

    def losses(self, w: np.ndarray, b: float) -> np.ndarray:
        """Per-sample robust hinge ``max(0, 1 - y_i f(x_i) + pen_i(w))``."""
        return np.maximum(0.0, 1.0 - self.margins(w, b) + self.penalty(w))

    def regularizer(self, w: np.ndarray) -> float:
        """``l1 ||w||_1 + (l2 / 2) ||w||_2^2``."""
        w = np.asarray(w, dtype=float)
        return float(self.l1 * np.abs(w).sum() + 0.5 * self.l2 * (w @ w))

    def objective(self, w: np.ndarray, b: float) -> float:
        """The training objective recomputed on the data: mean robust hinge + regulariser."""
        return float(np.mean(self.losses(w, b)) + self.regularizer(w))

    def with_epsilon(self, epsilon: float) -> "RobustHingeProblem":
        """The same problem at another radius (data not copied)."""
        return RobustHingeProblem(self.X, self.y, epsilon, self.norm, self.box, self.l1, self.l2)

    # ---------------------------------------------------- cvxpy formulations
    def to_cvxpy(self) -> "CvxpyModel":
        """The reference cvxpy model (explicit slacks; duals of the margin rows = alpha)."""
        import cvxpy as cp

        n, d = self.n, self.d
        X, y = self.X, self.y
        xi = cp.Variable(n, name="xi")
        b = cp.Variable(name="b")
        cons = []
        if self.uses_box:
            wp = cp.Variable(d, name="w_plus")
            wm = cp.Variable(d, name="w_minus")
            cons += [wp >= 0, wm >= 0]
            w = wp - wm
            Cp, Cm = self.box_costs()
            pen = Cp @ wp + Cm @ wm
            l1_term = cp.sum(wp) + cp.sum(wm)
        else:
            w = cp.Variable(d, name="w")
            pen, l1_term = 0.0, None
            needs_abs = self.l1 > 0 or (self.epsilon > 0 and self.dual_norm == "1")
            if needs_abs:
                u = cp.Variable(d, name="abs_w")
                cons += [u >= w, u >= -w]
                l1_term = cp.sum(u)
            if self.epsilon > 0:
                # one scalar t >= ||w||_q keeps the margin rows sparse (a dense eps*sum(u) in
                # every row makes HiGHS 20-100x slower on MNIST-sized data)
                t = cp.Variable(name="norm_w")
                if self.dual_norm == "1":
                    cons += [cp.sum(u) <= t]
                elif self.dual_norm == "inf":
                    cons += [w <= t, -w <= t]
                else:
                    cons += [cp.SOC(t, w)]
                pen = self.epsilon * t
        margin_row = xi >= 1 - cp.multiply(y, X @ w + b) + pen
        cons += [xi >= 0, margin_row]
        obj = cp.sum(xi) / n
        if self.l1 > 0:
            obj = obj + self.l1 * l1_term
        if self.l2 > 0:
            obj = obj + 0.5 * self.l2 * cp.sum_squares(w)
        return CvxpyModel(cp.Problem(cp.Minimize(obj), cons), w, b, margin_row)

    def to_cvxpy_max_margin(self, rows: np.ndarray | None = None) -> "CvxpyModel":
        r"""Max-margin tie-break among zero-loss models.

        ``min ||w||_q  s.t.  y_i f(x_i) - pen_i(w) >= 1`` for all ``i``.  Among all models of
        zero robust hinge loss (the optimal set of a separable problem, a cone), this is the one
        whose smallest certified radius ``y_i f(x_i) / ||w||_q`` is largest.  ``rows`` restricts
        the constraints to a subset of samples (a relaxation, used by the working-set loop).
        """
        import cvxpy as cp

        rows = np.arange(self.n) if rows is None else np.asarray(rows)
        X, y, d = self.X[rows], self.y[rows], self.d
        b = cp.Variable(name="b")
        cons = []
        if self.uses_box:
            wp, wm = cp.Variable(d), cp.Variable(d)
            cons += [wp >= 0, wm >= 0]
            w = wp - wm
            Cp, Cm = (C[rows] for C in self.box_costs())
            pen = Cp @ wp + Cm @ wm
            size = cp.sum(wp) + cp.sum(wm)
        else:
            w = cp.Variable(d, name="w")
            q = self.dual_norm
            size = cp.Variable()
            if q == "1":
                u = cp.Variable(d)
                cons += [u >= w, u >= -w, cp.sum(u) <= size]
            else:
                cons += [w <= size, -w <= size] if q == "inf" else [cp.SOC(size, w)]
            pen = self.epsilon * size
        row = cp.multiply(y, X @ w + b) - pen >= 1
        cons.append(row)
        return CvxpyModel(cp.Problem(cp.Minimize(size), cons), w, b, row)


@dataclass
class CvxpyModel:
    """A cvxpy problem with handles on ``w``, ``b`` and the margin constraints."""

    problem: Any
    w: Any
    b: Any
    margin_row: Any
