r"""Solve a :class:`~robustcvx.problems.MulticlassHingeProblem` (Crammer--Singer) to certified optimality.

The same three steps as the binary :func:`robustcvx.solvers.solve`:

1. **The constant model.**  With ``W = 0`` the loss depends on the intercepts only, through the class
   weights ``C_a = sum_{y_i = a} c_i``: ``sum_a C_a max(0, 1 - b_a + max_{k != a} b_k)``, a ``2K``-variable
   LP.  Its multipliers ``lambda_ak``, spread over the samples (``alpha_ik = lambda_{y_i k} c_i /
   C_{y_i}``), are offered to the certificate: when ``W = 0`` is optimal (a radius or ``l2`` so large
   that no weight pays) it is proven without a solve.
2. **A backend in a well-conditioned frame** (:mod:`robustcvx.frame`): first, for the LPs it takes, the
   joint working-set solver (:mod:`robustcvx.solvers.joint`, name ``"fast"``, with warm starts); then, as
   the fallback (and first for ``solver="highs"``/``"clarabel"``), the reference cvxpy model
   (:meth:`~robustcvx.problems.MulticlassHingeProblem.to_cvxpy`, explicit slacks) with HiGHS for LPs and
   Clarabel for every case (static regularisation ``1e-12``: its default ``1e-8`` caps the accuracy of
   the dual at the level the certificate needs); the answer is mapped back and certified on the original
   data (:func:`robustcvx.certificate.multiclass.certify_multiclass`).  Without a regulariser the model
   is reported centred (``sum_k w_k = 0``, ``sum_k b_k = 0``: the objective sees score differences only).
3. **The tie-break.**  A zero-loss optimum is replaced by the max-margin model
   (:meth:`~robustcvx.problems.MulticlassHingeProblem.to_cvxpy_max_margin`), certified too.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from ..certificate import Certificate
from ..certificate.multiclass import certify_multiclass
from ..errors import SolverError
from ..frame import choose_frame
from .quiet import native_stdout_silenced
from .solution import Solution, zero_model_solution

_TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "tol_ktratio": 1e-10, "max_iter": 500}
#: the settings tried in turn, each an attempt of its own; an interior-point solver's last digits depend on
#: its regularisation, and a point that does not verify under one often does under the next
SETTINGS = {
    "HIGHS": [{"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}],
    "CLARABEL": [{**_TIGHT, "static_regularization_constant": 1e-12},
                 {**_TIGHT, "static_regularization_constant": 1e-12, "max_step_fraction": 0.95},
                 {**_TIGHT, "static_regularization_constant": 1e-10},
                 {**_TIGHT, "static_regularization_constant": 1e-14}],
}


# --------------------------------------------------------------------------- 1. the constant model
def constant_model(problem: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W = 0, b, alpha)``: the best constant model and the dual point that proves it optimal when it is."""
    from scipy.optimize import linprog

    K, y, c = problem.K, problem.y, problem.weights
    C = np.array([c[y == a].sum() for a in range(K)])
    # variables (b_0..b_{K-1}, t_0..t_{K-1}); rows t_a >= 1 - b_a + b_k  <=>  -b_a + b_k - t_a <= -1
    pairs = [(a, k) for a in range(K) for k in range(K) if k != a]
    A = np.zeros((len(pairs), 2 * K))
    for r, (a, k) in enumerate(pairs):
        A[r, a], A[r, k], A[r, K + a] = -1.0, 1.0, -1.0
    bounds = [(None, None)] * K + [(0, None)] * K
    A_eq = np.concatenate([np.ones(K), np.zeros(K)])[None, :]          # sum b = 0 (shift invariance)
    res = linprog(np.concatenate([np.zeros(K), C]), A_ub=A, b_ub=-np.ones(len(pairs)), A_eq=A_eq, b_eq=[0.0],
                  bounds=bounds, method="highs")
    b = np.asarray(res.x[:K], dtype=float) if res.status == 0 else np.zeros(K)
    lam = -np.asarray(res.ineqlin.marginals, dtype=float) if res.status == 0 else np.zeros(len(pairs))
    alpha = np.zeros((problem.n, K))
    for r, (a, k) in enumerate(pairs):
        rows = problem.class_rows(a)
        alpha[rows, k] = max(lam[r], 0.0) * c[rows] / C[a]
    return np.zeros((K, problem.d)), b, alpha


def _constant_solution(problem: Any, t0: float) -> Solution | None:
    W, b, alpha = constant_model(problem)
    cert = certify_multiclass(problem, W, b, alpha, repair=False)
    if not cert.verified:
        return None
    return zero_model_solution(W, b, alpha, cert, t0, "W = 0 is optimal")


# --------------------------------------------------------------------------- 2. backends
def _backends(problem: Any, solver: str) -> list[tuple[str, int]]:
    """``(solver, settings index)`` in the order tried: the named solver first."""
    names = ["HIGHS", "CLARABEL"] if problem.is_lp else ["CLARABEL"]
    wanted = solver.upper()
    if wanted in names:
        names.remove(wanted)
        names.insert(0, wanted)
    return [(name, v) for name in names for v in range(len(SETTINGS[name]))]


def _solve_model(model: Any, name: str, variant: int = 0) -> str:
    with warnings.catch_warnings(), native_stdout_silenced():
        warnings.simplefilter("ignore")
        model.problem.solve(solver=name, **SETTINGS[name][variant])
    return str(model.problem.status)


