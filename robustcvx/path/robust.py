r"""The exact robust path: the certified robust optimum at every radius from one parametric solve.

See :mod:`robustcvx.path` for the identity behind it.  :func:`robust_path` computes the vertices of
``psi`` (:mod:`.homotopy` or :mod:`.sandwich`), keeps the lower envelope (:mod:`.envelope`) and
returns a :class:`RobustPath`.

**Certificates.**  Every edge of ``psi`` has a dual point ``alpha^k`` of the budget LP whose line
``sum alpha^k - s mu_k`` is tight on the edge (``mu_k = ||X^T (alpha^k y)||_p``).  Its ratio
``r_k = mu_k / sum alpha^k`` is the threshold ``e_k`` of the edge, so ``alpha^k`` is a feasible
dual point of the *robust* problem at ``eps = r_k`` (``||g||_p <= eps sum alpha``) with value
``sum alpha^k``.  For ``eps`` between the thresholds of the edges left and right of vertex ``k``
the mixture ``theta alpha^k + (1 - theta) alpha^{k+1}`` with ``theta`` chosen so that
``||g||_p <= eps sum alpha`` holds is feasible, and its value ``sum alpha >= h_k / (1 - eps s_k)``
(both points are optimal at ``s_k``), the value of the rescaled model.  The package's own
certificate (:func:`robustcvx.certificate.certify_solution`) checks exactly that, on the
original data, for every radius asked.
"""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from ..certificate import Certificate, certify_solution
from ..errors import OptionError
from ..problems import RobustHingeProblem
from ..solvers.threads import one_blas_thread
from ..validation import check_epsilon, check_epsilons
from .budget_lp import describe_threat
from .engine import path_vertices
from .envelope import Envelope, envelope

METHODS = ("auto", "homotopy", "sandwich")
DUAL_SLACKS = (1e-12, 1e-10, 0.0)   # relative: the dual point of a certificate is taken a little inside
INSIDE = (0.0, 1e-9, 1e-6, 1e-3)     # where verify_segments certifies, from each end into the interval


@dataclass(frozen=True)
class PathSegment:
    """One model of the path: optimal for every radius in ``[epsilon_from, epsilon_to)``.

    ``coef``, ``intercept``: the budget model ``(w', b')`` with ``||w'||_q = budget`` and regular
    hinge loss ``regular_loss``; the robust optimum at ``eps`` is ``(w', b') / (1 - eps budget)``,
    with objective ``regular_loss / (1 - eps budget)``.
    """

    epsilon_from: float
    epsilon_to: float
    budget: float
    regular_loss: float
    coef: np.ndarray
    intercept: float

    def model(self, epsilon: float) -> tuple[np.ndarray, float]:
        scale = 1.0 / (1.0 - float(epsilon) * self.budget)
        return self.coef * scale, self.intercept * scale

    def to_dict(self, coef: str = "sparse") -> dict:
        out = {"epsilon_from": self.epsilon_from,
               "epsilon_to": self.epsilon_to if np.isfinite(self.epsilon_to) else None,
               "budget": self.budget, "regular_loss": self.regular_loss, "intercept": self.intercept,
               "nonzeros": int(np.count_nonzero(self.coef))}
        if coef == "sparse":
            idx = np.flatnonzero(self.coef)
            out["coef"] = {"index": idx.tolist(), "value": self.coef[idx].tolist()}
        elif coef == "dense":
            out["coef"] = self.coef.tolist()
        return out


