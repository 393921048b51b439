r"""The max-margin model under ``||w||_2`` (threats whose penalty is ``epsilon ||w||_2``: the cone
form ``"soc"``) through the plain hard-margin SVM, and the separable-first shortcut for them.

**Reduction.**  For a uniform penalty ``epsilon ||w||`` the robust max-margin problem

.. math::

    \min\ \|w\| \quad\text{s.t.}\quad y_i (x_i . w + b) - \epsilon \|w\| \ge 1

is the plain one ``min ||v|| s.t. y_i (x_i . v + c) >= 1`` (optimal size ``r``) rescaled:
``(w, b) = (v, c) / (1 - epsilon r)``, feasible iff ``epsilon r < 1``.  *Proof.*  A feasible
``(w, b)`` of size ``s`` gives the plain-feasible ``(w, b) / (1 + epsilon s)`` of size
``s / (1 + epsilon s) < 1 / epsilon``, so ``r <= s / (1 + epsilon s)``, i.e. ``epsilon r < 1`` and
``s >= r / (1 - epsilon r)``; that size is attained by the rescaled plain optimum.  ∎
More generally, with ``m0 = min_i y_i (x_i . v + c)`` for any ``(v, c)``, the model
``(v, c) / (m0 - epsilon ||v||)`` meets every robust constraint whenever ``m0 > epsilon ||v||``:
the answer returned is feasible by construction, whatever the accuracy of ``v``.

**The plain problem by working sets.**  Few samples are support vectors.  A seed (the samples
of each class that score lowest along the difference of the class means) gives a first working
set ``W``; the dual on ``W`` (:mod:`.svm_dual`, an ``|W| x |W|`` Gram matrix) is solved; every
sample of the full data whose margin is below 1 enters ``W`` (the most violated first) until
none is.  Each master's optimal ``sum alpha = r_W^2`` is a lower bound of ``r^2`` (fewer
constraints), so ``epsilon r_W >= 1`` proves that the data is not separable at ``epsilon``, and
a multiplier at the cap ``U`` (the dual of a soft margin) that the working set itself does not
separate: both end the run early with ``"not separable"``.

**Separable first** (:func:`separable_first`).  Without a regulariser, a problem whose data is
separable at ``epsilon`` has the max-margin model as the default answer; the working-set run
above is itself the probe (cheap when it fails early), and the model it returns is certified by
the package's certificate as a zero-loss optimum of the hinge problem.  Anything else returns
``None`` and the caller solves the hinge problem as usual.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...problems import RobustHingeProblem
from ..solution import BackendResult
from ..working_set.pricing import dense, is_sparse
from .svm_dual import solve_svm_dual

U_MAX = 1e6          # the cap of the multipliers when epsilon is tiny or 0 (data in the frame is O(1))
CAP_MARGIN = 1e-6    # a multiplier this close to the cap means "the working set does not separate"


@dataclass
class HardMarginOptions:
    seed: int = 64            # first working set (half per class)
    max_add: int = 64         # samples added per round (most violated first), at least |W| / 2
    max_rounds: int = 50
    tol: float = 1e-9         # a margin below 1 - tol is violated


def supports(problem: RobustHingeProblem) -> bool:
    """Threats whose penalty is ``epsilon ||w||_2`` (any ``epsilon >= 0``)."""
    return problem.threat.uniform and problem.threat.cone_form == "soc"


def _seed(X: Any, y: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` samples of each class with the lowest ``y_i x_i . (mean_+ - mean_-)``."""
    pos, neg = y > 0, y < 0
    mp = np.asarray(X[np.nonzero(pos)[0]].mean(axis=0)).reshape(-1)
    mn = np.asarray(X[np.nonzero(neg)[0]].mean(axis=0)).reshape(-1)
    s = y * np.asarray(X @ (mp - mn)).reshape(-1)
    out = []
    for cls in (pos, neg):
        idx = np.nonzero(cls)[0]
        if idx.size > k:
            idx = idx[np.argpartition(s[idx], k - 1)[:k]]
        out.append(idx)
    return np.sort(np.concatenate(out))


def _gram(Xa: Any, Xb: Any) -> np.ndarray:
    return dense(Xa @ Xb.T) if is_sparse(Xa) else Xa @ Xb.T


