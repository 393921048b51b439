"""Property tests (hypothesis) of exact certification and of the optimality certificate.

Certification of a linear model (:mod:`robustcvx.certify`, :mod:`robustcvx.attacks`):

* certified accuracy is non-increasing in epsilon;
* it equals the accuracy under the exact worst-case attack (up to samples whose worst-case
  margin is 0 to rounding: there the two may legitimately round differently);
* it is invariant to scaling ``(w, b)`` by a positive constant (up to radii that equal an
  epsilon to rounding).

The certificate (:mod:`robustcvx.certificate`):

* the gap is never below minus the tolerance (weak duality);
* a point whose objective exceeds the optimum by more than the tolerance never verifies, for
  any dual point offered with it;
* rescaling (by ``c >= 1``) an optimal point of a (robustly) separable problem still verifies.

The tolerance is the certificate's own: ``gap_tol * max(1, |P|)`` plus what the allowed dual
infeasibility ``feas_tol * max(1, eps)`` can add through ``<g, w>`` (at most that times ``||w||_1``).
Examples are drawn deterministically (``derandomize``) so that CI runs are reproducible.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from robustcvx.attacks import attacked_accuracy
from robustcvx.certificate import FEAS_TOL, GAP_TOL, certify_solution
from robustcvx.certify import certified_accuracy, certified_curve, certified_radii, worst_margins
from robustcvx.problems import RobustHingeProblem
from robustcvx.solvers import solve

FAST = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SOLVES = settings(max_examples=50, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

NORMS = st.sampled_from(["inf", "2", "1"])


@st.composite
def labelled(draw, n_max: int = 24, d_max: int = 6, unit_box: bool = False):
    """``(X, y)``: features in [0, 1] (``unit_box``) or [-2, 2], labels -1/+1."""
    n = draw(st.integers(2, n_max))
    d = draw(st.integers(1, d_max))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.random((n, d)) if unit_box else rng.uniform(-2, 2, size=(n, d))
    if draw(st.booleans()):  # quantised values: ties and repeated points
        X = np.round(X * 4) / 4
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return X, y


@st.composite
def linear_model(draw, d: int):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    w = rng.normal(size=d) * draw(st.sampled_from([0.1, 1.0, 10.0]))
    if draw(st.booleans()):
        w[rng.random(d) < 0.3] = 0.0  # sparse models
    return w, float(rng.normal())


@st.composite
def certification_case(draw):
    box = draw(st.booleans())
    norm = "inf" if box else draw(NORMS)
    X, y = draw(labelled(unit_box=box))
    w, b = draw(linear_model(X.shape[1]))
    eps = sorted(draw(st.lists(st.floats(0, 1.5, allow_nan=False), min_size=1, max_size=8)))
    return X, y, (w, b), eps, norm, ((0.0, 1.0) if box else None)


# --------------------------------------------------------------------------- certification


@FAST
@given(certification_case())
def test_certified_accuracy_is_non_increasing_in_epsilon(case):
    X, y, model, eps, norm, box = case
    acc = certified_accuracy(model, X, y, eps, norm, box)
    assert np.all(np.diff(acc) <= 0)
    assert 0.0 <= acc[-1] <= acc[0] <= 1.0
    curve = certified_curve(model, X, y, norm, box)  # the exact step function agrees at every radius
    assert np.array_equal(curve(eps), acc)
    # at a breakpoint eps = r_i the sample is no longer certified (its worst margin is 0)
    r = certified_radii(model, X, y, norm, box)
    at = np.unique(r[np.isfinite(r) & (r >= 0)])[:6]
    if at.size:
        acc_at = certified_accuracy(model, X, y, at, norm, box)
        assert np.array_equal(acc_at, curve(at))
        assert np.array_equal(acc_at, [np.mean(r > e) for e in at])


@FAST
@given(certification_case())
def test_certified_accuracy_equals_the_exact_attack(case):
    X, y, model, eps, norm, box = case
    n = len(y)
    for e in eps:
        cert = certified_accuracy(model, X, y, e, norm, box)
        att = attacked_accuracy(model, X, y, e, norm, box)
        m = worst_margins(model, X, y, e, norm, box)
        scale = 1.0 + np.abs(X).max() * (np.abs(model[0]).sum() + 1.0) + abs(model[1])
        ties = int(np.sum(np.abs(m) <= 1e-9 * scale))
        assert abs(cert - att) * n <= ties + 1e-9, (e, cert, att, ties)


@FAST
@given(certification_case(), st.floats(1e-3, 1e3), st.integers(-20, 20))
def test_certified_accuracy_is_invariant_to_positive_scaling(case, c, k):
    X, y, (w, b), eps, norm, box = case
    n = len(y)
    r = certified_radii((w, b), X, y, norm, box)
    acc = certified_accuracy((w, b), X, y, eps, norm, box)
    # a power of two scales every product exactly: identical radii, identical accuracy
    two = 2.0 ** k
    assert np.array_equal(certified_radii((two * w, two * b), X, y, norm, box), r)
    assert np.array_equal(certified_accuracy((two * w, two * b), X, y, eps, norm, box), acc)
    # any c > 0: the same radii to rounding, the same accuracy except where a radius equals an epsilon
    rc = certified_radii((c * w, c * b), X, y, norm, box)
    finite = np.isfinite(r)
    assert np.array_equal(np.isfinite(rc), finite) and np.array_equal(np.sign(rc[~finite]), np.sign(r[~finite]))
    assert np.allclose(rc[finite], r[finite], rtol=1e-9, atol=1e-12)
    acc_c = certified_accuracy((c * w, c * b), X, y, eps, norm, box)
    for e, a, ac in zip(eps, acc, acc_c):
        near = int(np.sum(np.abs(r[finite] - e) <= 1e-9 * max(1.0, e) + 1e-12))
        assert abs(a - ac) * n <= near + 1e-9


# --------------------------------------------------------------------------- the certificate


@st.composite
def problem_case(draw, regularised: bool | None = None):
    box = draw(st.booleans())
    norm = "inf" if box else draw(NORMS)
    X, y = draw(labelled(n_max=20, d_max=4, unit_box=box))
    if len(set(y)) < 2:
        y[0] = -y[1] if len(y) > 1 else 1.0
        y[1] = -y[0]
    eps = draw(st.sampled_from([0.0, 0.01, 0.1, 0.3]))
    reg = draw(st.booleans()) if regularised is None else regularised
    l1 = draw(st.sampled_from([0.0, 0.01])) if reg else 0.0
    l2 = draw(st.sampled_from([0.0, 0.1])) if reg else 0.0
    return RobustHingeProblem(X, y, eps, norm, (0.0, 1.0) if box else None, l1, l2)


def _tolerance(problem: RobustHingeProblem, primal: float, *ws: np.ndarray) -> float:
    """What the certificate's tolerances allow: gap_tol * scale + feas_tol * s * ||w||_1."""
    slack = FEAS_TOL * max(1.0, problem.epsilon) * sum(float(np.abs(w).sum()) for w in ws)
    return GAP_TOL * max(1.0, abs(primal)) + slack