class RobustPath:
    """The robust optimum as a function of the radius (see :func:`robust_path`).

    ``breakpoints``: the radii where the optimal model changes (increasing); ``segments``: the
    models, by increasing radius; ``value(eps)``, ``model(eps)``, ``certificate(eps)``,
    ``certified_accuracy(eps, X, y)``, ``values(epsilons)``.
    """

    def __init__(self, problem: RobustHingeProblem, points: list, lines: list, env: Envelope,
                 method: str, solves: int, seconds: float, steps: int = 0):
        self.problem, self.method, self.solves, self.seconds = problem, method, solves, seconds
        self.steps = steps
        self.envelope = env
        self._points = [points[i] for i in env.index]
        # the line of the edge left of hull vertex k (k >= 1) and the one right of the last vertex
        idx, bud, los = env.index.tolist(), env.budgets.tolist(), env.losses.tolist()
        edges = [lines[b] if b == a + 1 else _edge_line(lines[a + 1:b + 1], (bud[k], los[k]), (bud[k + 1], los[k + 1]))
                 for k, (a, b) in enumerate(pairwise(idx))]       # (one candidate: nothing to choose)
        self._left = [None, *edges]
        self._right = [*edges, lines[-1]]
        self._certificates: dict[float, Certificate] = {}

    # ------------------------------------------------------------------ the function
    @property
    def threat(self) -> Any:
        return self.problem.threat

    @property
    def breakpoints(self) -> np.ndarray:
        """Radii at which the optimal model changes, increasing."""
        return self.envelope.thresholds[::-1].copy()

    @property
    def n_breakpoints(self) -> int:
        return self.envelope.m

    @property
    def segments(self) -> list[PathSegment]:
        """The models, by increasing radius (the last one is the zero model)."""
        out = []
        for k in range(self.envelope.m, -1, -1):
            lo, hi = self.envelope.interval(k)
            p = self._points[k]
            out.append(PathSegment(lo, hi, float(self.envelope.budgets[k]), float(self.envelope.losses[k]),
                                   p.coef, p.intercept))
        return out

    def _vertex(self, epsilon: float) -> int:
        return self.envelope.vertex(check_epsilon(epsilon))

    def value(self, epsilon: Any) -> float | np.ndarray:
        """``V(eps)``: the optimal robust objective (a float, or an array for several radii)."""
        eps = check_epsilons(epsilon)
        out = np.array([self.envelope.value(e) for e in eps])
        return float(out[0]) if np.ndim(epsilon) == 0 else out

    def model(self, epsilon: float) -> tuple[np.ndarray, float]:
        """``(coef, intercept)`` of the robust optimum at ``epsilon`` (the rescaled budget model)."""
        eps = check_epsilon(epsilon)
        k = self.envelope.vertex(eps)
        p = self._points[k]
        scale = 1.0 / (1.0 - eps * float(self.envelope.budgets[k]))
        return p.coef * scale, float(p.intercept * scale)

    # ------------------------------------------------------------------ certificates
    def _dual_at(self, k: int, epsilon: float) -> np.ndarray:
        """The dual point proving vertex ``k``'s rescaled model optimal at ``epsilon`` (a radius of its
        closed interval): the mixture of its edges' points (see the module docstring)."""
        right, left = self._right[k], self._left[k]
        if left is None:
            return right.alpha.copy()
        num = right.alpha_sum * epsilon - right.slope             # >= 0 when epsilon >= r_right
        den = num + left.slope - left.alpha_sum * epsilon         # + (mu_L - A_L eps) >= 0 when eps <= r_left
        theta = 0.5 if den <= 0 else float(np.clip(num / den, 0.0, 1.0))
        return theta * left.alpha + (1.0 - theta) * right.alpha

    def _certify(self, k: int, epsilon: float) -> Certificate:
        """Certificate of vertex ``k``'s model rescaled to ``epsilon``.  The dual point is taken for a
        radius ``epsilon (1 - slack)`` (:data:`DUAL_SLACKS`): it is then *strictly* feasible at
        ``epsilon``, so rounding cannot make it infeasible, and it loses a negligible value; at a
        jump of ``V`` (the separable case) that loses everything, and the point for ``epsilon``
        itself is used."""
        key = (k, epsilon)
        if key not in self._certificates:
            p = self._points[k]
            scale = 1.0 / (1.0 - epsilon * float(self.envelope.budgets[k]))
            w, b = p.coef * scale, p.intercept * scale
            problem = self.problem.with_epsilon(epsilon)
            cert = None
            for e in ([epsilon * (1.0 - d) for d in DUAL_SLACKS] if epsilon > 0 else [epsilon]):
                cert = certify_solution(problem, w, b, self._dual_at(self.envelope.vertex(e), e))
                if cert.verified:
                    break
            self._certificates[key] = cert
        return self._certificates[key]

    def dual(self, epsilon: float) -> np.ndarray:
        """A dual point of the robust problem at ``epsilon`` proving :meth:`model` optimal."""
        eps = check_epsilon(epsilon)
        return self._dual_at(self.envelope.vertex(eps), eps)

    def certificate(self, epsilon: float) -> Certificate:
        """The package's certificate of :meth:`model` at ``epsilon`` (on the original data)."""
        eps = check_epsilon(epsilon)
        return self._certify(self.envelope.vertex(eps), eps)

    def verify_segments(self) -> list[dict]:
        """Certify every segment's model near both ends of its interval, by increasing radius.

        If the model is certified optimal (within the tolerance) at two radii, it is so at every
        radius in between: the dual points' mixture that is feasible there has exactly the value of
        the rescaled model (the algebra of the module docstring).  Each end is tried first, then
        ``1e-9``, ``1e-6`` and ``1e-3`` of the interval's length inside it (:data:`INSIDE`: the dual points
        are only as exact as the solver, and at a threshold the right one is feasible only up to
        rounding).  The zero model (``epsilon_to = inf``) is certified at its lower end only: its
        objective does not depend on the radius while ``V`` never decreases.  With zero loss the
        rescaled model blows up at ``epsilon_to = 1 / budget``, so the upper radius is the middle.

        Returns one dict per segment: ``verified`` and the two ``radii`` certified (or tried).
        """
        out = []
        for k in range(self.envelope.m, -1, -1):
            lo, hi = self.envelope.interval(k)
            width = hi - lo if np.isfinite(hi) else 0.0
            tries = [[lo + f * width for f in INSIDE]]
            if np.isfinite(hi):
                if hi * self.envelope.budgets[k] < 1.0 - 1e-6:
                    tries.append([hi - f * width for f in INSIDE])
                else:
                    tries.append([0.5 * (lo + hi)])
            radii, ok = [], True
            for candidates in tries:
                for e in candidates:
                    good = self._certify(k, e).verified
                    if good:
                        break
                radii.append(e)
                ok &= good
            out.append({"verified": bool(ok), "radii": radii})
        return out

    # ------------------------------------------------------------------ evaluation
    def certified_accuracy(self, epsilon: Any, X: Any, y: Any) -> float | np.ndarray:
        """Exact certified accuracy at ``epsilon`` of the model trained (optimally) at ``epsilon``."""
        from ..certify import certified_accuracy

        eps = check_epsilons(epsilon)
        out = np.array([float(certified_accuracy(self.model(e), X, y, e, self.threat)) for e in eps])
        return float(out[0]) if np.ndim(epsilon) == 0 else out

    def certified_accuracy_by_segment(self, X: Any, y: Any, epsilons: Any) -> np.ndarray:
        """Exact certified accuracy at each radius of ``epsilons`` (columns) of each segment's model
        (rows, by increasing training radius).  Within a segment the robust optimum is the budget
        model times ``1 / (1 - eps budget) > 0``, which changes no sign of a worst-case margin: the
        certified accuracy is constant in the training radius on each segment."""
        from dataclasses import replace

        from ..certify import prepare

        eps = check_epsilons(epsilons)
        segs = self.segments
        checked = prepare((segs[0].coef, segs[0].intercept), X, y, self.threat)   # the data is checked once
        out = np.empty((len(segs), eps.size))
        for k, s in enumerate(segs):
            r = replace(checked, coef=s.coef, intercept=s.intercept).radii()
            out[k] = [np.mean(r > e) for e in eps]     # the test of robustcvx.certify.certified_accuracy
        return out

    def values(self, epsilons: Any) -> list[dict]:
        """For each radius: ``epsilon``, ``objective`` (recomputed on the data), ``envelope`` (``V``
        from the vertices), ``coef``, ``intercept``, ``verified``, ``gap``."""
        out = []
        for e in check_epsilons(epsilons):
            w, b = self.model(e)
            cert = self.certificate(e)
            out.append({"epsilon": float(e), "objective": float(cert.primal), "envelope": self.envelope.value(e),
                        "coef": w.tolist(), "intercept": b, "verified": cert.verified, "gap": float(cert.gap),
                        "budget": float(self.envelope.budgets[self.envelope.vertex(e)])})
        return out

    def describe(self) -> dict:
        return {**self.threat.describe(), "epsilon": None, "n": self.problem.n, "d": self.problem.d,
                "breakpoints": self.n_breakpoints, "method": self.method, "solves": self.solves,
                "homotopy_steps": self.steps, "seconds": self.seconds}

    def to_dict(self, coef: str = "sparse") -> dict:
        return {"path": self.describe(), "breakpoints": self.breakpoints.tolist(),
                "segments": [s.to_dict(coef) for s in self.segments]}


