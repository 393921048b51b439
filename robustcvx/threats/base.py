r"""The threat model interface: what an adversary may do to an input, and everything that follows.

A threat is a set ``Delta(x)`` of perturbations of an input ``x`` at a radius ``epsilon``.  For a
linear score ``v . x`` the worst case over the set, ``pen(v; x) = max_{delta in Delta(x)} -v . delta``,
is what robust training adds to the hinge (``v = y w`` for a binary model) and what exact
certification subtracts from a margin.  A :class:`Threat` owns every consequence of its set:

==========================  ==============================================================
``penalties(w, X, y)``      ``pen_i(w) = pen(y_i w; x_i)`` for every sample
``worst_delta(w, X, y)``    a perturbation attaining it (the exact attack)
``radii(w, b, X, y)``       the exact certified radius of each sample (the threat *family*)
``dual_set(...)``           the aggregated set ``U`` with ``sum_i alpha_i pen_i = sigma_U``
                            (the conjugate term of the certificate)
``cvxpy_terms(...)``        the penalty as a cvxpy expression (explicit constraints)
``torch_*``                 penalty, projection, ascent step and random start in PyTorch
``lp_*``                    what the working-set LP solver needs (polyhedral threats only)
``scaled(c, m)``            the same threat in the frame ``x' = c (x - m)``
==========================  ==============================================================

Code elsewhere asks the threat; it never branches on a threat's name.  A new threat is one new
subclass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ..validation import check_epsilon


class Threat(ABC):
    """Base class.  ``epsilon >= 0`` is the radius; ``epsilon = 0`` means no attack."""

    #: the threat norm ``p`` ("inf", "2" or "1"); the dual norm ``q`` of the penalty
    norm: str = ""
    dual: str = ""
    #: the data domain (box threats only)
    box: tuple[float, float] | None = None
    #: True when the penalty is the same for every sample (a norm of ``w``)
    uniform: bool = True

    def __init__(self, epsilon: float = 0.0) -> None:
        self.epsilon = check_epsilon(epsilon)

    # ------------------------------------------------------------------ identity
    @property
    def active(self) -> bool:
        """False when the threat changes nothing (``epsilon = 0``)."""
        return self.epsilon > 0

    @property
    def polyhedral(self) -> bool:
        """True when the penalty is piecewise linear (the problem is an LP without ``l2``)."""
        return self.dual in ("1", "inf") or not self.active

    def clip_to_domain(self, X: np.ndarray) -> np.ndarray:
        """``X`` clipped into the data domain the threat keeps perturbed inputs in (in place; a ball has
        none): removes the rounding of ``x + delta`` past the box."""
        return X

    @property
    def size_polyhedral(self) -> bool:
        """True when the size ``||w||_q`` that the max-margin tie-break minimises is piecewise linear (an LP
        even at ``epsilon = 0``, where :attr:`polyhedral` holds for every norm)."""
        return self.dual in ("1", "inf")

    def with_epsilon(self, epsilon: float) -> Threat:
        """The same threat at another radius."""
        return self._rebuild(epsilon)

    @abstractmethod
    def _rebuild(self, epsilon: float) -> Threat:
        """A new instance with the same parameters and radius ``epsilon``."""

    @abstractmethod
    def scaled(self, c: float, m: Any) -> Threat:
        """The threat in the frame ``x' = c (x - m)`` (``c > 0``): radius ``c epsilon``, box ``c (box - m)``."""

    def describe(self) -> dict:
        """JSON-safe parameters."""
        return {"norm": self.norm, "epsilon": self.epsilon, "box": list(self.box) if self.box else None}

    def key(self) -> tuple:
        return (type(self).__name__, self.epsilon, self.box)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Threat) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def __repr__(self) -> str:
        box = f", box={self.box}" if self.box else ""
        return f"{type(self).__name__}(epsilon={self.epsilon:g}{box})"

    def check_data(self, X: Any) -> None:  # noqa: B027 - deliberately empty: most threats apply to any data
        """Raise if the threat cannot be applied to the data (box threats: data outside the box)."""

    def frame_anchor(self) -> tuple[float, float] | None:
        """``(offset, spread)`` that a change of coordinates must use, or ``None`` to take them from the
        data (a box moves with the data: its lower edge is the offset, its width the spread)."""
        return None

    # ------------------------------------------------------------------ the math
    @abstractmethod
    def dual_norm(self, w: np.ndarray) -> float:
        """``||w||_q``: the size of ``w`` that the threat measures (``epsilon ||w||_q`` is its worst case
        for a norm ball)."""

    @abstractmethod
    def distances(self, diff: np.ndarray) -> np.ndarray:
        """``||diff||_p`` along the last axis: the size of a perturbation in the threat's norm (two
        points conflict when this distance is at most ``2 epsilon``; the box does not change it)."""

    @abstractmethod
    def penalties(self, w: np.ndarray, X: Any, y: np.ndarray) -> np.ndarray:
        """``pen_i(w) = max_{delta in Delta(x_i)} -y_i w . delta`` for every sample (length ``n``)."""

    @abstractmethod
    def worst_delta(self, w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """A perturbation of every sample attaining ``pen_i(w)`` (the exact worst-case attack)."""

    @abstractmethod
    def radii(self, w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Exact certified radius of each sample: ``sup {eps : y_i f(x_i + delta) > 0 for all delta in
        Delta_eps(x_i)}`` for the threat family (the radius ``self.epsilon`` is ignored);
        ``<= 0`` for misclassified samples, ``+inf`` when no radius flips the sample."""

    def worst_margins(self, w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``min_{delta} y_i f(x_i + delta)`` at this radius."""
        return y * (X @ w + b) - self.penalties(w, X, y)

    # ------------------------------------------------------------------ certificate
    @abstractmethod
    def dual_set(self, alpha: np.ndarray, X: Any, y: np.ndarray, alpha_sum_low: float,
                 shift: Shift | None = None) -> Any:
        """The set ``U`` with ``sum_i alpha_i pen_i(w) = sigma_U(w)``, given by *lower* bounds
        (:mod:`.dualsets`); ``alpha_sum_low`` is a lower bound of ``sum alpha``.  ``shift``
        describes the exact-balance correction of the certificate (its effect is subtracted)."""

    def interval_costs(self, X: Any) -> tuple[np.ndarray, np.ndarray] | None:
        """``(lo_cost, hi_cost)`` (``n x d``) when the dual set of a positive-label sample block is a box per
        coordinate, ``prod_j [-sum_i alpha_i lo_cost_ij, sum_i alpha_i hi_cost_ij]``; None otherwise (the
        multiclass certificate then works with explicit flows)."""
        if not self.active:
            zeros = np.zeros(X.shape)
            return zeros, zeros
        return None

    # ------------------------------------------------------------------ cvxpy
    @abstractmethod
    def cvxpy_terms(self, d: int, X: np.ndarray, y: np.ndarray, size: bool = False) -> CvxpyTerms:
        """Variables, penalty and constraints of the reference cvxpy models (explicit constraints);
        ``size=True`` when the model minimises ``||w||_q`` (the max-margin tie-break)."""

    def cvxpy_size_of(self, v: Any) -> tuple[Any, list]:
        """``(t, constraints)`` with ``t >= ||v||_q``, the size the penalty measures (``q`` the dual norm:
        1 for the l_inf ball and the box, 2, inf): the max-margin tie-break minimises it."""
        import cvxpy as cp

        t = cp.Variable()
        return t, [cp.norm(v, {"1": 1, "2": 2, "inf": "inf"}[self.dual]) <= t]

    def cvxpy_penalty_sum(self, terms: CvxpyTerms, X: np.ndarray, y: np.ndarray, weights: np.ndarray) -> Any:
        """``sum_i weights_i pen_i(w)`` over the samples ``X`` (an expression in ``terms``' variables)."""
        return float(np.sum(weights)) * terms.penalty if self.epsilon > 0 else 0.0

    # ------------------------------------------------------------------ torch
    @abstractmethod
    def torch_penalty(self, w: Any, xb: Any, yb: Any) -> Any:
        """``pen_i(w)`` for a minibatch, differentiable in ``w`` (scalar for uniform threats)."""

    @abstractmethod
    def torch_pair_penalties(self, W: Any, xb: Any, yb: Any) -> Any:
        """``P_ik = pen_i(w_{y_i} - w_k)`` for a minibatch of a ``K``-class model: the worst case over
        ``Delta(x_i)`` of the loss of score difference ``f_{y_i} - f_k`` (``B x K``, 0 at ``k = y_i``).

        ``W`` is ``K x d`` (differentiable), ``xb`` ``B x d``, ``yb`` class indices ``0..K-1`` (int64).
        It equals :meth:`penalties` of ``w_{y_i} - w_k`` with a positive label, computed for every
        pair at once (the multiclass objective of :mod:`robustcvx.baselines`)."""

    @abstractmethod
    def torch_project(self, delta: Any, xb: Any) -> Any:
        """Euclidean projection of each row of ``delta`` onto ``Delta(x)``."""

    @abstractmethod
    def torch_ascent(self, g: Any, step: float) -> Any:
        """Steepest-ascent step of length ``step`` in the threat norm for the gradient ``g``."""

    @abstractmethod
    def torch_random_start(self, xb: Any, generator: Any) -> Any:
        """A random point of ``Delta(x)`` for each row of ``xb`` (drawn on the CPU generator)."""

    # ------------------------------------------------------------------ working-set LP
    #: how the LP solver bounds ``|g_j|`` per feature: "none" (no threat term), "shared" (one
    #: scalar ``eps sum alpha`` for every feature) or "budget" (``beta_j >= 0``, ``sum beta <=
    #: eps sum alpha``); ``None`` for threats the LP solver cannot take.
    lp_slack: str | None = None

    # ------------------------------------------------------------------ conic working-set master
    #: how the conic master (:mod:`robustcvx.solvers.conic`) writes ``t >= ||w||_q``, the size of
    #: ``w`` in the uniform penalty ``epsilon ||w||_q``: "sum" (``q = 1``: ``t >= sum_j u_j`` with
    #: ``u_j >= |w_j|``), "max" (``q = inf``: ``t >= |w_j|`` for every ``j``), "soc" (``q = 2``:
    #: ``(t, w)`` in the second-order cone); ``None`` when the penalty is not ``epsilon`` times a
    #: norm of ``w`` (per-sample costs).
    cone_form: str | None = None

    def lp_coefficients(self, Xb: np.ndarray, yb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(a+, a-)``: per-sample coefficients of the LP dual rows ``sum_i alpha_i a+-_ij <= l1 + beta_j``
        for a block of samples (``a+- = +-y x`` unless the threat adds costs)."""
        ap = Xb * yb[:, None]
        return ap, -ap


class Shift:
    """The exact-balance correction of a dual point (see :mod:`robustcvx.certificate`).

    ``alpha`` is moved by at most ``amount`` in total over the samples ``rows``, each of them in
    the direction ``direction`` (``-1``: decreased, ``+1``: increased); the threat subtracts the
    largest possible effect from its lower bounds.
    """

    def __init__(self, amount: float, rows: np.ndarray, direction: float):
        self.amount, self.rows, self.direction = float(amount), np.asarray(rows), float(direction)


class CvxpyTerms:
    """What a threat adds to a cvxpy model.

    ``w``: the weight expression; ``penalty``: ``pen_i(w)`` (a scalar expression for uniform
    threats, else a vector over the rows given); ``abs_sum``: an expression equal to ``||w||_1``
    at an optimum (for the ``l1`` regulariser), or ``None`` when the caller must add its own;
    ``size``: ``||w||_q`` (or a variable bounding it), minimised by the max-margin tie-break;
    ``constraints``: the list to add.
    """

    def __init__(self, w: Any, penalty: Any, abs_sum: Any, size: Any, constraints: list, parts: Any = None):
        self.w, self.penalty, self.abs_sum, self.size, self.constraints = w, penalty, abs_sum, size, constraints
        self.parts = parts     # threat-specific variables (the box: w+ and w-)
