"""The conic working-set solver (SOCP / QP / hard margins) and its interior-point master.

Every optimum is compared with an independent reference written from the math
(``reference.cvxpy_optimum``: the penalty as a plain norm atom, Clarabel) and must carry the
package's certificate.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from robustcvx.certificate import certify_solution
from robustcvx.problems import RobustHingeProblem
from robustcvx.solvers import solve
from robustcvx.solvers.conic import solve_conic, supports, supports_max_margin
from robustcvx.solvers.conic.ipm import ConicQP, solve_ipm
from robustcvx.solvers.conic.linsolve import DenseNormal, LowRankNormal
from robustcvx.solvers.conic.soc import SOCScaling, jdiv, jprod, soc_step
from robustcvx.solvers.cvxpy_backend import solve_max_margin
from robustcvx.threats import L1Ball, L2Ball, LinfBall, LinfBallInBox

from reference import cvxpy_optimum

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def make_data(seed: int, n: int, d: int, quirk: str = "none") -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < (0.85 if quirk == "unbalanced" else 0.5), 1.0, -1.0)
    y[0], y[1] = 1.0, -1.0
    X = rng.random((n, d)) * (rng.random((n, d)) < 0.7)
    X[:, 0] += 0.3 * y
    if quirk == "separable":
        X[:, 0] = np.where(y > 0, 0.8 + 0.2 * rng.random(n), 0.2 * rng.random(n))
    if quirk == "duplicates" and n > 4:
        X[n // 2:n // 2 + 2], y[n // 2:n // 2 + 2] = X[2:4], y[2:4]
    if quirk == "zero_feature":
        X[:, d - 1] = 0.0
    return X, y


def certified(problem: RobustHingeProblem, res) -> float:
    cert = certify_solution(problem, res.coef, res.intercept, res.alpha)
    assert cert.verified, cert.reason
    return cert.primal


# --------------------------------------------------------------------------- second-order cone algebra
def _cone_point(rng, k, margin):
    u = rng.normal(size=k)
    u[0] = np.linalg.norm(u[1:]) + margin
    return u


@pytest.mark.parametrize("margin", [1.0, 1e-3, 1e-7])
def test_nesterov_todd_scaling_identities(margin):
    rng = np.random.default_rng(0)
    s, z = _cone_point(rng, 6, margin), _cone_point(rng, 6, 0.5)
    W = SOCScaling(s, z)
    np.testing.assert_allclose(W.apply(z), W.apply_inv(s), rtol=1e-9, atol=1e-12)   # W z = W^-1 s = lambda
    Wm = np.column_stack([W.apply(e) for e in np.eye(6)])
    np.testing.assert_allclose(Wm, Wm.T, atol=1e-10)
    v = rng.normal(size=6)
    np.testing.assert_allclose(W.inv_square(v), np.linalg.solve(Wm @ Wm, v), rtol=1e-6, atol=1e-8)
    lam = W.lam
    np.testing.assert_allclose(jprod(lam, jdiv(lam, v)), v, rtol=1e-9, atol=1e-9)


def test_step_to_the_cone_boundary():
    x = np.array([2.0, 1.0, 0.0])
    a = soc_step(x, np.array([-1.0, 0.0, 0.0]))          # (2 - a) = 1 at a = 1
    assert a == pytest.approx(1.0)
    assert soc_step(x, np.array([1.0, 0.0, 0.0])) == np.inf
    d = np.array([0.0, 0.0, 1.0])                          # 2 = ||(1, a)|| at a = sqrt(3)
    assert soc_step(x, d) == pytest.approx(np.sqrt(3.0))


@pytest.mark.parametrize("m", [6, 25])
def test_low_rank_and_dense_normal_solves_agree(m):
    """Woodbury on the non-border variables (from the cached Gram matrix ``A_R A_R^T``: no cone rows,
    one ``Q``), up to ``m`` close to ``|R|``, against the dense factor."""
    rng = np.random.default_rng(1)
    p = 30
    A = rng.normal(size=(m, p))
    soc = np.r_[p - 1, np.arange(p - 2)]
    prob = ConicQP(np.full(p, 0.01), np.zeros(p), A, np.ones(m), sp.csr_matrix((0, p)), np.zeros(0), soc,
                   border=np.array([p - 2, p - 1]))
    W = SOCScaling(_cone_point(rng, p - 1, 0.3), _cone_point(rng, p - 1, 0.2))
    dm = rng.random(m) + 0.1
    assert LowRankNormal.applicable(prob)
    rhs = rng.normal(size=p)
    x_dense = DenseNormal(prob, dm, np.zeros(0), W).solve(rhs)
    x_low = LowRankNormal(prob, dm, np.zeros(0), W).solve(rhs)
    np.testing.assert_allclose(x_low, x_dense, rtol=1e-7, atol=1e-9)


def test_eliminating_the_l1_variables_gives_the_same_solve():
    """``x = (w, b, t, u)`` with rows ``+-w_j - u_j <= 0`` and ``sum u - t <= 0``: the Schur complement
    over ``u`` (diagonal plus one rank-one term) must reproduce the full solve."""
    rng = np.random.default_rng(2)
    m, k = 9, 7
    p = 2 * k + 2
    A = np.hstack([rng.normal(size=(m, k + 1)), np.full((m, 1), -0.1), np.zeros((m, k))])
    rows = [np.r_[np.eye(k)[j] * sg, 0.0, 0.0, -np.eye(k)[j]] for j in range(k) for sg in (1.0, -1.0)]
    rows.append(np.r_[np.zeros(k), 0.0, -1.0, np.ones(k)])
    G = sp.csr_matrix(np.array(rows))
    Q = np.r_[np.full(k, 0.01), 0.0, 0.0, np.zeros(k)]
    dg = rng.random(G.shape[0]) + 0.05
    gdg = G.T @ (G.multiply(dg[:, None]))
    dm = rng.random(m) + 0.1
    rhs = rng.normal(size=p)
    full = ConicQP(Q, np.zeros(p), A, np.ones(m), G, np.zeros(G.shape[0]))
    elim = ConicQP(Q, np.zeros(p), A, np.ones(m), G, np.zeros(G.shape[0]), eliminate=np.arange(k + 2, p))
    x_full = DenseNormal(full, dm, dg, None).solve(rhs)
    x_elim = DenseNormal(elim, dm, dg, None).solve(rhs)
    N = A.T @ (dm[:, None] * A) + np.diag(Q) + gdg.toarray()
    np.testing.assert_allclose(x_full, np.linalg.solve(N, rhs), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(x_elim, x_full, rtol=1e-8, atol=1e-10)


def _master_reference(prob: ConicQP) -> float:
    """The master problem of :mod:`robustcvx.solvers.conic.ipm`, written directly in cvxpy."""
    import cvxpy as cp

    x = cp.Variable(prob.p)
    xi = cp.Variable(prob.m)
    cons = [prob.A @ x + xi >= 1, xi >= 0]
    if prob.G.shape[0]:
        cons.append(prob.G.toarray() @ x <= prob.h)
    if prob.soc is not None:
        cons.append(cp.SOC(x[int(prob.soc[0])], x[prob.soc[1:]]))
    obj = 0.5 * cp.sum(cp.multiply(prob.Q, cp.square(x))) + prob.q @ x + prob.c @ xi
    pr = cp.Problem(cp.Minimize(obj), cons)
    pr.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    return float(pr.value)


@SETTINGS
@given(seed=st.integers(0, 10_000), m=st.integers(2, 40), k=st.integers(1, 6), cone=st.sampled_from(["soc", "lin"]),
       quad=st.sampled_from([0.0, 0.05]))
def test_interior_point_master_matches_cvxpy(seed, m, k, cone, quad):
    """Random masters: ``x = (w, b, t)``, rows ``y (x.w + b) - 0.3 t + xi >= 1``, ``t >= ||w||``."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(m) < 0.5, 1.0, -1.0)
    X = rng.normal(size=(m, k))
    p = k + 2
    A = np.hstack([y[:, None] * X, y[:, None], np.full((m, 1), -0.3)])
    Q = np.r_[np.full(k, quad), 0.0, 0.0]
    if cone == "soc":
        G, soc = sp.csr_matrix((0, p)), np.r_[k + 1, np.arange(k)]
    else:                                              # t >= |w_j|: the "max" form as linear rows
        rows = [np.r_[np.eye(k)[j] * s, 0.0, -1.0] for j in range(k) for s in (1.0, -1.0)]
        G, soc = sp.csr_matrix(np.array(rows)), None
    prob = ConicQP(Q, np.zeros(p), A, np.full(m, 1.0 / m), G, np.zeros(G.shape[0]), soc, np.array([k, k + 1]))
    res = solve_ipm(prob)
    assert res.status == "optimal"
    assert res.primal == pytest.approx(_master_reference(prob), abs=1e-7)
    assert (res.alpha >= 0).all() and (res.alpha <= prob.c + 1e-15).all()


