"""Property tests (hypothesis) of exact certification and of the optimality certificate.

Certification of a linear model (:mod:`robustcvx.certify`, :mod:`robustcvx.attacks`):

* certified accuracy is non-increasing in epsilon;
* it equals the accuracy under the exact worst-case attack (up to samples whose worst-case
  margin is 0 to rounding: there the two may legitimately round differently);
* it is invariant to scaling ``(w, b)`` by a positive constant (up to radii that equal an
  epsilon to rounding).

Solving and certifying (:mod:`robustcvx.solvers`, :mod:`robustcvx.certificate`): random problems of
every kind (threats inf/2/1, epsilon 0, small, large and "w = 0 optimal", the box, l1, l2, separable
and not) are solved as given and in six rescaled or offset copies (``x -> c (x - m)`` leaves the
optimum unchanged): the verified optima agree to ``1e-7`` relative, an independent reference
(:mod:`reference`, written from the math) is never better than a verified answer by more than
``1e-7``, the degeneracy flags and the max-margin tie-breaks agree, and at most 1 in 20 answers is
unverified, each with its reason.

Examples are drawn deterministically (``derandomize``) so that CI runs are reproducible.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from robustcvx.attacks import attacked_accuracy
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


# --------------------------------------------------------------------------- scale and offset invariance

#: (name, scale c, offset m): the copy x = m + c z of unit-scale data z, with eps, box, l1, l2 moved along
COPIES = (("unit", 1.0, 0.0), ("1e-9", 1e-9, 0.0), ("1e-6", 1e-6, 0.0), ("1e-3", 1e-3, 0.0), ("1e4", 1e4, 0.0),
          ("1+1e-6z", 1e-6, 1.0), ("1e4+1e-2z", 1e-2, 1e4))
RUN = {"total": 0, "unverified": 0}


@st.composite
def problem_family(draw):
    """Unit-scale data and options of every kind (see the module docstring)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    box = draw(st.booleans()) and draw(st.booleans())
    norm = "inf" if box else draw(NORMS)
    n, d = draw(st.integers(6, 30)), draw(st.integers(1, 4))
    Z = rng.random((n, d)) if box else rng.normal(size=(n, d))
    if draw(st.booleans()):
        Z = np.round(Z * 4) / 4                                   # ties and repeated points
    separable = draw(st.booleans())
    s = Z @ rng.normal(size=d) + (0.0 if separable else 0.8) * rng.normal(size=n)
    y = np.where(s > np.median(s), 1.0, -1.0)
    if separable:
        keep = np.abs(s - np.median(s)) > 0.2 * np.abs(s - np.median(s)).max()
        Z, y = Z[keep], y[keep]
    assume((y > 0).any() and (y < 0).any())
    eps = draw(st.sampled_from([0.0, 0.01, 0.1, 0.3, 1e6]))      # 1e6: w = 0 is optimal
    if box and eps > 1:
        eps = 0.3
    l1 = draw(st.sampled_from([0.0, 0.0, 0.01]))
    l2 = draw(st.sampled_from([0.0, 0.0, 0.1]))
    return Z, y, eps, norm, (0.0, 1.0) if box else None, l1, l2


def _copy(Z, y, eps, norm, box, l1, l2, c, m):
    box_c = None if box is None else (m + c * box[0], m + c * box[1])
    return RobustHingeProblem(m + c * Z, y, eps * c, norm, box_c, l1 * c, l2 * c * c)


@SOLVES
@given(problem_family())
def test_every_copy_of_a_problem_has_the_same_verified_optimum(case):
    from reference import reference_optimum

    Z, y, eps, norm, box, l1, l2 = case
    found = {}
    for name, c, m in COPIES:
        problem = _copy(Z, y, eps, norm, box, l1, l2, c, m)
        sol = solve(problem)
        RUN["total"] += 1
        if not sol.verified:
            RUN["unverified"] += 1
            assert sol.certificate.reason, name                   # every unverified answer says why
            continue
        assert sol.certificate.gap >= 0 and sol.certificate.dual <= sol.certificate.primal_upper
        # the model in unit coordinates: f = w.(m + c z) + b = (c w).z + (b + w.m)
        w_unit = c * sol.coef
        found[name] = (sol.objective, sol.degenerate, problem.threat.dual_norm(w_unit) if sol.degenerate else None)
    assert RUN["unverified"] <= max(1, RUN["total"] // 20), RUN
    assume(found)
    values = [v[0] for v in found.values()]
    scale = max(1.0, max(abs(v) for v in values))
    assert max(values) - min(values) <= 1e-7 * scale, found
    ref = reference_optimum(Z, y, eps, norm, box, l1, l2)
    assert ref >= min(values) - 1e-7 * max(1.0, abs(ref)), (ref, found)
    assert len({v[1] for v in found.values()}) == 1, found        # the same degeneracy flag
    sizes = [v[2] for v in found.values() if v[2] is not None]
    if sizes:                                                     # the same max-margin tie-break (its size)
        assert max(sizes) - min(sizes) <= 1e-6 * max(sizes), found
