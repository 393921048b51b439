"""Projection onto the set of exact optima, checked on problems whose optimal set is explicit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from robustcvx.errors import OptionError
from robustcvx.optimal_set import distance_to_optimal_set, project_onto_optimal_set
from robustcvx.problems import RobustHingeProblem
from robustcvx.solvers import solve

from conftest import make_blobs

TOL = 1e-9  # a tight level set, so distances match the closed forms to ~1e-6


def test_separable_1d_optimal_set_is_a_polyhedral_cone():
    # x = -1 (y = -1), x = +1 (y = +1): zero loss iff w + b >= 1 and w - b >= 1
    p = RobustHingeProblem(np.array([[-1.0], [1.0]]), np.array([-1.0, 1.0]))
    assert distance_to_optimal_set(p, [0.0], 0.0, 0.0, TOL) == pytest.approx(1.0, abs=1e-6)
    # (0.5, 2) violates only w - b >= 1: projection (1.75, 0.75), distance 2.5 / sqrt(2)
    proj = project_onto_optimal_set(p, [0.5], 2.0, 0.0, TOL)
    assert proj.distance == pytest.approx(2.5 / math.sqrt(2), abs=1e-6)
    assert proj.coef[0] == pytest.approx(1.75, abs=1e-6) and proj.intercept == pytest.approx(0.75, abs=1e-6)
    assert proj.objective <= TOL + 1e-9
    # any point of the cone is inside (distance 0, nothing solved)
    inside = project_onto_optimal_set(p, [5.0], 1.0, 0.0, TOL)
    assert inside.inside and inside.distance == 0.0


def test_robust_1d_optimal_set_shrinks_with_epsilon():
    # with the l_inf threat eps = 0.5: zero loss iff 0.5 w >= 1 + |b| (w > 0), i.e. w >= 2 + 2|b|
    p = RobustHingeProblem(np.array([[-1.0], [1.0]]), np.array([-1.0, 1.0]), epsilon=0.5)
    assert distance_to_optimal_set(p, [0.0], 0.0, 0.0, TOL) == pytest.approx(2.0, abs=1e-6)
    # from (2, 1): the nearest point of {w - 2|b| >= 2} is on w - 2b = 2: distance 2 / sqrt(5)
    assert distance_to_optimal_set(p, [2.0], 1.0, 0.0, TOL) == pytest.approx(2 / math.sqrt(5), abs=1e-6)


def test_non_separable_optimal_face():
    # x = 1 with both labels, x = -1 with y = -1: optimum 2/3 on {|w + b| <= 1, w - b >= 1}
    p = RobustHingeProblem(np.array([[1.0], [1.0], [-1.0]]), np.array([1.0, -1.0, -1.0]))
    sol = solve(p)
    assert sol.objective == pytest.approx(2 / 3, abs=1e-9)
    # from (-2, 0): in rotated coordinates the nearest point is (-1/sqrt2, 1/sqrt2): distance sqrt(5)
    proj = project_onto_optimal_set(p, [-2.0], 0.0, sol.objective, TOL)
    assert proj.distance == pytest.approx(math.sqrt(5), abs=1e-6)
    assert proj.coef[0] == pytest.approx(0.0, abs=1e-6) and proj.intercept == pytest.approx(-1.0, abs=1e-6)
    # a point on the face is at distance 0, wherever the solver's vertex is
    assert distance_to_optimal_set(p, [0.8], -0.3, sol.objective) == 0.0


def test_distance_to_the_set_not_to_the_vertex():
    # feature 2 is always 0: every (w1, w2, b) with w1 >= 1 + |b| is optimal, whatever w2
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0], [-2.0, 0.0]])
    y = np.array([1.0, -1.0, 1.0, -1.0])
    p = RobustHingeProblem(X, y)
    sol = solve(p)  # max-margin vertex: w2 = 0
    w0, b0 = np.array([0.0, 5.0]), 0.0
    d = distance_to_optimal_set(p, w0, b0, sol.objective, TOL)
    assert d == pytest.approx(1.0, abs=1e-6)
    assert np.linalg.norm(np.r_[w0 - sol.coef, b0 - sol.intercept]) > 5.0


@pytest.mark.filterwarnings("ignore:Solution may be inaccurate")  # the reference solve, at tight tolerances
@pytest.mark.parametrize("norm, box, l1, l2", [
    ("inf", None, 0.0, 0.0), ("inf", (0.0, 1.0), 0.0, 0.0), ("inf", (0.0, 1.0), 0.02, 0.05),
    ("2", None, 0.0, 0.0), ("2", None, 0.01, 0.1), ("1", None, 0.0, 0.0), ("1", None, 0.0, 0.2),
])
def test_projection_matches_an_independent_formulation(norm, box, l1, l2):
    import cvxpy as cp

    X, y = make_blobs(n=30, d=4, sep=0.5, seed=21, signed=False)
    p = RobustHingeProblem(X, y, 0.1, norm, box, l1, l2)
    sol = solve(p)
    rng = np.random.default_rng(5)
    w0, b0 = sol.coef + rng.normal(size=4), sol.intercept + 0.5
    proj = project_onto_optimal_set(p, w0, b0, sol.objective, 1e-7, hint=(sol.coef, sol.intercept))
    assert proj.status in ("optimal", "optimal_inaccurate")
    # the same set written with cp.pos and the penalty as a plain expression (Clarabel, no working set)
    w, b = cp.Variable(4), cp.Variable()
    if box is not None:
        L, U = p.threat.bounds(p.X)
        v = -cp.multiply(y[:, None], np.ones((30, 1)) @ cp.reshape(w, (1, 4), order="C"))
        pen = cp.sum(cp.maximum(cp.multiply(v, L), cp.multiply(v, U)), axis=1)
    else:
        pen = 0.1 * cp.norm(w, {"inf": 1, "2": 2, "1": "inf"}[norm])
    P = cp.sum(cp.pos(1 - cp.multiply(y, X @ w + b) + pen)) / 30 + l1 * cp.norm1(w) + l2 / 2 * cp.sum_squares(w)
    ref = cp.Problem(cp.Minimize(cp.sum_squares(w - w0) + cp.square(b - b0)), [sol.objective + 1e-7 >= P])
    ref.solve(solver="CLARABEL", tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9)
    assert proj.distance == pytest.approx(math.sqrt(ref.value), rel=1e-5, abs=1e-6)
    assert proj.objective <= sol.objective + 1e-7 + 1e-8
    # never farther than the solver's own optimum
    assert proj.distance <= np.linalg.norm(np.r_[w0 - sol.coef, b0 - sol.intercept]) + 1e-8


def test_working_set_gives_the_full_answer():
    X, y = make_blobs(n=60, d=5, sep=0.4, seed=22)
    p = RobustHingeProblem(X, y, 0.2)
    sol = solve(p)
    w0, b0 = 1.5 * sol.coef + 0.05, sol.intercept
    full = project_onto_optimal_set(p, w0, b0, sol.objective, band=np.inf)
    assert full.working_set == 60 and full.rounds == 1
    for band in (0.0, 0.05, 0.5):
        for hint in (None, (sol.coef, sol.intercept)):
            small = project_onto_optimal_set(p, w0, b0, sol.objective, band=band, hint=hint)
            assert small.working_set < 60
            assert small.distance == pytest.approx(full.distance, rel=1e-6)
    # a bad hint (far from optimal) only costs rounds
    bad = project_onto_optimal_set(p, w0, b0, sol.objective, hint=(-sol.coef, -sol.intercept))
    assert bad.distance == pytest.approx(full.distance, rel=1e-6)
    # guessing from w0 alone (no hint) with band 0 guesses every sample, and some guesses fail
    assert project_onto_optimal_set(p, w0, b0, sol.objective, band=0.0).rounds >= 2


def test_exact_solution_is_in_its_optimal_set_and_inputs_are_checked():
    X, y = make_blobs(n=30, d=3, sep=0.5, seed=23)
    p = RobustHingeProblem(X, y, 0.1)
    sol = solve(p)
    assert distance_to_optimal_set(p, sol.coef, sol.intercept, sol.objective) == 0.0
    with pytest.raises(OptionError, match="weights"):
        distance_to_optimal_set(p, np.zeros(4), 0.0, sol.objective)
    with pytest.raises(OptionError, match="NaN"):
        distance_to_optimal_set(p, np.full(3, np.nan), 0.0, sol.objective)