# --------------------------------------------------------------------------- the working-set solver
def test_cone_forms_describe_each_threats_penalty():
    """``cone_form`` must say how ``t >= ||w||_q`` is written for the threat's own ``dual_norm``."""
    w = np.array([0.5, -2.0, 1.0])
    forms = {"sum": np.abs(w).sum(), "max": np.abs(w).max(), "soc": np.linalg.norm(w)}
    for threat in (LinfBall(0.1), L1Ball(0.1), L2Ball(0.1)):
        assert threat.dual_norm(w) == pytest.approx(forms[threat.cone_form])
        assert threat.uniform
    assert LinfBallInBox(0.1, (0.0, 1.0)).cone_form is None      # per-sample costs, not a norm of w


conic_cases = st.builds(
    dict,
    seed=st.integers(0, 10_000),
    n=st.integers(6, 60),
    d=st.integers(1, 8),
    norm=st.sampled_from(["2", "2", "inf", "1"]),
    epsilon=st.sampled_from([0.0, 0.02, 0.1, 0.5, 3.0]),
    l1=st.sampled_from([0.0, 0.0, 0.01]),
    l2=st.sampled_from([0.0, 0.001, 0.1]),
    weighted=st.booleans(),
    quirk=st.sampled_from(["none", "separable", "unbalanced", "duplicates", "zero_feature"]),
    seed_size=st.sampled_from([3, 10, 600]),
)


