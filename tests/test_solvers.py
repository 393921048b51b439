import numpy as np
import pytest

from robustcvx.errors import OptionError, SolverError
from robustcvx.problems import RobustHingeProblem
from robustcvx.solvers import BACKENDS, BackendResult, registry, solve

from conftest import make_blobs
from reference import linprog_optimum, socp_optimum


@pytest.mark.parametrize("solver", ["highs", "clarabel"])
@pytest.mark.parametrize("norm", ["inf", "1"])
@pytest.mark.parametrize("eps", [0.0, 0.1, 0.5])
def test_reference_backends_match_linprog(solver, norm, eps):
    X, y = make_blobs(n=50, d=6, sep=0.4, seed=5)
    sol = solve(RobustHingeProblem(X, y, eps, norm, l1=0.01), solver)
    assert sol.verified
    assert sol.objective == pytest.approx(linprog_optimum(X, y, eps, norm, l1=0.01), abs=1e-7)


def test_l2_threat_matches_independent_socp():
    X, y = make_blobs(n=50, d=6, sep=0.4, seed=6)
    for eps in (0.05, 0.3):
        sol = solve(RobustHingeProblem(X, y, eps, "2"))
        assert sol.verified and sol.objective == pytest.approx(socp_optimum(X, y, eps), abs=1e-7)


def _fake_backend(monkeypatch, name, result_fn):
    b = BACKENDS[name]
    monkeypatch.setitem(BACKENDS, name, registry.Backend(name, result_fn, b.supports, b.description))


def test_wrong_point_from_a_backend_is_caught_and_the_next_solver_is_used(monkeypatch):
    X, y = make_blobs(n=40, d=5, sep=0.3)
    p = RobustHingeProblem(X, y, 0.1)

    def liar(problem, warm_start=None):  # claims optimality for a poor point
        return BackendResult(np.ones(problem.d), 0.0, np.full(problem.n, 0.5 / problem.n), 0.0, "optimal", 0.0)

    _fake_backend(monkeypatch, "highs", liar)
    sol = solve(p, "highs")
    assert sol.verified and sol.solver != "highs"
    assert sol.attempts[0]["solver"] == "highs" and sol.attempts[0]["verified"] is False
    assert sol.objective == pytest.approx(linprog_optimum(X, y, 0.1), abs=1e-7)


def test_backend_exception_falls_back(monkeypatch):
    X, y = make_blobs(n=30, d=4, sep=0.3)

    def boom(problem, warm_start=None):
        raise RuntimeError("numerical trouble")

    _fake_backend(monkeypatch, "highs", boom)
    sol = solve(RobustHingeProblem(X, y, 0.1), "highs")
    assert sol.verified and "numerical trouble" in sol.attempts[0]["status"]


def test_nothing_verifies_is_reported_not_hidden(monkeypatch):
    X, y = make_blobs(n=30, d=4, sep=0.3)

    def liar(problem, warm_start=None):
        return BackendResult(np.zeros(problem.d), 0.0, None, 0.0, "optimal", 0.0)

    for name in BACKENDS:
        _fake_backend(monkeypatch, name, liar)
    sol = solve(RobustHingeProblem(X, y, 0.1))
    assert not sol.verified and sol.certificate.reason
    with pytest.raises(SolverError):
        solve(RobustHingeProblem(X, y, 0.1), strict=True)


def test_unknown_or_unsuitable_solver():
    X, y = make_blobs(n=10, d=3)
    with pytest.raises(OptionError, match="unknown solver"):
        solve(RobustHingeProblem(X, y), "gurobi")
    with pytest.raises(OptionError, match="cannot solve"):
        solve(RobustHingeProblem(X, y, 0.1, "2"), "highs")


@pytest.mark.parametrize("norm", ["inf", "2", "1"])
def test_max_margin_tie_break_maximises_the_smallest_certified_radius(norm):
    X, y = make_blobs(n=40, d=4, sep=3.0, seed=2)
    p = RobustHingeProblem(X, y, 0.05, norm)
    vertex = solve(p, tie_break="none")
    mm = solve(p, tie_break="max-margin")
    assert vertex.degenerate and mm.degenerate and mm.verified and mm.tie_break == "max-margin"
    from robustcvx.certify import certified_radii
    r_mm = certified_radii((mm.coef, mm.intercept), X, y, norm).min()
    r_v = certified_radii((vertex.coef, vertex.intercept), X, y, norm).min()
    assert r_mm >= r_v - 1e-7
    # unique answer: independent of the backend that found the degenerate vertex
    other = solve(p, "clarabel", tie_break="max-margin")
    assert certified_radii((other.coef, other.intercept), X, y, norm).min() == pytest.approx(r_mm, rel=1e-5)


def test_l2_tie_break_at_zero_radius_is_the_hard_margin_svm():
    """At epsilon = 0 every threat is 'polyhedral' (no penalty) but min ||w||_2 is not an LP: the tie-break
    must still return the hard-margin SVM (an independent cvxpy statement of it below)."""
    import cvxpy as cp

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.where(X[:, 0] > 0, 1.0, -1.0)
    X[:, 0] += 0.5 * y
    sol = solve(RobustHingeProblem(X, y, 0.0, "2"))
    assert sol.verified and sol.tie_break == "max-margin"
    w, b = cp.Variable(3), cp.Variable()
    cp.Problem(cp.Minimize(cp.sum_squares(w)), [cp.multiply(y, X @ w + b) >= 1]).solve(solver="CLARABEL")
    assert np.allclose(sol.coef, w.value, atol=1e-6) and abs(sol.intercept - b.value) < 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_box_threat_optimum_equals_corner_enumeration(seed):
    """The box-aware penalty is the worst case over every corner of each sample's perturbation box
    (tests/reference.py: vertex_box_optimum, one hinge row per corner, an LP independent of the
    package's closed-form costs)."""
    from reference import vertex_box_optimum

    rng = np.random.default_rng(seed)
    X = rng.random((12, 3))
    X[rng.random(X.shape) < 0.3] = 0.0                 # pixels at the edge of the box
    y = np.where(X @ np.array([1.0, -1.0, 0.5]) + 0.1 * rng.normal(size=12) > 0.2, 1.0, -1.0)
    if len(set(y)) < 2:
        y[0] = -y[0]
    for eps in (0.05, 0.2, 0.6):
        sol = solve(RobustHingeProblem(X, y, eps, "inf", (0.0, 1.0)))
        assert sol.verified
        assert sol.objective == pytest.approx(vertex_box_optimum(X, y, eps, (0.0, 1.0)), abs=1e-8)
