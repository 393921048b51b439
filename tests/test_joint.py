"""The joint working-set LP solver of the multiclass (Crammer-Singer) problem ("fast" in solve_multiclass):
its optima against the independent reference written from the math (tests/reference.py:
multiclass_cvxpy_optimum, cvxpy + Clarabel with per-sample norm atoms), each verified by the package's own
certificate; warm starts across epsilon and their data check."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from robustcvx.certificate.multiclass import certify_multiclass
from robustcvx.problems import MulticlassHingeProblem
from robustcvx.solvers import solve
from robustcvx.solvers.joint import JointState, solve_joint, supports
from robustcvx.solvers.joint.structure import cuts_for, median_shift

from reference import multiclass_cvxpy_optimum, multiclass_objective_numpy


def _data(seed: int, n: int = 48, d: int = 5, K: int = 3, spread: float = 0.35):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K
    X = rng.random((n, d))
    X[:, 0] += spread * y
    X[:, 1] += 0.5 * spread * (y == K - 1)
    return X / X.max(), y


def _fast(problem, **kw):
    sol = solve(problem, solver="fast", **kw)
    assert sol.solver == "fast", sol.attempts
    assert sol.verified, sol.certificate.reason
    return sol


CASES = [
    # norm, box, l1, eps
    ("inf", None, 0.0, 0.05),
    ("inf", None, 0.0, 0.0),
    ("1", None, 0.0, 0.05),
    ("inf", (0.0, 1.0), 0.0, 0.08),
    ("inf", None, 0.01, 0.05),
    ("1", None, 0.01, 0.05),
    ("inf", (0.0, 1.0), 0.01, 0.05),
]


@pytest.mark.parametrize("K", [3, 4])
@pytest.mark.parametrize(("norm", "box", "l1", "eps"), CASES)
def test_fast_optimum_matches_reference(K, norm, box, l1, eps):
    X, y = _data(K, K=K)
    problem = MulticlassHingeProblem(X, y, eps, norm, box, l1)
    assert supports(problem)
    sol = _fast(problem)
    ref = multiclass_cvxpy_optimum(X, y, eps, norm, box, l1)
    assert sol.objective == pytest.approx(ref, abs=1e-7, rel=1e-7)
    assert sol.objective == pytest.approx(
        multiclass_objective_numpy(sol.coef, sol.intercept, X, y, eps, norm, box, l1), abs=1e-12, rel=1e-12)
    assert sol.certificate.dual <= ref + 1e-9


@pytest.mark.parametrize(("norm", "box"), [("inf", None), ("1", None), ("inf", (0.0, 1.0))])
def test_sample_weights_and_sparse_features(norm, box):
    X, y = _data(11, K=3)
    X[X < 0.4] = 0.0
    w = np.random.default_rng(3).uniform(0.2, 3.0, X.shape[0])
    problem = MulticlassHingeProblem(sp.csr_matrix(X), y, 0.05, norm, box, 0.005, sample_weight=w)
    sol = _fast(problem)
    ref = multiclass_cvxpy_optimum(X, y, 0.05, norm, box, 0.005, weights=w)
    assert sol.objective == pytest.approx(ref, abs=1e-7, rel=1e-7)


def test_direct_answer_carries_certificate_multipliers():
    """solve_joint itself returns alpha in the certificate's convention: it proves the optimum."""
    X, y = _data(5, K=4)
    problem = MulticlassHingeProblem(X, y, 0.05)
    res = solve_joint(problem)
    assert res.status == "optimal"
    assert res.alpha.shape == (X.shape[0], 4) and np.all(res.alpha >= 0)
    assert np.all(res.alpha[np.arange(X.shape[0]), y] == 0)
    assert np.all(res.alpha.sum(axis=1) <= problem.weights * (1 + 1e-9))
    cert = certify_multiclass(problem, res.W, res.b, res.alpha)
    assert cert.verified, cert.reason
    assert float(res.alpha.sum()) == pytest.approx(multiclass_cvxpy_optimum(X, y, 0.05), abs=1e-7)