@SOLVES
@given(problem_case(), st.integers(0, 2**32 - 1))
def test_gap_is_never_below_minus_the_tolerance(problem, seed):
    sol = solve(problem, tie_break="none")
    assert sol.verified, sol.certificate.reason
    assert sol.certificate.gap >= -GAP_TOL * max(1.0, abs(sol.objective))
    rng = np.random.default_rng(seed)
    for _ in range(5):  # any other model, with the certified dual point
        w = sol.coef + rng.normal(size=problem.d) * rng.choice([1e-3, 0.1, 3.0])
        b = sol.intercept + rng.normal()
        cert = certify_solution(problem, w, b, sol.dual)
        assert cert.gap >= -_tolerance(problem, cert.primal, sol.coef, w)
    if problem.l2 > 0:  # every dual point is feasible: weak duality holds exactly
        for _ in range(5):
            alpha = rng.random(problem.n) / problem.n
            w, b = rng.normal(size=problem.d) * 2, rng.normal()
            cert = certify_solution(problem, w, b, alpha)
            assert cert.dual_infeasibility == 0.0
            assert cert.gap >= -1e-12 * max(1.0, abs(cert.primal))


@SOLVES
@given(problem_case(), st.integers(0, 2**32 - 1))
def test_a_suboptimal_point_never_verifies(problem, seed):
    sol = solve(problem, tie_break="none")
    assume(sol.verified)
    rng = np.random.default_rng(seed)
    tried = 0
    for _ in range(8):
        size = rng.choice([1e-6, 1e-4, 1e-2, 1.0])
        w = sol.coef + rng.normal(size=problem.d) * size
        b = sol.intercept + rng.normal() * size
        excess = problem.objective(w, b) - sol.objective
        if excess <= 3 * _tolerance(problem, sol.objective, sol.coef, w):
            continue  # not measurably worse than the optimum
        tried += 1
        offers = [sol.dual, None, rng.random(problem.n) / problem.n,
                  np.clip(sol.dual + rng.normal(size=problem.n) * 1e-3 / problem.n, 0, None)]
        for alpha in offers:
            cert = certify_solution(problem, w, b, alpha)
            assert not cert.verified, (excess, cert)
            assert cert.reason
    assume(tried > 0)
    # the optimum itself, offered with its own dual point, does verify
    assert certify_solution(problem, sol.coef, sol.intercept, sol.dual).verified