def _edge_line(candidates: list, a: tuple, b: tuple) -> Any:
    """The line, among the edges merged into one hull edge from ``a`` to ``b``, that fits both ends
    best (with repeated vertices, the line of a zero-length edge touches only one point)."""
    def misfit(line: Any) -> float:
        return max(abs(line.alpha_sum - line.slope * a[0] - a[1]), abs(line.alpha_sum - line.slope * b[0] - b[1]))
    return min(candidates, key=misfit)


# --------------------------------------------------------------------------- entry point
def path_problem(problem: Any, y: Any = None, norm: Any = "inf", sample_weight: Any = None) -> RobustHingeProblem:
    """The problem whose path is asked for (radius 0), checked: a uniform polyhedral threat, no regulariser."""
    if isinstance(problem, RobustHingeProblem):
        base = problem.with_epsilon(0.0)
        threat = problem.threat
    else:
        base = RobustHingeProblem(problem, y, 0.0, norm, sample_weight=sample_weight)
        threat = base.threat
    check_path_threat(threat)
    if base.l1 > 0 or base.l2 > 0:
        raise OptionError("the path is for the unregularised problem: drop l1 / l2 (or solve each radius)")
    return base


def check_path_threat(threat: Any) -> None:
    """Raise one OptionError line when ``threat`` (a threat object) has no exact path."""
    from .budget_lp import budget_form

    if not threat.uniform:
        raise OptionError(f"the {describe_threat(threat)} threat has no exact path: the rescaling w / (1 + eps "
                          "||w||) needs the same budget for every sample, and the box makes it differ per sample; "
                          "solve each radius with 'robustcvx solve --box' instead")
    budget_form(threat.with_epsilon(1.0))      # one line for the l_2 ball


