import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robustcvx.attacks import attacked_accuracy, worst_case_attack
from robustcvx.certify import certified_accuracy, certified_curve, certified_radii, worst_margins

from conftest import make_blobs
from reference import pgd_accuracy

CASES = [("inf", None), ("inf", (0.0, 1.0)), ("2", None), ("1", None)]


@pytest.mark.parametrize("norm, box", CASES)
def test_certified_equals_exact_attack_equals_pgd(norm, box):
    X, y = make_blobs(n=200, d=10, sep=0.8, seed=3, signed=False)
    w = np.random.default_rng(0).normal(size=10)
    b = -0.5 * w.sum()
    for eps in (0.0, 0.01, 0.05, 0.1, 0.3):
        c = certified_accuracy((w, b), X, y, eps, norm, box)
        a = attacked_accuracy((w, b), X, y, eps, norm, box)
        g = pgd_accuracy(w, b, X, y, eps, norm, box)
        assert c == a == g, (eps, c, a, g)


@pytest.mark.parametrize("norm, box", CASES)
def test_curve_matches_pointwise_accuracy_and_breakpoints_are_radii(norm, box):
    X, y = make_blobs(n=120, d=6, sep=0.8, seed=4, signed=False)
    w = np.random.default_rng(1).normal(size=6)
    b = -0.5 * w.sum()
    curve = certified_curve((w, b), X, y, norm, box)
    grid = np.concatenate([np.linspace(0, 1, 57), curve.breakpoints, curve.breakpoints - 1e-9])
    grid = grid[grid >= 0]
    assert np.array_equal(curve(grid), certified_accuracy((w, b), X, y, grid, norm, box))
    r = certified_radii((w, b), X, y, norm, box)
    assert set(curve.breakpoints) <= set(r)
    assert np.all(np.diff(curve.levels) < 0)


def test_box_radius_against_brute_force_corners():
    rng = np.random.default_rng(0)
    X = rng.random((25, 3))
    y = np.where(rng.random(25) < 0.5, -1.0, 1.0)
    w, b = np.array([1.0, -0.7, 0.3]), -0.2
    r = certified_radii((w, b), X, y, "inf", (0, 1))
    for i in range(25):
        for eps in np.linspace(0, 1.2, 49):
            low, up = np.maximum(-eps, -X[i]), np.minimum(eps, 1 - X[i])
            worst = min(y[i] * ((X[i] + np.where(np.array(c) == 1, up, low)) @ w + b)
                        for c in itertools.product((0, 1), repeat=3))
            assert (worst > 0) == (eps < r[i]) or abs(eps - r[i]) < 1e-9


def test_worst_case_perturbations_respect_the_threat():
    X, y = make_blobs(n=30, d=5, signed=False)
    w, b = np.array([1.0, -2, 0, 0.5, 3]), 0.1
    for norm, box in CASES:
        Xa = worst_case_attack((w, b), 0.2, norm, box)(X, y)
        ord_ = {"inf": np.inf, "2": 2, "1": 1}[norm]
        assert np.all(np.linalg.norm(Xa - X, ord=ord_, axis=1) <= 0.2 + 1e-12)
        if box:
            assert Xa.min() >= 0 and Xa.max() <= 1
        assert np.allclose(y * (Xa @ w + b), worst_margins((w, b), X, y, 0.2, norm, box))


def test_any_linear_model_is_accepted():
    from sklearn.svm import LinearSVC
    X, y = make_blobs(n=40, d=3, sep=1.0)
    clf = LinearSVC().fit(X, y)
    w, b = clf.coef_[0], clf.intercept_[0]
    assert certified_accuracy(clf, X, y, 0.1) == certified_accuracy((w, b), X, y, 0.1)
    assert certified_accuracy({"coef": list(w), "intercept": b}, X, y, 0.1) == certified_accuracy((w, b), X, y, 0.1)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.01, 100), norm=st.sampled_from(["inf", "2", "1"]),
       box=st.booleans())
def test_properties_monotone_scale_invariant_and_equal_to_attack(seed, scale, norm, box):
    box = (0.0, 1.0) if (box and norm == "inf") else None
    rng = np.random.default_rng(seed)
    X = rng.random((30, 4))
    y = np.where(rng.random(30) < 0.5, -1.0, 1.0)
    w, b = rng.normal(size=4), rng.normal()
    eps = np.sort(rng.random(6) * 0.5)
    acc = certified_accuracy((w, b), X, y, eps, norm, box)
    assert np.all(np.diff(acc) <= 0)
    assert np.array_equal(acc, certified_accuracy((scale * w, scale * b), X, y, eps, norm, box))
    for e, a in zip(eps, acc):
        assert a == attacked_accuracy((w, b), X, y, e, norm, box)