@pytest.mark.parametrize(("norm", "box", "l1"), [("inf", None, 0.0), ("1", None, 0.01), ("inf", (0.0, 1.0), 0.0)])
def test_stages_and_pruning_reach_the_reference_optimum(monkeypatch, norm, box, l1):
    """Small stages (a few samples per class first) and pruning every round: the loop still ends at the
    optimum of the full problem (the stopping test is the full one), verified."""
    from robustcvx.solvers.joint import driver

    monkeypatch.setattr(driver, "FIRST_STAGE", 2)
    monkeypatch.setattr(driver, "STAGE_GROWTH", 2)
    monkeypatch.setattr(driver, "SEED_ROWS", 6)
    monkeypatch.setattr(driver, "PRUNE_EVERY", 1)
    X, y = _data(21, n=72, d=6, K=4)
    problem = MulticlassHingeProblem(X, y, 0.05, norm, box, l1)
    res = driver.solve_joint(problem)
    assert res.status == "optimal" and res.info["pruned_rows"] + res.info["pruned_columns"] > 0
    assert res.info["rows"] < 72 * 3                     # a working set, not every pair row
    cert = certify_multiclass(problem, res.W, res.b, res.alpha)
    assert cert.verified, cert.reason
    ref = multiclass_cvxpy_optimum(X, y, 0.05, norm, box, l1)
    assert problem.objective(res.W, res.b) == pytest.approx(ref, abs=1e-7, rel=1e-7)


def test_admission_order_takes_every_class_in_proportion():
    from robustcvx.solvers.joint.driver import admission_order

    y = np.repeat([0, 1, 2], [40, 20, 60])
    order = admission_order(y)
    assert np.array_equal(np.sort(order), np.arange(y.size))
    for m in (12, 30, 60):
        counts = np.bincount(y[order[:m]], minlength=3)
        assert np.all(np.abs(counts - m * np.array([40, 20, 60]) / y.size) <= 1.5)
    first = order[:12][y[order[:12]] == 2]              # spread over the class, not its first samples
    assert first.max() - first.min() > 30


def test_separable_data_gets_max_margin_tie_break():
    X, y = _data(2, K=3, spread=3.0)
    problem = MulticlassHingeProblem(X, y, 0.01)
    sol = _fast(problem)
    assert sol.objective == pytest.approx(0.0, abs=1e-9)
    assert sol.tie_break == "max-margin"


def test_unsupported_problems_fall_back():
    X, y = _data(4, K=3)
    for problem in (MulticlassHingeProblem(X, y, 0.05, "2"), MulticlassHingeProblem(X, y, 0.05, l2=0.1)):
        assert not supports(problem)
        sol = solve(problem)
        assert sol.verified and sol.solver != "fast"


@pytest.mark.parametrize(("norm", "box"), [("inf", None), ("1", None), ("inf", (0.0, 1.0))])
def test_warm_start_across_epsilon_equals_cold(norm, box):
    X, y = _data(9, K=3)
    first = _fast(MulticlassHingeProblem(X, y, 0.02, norm, box))
    assert isinstance(first.warm_state, JointState)
    second = MulticlassHingeProblem(X, y, 0.06, norm, box)
    warm = _fast(second, warm_start=first)
    assert warm.attempts[0]["start"].startswith("warm")
    cold = _fast(MulticlassHingeProblem(X, y, 0.06, norm, box))
    assert cold.attempts[0]["start"] == "cold"
    assert warm.objective == pytest.approx(cold.objective, abs=1e-9)
    assert warm.objective == pytest.approx(multiclass_cvxpy_optimum(X, y, 0.06, norm, box), abs=1e-7)


def test_warm_start_on_other_data_is_not_reused():
    X, y = _data(9, K=3)
    first = _fast(MulticlassHingeProblem(X, y, 0.02))
    X2 = X.copy()
    X2[0, 0] = 0.5 * X2[0, 0] + 0.01                       # same shape and labels, other bytes
    sol = _fast(MulticlassHingeProblem(X2, y, 0.06), warm_start=first)
    assert sol.attempts[0]["start"] == "cold (warm start on other data)"
    assert sol.objective == pytest.approx(multiclass_cvxpy_optimum(X2, y, 0.06), abs=1e-7)


def test_cut_structure_is_the_co_area_formula():
    """Level sets of a weight column rebuild it with exact pair differences and the median-centred l1."""
    rng = np.random.default_rng(0)
    K = 5
    cuts = cuts_for(K)
    assert cuts.count == 2 ** K - 2
    w = rng.normal(size=K)
    levels = np.sort(w)
    S, lam = [], []
    for lo, hi in itertools.pairwise(levels):
        members = (w >= hi).astype(int)
        S.append(int((members << np.arange(K)).sum()) - 1)
        lam.append(hi - lo)
    S, lam = np.array(S), np.array(lam)
    W = cuts.weights(S, np.zeros(K - 1, dtype=np.int64), lam, 1)[:, 0]
    assert np.allclose(W - W[0], w - w[0])
    for e, (a, k) in enumerate(cuts.pairs):
        assert lam[cuts.cross[S, e]].sum() == pytest.approx(abs(w[a] - w[k]))
    assert (lam * cuts.size[S]).sum() == pytest.approx(np.abs(median_shift(w[:, None])).sum())
