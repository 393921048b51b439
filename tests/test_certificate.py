import numpy as np
import pytest

from robustcvx.certificate import certify_solution, dual_bound, repair_dual
from robustcvx.problems import RobustHingeProblem
from robustcvx.solvers import solve
from conftest import make_blobs


def _problems():
    X, y = make_blobs(n=40, d=5, sep=0.5, seed=4)
    Xb, yb = make_blobs(n=40, d=5, sep=0.5, seed=4, signed=False)
    yield RobustHingeProblem(X, y, 0.1, "inf")
    yield RobustHingeProblem(X, y, 0.1, "1", l1=0.01)
    yield RobustHingeProblem(X, y, 0.1, "2")
    yield RobustHingeProblem(X, y, 0.05, "2", l1=0.02, l2=0.1)
    yield RobustHingeProblem(X, y, 0.1, "inf", l2=0.5)
    yield RobustHingeProblem(Xb, yb, 0.05, "inf", box=(0, 1))
    yield RobustHingeProblem(Xb, yb, 0.05, "inf", box=(0, 1), l1=0.01, l2=0.1)


@pytest.mark.parametrize("problem", list(_problems()), ids=lambda p: f"{p.norm}-{p.kind}-box{p.box}")
def test_solution_verifies_and_every_dual_point_is_a_lower_bound(problem):
    sol = solve(problem, "clarabel")
    assert sol.verified, sol.certificate.reason
    assert sol.certificate.gap <= 1e-8
    # weak duality: random dual points (repaired) never exceed the optimum when feasible
    rng = np.random.default_rng(0)
    for _ in range(50):
        a = repair_dual(problem, rng.random(problem.n) / problem.n * rng.random())
        value, infeas = dual_bound(problem, a)
        if infeas == 0:
            assert value <= sol.objective + 1e-9


def test_repair_dual_makes_box_and_balance_exact():
    X, y = make_blobs(n=21, d=3)
    p = RobustHingeProblem(X, y)
    a = repair_dual(p, np.linspace(-0.1, 0.2, 21))
    assert np.all(a >= 0) and np.all(a <= 1 / 21)
    assert abs(a @ y) < 1e-15


def test_wrong_points_are_rejected():
    X, y = make_blobs(n=60, d=6, sep=0.3, seed=7)
    p = RobustHingeProblem(X, y, 0.1, "inf")
    sol = solve(p)
    assert sol.verified
    # a perturbed optimum is not optimal; with the true dual, the gap exposes it
    for scale in (1.05, 0.9):
        c = certify_solution(p, sol.coef * scale, sol.intercept, sol.dual)
        assert not c.verified and c.gap > 1e-6
    c = certify_solution(p, np.zeros(6), 0.0, sol.dual)
    assert not c.verified
    # a point that is right but claimed with a wrong value still verifies (the value is recomputed)
    c = certify_solution(p, sol.coef, sol.intercept, sol.dual, claimed=sol.objective + 0.1)
    assert c.verified and c.primal == pytest.approx(sol.objective) and "claimed" in c.reason


def test_cvxpy_highs_pos_formulation_answer_is_caught(mnist01):
    """cvxpy 1.9 + HiGHS returns 'optimal' with a wrong value for the cp.pos hinge SVM.

    If a future cvxpy fixes the bug, the answer verifies and the test still asserts the
    certificate agrees with the true optimum.
    """
    cp = pytest.importorskip("cvxpy")
    X, y = mnist01.X_train, mnist01.y_train.copy()
    y[:40] *= -1  # label noise: makes the optimum positive for some versions, 0 for others
    n, d = X.shape
    w, b = cp.Variable(d), cp.Variable()
    prob = cp.Problem(cp.Minimize(cp.sum(cp.pos(1 - cp.multiply(y, X @ w + b))) / n))
    prob.solve(solver="HIGHS")
    problem = RobustHingeProblem(X, y)
    good = solve(problem, "highs", tie_break="none")
    assert good.verified
    bad = certify_solution(problem, np.asarray(w.value).ravel(), float(b.value), None, claimed=prob.value)
    if abs(prob.value - good.objective) > 1e-6:   # the solver was wrong: the certificate must say so
        assert not bad.verified
        assert not certify_solution(problem, np.asarray(w.value).ravel(), float(b.value), good.dual).verified
    else:
        assert bad.primal == pytest.approx(good.objective, abs=1e-7)


def test_degenerate_separable_problem_is_flagged_and_rescaling_stays_optimal():
    X, y = make_blobs(n=30, d=4, sep=4.0, seed=1)
    p = RobustHingeProblem(X, y, 0.05, "inf")
    sol = solve(p, tie_break="none")
    assert sol.verified and sol.degenerate and sol.objective <= 1e-9
    c = certify_solution(p, 3 * sol.coef, 3 * sol.intercept, np.zeros(p.n))
    assert c.verified and c.degenerate
    # with a regulariser the optimum is unique in value and not flagged
    assert not solve(RobustHingeProblem(X, y, 0.05, "inf", l2=0.1)).degenerate
