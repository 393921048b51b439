r"""The max-margin tie-break of degenerate (zero-loss) optima, and the separable-first shortcut.

Among the zero-loss models of a (robustly) separable problem, the tie-break returns the one of
:meth:`~robustcvx.problems.RobustHingeProblem.to_cvxpy_max_margin`:
``min ||w||_q  s.t.  y_i f(x_i) - pen_i(w) >= 1``.  Fast paths, first that applies:

* the working-set LP (:func:`.working_set.solve_max_margin_lp`) when the size is ``||w||_1`` or
  ``||w||_inf`` (the l1 threat);
* the conic working-set solver in hard-margin mode (:func:`.conic.solve_conic` with ``hard=True``)
  for any threat with a cone form (``||w||_2``, ``||w||_inf``);
* the cvxpy reference by working sets (:func:`.cvxpy_backend.solve_max_margin`) otherwise, or
  when a fast path fails.

Both fast paths bound the multipliers by a large cap (an exact penalty when the data separate)
and report ``"not separable"`` when the point has a positive loss or a multiplier at the cap.

**Separable first.**  With the default tie-break and no regulariser, a separable problem's
answer *is* the max-margin model, so solving the hinge problem first is wasted work.  A probe
(the hinge problem on a random subsample of ``PROBE`` samples) predicts separability: if the
subsample separates, the max-margin model is computed directly and certified as an optimum of
the hinge problem (zero loss, with ``alpha = 0``); if not, or if the full data does not separate,
the normal path runs.  The probe only chooses the order: every answer is certified.  It runs
for LP-case threats only (an SOCP probe costs about as much as it could save).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..certificate import certify_solution
from ..frame import Frame
from ..problems import RobustHingeProblem
from .quiet import native_stdout_silenced
from .solution import BackendResult, Solution

PROBE = 1000           # samples of the separability probe
CAP_MARGIN = 1e-9      # a multiplier this close to the cap means "not separable"


def _fast_max_margin(framed: RobustHingeProblem) -> tuple[BackendResult | None, str]:
    """The max-margin model by the first fast path that applies: ``(result, name)``."""
    from . import conic, working_set

    if working_set.supports_max_margin(framed):
        return working_set.solve_max_margin_lp(framed), "fast"
    if conic.hard_margin.supports(framed):      # ||w||_2: the plain SVM, rescaled (conic/hard_margin.py)
        return conic.hard_margin.solve_max_margin_soc(framed), "fast"
    if conic.supports_max_margin(framed):
        hard = RobustHingeProblem(framed.X, framed.y, framed.threat)
        res = conic.solve_conic(hard, hard=True)
        if res.status == "optimal" and (hard.losses(res.coef, res.intercept).max() > 1e-9 or
                                        res.alpha.max(initial=0.0) >= conic.driver.HARD_CAP * (1 - CAP_MARGIN)):
            res.status = "not separable"
        return res, "fast"
    return None, ""


def max_margin(problem: RobustHingeProblem, framed: RobustHingeProblem, frame: Frame,
               start: tuple[np.ndarray, float] | None = None) -> tuple[BackendResult | None, str, float]:
    """The max-margin model of ``problem`` (solved in ``frame``, returned in the original
    coordinates): ``(result or None, solver name, seconds)``."""
    from .cvxpy_backend import solve_max_margin

    t0 = time.perf_counter()
    res, name = None, ""
    with native_stdout_silenced():
        try:
            res, name = _fast_max_margin(framed)
        except Exception:            # a failed fast path falls back to the reference
            res = None
        if res is None or res.status != "optimal":
            name = "highs" if framed.threat.size_polyhedral else "clarabel"
            framed_start = None if start is None else frame.to_frame(*start)
            res = solve_max_margin(framed, name.upper(), start=framed_start)
    w, b = frame.from_frame(res.coef, res.intercept)
    res.coef, res.intercept = w, b
    return res, name, time.perf_counter() - t0


def tie_break(problem: RobustHingeProblem, framed: RobustHingeProblem, frame: Frame, sol: Solution) -> Solution:
    """Replace a degenerate (zero-loss) optimum by the max-margin one, if that verifies."""
    try:
        res, name, seconds = max_margin(problem, framed, frame, (sol.coef, sol.intercept))
    except Exception as exc:
        sol.attempts.append({"solver": "max-margin", "status": f"error: {exc}"[:300], "verified": False})
        return sol
    # the tie-break point must itself be a certified optimum of the hinge problem (loss 0)
    cert = certify_solution(problem, res.coef, res.intercept, np.zeros(problem.n))
    sol.attempts.append({"solver": f"max-margin/{name}", "status": res.status, "verified": cert.verified,
                         "gap": cert.gap, "seconds": seconds})
    if not cert.verified:
        return sol
    return Solution(res.coef, res.intercept, cert.primal, np.zeros(problem.n), cert, sol.solver, sol.status,
                    sol.seconds, sol.attempts, "max-margin", warm_state=sol.warm_state, info=sol.info)


def probably_separable(framed: RobustHingeProblem, seed: int = 0) -> bool:
    """The probe of the module docstring: does a random subsample of ``PROBE`` samples separate
    (zero optimal hinge loss at this threat)?"""
    from . import working_set

    n = framed.n
    if n <= PROBE:
        rows = np.arange(n)
    else:
        rows = np.sort(np.random.default_rng(seed).permutation(n)[:PROBE])
    y = framed.y[rows]
    if not ((y > 0).any() and (y < 0).any()):
        return False
    sub = RobustHingeProblem(framed.X[rows], y, framed.threat)
    if not working_set.supports(sub):        # only the LP probe is cheap enough to be worth it
        return False
    with native_stdout_silenced():
        res = working_set.solve_working_set(sub)
    return res.status == "optimal" and sub.objective(res.coef, res.intercept) <= 1e-9


def separable_first(problem: RobustHingeProblem, framed: RobustHingeProblem, frame: Frame,
                    t0: float) -> Solution | None:
    """The shortcut of the module docstring: a certified max-margin optimum, or ``None`` (then the
    caller solves the hinge problem as usual).  Taken only where the max-margin problem is a
    working-set LP, so that a wrong prediction costs little."""
    from . import working_set

    if problem.regularized or not working_set.supports_max_margin(framed):
        return None
    if framed.n > PROBE and working_set.size_is_inf_norm(framed):
        # measured: under the l1 threat a subsample probe can separate where the full data does
        # not (Fashion-MNIST 0v1, eps 2), and the wasted ||w||_inf LP costs as much as the solve
        return None
    tp = time.perf_counter()
    try:
        if not probably_separable(framed):
            return None
        tm = time.perf_counter()
        with native_stdout_silenced():
            res = working_set.solve_max_margin_lp(framed)
        seconds = time.perf_counter() - tm
    except Exception:
        return None
    probe = {"solver": "separability-probe", "status": "separable", "verified": None, "seconds": tm - tp}
    return zero_loss_solution(problem, frame, res, t0, [probe], {"seconds": seconds})


def zero_loss_solution(problem: RobustHingeProblem, frame: Frame, res: BackendResult, t0: float,
                       attempts: list[dict[str, Any]], extra: dict[str, Any]) -> Solution | None:
    """The max-margin model ``res`` (solved in ``frame``) mapped back and certified as a zero-loss optimum of
    ``problem`` (dual point 0), as a :class:`Solution` whose attempts end with it (``extra``: more of its record);
    ``None`` when ``res`` is not optimal or the certificate does not verify a degenerate optimum."""
    if res.status != "optimal":
        return None
    w, b = frame.from_frame(res.coef, res.intercept)
    cert = certify_solution(problem, w, b, np.zeros(problem.n))
    if not (cert.verified and cert.degenerate):
        return None
    attempts = [*attempts, {"solver": "max-margin/fast", "status": res.status, "verified": True, "gap": cert.gap,
                            **extra}]
    return Solution(w, b, cert.primal, np.zeros(problem.n), cert, "fast", "optimal",
                    time.perf_counter() - t0, attempts, "max-margin", info={"frame": frame.describe()})
