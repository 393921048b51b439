"""Multiclass exact training: the joint (Crammer-Singer) and one-vs-rest optima against independent
references written from the math (tests/reference.py: cvxpy + Clarabel, per-sample norm atoms), each
verified by the package's own certificate."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from robustcvx.problems import MulticlassHingeProblem
from robustcvx.solvers import solve
from robustcvx.solvers.ovr import solve_ovr

from reference import multiclass_cvxpy_optimum, multiclass_objective_numpy, reference_optimum


def _data(seed: int, n: int = 36, d: int = 4, K: int = 3, spread: float = 0.35):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K
    X = rng.random((n, d))
    X[:, 0] += spread * y
    X[:, 1] += 0.5 * spread * (y == K - 1)
    return X, y


CASES = [
    # norm, box, l1, l2, eps
    ("inf", None, 0.0, 0.0, 0.05),
    ("inf", None, 0.0, 0.0, 0.0),
    ("2", None, 0.0, 0.0, 0.05),
    ("1", None, 0.0, 0.0, 0.05),
    ("inf", (0.0, 2.0), 0.0, 0.0, 0.08),
    ("inf", None, 0.01, 0.0, 0.05),
    ("2", None, 0.0, 0.1, 0.05),
    ("1", None, 0.01, 0.1, 0.05),
    ("inf", (0.0, 2.0), 0.0, 0.05, 0.1),
]


@pytest.mark.parametrize("K", [3, 4])
@pytest.mark.parametrize(("norm", "box", "l1", "l2", "eps"), CASES)
def test_joint_optimum_matches_reference(K, norm, box, l1, l2, eps):
    X, y = _data(K, K=K)
    problem = MulticlassHingeProblem(X, y, eps, norm, box, l1, l2)
    sol = solve(problem)
    assert sol.verified, sol.certificate.reason
    assert sol.coef.shape == (K, X.shape[1]) and sol.intercept.shape == (K,)
    ref = multiclass_cvxpy_optimum(X, y, eps, norm, box, l1, l2)
    assert sol.objective == pytest.approx(ref, abs=1e-7, rel=1e-7)
    # the reported objective is the model's, recomputed by the definition
    assert sol.objective == pytest.approx(
        multiclass_objective_numpy(sol.coef, sol.intercept, X, y, eps, norm, box, l1, l2), abs=1e-12, rel=1e-12)
    # a proven lower bound never exceeds the optimum
    assert sol.certificate.dual <= ref + 1e-9


@pytest.mark.parametrize(("norm", "box", "l1", "l2", "eps"), CASES[:5])
def test_ovr_is_k_binary_optima(norm, box, l1, l2, eps):
    X, y = _data(7, K=3)
    sol = solve_ovr(X, y, 3, eps, norm, box, l1, l2)
    assert sol.verified, sol.certificate.reason
    refs = [reference_optimum(X, np.where(y == k, 1.0, -1.0), eps, norm, box, l1, l2) for k in range(3)]
    assert sol.objective == pytest.approx(np.mean(refs), abs=1e-7)
    for k, s in enumerate(sol.solutions):
        assert s.objective == pytest.approx(refs[k], abs=1e-7)
    assert np.allclose(sol.coef, np.stack([s.coef for s in sol.solutions]))


def test_weighted_joint_optimum():
    X, y = _data(3)
    w = np.random.default_rng(0).integers(1, 4, size=y.size).astype(float)
    sol = solve(MulticlassHingeProblem(X, y, 0.05, sample_weight=w))
    assert sol.verified
    assert sol.objective == pytest.approx(multiclass_cvxpy_optimum(X, y, 0.05, weights=w), abs=1e-7)
    # integer weights equal repeated rows
    rows = np.repeat(np.arange(y.size), w.astype(int))
    dup = solve(MulticlassHingeProblem(X[rows], y[rows], 0.05))
    assert dup.objective == pytest.approx(sol.objective, abs=1e-8)


def test_two_classes_joint_equals_binary():
    """With K = 2 the joint problem is the binary one in w = w_1 - w_0 (same optimal value)."""
    X, y = _data(5, K=2)
    joint = solve(MulticlassHingeProblem(X, y, 0.05, n_classes=2))
    assert joint.verified
    binary = reference_optimum(X, np.where(y == 1, 1.0, -1.0), 0.05)
    assert joint.objective == pytest.approx(binary, abs=1e-7)


def test_sparse_equals_dense():
    X, y = _data(9)
    X[X < 0.5] = 0.0
    dense = solve(MulticlassHingeProblem(X, y, 0.05))
    sparse = solve(MulticlassHingeProblem(sp.csr_matrix(X), y, 0.05))
    assert dense.verified and sparse.verified
    assert sparse.objective == pytest.approx(dense.objective, abs=1e-8)


def test_huge_radius_gives_the_constant_model():
    X, y = _data(2)
    sol = solve(MulticlassHingeProblem(X, y, 50.0))
    assert sol.verified and sol.solver == "zero-model"
    assert np.all(sol.coef == 0)
    assert sol.objective == pytest.approx(multiclass_cvxpy_optimum(X, y, 50.0), abs=1e-7)


def test_separable_data_gets_the_max_margin_tie_break():
    rng = np.random.default_rng(4)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    y = np.arange(30) % 3
    X = centres[y] + 0.3 * rng.random((30, 2))
    problem = MulticlassHingeProblem(X, y, 0.1)
    sol = solve(problem)
    assert sol.verified and sol.certificate.degenerate and sol.tie_break == "max-margin"
    assert sol.objective <= 1e-8
    assert np.allclose(sol.coef.sum(axis=0), 0, atol=1e-9) and abs(sol.intercept.sum()) < 1e-9
    # no zero-loss model has a smaller largest pairwise ||w_a - w_k||_1 (scaling the solver's vertex down
    # until some sample's robust margin hits 1 can only be as small, never smaller)
    size = max(np.abs(sol.coef[a] - sol.coef[k]).sum() for a in range(3) for k in range(3) if a != k)
    vertex = solve(problem, tie_break="none")
    assert vertex.tie_break is None and vertex.verified
    size_v = max(np.abs(vertex.coef[a] - vertex.coef[k]).sum() for a in range(3) for k in range(3) if a != k)
    assert size <= size_v + 1e-9


def test_offset_and_scale_invariance():
    X, y = _data(11)
    base = solve(MulticlassHingeProblem(X, y, 0.05))
    for scale, offset in ((1e-5, 0.0), (1e4, 0.0), (1.0, 1e4), (1e-3, 50.0)):
        sol = solve(MulticlassHingeProblem(X * scale + offset, y, 0.05 * scale))
        assert sol.verified, (scale, offset, sol.certificate.reason)
        assert sol.objective == pytest.approx(base.objective, abs=1e-7)
