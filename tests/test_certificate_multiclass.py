"""The multiclass certificate is a theorem: its dual value never exceeds the optimum (checked against an
independent reference on random and adversarial dual points), ``verified`` implies optimality within the
tolerance, and the solver's points verify for every threat, including degenerate ones (a class that is
perfectly separated, exact zeros, vertex duals)."""

from __future__ import annotations

import numpy as np
import pytest

from robustcvx.certificate.multiclass import certify_multiclass, heuristic_dual, primal_bounds
from robustcvx.problems import MulticlassHingeProblem
from robustcvx.solvers import solve

from reference import multiclass_cvxpy_optimum, multiclass_objective_numpy

THREATS = [("inf", None, 0.0, 0.0), ("2", None, 0.0, 0.0), ("1", None, 0.0, 0.0), ("inf", (0.0, 2.0), 0.0, 0.0),
           ("1", None, 0.01, 0.0), ("2", None, 0.0, 0.1), ("inf", None, 0.02, 0.05)]


def _data(seed: int, n: int = 30, d: int = 3, K: int = 3):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K
    X = rng.random((n, d))
    X[:, 0] += 0.4 * y
    return X, y


@pytest.mark.parametrize(("norm", "box", "l1", "l2"), THREATS)
def test_dual_never_exceeds_the_optimum(norm, box, l1, l2):
    X, y = _data(1)
    problem = MulticlassHingeProblem(X, y, 0.05, norm, box, l1, l2)
    ref = multiclass_cvxpy_optimum(X, y, 0.05, norm, box, l1, l2)
    sol = solve(problem)
    assert sol.verified and sol.objective == pytest.approx(ref, abs=1e-7)
    rng = np.random.default_rng(0)
    c = problem.weights
    offered = []
    for scale in (1.0 + 1e-3, 1.0 + 1e-6, 1.0 - 1e-6):                 # near the optimal dual, feasible or not
        offered.append(sol.dual * scale)
    for _ in range(6):                                                  # random points of the box
        a = rng.random((problem.n, problem.K)) * c[:, None]
        a[np.arange(problem.n), y] = 0
        offered.append(a / np.maximum(a.sum(axis=1, keepdims=True) / c[:, None], 1.0))
    bumped = sol.dual.copy()
    bumped[np.unravel_index(np.argmax(bumped), bumped.shape)] *= 1.5
    offered.append(bumped)
    for alpha in offered:
        for W, b in ((sol.coef, sol.intercept), (sol.coef * 1.01, sol.intercept)):
            cert = certify_multiclass(problem, W, b, alpha)
            assert cert.dual <= ref + 1e-9 * max(1.0, ref)
            if cert.verified:
                true = multiclass_objective_numpy(W, b, X, y, 0.05, norm, box, l1, l2)
                assert true - ref <= cert.gap_tol * max(1.0, true) + 1e-9


@pytest.mark.parametrize(("norm", "box", "l1", "l2"), THREATS)
def test_a_suboptimal_model_is_never_verified(norm, box, l1, l2):
    X, y = _data(2)
    problem = MulticlassHingeProblem(X, y, 0.05, norm, box, l1, l2)
    sol = solve(problem)
    rng = np.random.default_rng(1)
    W = sol.coef + 1e-3 * rng.normal(size=sol.coef.shape)
    cert = certify_multiclass(problem, W, sol.intercept, sol.dual)
    assert not cert.verified
    assert cert.gap > 0 and "gap" in cert.reason


def test_primal_bounds_enclose_the_objective():
    X, y = _data(3, n=20, d=4, K=4)
    rng = np.random.default_rng(2)
    for norm, box, l1, l2 in THREATS:
        problem = MulticlassHingeProblem(X, y, 0.07, norm, box, l1, l2)
        W, b = rng.normal(size=(4, 4)), rng.normal(size=4)
        pb = primal_bounds(problem, W, b)
        exact = multiclass_objective_numpy(W, b, X, y, 0.07, norm, box, l1, l2)
        assert pb.lower <= exact * (1 + 1e-12) + 1e-15 and exact <= pb.upper * (1 + 1e-12) + 1e-15
        assert pb.upper - pb.lower <= 1e-10 * max(1.0, exact)


def test_a_perfectly_separated_class_still_verifies():
    """No multiplier touches class 0: its cut conditions hold with equality exactly (0 <= 0)."""
    rng = np.random.default_rng(5)
    y = np.arange(45) % 3
    X = rng.random((45, 4))
    X[y == 0, 2] += 10.0                                   # class 0 far away on feature 2
    X[:, 0] += 0.2 * y
    problem = MulticlassHingeProblem(X, y, 0.1)
    sol = solve(problem)
    assert sol.verified, sol.certificate.reason
    # the solver may leave rounding-size multipliers on class 0; the certificate is given exact zeros
    alpha = sol.dual.copy()
    assert np.abs(alpha[y == 0]).max() <= 1e-12 and np.abs(alpha[:, 0]).max() <= 1e-12
    alpha[y == 0] = 0.0
    alpha[:, 0] = 0.0
    cert = certify_multiclass(problem, sol.coef, sol.intercept, alpha)
    assert cert.verified, cert.reason
    assert sol.objective == pytest.approx(multiclass_cvxpy_optimum(X, y, 0.1), abs=1e-7)


def test_heuristic_dual_is_in_the_box_and_verifies_nothing_wrong():
    X, y = _data(6)
    problem = MulticlassHingeProblem(X, y, 0.05)
    sol = solve(problem)
    a = heuristic_dual(problem, sol.coef, sol.intercept)
    assert np.all(a >= 0) and np.all(a[np.arange(problem.n), y] == 0)
    assert np.all(a.sum(axis=1) <= problem.weights * (1 + 1e-12))
    cert = certify_multiclass(problem, sol.coef, sol.intercept, None)
    assert cert.dual <= multiclass_cvxpy_optimum(X, y, 0.05) + 1e-9


def test_bad_candidates_are_refused_with_a_reason():
    X, y = _data(7)
    problem = MulticlassHingeProblem(X, y, 0.05)
    W, b = np.zeros((3, 3)), np.zeros(3)
    assert not certify_multiclass(problem, W[:2], b).verified
    assert "shape" in certify_multiclass(problem, W[:2], b).reason
    W_nan = W.copy()
    W_nan[0, 0] = np.nan
    assert not certify_multiclass(problem, W_nan, b).verified
    with pytest.raises(ValueError):
        from robustcvx.certificate.multiclass.point import prepare
        prepare(problem, np.zeros((problem.n, 2)))
