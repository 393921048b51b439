"""Exact multiclass certification and attack (robustcvx.pairs through certify / attacks) against the
definition computed by loops (tests/reference.py) and a projected-gradient attack written in numpy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from robustcvx import attacks, certify
from robustcvx.errors import DataError
from robustcvx.problems import MulticlassHingeProblem
from robustcvx.solvers import solve

from reference import multiclass_pgd_accuracy, multiclass_worst_margins_numpy

THREATS = [("inf", None), ("2", None), ("1", None), ("inf", (0.0, 1.5))]


def _model(seed: int, K: int = 4, n: int = 60, d: int = 5):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, size=n)
    X = rng.random((n, d))
    X[np.arange(n), y % d] += 0.5
    W = rng.normal(size=(K, d))
    W[np.arange(K), np.arange(K) % d] += 2.0
    b = 0.3 * rng.normal(size=K)
    return W, b, X, y


@pytest.mark.parametrize(("norm", "box"), THREATS)
@pytest.mark.parametrize("eps", [0.0, 0.03, 0.1, 0.3])
def test_worst_margins_match_the_definition(norm, box, eps):
    W, b, X, y = _model(1)
    got = certify.worst_margins((W, b), X, y, eps, norm, box)
    want = multiclass_worst_margins_numpy(W, b, X, y, eps, norm, box)
    assert np.allclose(got, want, atol=1e-12)
    acc = certify.certified_accuracy((W, b), X, y, eps, norm, box)
    assert acc == pytest.approx(np.mean(want > 0))


@pytest.mark.parametrize(("norm", "box"), THREATS)
def test_radii_are_where_the_worst_margin_changes_sign(norm, box):
    W, b, X, y = _model(2)
    r = certify.certified_radii((W, b), X, y, norm, box)
    for i in range(X.shape[0]):
        if 0 < r[i] < np.inf:
            below = multiclass_worst_margins_numpy(W, b, X[i:i + 1], y[i:i + 1], r[i] * (1 - 1e-7), norm, box)
            above = multiclass_worst_margins_numpy(W, b, X[i:i + 1], y[i:i + 1], r[i] * (1 + 1e-7), norm, box)
            assert below[0] > -1e-9 and above[0] < 1e-9
        elif r[i] <= 0:
            assert multiclass_worst_margins_numpy(W, b, X[i:i + 1], y[i:i + 1], 0.0)[0] <= 0
    curve = certify.certified_curve((W, b), X, y, norm, box)
    for e in (0.0, 0.02, 0.07, 0.2):
        assert curve(e) == pytest.approx(np.mean(r > e))


@pytest.mark.parametrize(("norm", "box"), THREATS)
@pytest.mark.parametrize("eps", [0.03, 0.1, 0.3])
def test_exact_attack_reaches_certified_accuracy_and_pgd_cannot_beat_it(norm, box, eps):
    W, b, X, y = _model(3)
    cert = certify.certified_accuracy((W, b), X, y, eps, norm, box)
    att = attacks.attacked_accuracy((W, b), X, y, eps, norm, box)
    assert att == pytest.approx(cert)
    X_adv = attacks.worst_case_attack((W, b), eps, norm, box)(X, y)
    delta = X_adv - X
    size = {"inf": np.abs(delta).max(axis=1), "2": np.linalg.norm(delta, axis=1),
            "1": np.abs(delta).sum(axis=1)}[norm]
    assert np.all(size <= eps * (1 + 1e-12))
    if box is not None:
        assert X_adv.min() >= box[0] and X_adv.max() <= box[1]
    pgd = multiclass_pgd_accuracy(W, b, X, y, eps, norm, box)
    assert pgd >= cert - 1e-12                      # no attack can do better than the exact one


def test_solved_model_is_certified_like_the_attack_says():
    _, _, X, y = _model(4, K=3, n=45, d=4)
    sol = solve(MulticlassHingeProblem(X, y, 0.05))
    for eps in (0.0, 0.05, 0.1):
        cert = certify.certified_accuracy((sol.coef, sol.intercept), X, y, eps)
        assert attacks.attacked_accuracy((sol.coef, sol.intercept), X, y, eps) == pytest.approx(cert)
        assert multiclass_pgd_accuracy(sol.coef, sol.intercept, X, y, eps) >= cert - 1e-12


def test_labels_through_the_models_classes_and_sparse_data():
    W, b, X, y = _model(5, K=3)
    classes = np.array([3, 7, 9])
    model = {"coef": W.tolist(), "intercept": b.tolist(), "classes": classes.tolist()}
    a = certify.certified_accuracy(model, X, classes[y], 0.05)
    assert a == pytest.approx(certify.certified_accuracy((W, b), X, y, 0.05))
    assert certify.certified_accuracy(model, sp.csr_matrix(X), classes[y], 0.05) == pytest.approx(a)
    with pytest.raises(DataError, match="not one of the model's classes"):
        certify.certified_accuracy(model, X, y, 0.05)        # indices 0..2 are not the labels 3, 7, 9