def robust_path(problem: Any, y: Any = None, *, norm: Any = "inf", sample_weight: Any = None,
                method: str = "auto") -> RobustPath:
    """The exact robust path of the mean robust hinge over every radius ``eps >= 0``.

    ``problem``: a :class:`~robustcvx.problems.RobustHingeProblem` (its radius is ignored; its threat
    family, data and sample weights are used) or a feature matrix ``X`` with labels ``y`` (-1/+1) and
    ``norm`` (``inf`` or ``1``).  ``method``: ``homotopy`` (the parametric simplex of
    :mod:`.homotopy`, for the ``l_inf`` threat, continued by warm-started solves if it stops),
    ``sandwich`` (warm-started HiGHS solves only, any polyhedral threat) or ``auto`` (the homotopy
    where it applies).
    """
    if method not in METHODS:
        raise OptionError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    base = path_problem(problem, y, norm, sample_weight)
    t0 = time.perf_counter()
    with one_blas_thread(), _no_collector():   # (solvers/threads.py: a second BLAS thread only waits)
        found = path_vertices(base, method)
        env = envelope(np.array([p.size for p in found.points]), np.array([p.loss for p in found.points]))
        return RobustPath(base, found.points, found.lines, env, found.method, found.solves,
                          time.perf_counter() - t0, found.steps)


@contextmanager
def _no_collector():
    """The cyclic garbage collector off for the block: the path builds ~10^5 small records (vertices,
    lines) and no cycles, and each generation-2 pass rescans all of them (~0.5 s on 44,000 vertices)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