@st.composite
def separable_case(draw):
    box = draw(st.booleans())
    norm = "inf" if box else draw(NORMS)
    d = draw(st.integers(1, 5))
    n = draw(st.integers(4, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w0 = rng.normal(size=d)
    X = rng.random((n, d)) if box else rng.uniform(-2, 2, size=(n, d))
    s = X @ w0
    b0 = -float(np.median(s))
    s = s + b0
    keep = np.abs(s) >= 0.25 * np.abs(s).max()
    X, s = X[keep], s[keep]
    y = np.sign(s)
    assume((y > 0).any() and (y < 0).any())
    eps = draw(st.sampled_from([0.0, 0.01, 0.05]))
    return RobustHingeProblem(X, y, eps, norm, (0.0, 1.0) if box else None)


@SOLVES
@given(separable_case(), st.lists(st.floats(1.0, 1e3), min_size=1, max_size=4))
def test_rescaled_optimum_of_a_separable_problem_still_verifies(problem, scales):
    sol = solve(problem)
    assume(sol.verified and sol.degenerate)  # robustly separable: zero loss is optimal
    assert sol.objective <= GAP_TOL and sol.tie_break in ("max-margin", None)
    for c in scales:
        for alpha in (np.zeros(problem.n), sol.dual, None):
            cert = certify_solution(problem, c * sol.coef, c * sol.intercept, alpha)
            assert cert.verified and cert.degenerate, (c, cert)
    assert pytest.approx(0.0, abs=GAP_TOL) == problem.objective(10 * sol.coef, 10 * sol.intercept)


def test_an_overflowing_point_never_verifies():
    """Objective NaN/inf (overflow) must fail the certificate, not slip through a NaN comparison."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), np.where(np.arange(20) % 2, 1.0, -1.0)
    problem = RobustHingeProblem(X, y)
    with np.errstate(all="ignore"):
        for w, b in ((np.array([1e308, 1e308, -1e308]), 1e308), (np.array([1e300, -1e300, 1e300]), 0.0)):
            for alpha in (np.zeros(20), None):
                cert = certify_solution(problem, w, b, alpha)
                assert not cert.verified and cert.reason
