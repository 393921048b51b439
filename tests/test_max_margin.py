"""The max-margin tie-break and the separable-first shortcut of :func:`robustcvx.solvers.solve`."""

from __future__ import annotations

import numpy as np
import pytest

from robustcvx.certificate import certify_solution
from robustcvx.problems import RobustHingeProblem
from robustcvx.solvers import max_margin, solve
from robustcvx.solvers.cvxpy_backend import solve_max_margin


def separable(n: int = 120, d: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    X = rng.random((n, d))
    X[:, 0] = np.where(y > 0, 0.7 + 0.3 * rng.random(n), 0.3 * rng.random(n))
    return X, y


@pytest.mark.parametrize("eps,box", [(0.0, None), (0.05, None), (0.05, (0.0, 1.0))])
def test_separable_first_returns_the_reference_max_margin_model(eps, box):
    X, y = separable()
    problem = RobustHingeProblem(X, y, eps, "inf", box)
    sol = solve(problem)
    assert sol.verified and sol.degenerate and sol.tie_break == "max-margin"
    assert [a["solver"] for a in sol.attempts] == ["separability-probe", "max-margin/fast"]
    ref = solve_max_margin(problem, "HIGHS")                 # min ||w||_1 (size sum(w+ + w-)) by cvxpy
    assert np.abs(sol.coef).sum() == pytest.approx(np.abs(ref.coef).sum(), rel=1e-8)
    # the normal path (hinge problem first, then the tie-break) gives the same size
    normal = solve(problem, "highs")
    assert normal.tie_break == "max-margin" and normal.attempts[0]["solver"] == "highs"
    assert np.abs(normal.coef).sum() == pytest.approx(np.abs(sol.coef).sum(), rel=1e-8)


@pytest.mark.parametrize("eps", [0.0, 0.05])
def test_separable_first_under_the_l1_threat_minimises_the_inf_norm(eps):
    """The l1 threat measures w by ||w||_inf: the shortcut's working-set LP (budget row) returns the
    reference max-margin size, as does the normal path (hinge problem first)."""
    X, y = separable(seed=4)
    problem = RobustHingeProblem(X, y, eps, "1")
    sol = solve(problem)
    assert sol.verified and sol.degenerate and sol.tie_break == "max-margin"
    assert [a["solver"] for a in sol.attempts] == ["separability-probe", "max-margin/fast"]
    ref = solve_max_margin(problem, "HIGHS")                 # min ||w||_inf by cvxpy
    assert np.abs(sol.coef).max() == pytest.approx(np.abs(ref.coef).max(), rel=1e-8)
    normal = solve(problem, "highs")
    assert normal.tie_break == "max-margin"
    assert np.abs(normal.coef).max() == pytest.approx(np.abs(sol.coef).max(), rel=1e-8)


def test_l1_threat_probes_only_when_the_probe_is_exact():
    """Above PROBE samples the l1 threat skips the shortcut (a subsample probe can mislead there):
    the hinge problem is solved first and the ||w||_inf tie-break LP still gives the reference."""
    X, y = separable(n=max_margin.PROBE + 200, d=5, seed=5)
    problem = RobustHingeProblem(X, y, 0.02, "1")
    sol = solve(problem)
    assert sol.verified and sol.degenerate and sol.tie_break == "max-margin"
    assert all(a["solver"] != "separability-probe" for a in sol.attempts)
    assert any(a["solver"] == "max-margin/fast" and a["verified"] for a in sol.attempts)
    ref = solve_max_margin(problem, "HIGHS")
    assert np.abs(sol.coef).max() == pytest.approx(np.abs(ref.coef).max(), rel=1e-8)


def test_no_shortcut_without_separability_or_with_a_regulariser():
    X, y = separable()
    X[1], y[1] = X[0], -y[0]                                  # a contradictory pair
    sol = solve(RobustHingeProblem(X, y, 0.0))
    assert sol.verified and not sol.degenerate and sol.tie_break is None
    assert all(a["solver"] != "separability-probe" for a in sol.attempts)
    X, y = separable()
    sol = solve(RobustHingeProblem(X, y, 0.0, l1=1e-3))       # regularised: the optimum is unique
    assert sol.verified and sol.tie_break is None and sol.attempts[0]["solver"] == "fast"


def test_a_wrong_prediction_costs_time_not_correctness(monkeypatch):
    X, y = separable()
    X[1], y[1] = X[0], -y[0]
    monkeypatch.setattr(max_margin, "probably_separable", lambda framed, seed=0: True)
    problem = RobustHingeProblem(X, y, 0.02)
    sol = solve(problem)
    assert sol.verified and sol.tie_break is None
    assert sol.objective == pytest.approx(solve(problem, "highs").objective, abs=1e-9)


def test_probe_on_a_large_sample_uses_a_subsample():
    X, y = separable(n=3000, d=4, seed=1)
    framed = RobustHingeProblem(X, y, 0.01)
    assert max_margin.probably_separable(framed)
    X[5], y[5] = X[4], -y[4]                                  # separable no more (the probe may miss it)
    sol = solve(RobustHingeProblem(X, y, 0.01))
    assert sol.verified and not sol.degenerate


@pytest.mark.parametrize("norm", ["2", "1"])
def test_conic_tie_break_is_certified_and_matches_the_reference(norm):
    X, y = separable(n=80, d=5, seed=3)
    problem = RobustHingeProblem(X, y, 0.02, norm)
    sol = solve(problem)
    assert sol.verified and sol.degenerate and sol.tie_break == "max-margin"
    assert any(a["solver"] == "max-margin/fast" and a["verified"] for a in sol.attempts)
    ref = solve_max_margin(problem, "CLARABEL")
    assert problem.threat.dual_norm(sol.coef) == pytest.approx(problem.threat.dual_norm(ref.coef), rel=1e-6)
    cert = certify_solution(problem, sol.coef, sol.intercept, np.zeros(problem.n))
    assert cert.verified and cert.primal <= 1e-9