@SETTINGS
@given(conic_cases)
# the l1 rows w - u <= 0, -w - u <= 0 once looked uncoupled to the low-rank solve (unit weights cancel)
@example(dict(seed=0, n=6, d=4, norm="2", epsilon=0.0, l1=0.01, l2=0.001, weighted=False, quirk="none",
              seed_size=3))
def test_conic_solver_matches_the_reference_and_verifies(case):
    X, y = make_data(case["seed"], case["n"], case["d"], case["quirk"])
    weights = np.random.default_rng(case["seed"]).random(case["n"]) + 0.1 if case["weighted"] else None
    problem = RobustHingeProblem(X, y, case["epsilon"], case["norm"], l1=case["l1"], l2=case["l2"],
                                 sample_weight=weights)
    if not supports(problem):                            # an LP: the LP solver's job
        assert problem.is_lp
        return
    res = solve_conic(problem, seed_size=case["seed_size"])
    assert res.status == "optimal", res.info["rounds"]
    value = certified(problem, res)
    ref = cvxpy_optimum(X, y, case["epsilon"], case["norm"], l1=case["l1"], l2=case["l2"], weights=weights)
    assert value == pytest.approx(ref, abs=1e-7)


def test_sparse_data_gives_the_dense_answer():
    X, y = make_data(5, 80, 10)
    X[X < 0.5] = 0.0
    for kw in (dict(epsilon=0.02, norm="2"), dict(epsilon=0.01, l2=0.001), dict(epsilon=0.01, norm="inf", l1=0.001),
               dict(epsilon=0.01, norm="1")):
        dense = RobustHingeProblem(X, y, **kw)
        sparse = RobustHingeProblem(sp.csr_matrix(X), y, **kw)
        a, b = solve(dense), solve(sparse)
        assert a.verified and b.verified and a.solver == b.solver == "fast"
        assert b.objective == pytest.approx(a.objective, abs=1e-9)