def plain_max_margin(X: Any, y: np.ndarray, U: float, r_stop: float = np.inf,
                     opt: HardMarginOptions | None = None) -> tuple[str, np.ndarray, float, np.ndarray, list]:
    """``(status, v, c, alpha (length n), rounds)`` for ``min ||v||_2 s.t. y_i (x_i . v + c) >= 1``
    by working sets (module docstring); ``status`` is ``"optimal"``, ``"not separable"`` (a
    multiplier at ``U``, or ``r_W >= r_stop``) or ``"failed: ..."``."""
    opt = opt or HardMarginOptions()
    n = y.size
    W = _seed(X, y, max(1, opt.seed // 2))
    XW = X[W]
    K = _gram(XW, XW) * np.outer(y[W], y[W])
    rounds: list[dict] = []
    v, c, alpha = np.zeros(X.shape[1]), 0.0, np.zeros(n)
    for rnd in range(opt.max_rounds):
        res = solve_svm_dual(K, y[W], U)
        ay = res.alpha * y[W]
        v = np.asarray(ay @ XW).reshape(-1)
        c = res.c
        marg = y * (np.asarray(X @ v).reshape(-1) + c)
        sum_a = float(res.alpha.sum())
        rounds.append({"round": rnd, "W": int(W.size), "ipm": res.status, "iterations": res.iterations,
                       "sum_alpha": sum_a, "min_margin": float(marg.min())})
        if res.status != "optimal":
            return f"failed: {res.status}", v, c, alpha, rounds
        if res.alpha.max() >= U * (1 - CAP_MARGIN) or sum_a >= r_stop ** 2:
            return "not separable", v, c, alpha, rounds
        out = np.ones(n, dtype=bool)
        out[W] = False
        cand = np.nonzero(out & (marg < 1.0 - opt.tol))[0]
        if cand.size == 0:
            alpha[W] = res.alpha
            return "optimal", v, c, alpha, rounds
        k = max(opt.max_add, W.size // 2)
        if cand.size > k:
            cand = cand[np.argpartition(marg[cand], k - 1)[:k]]
        Xn = X[cand]
        Kn = _gram(Xn, XW) * np.outer(y[cand], y[W])
        Knn = _gram(Xn, Xn) * np.outer(y[cand], y[cand])
        K = np.block([[K, Kn.T], [Kn, Knn]])
        W = np.concatenate([W, cand])
        XW = X[W]
    return "failed: max_rounds", v, c, alpha, rounds


def solve_max_margin_soc(problem: RobustHingeProblem, opt: HardMarginOptions | None = None) -> BackendResult:
    """The robust max-margin model of ``problem`` (module docstring) as a :class:`BackendResult`:
    ``status`` ``"optimal"`` (a model meeting every robust margin constraint, computed on the full
    data), ``"not separable"`` or ``"failed: ..."``; ``alpha`` are the plain SVM's multipliers."""
    t0 = time.perf_counter()
    if not supports(problem):
        raise ValueError("the hard-margin SVM path needs a penalty epsilon ||w||_2")
    X, y, threat = problem.X, problem.y, problem.threat
    eps = threat.epsilon
    d = problem.d
    if not ((y > 0).any() and (y < 0).any()):
        return BackendResult(np.zeros(d), 0.0, np.zeros(problem.n), np.inf, "failed: one class", 0.0)
    U = min(4.0 / eps ** 2, U_MAX) if eps > 0 else U_MAX
    status, v, c, alpha, rounds = plain_max_margin(X, y, U, 1.0 / eps if eps > 0 else np.inf, opt)
    info: dict[str, Any] = {"rounds": rounds}
    if status != "optimal":
        return BackendResult(v, c, alpha, np.inf, status, time.perf_counter() - t0, info)
    m0 = float((y * (np.asarray(X @ v).reshape(-1) + c)).min())
    r = float(threat.dual_norm(v))
    denom = m0 - eps * r
    if not denom > 0:
        return BackendResult(v, c, alpha, np.inf, "not separable", time.perf_counter() - t0, info)
    w, b = v / denom, c / denom
    return BackendResult(w, float(b), alpha, float(threat.dual_norm(w)), "optimal", time.perf_counter() - t0, info)


def separable_first(problem: RobustHingeProblem, framed: RobustHingeProblem, frame: Any, t0: float) -> Any:
    """The shortcut of the module docstring: a certified max-margin optimum (a
    :class:`~robustcvx.solvers.solution.Solution`) or ``None``."""
    from ..max_margin import zero_loss_solution

    if problem.regularized or not supports(framed):
        return None
    try:
        res = solve_max_margin_soc(framed)
    except Exception:
        return None
    return zero_loss_solution(problem, frame, res, t0, [],
                              {"seconds": res.seconds, "rounds": len(res.info["rounds"])})
