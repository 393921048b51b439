r"""Distance from any linear model to the *set* of exact optima.

The optimal set ``S = {(w, b) : P(w, b) <= optimum}`` of the convex training problem
:class:`~robustcvx.problems.RobustHingeProblem` is convex, and often not a single point
(degenerate LPs have optimal faces; separable data has a whole cone of zero-loss separators),
so the distance to the vertex a solver returned overstates how far a model is from optimal.
:func:`project_onto_optimal_set` computes the Euclidean projection of ``(w0, b0)`` onto

.. math::

    S_{tol} = \{(w, b) : \tfrac1n \textstyle\sum_i \xi_i + l_1 \|w\|_1 + \tfrac{l_2}{2}\|w\|_2^2
             \le \mathrm{optimum} + tol,\;
             \xi_i \ge 0,\; \xi_i \ge 1 - y_i (w.x_i + b) + \mathrm{pen}_i(w)\}

exactly, as a convex QP (an SOCP for the l2 threat): minimise ``||w - w0||^2 + (b - b0)^2``, with
cvxpy and Clarabel.  The box penalty uses the split ``w = w+ - w-`` with non-negative costs: for
a fixed ``w`` the tight split minimises every constraint, so the projection is exact.

Only the samples near the kink of their hinge at the projection need a constraint of their own:
the QP is solved over a relaxation in which the other samples' hinge terms ``max(0, z_i)`` are
bounded below by ``z_i`` (all such samples together: one linear term) or by 0, guessed from the
model and the exact solution; when every guess holds at the answer, the answer is the projection
onto the full set, else the samples guessed wrong get their own constraints and the QP is solved
again (see :func:`project_onto_optimal_set`).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from .errors import OptionError
from .problems import RobustHingeProblem
from .validation import check_number

CLARABEL_OPTIONS = {"tol_gap_abs": 1e-9, "tol_gap_rel": 1e-9, "tol_feas": 1e-9, "max_iter": 500}
#: Tried when the first solve ends "optimal_inaccurate" (thin level sets of SOCPs can stall).
CLARABEL_RETRY = {"tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8, "max_iter": 500}


@dataclass
class Projection:
    """The nearest optimal model to ``(w0, b0)`` and how far it is.

    ``distance`` is ``||(w, b) - (w0, b0)||_2`` computed from the returned point; ``objective``
    is ``P(w, b)`` recomputed on the data (``<= optimum + tol`` up to the solver's tolerance);
    ``inside`` is true when ``(w0, b0)`` itself is in the set (distance 0, nothing solved).
    """

    coef: np.ndarray
    intercept: float
    distance: float
    objective: float
    status: str
    seconds: float
    inside: bool = False
    rounds: int = 0
    working_set: int = 0

    def to_dict(self) -> dict:
        return {"distance": float(self.distance), "objective": float(self.objective), "status": self.status,
                "seconds": float(self.seconds), "inside": self.inside, "rounds": self.rounds,
                "working_set": self.working_set}


def _sparse_if_worth_it(X: np.ndarray):
    """MNIST-like data is mostly zeros: a sparse constant makes cvxpy and Clarabel much faster."""
    if np.count_nonzero(X) < 0.5 * X.size:
        import scipy.sparse as sp
        return sp.csr_matrix(X)
    return X


def _solve_projection(problem: RobustHingeProblem, kink: np.ndarray, pos: np.ndarray, w0: np.ndarray, b0: float,
                      level: float, solver: str):
    """Project ``(w0, b0)`` onto the relaxation of the optimal set in which the hinge term
    ``max(0, z_i)`` is kept for the samples in ``kink``, replaced by ``z_i`` (<= it) for those in
    ``pos`` -- one aggregated linear term -- and by 0 (<= it) for all others."""
    import cvxpy as cp

    d = problem.d
    c = problem.weights
    m = int(kink.size)
    bv = cp.Variable()
    terms = problem.threat.cvxpy_terms(d, problem.X[kink], problem.y[kink])   # the kink rows keep their penalty
    wv = terms.w
    cons = list(terms.constraints)
    value = 0.0
    if m:
        xi = cp.Variable(m, nonneg=True)
        X = _sparse_if_worth_it(problem.X[kink])
        cons.append(xi >= 1 - cp.multiply(problem.y[kink], X @ wv + bv) + terms.penalty)
        value = c[kink] @ xi
    if pos.size:  # sum over pos of c_i z_i, z_i = 1 - y_i (w.x_i + b) + pen_i(w): one linear expression
        cy = c[pos] * problem.y[pos]
        agg = float(c[pos].sum()) - (cy @ problem.X[pos]) @ wv - float(cy.sum()) * bv
        value = value + agg + problem.threat.cvxpy_penalty_sum(terms, problem.X[pos], problem.y[pos], c[pos])
    if problem.l1 > 0:
        abs_sum = terms.abs_sum
        if abs_sum is None:
            u = cp.Variable(d)
            cons += [u >= wv, u >= -wv]
            abs_sum = cp.sum(u)
        value = value + problem.l1 * abs_sum
    if problem.l2 > 0:
        value = value + 0.5 * problem.l2 * cp.sum_squares(wv)
    if m or pos.size or problem.l1 > 0 or problem.l2 > 0:
        cons.append(value <= level)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(wv - w0) + cp.square(bv - b0)), cons)
    tries = [CLARABEL_OPTIONS, CLARABEL_RETRY] if solver == "CLARABEL" else [{}]
    for k, options in enumerate(tries):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                prob.solve(solver=solver, **options)
            except cp.error.SolverError as exc:
                if k + 1 < len(tries):
                    continue
                raise OptionError(f"projection onto the optimal set failed: {exc}") from None
        if prob.status == "optimal" and wv.value is not None:
            break
    if wv.value is None or bv.value is None:
        raise OptionError(f"projection onto the optimal set failed (solver status {prob.status})")
    return np.asarray(wv.value, dtype=np.float64).reshape(-1), float(np.asarray(bv.value)), str(prob.status)


def _hinge_arg(problem: RobustHingeProblem, w: np.ndarray, b: float) -> np.ndarray:
    """``z_i = 1 - y_i f(x_i) + pen_i(w)`` (the hinge term of sample ``i`` is ``max(0, z_i)``)."""
    return 1.0 - problem.margins(w, b) + problem.penalty(w)


def project_onto_optimal_set(problem: RobustHingeProblem, w: np.ndarray, b: float, optimum: float,
                             tol: float = 1e-7, solver: str = "CLARABEL", hint: tuple | None = None,
                             band: float = 0.02, max_rounds: int = 50) -> Projection:
    """Euclidean projection of ``(w, b)`` onto ``{P <= optimum + tol}`` (see the module docstring).

    Solved exactly with a working set.  Each sample's hinge term ``max(0, z_i)`` is kept as is
    (samples near the kink), or bounded below by ``z_i`` (samples guessed to have a positive loss:
    all of them together are one linear term) or by 0 (samples guessed to have none).  The QP over
    this relaxation of the optimal set is small; when at its answer every guess holds (``z_i >= 0``
    resp. ``z_i <= 0``) the answer lies in the optimal set, so it is the projection; otherwise the
    samples guessed wrong (and those now within ``band / 2`` of the kink) are kept from then on and
    the QP is solved again.  The guesses are the side of the kink of ``z_i`` at ``hint`` (an optimal
    ``(w*, b*)``, e.g. the exact solution; all optimal models tend to share it) or, without a
    hint, at ``(w, b)``; samples within ``band`` of the kink are kept.  ``band = inf`` keeps every
    sample (one QP over the whole problem).  If the solver's answer is inaccurate (it can be when
    the level set is very thin, e.g. with ``l2 > 0``) the band is widened, up to ``inf``.
    """
    w0 = np.asarray(w, dtype=np.float64).reshape(-1)
    b0 = float(b)
    if w0.shape[0] != problem.d:
        raise OptionError(f"model has {w0.shape[0]} weights but the problem has {problem.d} features")
    if not (np.isfinite(w0).all() and np.isfinite(b0)):
        raise OptionError("model coef/intercept contain NaN or inf")
    optimum = check_number(optimum, "optimum", minimum=None)
    tol = check_number(tol, "tol")
    t0 = time.perf_counter()
    level = optimum + tol
    obj0 = problem.objective(w0, b0)
    if obj0 <= level:
        return Projection(w0.copy(), b0, 0.0, obj0, "inside", time.perf_counter() - t0, True)

    if hint is not None:
        hw, hb = hint
        z_guess = _hinge_arg(problem, np.asarray(hw, dtype=np.float64).reshape(-1), float(hb))
    else:
        z_guess = _hinge_arg(problem, w0, b0)
    # a relaxation whose level set is very thin (e.g. l2 > 0: the optimum is a single point) can
    # leave the interior-point solver inaccurate; then more samples are kept, up to all of them
    bands = [band] + [b_ for b_ in (10 * band, 100 * band) if np.isfinite(band) and b_ < 1.0] + \
        ([np.inf] if np.isfinite(band) else [])
    best = None
    total_rounds = 0
    error: Exception | None = None
    for bnd in bands:
        try:
            w1, b1, status, rounds, working = _working_set(problem, w0, b0, level, solver, z_guess, bnd,
                                                           max_rounds)
        except OptionError as exc:  # the solver failed on this relaxation: keep more samples
            error = exc
            total_rounds += 1
            continue
        total_rounds += rounds
        obj1 = problem.objective(w1, b1)
        dist = float(np.sqrt(np.sum((w1 - w0) ** 2) + (b1 - b0) ** 2))
        proj = Projection(w1, b1, dist, obj1, status, 0.0, False, total_rounds, working)
        feasible = obj1 <= level + 0.05 * max(tol, 1e-12)
        if best is None or (feasible and not best[0]) or (feasible == best[0] and status == "optimal"
                                                           and best[1].status != "optimal"):
            best = (feasible, proj)
        if feasible and status == "optimal":
            break
    if best is None:
        raise error if error is not None else OptionError("projection onto the optimal set failed")
    proj = best[1]
    proj.rounds = total_rounds
    proj.seconds = time.perf_counter() - t0
    return proj


def _working_set(problem: RobustHingeProblem, w0: np.ndarray, b0: float, level: float, solver: str,
                 z_guess: np.ndarray, band: float, max_rounds: int):
    """The working-set loop of :func:`project_onto_optimal_set` for one ``band``."""
    pos, zero = z_guess > band, z_guess < -band
    viol_tol = 1e-10
    for rounds in range(1, max_rounds + 1):  # noqa: B007 - the number of rounds is returned
        kink = ~(pos | zero)
        w1, b1, status = _solve_projection(problem, np.flatnonzero(kink), np.flatnonzero(pos), w0, b0, level,
                                           solver)
        z = _hinge_arg(problem, w1, b1)
        wrong = (pos & (z < -viol_tol)) | (zero & (z > viol_tol))
        if not wrong.any():
            break
        # the guesses that failed, and those now close to the kink, are kept from now on
        near = np.abs(z) < 0.5 * band if np.isfinite(band) else np.zeros_like(wrong)
        moved = wrong | ((pos | zero) & near)
        pos &= ~moved
        zero &= ~moved
    else:  # pragma: no cover - the kept set grows every round; past max_rounds keep every sample
        pos[:] = False
        zero[:] = False
        w1, b1, status = _solve_projection(problem, np.arange(problem.n), np.arange(0), w0, b0, level, solver)
    return w1, b1, status, rounds, int(problem.n - pos.sum() - zero.sum())


def distance_to_optimal_set(problem: RobustHingeProblem, w: np.ndarray, b: float, optimum: float,
                            tol: float = 1e-7, hint: tuple | None = None) -> float:
    """``min ||(w', b') - (w, b)||_2`` over the models whose objective is ``<= optimum + tol``.

    ``hint``: an optimal ``(w*, b*)`` (e.g. the exact solution) only speeds the computation up;
    the answer is the same without it.
    """
    return project_onto_optimal_set(problem, w, b, optimum, tol, hint=hint).distance