@pytest.mark.parametrize("norm,l2", [("2", 0.0), ("2", 0.01), ("inf", 0.01), ("1", 0.01)])
def test_warm_epsilon_sweep_matches_cold(norm, l2):
    X, y = make_data(7, 200, 12)
    base = RobustHingeProblem(X, y, 0.0, norm, l2=l2)
    prev = None
    for eps in (0.01, 0.05, 0.2, 0.02):
        problem = base.with_epsilon(eps)
        warm = solve(problem, warm_start=prev)
        cold = solve(problem)
        assert warm.verified and cold.verified
        assert warm.objective == pytest.approx(cold.objective, abs=1e-9)
        prev = warm


def test_auto_routes_socp_and_qp_to_the_fast_solver():
    X, y = make_data(11, 150, 10)
    for kw in (dict(epsilon=0.1, norm="2"), dict(epsilon=0.05, l2=1e-3), dict(epsilon=0.1, norm="1", l2=1e-2)):
        sol = solve(RobustHingeProblem(X, y, **kw))
        assert sol.solver == "fast" and sol.verified, sol.attempts
        assert sol.attempts[0]["solver"] == "fast" and sol.attempts[0]["verified"]


# --------------------------------------------------------------------------- hard margins
@pytest.mark.parametrize("norm,eps", [("2", 0.0), ("2", 0.05), ("1", 0.0), ("1", 0.05)])
def test_hard_margin_matches_the_reference_max_margin(norm, eps):
    X, y = make_data(21, 80, 6, "separable")
    problem = RobustHingeProblem(X, y, eps, norm)
    assert supports_max_margin(problem)
    res = solve_conic(problem, hard=True, seed_size=20)
    assert res.status == "optimal"
    ref = solve_max_margin(problem, "CLARABEL")
    assert problem.threat.dual_norm(res.coef) == pytest.approx(problem.threat.dual_norm(ref.coef), rel=1e-6)
    cert = certify_solution(problem, res.coef, res.intercept, np.zeros(problem.n))
    assert cert.verified and cert.primal <= 1e-9          # a zero-loss optimum of the hinge problem


def test_hard_margin_on_inseparable_data_is_not_reported_optimal():
    X, y = make_data(22, 60, 4)
    X[1], y[1] = X[0], -y[0]                              # a contradictory pair: never separable
    res = solve_conic(RobustHingeProblem(X, y, 0.0, "2"), hard=True)
    assert res.status != "optimal" or RobustHingeProblem(X, y, 0.0, "2").losses(res.coef, res.intercept).max() > 1e-9


# --------------------------------------------------------------------------- l2 max-margin via the plain SVM
def _l2_max_margin_reference(X, y, eps):
    """``min ||w||_2 s.t. y_i (x_i.w + b) - eps ||w||_2 >= 1`` written directly in cvxpy (Clarabel):
    ``(status, ||w||, w, b)``."""
    import cvxpy as cp

    w, b = cp.Variable(X.shape[1]), cp.Variable()
    cons = [cp.multiply(y, X @ w + b) - eps * cp.norm(w, 2) >= 1]
    pr = cp.Problem(cp.Minimize(cp.norm(w, 2)), cons)
    pr.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    if pr.status not in ("optimal", "optimal_inaccurate"):
        return pr.status, np.inf, None, None
    return pr.status, float(pr.value), np.asarray(w.value).reshape(-1), float(b.value)