def _centred(problem: Any, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if problem.regularized:
        return W, b
    return W - W.mean(axis=0, keepdims=True), b - b.mean()


def _attempt(problem: Any, framed: Any, frame: Any, name: str, variant: int) -> tuple[tuple | None, dict]:
    t0 = time.perf_counter()
    label = name.lower() if variant == 0 else f"{name.lower()}#{variant + 1}"
    try:
        model = framed.to_cvxpy()
        status = _solve_model(model, name, variant)
    except Exception as exc:  # a backend failure must never reach the user as a traceback
        return None, {"solver": label, "status": f"error: {type(exc).__name__}: {exc}"[:300],
                      "verified": False, "seconds": time.perf_counter() - t0}
    if model.W.value is None or model.b.value is None or not np.isfinite(model.W.value).all():
        return None, {"solver": label, "status": f"{status}, but returned no usable point",
                      "verified": False, "seconds": time.perf_counter() - t0}
    W, b = frame.multi_from_frame(np.asarray(model.W.value), np.asarray(model.b.value))
    W, b = _centred(problem, W, b)
    alpha = model.alpha(framed)
    claimed = model.problem.value
    cert = certify_multiclass(problem, W, b, alpha, claimed=claimed if claimed is not None else None)
    info = {"solver": label, "status": status, "verified": cert.verified, "gap": cert.gap,
            "seconds": time.perf_counter() - t0}
    if not cert.verified:
        info["reason"] = cert.reason
    return (W, b, alpha, cert, status), info


def _attempt_joint(problem: Any, framed: Any, frame: Any, warm_start: object) -> tuple[tuple | None, dict, Any]:
    """The joint working-set solver (:mod:`.joint`) on the framed problem, certified on the original one;
    returns ``(result, info, warm state)``."""
    from .joint import solve_joint

    t0 = time.perf_counter()
    try:
        res = solve_joint(framed, warm_start=warm_start)
    except Exception as exc:  # a backend failure must never reach the user as a traceback
        return None, {"solver": "fast", "status": f"error: {type(exc).__name__}: {exc}"[:300],
                      "verified": False, "seconds": time.perf_counter() - t0}, None
    t1 = time.perf_counter()
    W, b = frame.multi_from_frame(res.W, res.b)
    W, b = _centred(problem, W, b)
    cert = certify_multiclass(problem, W, b, res.alpha)
    info = {"solver": "fast", "status": res.status, "verified": cert.verified, "gap": cert.gap,
            "seconds": time.perf_counter() - t0, "certificate_seconds": time.perf_counter() - t1, **res.info}
    if not cert.verified:
        info["reason"] = cert.reason
    return (W, b, res.alpha, cert, res.status), info, res.state


# --------------------------------------------------------------------------- 3. the tie-break
def _max_margin(problem: Any, framed: Any, frame: Any, sol: Solution) -> Solution:
    t0 = time.perf_counter()
    name = "HIGHS" if framed.threat.size_polyhedral else "CLARABEL"
    try:
        model = framed.to_cvxpy_max_margin()
        status = _solve_model(model, name)
        if model.W.value is None:
            raise SolverError(f"max-margin model: {status}")
    except Exception as exc:
        sol.attempts.append({"solver": f"max-margin/{name.lower()}", "status": f"error: {exc}"[:300],
                             "verified": False})
        return sol
    W, b = frame.multi_from_frame(np.asarray(model.W.value), np.asarray(model.b.value))
    W, b = _centred(problem, W, b)
    zero = np.zeros((problem.n, problem.K))
    cert = certify_multiclass(problem, W, b, zero, repair=False)
    sol.attempts.append({"solver": f"max-margin/{name.lower()}", "status": status, "verified": cert.verified,
                         "gap": cert.gap, "seconds": time.perf_counter() - t0})
    if not cert.verified:
        return sol
    return Solution(W, b, cert.primal, zero, cert, sol.solver, sol.status, sol.seconds, sol.attempts,
                    "max-margin", info=sol.info)


def solve_multiclass(problem: Any, solver: str = "auto", *, tie_break: str = "max-margin",
                     warm_start: object = None, strict: bool = False) -> Solution:
    """Solve and certify a multiclass problem (module docstring); the arguments mean what they mean for
    :func:`robustcvx.solvers.solve` (``warm_start``: a previous ``Solution`` of the joint solver, reused when
    its data is the same; the reference backends start cold)."""
    from .joint import supports as joint_supports

    t0 = time.perf_counter()
    const = _constant_solution(problem, t0)
    if const is not None:
        return const
    frame = choose_frame(problem)
    framed = frame.problem(problem)
    attempts: list[dict] = []
    best: tuple | None = None
    state = None
    if solver.lower() in ("auto", "fast") and joint_supports(framed):
        out, info, state = _attempt_joint(problem, framed, frame, warm_start)
        attempts.append(info)
        if out is not None:
            best = (*out, "fast")
    for name, variant in ([] if best is not None and best[3].verified else _backends(framed, solver)):
        out, info = _attempt(problem, framed, frame, name, variant)
        attempts.append(info)
        if out is None:
            continue
        cert: Certificate = out[3]
        if best is None or (cert.verified and not best[3].verified) or \
                (not best[3].verified and cert.gap < best[3].gap):
            best = (*out, name.lower())
        if cert.verified:
            break
    if best is None:
        raise SolverError("every solver failed: " + "; ".join(a["status"] for a in attempts))
    W, b, alpha, cert, status, name = best
    sol = Solution(W, b, cert.primal, alpha if alpha is not None else np.zeros((problem.n, problem.K)), cert,
                   name, status, time.perf_counter() - t0, attempts, None, warm_state=state,
                   info={"frame": frame.describe()})
    if not cert.verified:
        if strict:
            raise SolverError("no solver produced a verified optimum: " + cert.reason)
        return sol
    if cert.degenerate and tie_break == "max-margin":
        sol = _max_margin(problem, framed, frame, sol)
        sol.seconds = time.perf_counter() - t0
        sol.warm_state = state
    return sol
