"""Sparse inputs, the svmlight format, and sample weights (the real-data issue).

* a sparse problem and its dense copy give the same verified optimum, for every threat;
* ``svmlight:`` and sparse ``npz:`` specs read back exactly what was written;
* weighted problems equal an independent weighted reference written from the math, and integer
  weights equal duplicated rows.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file

from robustcvx.cli import main
from robustcvx.data import load_task, save_npz_task
from robustcvx.problems import RobustHingeProblem
from robustcvx.solvers import solve

from reference import cvxpy_optimum

THREATS = [("inf", None), ("2", None), ("1", None), ("inf", (0.0, 1.0))]


def _sparse_data(seed=0, n=90, d=15, density=0.25):
    rng = np.random.default_rng(seed)
    X = np.round(rng.random((n, d)) * 8) / 8 * (rng.random((n, d)) < density)     # exactly representable
    y = np.where(X[:, 0] + X[:, 1] - X[:, 2] + 0.2 * rng.normal(size=n) > 0.1, 1.0, -1.0)
    return X, y


@pytest.mark.parametrize("norm,box", THREATS)
@pytest.mark.parametrize("eps,l1,l2", [(0.0, 0.0, 0.0), (0.05, 0.0, 0.0), (0.05, 0.01, 0.0), (0.05, 0.0, 0.1)])
def test_a_sparse_problem_has_the_dense_optimum(norm, box, eps, l1, l2):
    X, y = _sparse_data()
    dense = solve(RobustHingeProblem(X, y, eps, norm, box, l1, l2))
    sparse = solve(RobustHingeProblem(sp.csr_matrix(X), y, eps, norm, box, l1, l2))
    assert dense.verified and sparse.verified, sparse.certificate.reason
    assert sp.issparse(RobustHingeProblem(sp.csc_matrix(X), y).X)            # kept sparse (as CSR)
    assert sparse.objective == pytest.approx(dense.objective, abs=1e-9)


@pytest.mark.parametrize("zero_based", [True, False])
def test_svmlight_round_trip(tmp_path, zero_based):
    X, y = _sparse_data(1)
    Xt, yt = _sparse_data(2, n=30)
    labels = np.where(y > 0, 7, 3)
    dump_svmlight_file(sp.csr_matrix(X), labels, str(tmp_path / "train.svm"), zero_based=zero_based)
    dump_svmlight_file(sp.csr_matrix(Xt), np.where(yt > 0, 7, 3), str(tmp_path / "test.svm"), zero_based=zero_based)
    task = load_task(f"svmlight:{tmp_path}/train.svm,{tmp_path}/test.svm:3,7")
    assert sp.issparse(task.X_train) and task.n == 90 and task.n_test == 30
    width = task.d
    assert np.array_equal(task.X_train.toarray()[:, :15], X) and not task.X_train.toarray()[:, 15:].any()
    assert np.array_equal(task.X_test.toarray()[:, :15], Xt) and width >= 15
    assert np.array_equal(task.y_train, y) and np.array_equal(task.y_test, yt)
    with pytest.raises(ValueError, match="svmlight file not found"):
        load_task(f"svmlight:{tmp_path}/missing.svm")
    (tmp_path / "bad.svm").write_text("1 a:b\n")
    with pytest.raises(ValueError, match="svmlight"):
        load_task(f"svmlight:{tmp_path}/bad.svm")


def test_sparse_npz_round_trip(tmp_path):
    X, y = _sparse_data(3)
    labels = (y > 0).astype(int)
    save_npz_task(tmp_path / "s.npz", sp.csr_matrix(X), labels, sp.csr_matrix(X[:20]), labels[:20])
    task = load_task(f"npz:{tmp_path}/s.npz")
    assert sp.issparse(task.X_train) and np.array_equal(task.X_train.toarray(), X) and task.n_test == 20
    sp.save_npz(tmp_path / "plain.npz", sp.csr_matrix(X))                        # scipy's own layout + labels
    np.savez(tmp_path / "plain2.npz", **dict(np.load(tmp_path / "plain.npz")), y_train=(y > 0).astype(int))
    assert np.array_equal(load_task(f"npz:{tmp_path}/plain2.npz").X_train.toarray(), X)


def test_the_cli_solves_an_svmlight_file(tmp_path, capsys):
    X, y = _sparse_data(4)
    dump_svmlight_file(sp.csr_matrix(X), (y > 0).astype(int), str(tmp_path / "d.svm"))
    assert main(["solve", "--data", f"svmlight:{tmp_path}/d.svm", "--epsilon", "0.05", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["certificate"]["verified"] and rec["data"]["sparse"] is True
    assert rec["objective"] == pytest.approx(solve(RobustHingeProblem(X, y, 0.05)).objective, abs=1e-9)


@pytest.mark.parametrize("norm,box", THREATS)
def test_weighted_problems_equal_the_weighted_reference(norm, box):
    X, y = _sparse_data(5, density=0.6)
    s = np.random.default_rng(6).random(X.shape[0]) * 3 + 0.1
    for eps, l1, l2 in ((0.0, 0.0, 0.0), (0.05, 0.0, 0.0), (0.05, 0.01, 0.1)):
        sol = solve(RobustHingeProblem(X, y, eps, norm, box, l1, l2, sample_weight=s))
        assert sol.verified, sol.certificate.reason
        ref = cvxpy_optimum(X, y, eps, norm, box, l1, l2, weights=s)
        assert sol.objective == pytest.approx(ref, abs=1e-7), (eps, l1, l2)


@pytest.mark.parametrize("norm,box", THREATS)
def test_integer_weights_equal_duplicated_rows(norm, box):
    X, y = _sparse_data(7, n=50, density=0.6)
    k = np.random.default_rng(8).integers(0, 4, size=50)
    k[y > 0][:1] = 1
    k[np.flatnonzero(y > 0)[0]] = k[np.flatnonzero(y < 0)[0]] = 1
    rep = np.repeat(np.arange(50), k)
    for eps in (0.0, 0.05):
        w = solve(RobustHingeProblem(X, y, eps, norm, box, sample_weight=k))
        d = solve(RobustHingeProblem(X[rep], y[rep], eps, norm, box))
        assert w.verified and d.verified
        assert w.objective == pytest.approx(d.objective, abs=1e-9)