def make_margin_data(seed: int, n: int, d: int, quirk: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`make_data`, plus ``lattice``: integer points with many exact ties on the margin (more
    support vectors than dimensions: a singular Gram block)."""
    if quirk != "lattice":
        return make_data(seed, n, d, quirk)
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    y[0], y[1] = 1.0, -1.0
    X = rng.integers(0, 3, size=(n, d)).astype(float)
    X[:, 0] = np.where(y > 0, 2.0 + rng.integers(0, 2, n), -rng.integers(0, 2, n))
    return X, y


margin_cases = st.builds(
    dict,
    seed=st.integers(0, 10_000),
    n=st.integers(4, 70),
    d=st.integers(1, 8),
    epsilon=st.sampled_from([0.0, 0.01, 0.05, 0.2, 1.0]),
    quirk=st.sampled_from(["separable", "separable", "lattice", "duplicates", "none", "unbalanced"]),
    seed_size=st.sampled_from([2, 8, 64]),
)


@SETTINGS
@given(margin_cases)
def test_l2_max_margin_by_the_plain_svm_matches_the_reference(case):
    from robustcvx.solvers.conic.hard_margin import HardMarginOptions, solve_max_margin_soc

    X, y = make_margin_data(case["seed"], case["n"], case["d"], case["quirk"])
    problem = RobustHingeProblem(X, y, case["epsilon"], "2")
    opt = HardMarginOptions(seed=case["seed_size"], max_add=case["seed_size"])
    res = solve_max_margin_soc(problem, opt)
    status, size, _, _ = _l2_max_margin_reference(X, y, case["epsilon"])
    if res.status == "optimal":
        # feasible by construction: a proven zero-loss optimum of the hinge problem ...
        cert = certify_solution(problem, res.coef, res.intercept, np.zeros(problem.n))
        assert cert.verified and cert.primal <= 1e-9, cert.reason
        # ... and the smallest such model
        assert status in ("optimal", "optimal_inaccurate")
        assert problem.threat.dual_norm(res.coef) == pytest.approx(size, rel=1e-6)
    else:
        assert res.status == "not separable" or res.status.startswith("failed"), res.info
        # a wrong "not separable" would only cost time, but it must not happen on separable data:
        # there the plain size r = s / (1 + eps s) of the robust optimum s has eps r < 1
        eps = case["epsilon"]
        assert not np.isfinite(size) or eps * size / (1 + eps * size) > 1 - 1e-6


@SETTINGS
@given(seed=st.integers(0, 10_000), m=st.integers(2, 30), rank=st.integers(1, 6), cap=st.sampled_from([0.5, 5.0, 1e2]))
def test_svm_dual_interior_point_matches_cvxpy(seed, m, rank, cap):
    """Random (often rank-deficient) Gram matrices, with and without active caps."""
    import cvxpy as cp

    from robustcvx.solvers.conic.svm_dual import solve_svm_dual

    rng = np.random.default_rng(seed)
    y = np.where(rng.random(m) < 0.5, 1.0, -1.0)
    y[0], y[1] = 1.0, -1.0
    B = rng.normal(size=(m, rank)) * y[:, None]
    K = B @ B.T
    res = solve_svm_dual(K, y, cap)
    assert res.status == "optimal"
    a = cp.Variable(m)
    pr = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(B.T @ a) - cp.sum(a)), [y @ a == 0, a >= 0, a <= cap])
    pr.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    val = 0.5 * res.alpha @ K @ res.alpha - res.alpha.sum()
    assert val == pytest.approx(pr.value, rel=1e-7, abs=1e-9)
    assert res.alpha.min() >= 0 and res.alpha.max() <= cap and abs(y @ res.alpha) <= 1e-8 * (1 + res.alpha.max())
    # the intercept is the multiplier of y^T alpha = 0: free samples sit on the margin
    free = (res.alpha > 1e-6 * max(1.0, res.alpha.max())) & (res.alpha < cap * (1 - 1e-6))
    if free.any():
        np.testing.assert_allclose((K @ res.alpha + res.c * y)[free], 1.0, atol=1e-6)


@pytest.mark.parametrize("eps", [0.0, 0.02, 0.1])
def test_separable_l2_problem_takes_the_shortcut_and_matches_the_two_step_path(eps):
    """``solve`` on separable data under the l2 threat returns the max-margin model directly (the
    plain SVM, certified as a zero-loss optimum); the two-step path (hinge problem, then the
    tie-break), taken with a warm start, must give the same model, and so must the reference."""
    X, y = make_data(31, 300, 12, "separable")
    problem = RobustHingeProblem(X, y, eps, "2")
    first = solve(problem)
    assert first.verified and first.tie_break == "max-margin" and first.objective <= 1e-9
    assert first.attempts[0]["solver"] == "max-margin/fast", first.attempts
    two_step = solve(problem, warm_start=(np.ones(12) * 1e-3, 0.0))
    assert two_step.verified and two_step.tie_break == "max-margin"
    assert any(a["solver"] == "fast" for a in two_step.attempts)
    np.testing.assert_allclose(two_step.coef, first.coef, rtol=1e-5, atol=1e-7 * np.abs(first.coef).max())
    _, size, w_ref, _ = _l2_max_margin_reference(X, y, eps)
    assert np.linalg.norm(first.coef) == pytest.approx(size, rel=1e-6)
    np.testing.assert_allclose(first.coef, w_ref, atol=1e-4 * np.abs(w_ref).max())
    sparse = solve(RobustHingeProblem(sp.csr_matrix(X), y, eps, "2"))
    assert sparse.verified and sparse.attempts[0]["solver"] == "max-margin/fast"
    np.testing.assert_allclose(sparse.coef, first.coef, rtol=1e-6, atol=1e-9 * np.abs(first.coef).max())


def test_inseparable_l2_problem_falls_back_to_the_hinge_solve():
    """At a radius the data does not survive, the shortcut steps aside: the normal path's verified
    optimum (positive loss) matches the reference."""
    X, y = make_data(32, 200, 8, "separable")
    eps = 0.35                                   # past the separability radius, short of the zero model
    problem = RobustHingeProblem(X, y, eps, "2")
    sol = solve(problem)
    assert sol.verified and sol.objective > 1e-3 and sol.tie_break is None
    assert [a["solver"] for a in sol.attempts] == ["fast"] and np.abs(sol.coef).max() > 0
    assert sol.objective == pytest.approx(cvxpy_optimum(X, y, eps, "2"), abs=1e-7)


def test_warm_epsilon_sweep_through_separability_matches_cold():
    """An l2 radius sweep that crosses the separability threshold: warm solves (hinge path and
    tie-break) agree with cold ones (the shortcut where separable)."""
    X, y = make_data(33, 200, 8, "separable")
    base = RobustHingeProblem(X, y, 0.0, "2")
    prev = None
    ties = []
    for eps in (0.01, 0.05, 0.3, 0.35, 0.32, 0.02):
        problem = base.with_epsilon(eps)
        warm = solve(problem, warm_start=prev)
        cold = solve(problem)
        assert warm.verified and cold.verified
        assert warm.objective == pytest.approx(cold.objective, abs=1e-9)
        assert warm.tie_break == cold.tie_break
        ties.append(cold.tie_break)
        if cold.tie_break == "max-margin":
            np.testing.assert_allclose(warm.coef, cold.coef, rtol=1e-5, atol=1e-7 * np.abs(cold.coef).max())
        prev = warm
    assert ties == ["max-margin"] * 3 + [None, None, "max-margin"]     # the sweep does cross the threshold
