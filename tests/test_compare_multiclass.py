"""compare() with K classes: the joint (Crammer-Singer) optimum against an independent cvxpy model, every
hinge run's gaps, the softmax rows, certified accuracy against a brute force, PGD = certified, class and
sample weights, the JSON record, determinism, sparse data, and ``robustcvx compare`` on a 3-class file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from robustcvx.compare import CompareResult, compare, parse_optimizers
from robustcvx.compare.tasks import training_rows
from robustcvx.data.task import MulticlassTask
from robustcvx.errors import DataError, OptionError

from conftest import REPO
from reference import (
    multiclass_cvxpy_optimum,
    multiclass_objective_numpy,
    multiclass_worst_margins_numpy,
    reference_optimum,
)

SMALL = dict(epochs=2, batch_size=16, attack_restarts=2)
THREATS = [("inf", None), ("inf", (0.0, 1.0)), ("2", None), ("1", None)]
RUNS = ["sgd", "adam", "fgsm", "pgd", "softmax-sgd", "softmax-pgd"]


def blobs(n=60, d=4, K=3, seed=0):
    """``K`` overlapping blobs in [0, 1]^d, labels 0..K-1."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K
    centres = rng.uniform(0.3, 0.7, size=(K, d))
    return np.clip(centres[y] + 0.12 * rng.normal(size=(n, d)), 0.0, 1.0), y


@pytest.fixture(scope="module")
def arrays():
    X, y = blobs(n=72, d=4, K=3, seed=1)
    return X[:48], y[:48], X[48:], y[48:]


def _check(res: CompareResult, X, y, Xe, ye, eps, norm, box, runs, weights=None, l1=0.0, l2=0.0):
    """Every row against references computed here from the math (loops over samples and classes)."""
    assert isinstance(res, CompareResult) and res.ok, res.errors
    assert res.n_classes == 3 and res.problem["n_classes"] == 3
    exact = res.models[0]
    assert exact.info["verified"] and exact.gap == 0.0 and exact.coef.shape == (3, X.shape[1])
    suffix = {"last": "", "best": ":best", "averaged": ":averaged"}
    assert [m.name for m in res.models[1:]] == [r + suffix[i] for r in runs for i in ("last", "best", "averaged")]
    for m in res.models:
        W, b = m.coef, m.intercept
        assert W.shape == (3, X.shape[1]) and np.shape(b) == (3,)
        assert m.objective == pytest.approx(multiclass_objective_numpy(W, b, X, y, eps, norm, box, l1, l2, weights),
                                            rel=1e-12, abs=1e-12)
        assert m.gap == m.objective - res.optimum and m.objective >= res.optimum - 1e-9
        worst = multiclass_worst_margins_numpy(W, b, Xe, ye, eps, norm, box)
        assert m.certified_accuracy == np.mean(worst > 0) == m.pgd_accuracy
        S = Xe @ W.T + b
        own = S[np.arange(len(ye)), ye].copy()
        S[np.arange(len(ye)), ye] = -np.inf
        assert m.accuracy == np.mean(own > S.max(axis=1))          # a tie is an error, as in certification
        assert m.distance_to_optimal_set is None
        assert m.loss == ("softmax" if m.kind.startswith("softmax") else "hinge")
    gaps = res.gaps()
    for run in runs:
        assert set(gaps[run]) == {"last", "best", "averaged"}
        rows = {m.iterate: m for m in res.models if m.run == run}
        trace = rows["last"].trace
        assert rows["best"].info["training_objective"] == min(r["training_objective"] for r in trace)
    json.dumps(res.to_dict(), allow_nan=False)


@pytest.mark.parametrize("norm, box", THREATS)
def test_three_classes_every_threat(arrays, norm, box):
    X, y, Xe, ye = arrays
    res = compare((X, y, Xe, ye), epsilon=0.05, norm=norm, box=box, optimizers=RUNS, **SMALL)
    assert res.optimum == pytest.approx(multiclass_cvxpy_optimum(X, y, 0.05, norm, box), abs=1e-6)
    _check(res, X, y, Xe, ye, 0.05, norm, box, RUNS)
    assert res.to_dict()["classes"] == [0, 1, 2] and res.evaluation == {"split": "test", "n": len(ye)}


def test_regularised_problem_and_the_softmax_rows(arrays):
    X, y, Xe, ye = arrays
    res = compare((X, y, Xe, ye), epsilon=0.05, l1=0.002, l2=0.05, optimizers="softmax-all", **SMALL)
    assert res.optimum == pytest.approx(multiclass_cvxpy_optimum(X, y, 0.05, l1=0.002, l2=0.05), abs=1e-6)
    _check(res, X, y, Xe, ye, 0.05, "inf", None, list(parse_optimizers("softmax-all")), l1=0.002, l2=0.05)
    soft = res.model("softmax-adam")
    assert soft.loss == "softmax" and soft.info["training_objective"] != soft.objective


def test_a_multiclass_task_records_its_classes_and_is_deterministic():
    X, y = blobs(n=60, d=3, seed=2)
    task = MulticlassTask("blobs3", "test", (3, 5, 7), X[:45], y[:45], X[45:], y[45:], "test", None)
    runs = [compare(task, epsilon=0.05, optimizers="sgd,softmax-pgd", **SMALL) for _ in range(2)]
    doc = runs[0].to_dict()
    assert doc["n_classes"] == 3 and doc["classes"] == [3, 5, 7] and doc["data"]["classes"] == [3, 5, 7]
    assert doc["data"]["n_classes"] == 3 and doc["problem"]["multiclass"] == "crammer-singer"
    assert runs[0].optimum == runs[1].optimum
    for m1, m2 in zip(runs[0].models, runs[1].models):
        assert np.array_equal(m1.coef, m2.coef) and m1.objective == m2.objective
        assert m1.certified_accuracy == m2.certified_accuracy and m1.pgd_accuracy == m2.pgd_accuracy


@pytest.mark.parametrize("class_weight, factors", [("balanced", None), ("1,2,3", [1.0, 2.0, 3.0]),
                                                   ({0: 1.0, 1: 2.0, 2: 3.0}, [1.0, 2.0, 3.0])])
def test_class_weights_give_the_weighted_optimum(class_weight, factors):
    X, y = blobs(n=50, d=3, seed=3)
    keep = (y != 2) | (np.arange(50) % 2 == 0)                   # fewer samples of class 2
    X, y = X[keep], y[keep]
    s = np.random.default_rng(4).uniform(0.5, 2.0, size=len(y))
    if factors is None:
        counts = np.bincount(y)
        factors = len(y) / (3 * counts)                           # scikit-learn's "balanced"
    weights = s * np.asarray(factors)[y]
    res = compare((X, y), epsilon=0.05, class_weight=class_weight, sample_weight=s, optimizers="sgd", **SMALL)
    assert res.problem["weighted"]
    assert res.optimum == pytest.approx(multiclass_cvxpy_optimum(X, y, 0.05, weights=weights), abs=1e-6)
    _check(res, X, y, X, y, 0.05, "inf", None, ["sgd"], weights=weights)


@pytest.mark.parametrize("class_weight, match", [
    ("1,2", "2 class weights given but the task has 3 classes"),
    ("1,2,3,4", "4 class weights given but the task has 3 classes"),
    ("1,0,2", "must be > 0"),
])
def test_class_weights_for_another_number_of_classes(class_weight, match):
    X, y = blobs(n=30, d=3, seed=5)
    with pytest.raises(OptionError, match=match) as info:
        compare((X, y), epsilon=0.05, class_weight=class_weight, **SMALL)
    assert "\n" not in str(info.value)


def test_a_sparse_task_compares_like_its_dense_copy():
    X, y = blobs(n=60, d=5, seed=6)
    X[X < 0.45] = 0.0
    opts = dict(epsilon=0.05, box=(0, 1), optimizers="sgd,softmax-pgd", **SMALL)
    dense = compare((X[:40], y[:40], X[40:], y[40:]), **opts)
    sparse = compare((sp.csr_matrix(X[:40]), y[:40], sp.csr_matrix(X[40:]), y[40:]), **opts)
    assert sparse.ok and sparse.optimum == pytest.approx(dense.optimum, abs=1e-9)
    for a, b in zip(dense.models[1:], sparse.models[1:]):
        np.testing.assert_allclose(a.coef, b.coef, atol=1e-5)


def test_an_untargeted_attack_that_falls_short_is_a_warning_and_one_that_overshoots_an_error(arrays, monkeypatch):
    import robustcvx.baselines.attack as attack

    X, y, Xe, ye = arrays
    exact = attack.pgd_accuracy
    monkeypatch.setattr(attack, "pgd_accuracy", lambda *a, **k: min(1.0, exact(*a, **k) + 0.25))
    weak = compare((X, y, Xe, ye), epsilon=0.05, optimizers="sgd", attack_targets="max", **SMALL)
    assert weak.ok and weak.warnings and "untargeted" in weak.warnings[0]
    strict = compare((X, y, Xe, ye), epsilon=0.05, optimizers="sgd", **SMALL)       # targets "all": exact
    assert not strict.ok and "PGD accuracy" in strict.errors[0]
    monkeypatch.setattr(attack, "pgd_accuracy", lambda *a, **k: exact(*a, **k) - 0.25)
    low = compare((X, y, Xe, ye), epsilon=0.05, optimizers="sgd", attack_targets="max", **SMALL)
    assert not low.ok and "the attack or the certificate is wrong" in low.errors[0]


def test_bad_multiclass_inputs():
    X, y = blobs(n=30, d=3, seed=7)
    with pytest.raises(DataError, match="labels -1/\\+1 \\(two classes\\) or class indices"):
        compare((X, y % 2), epsilon=0.05, **SMALL)                 # 0/1 labels: neither binary form nor K >= 3
    with pytest.raises(DataError, match="not one of the model's classes"):
        compare((X, y, X, y + 3), epsilon=0.05, **SMALL)
    with pytest.raises(OptionError, match="unknown optimizer 'softmax-newton'"):
        compare((X, y), epsilon=0.05, optimizers="softmax-newton", **SMALL)
    with pytest.raises(OptionError, match="unknown attack targets"):
        compare((X, y), epsilon=0.05, attack_targets="each", **SMALL)


# -------------------------------------------------------------------------------- max_train: a subsample
@pytest.mark.parametrize("K", [2, 3])
def test_max_train_keeps_a_seeded_stratified_subsample(K):
    X, y = blobs(n=60, d=3, K=3, seed=11)
    if K == 2:
        y = np.where(y == 0, -1, 1)                                   # 20 of class -1, 40 of class +1
    rows = training_rows(y, 25, seed=3)
    assert rows.shape == (25,) and np.array_equal(rows, np.unique(rows)) and rows.max() < 60
    for c in np.unique(y):                                             # each class keeps its share, +-1
        assert abs(np.sum(y[rows] == c) - 25 * np.mean(y == c)) < 1
    assert np.array_equal(rows, training_rows(y, 25, seed=3))
    assert not np.array_equal(rows, training_rows(y, 25, seed=4))
    assert training_rows(y, 60, seed=3) is None and training_rows(y, None, seed=3) is None
    sw = np.random.default_rng(12).uniform(0.5, 2.0, size=60)
    res = compare((X, y), epsilon=0.05, max_train=25, seed=3, sample_weight=sw, optimizers="sgd", **SMALL)
    assert res.ok, res.errors
    if K == 2:
        ref = reference_optimum(X[rows], y[rows], 0.05, weights=sw[rows])
    else:
        ref = multiclass_cvxpy_optimum(X[rows], y[rows], 0.05, weights=sw[rows])
    assert res.optimum == pytest.approx(ref, rel=1e-6, abs=1e-8)
    assert res.problem["n"] == 25 and res.evaluation == {"split": "train", "n": 60}   # evaluated on every row
    assert res.settings["max_train"] == 25
    exact = res.models[0]
    assert exact.objective == pytest.approx(res.optimum, abs=0)


def test_max_train_keeps_every_class():
    y = np.array([0] * 40 + [1] * 18 + [2] * 2)
    rows = training_rows(y, 4, seed=0)
    assert sorted(np.bincount(y[rows]).tolist()) == [1, 1, 2]
    rows = training_rows(y, 3, seed=0)
    assert np.bincount(y[rows]).tolist() == [1, 1, 1]
    with pytest.raises(OptionError, match="max train 2 is below the 3 classes"):
        training_rows(y, 2, seed=0)
    X = np.random.default_rng(0).uniform(size=(60, 3))
    with pytest.raises(DataError, match="one weight per training sample"):
        compare((X, y), epsilon=0.05, max_train=10, sample_weight=np.ones(59), **SMALL)


def test_parse_softmax_names():
    assert parse_optimizers("softmax") == ("softmax-sgd",)
    assert parse_optimizers("sgd softmax-pgd, softmax") == ("sgd", "softmax-pgd", "softmax-sgd")
    assert parse_optimizers("softmax-all") == ("softmax-sgd", "softmax-adam", "softmax-fgsm", "softmax-pgd")


# -------------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def npz3(tmp_path_factory):
    X, y = blobs(n=72, d=4, seed=8)
    path = tmp_path_factory.mktemp("cmp3") / "three.npz"
    np.savez(path, X_train=X[:54], y_train=y[:54] + 4, X_test=X[54:], y_test=y[54:] + 4)   # labels 4, 5, 6
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "robustcvx", "compare", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=300)


def test_cli_table_and_json(npz3, tmp_path):
    r = _cli("--data", f"npz:{npz3}", "--epsilon", "0.05", "--optimizer", "sgd", "softmax-pgd", "--epochs", "2",
             "--batch-size", "16", "--save", str(tmp_path / "cmp.json"))
    assert r.returncode == 0, r.stderr
    assert "3 classes (4, 5, 6)" in r.stdout and "joint (Crammer-Singer) robust hinge" in r.stdout
    for name in ("exact", "sgd:averaged", "softmax-pgd:best"):
        assert name in r.stdout
    assert "softmax-* rows are trained on the cross-entropy" in r.stdout and "!" not in r.stdout.split("\n\n")[1]
    doc = json.loads((tmp_path / "cmp.json").read_text())
    assert doc["ok"] and doc["n_classes"] == 3 and doc["classes"] == [4, 5, 6]
    assert np.array(doc["models"][0]["coef"]).shape == (3, 4) and len(doc["models"][0]["intercept"]) == 3
    r = _cli("--data", f"npz:{npz3}", "--epsilon", "0.05", "--epochs", "1", "--attack-targets", "max", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1])["settings"]["attack"]["targets"] == "max"
    r = _cli("--data", f"npz:{npz3}", "--epsilon", "0.05", "--epochs", "1", "--max-train", "20", "--seed", "2")
    assert r.returncode == 0, r.stderr
    assert "20 x 4 training samples (stratified subsample of 54, seed 2), 3 classes (4, 5, 6)" in r.stdout


@pytest.mark.parametrize("args, match", [
    (["--class-weight", "1,2"], "2 class weights given but the task has 3 classes"),
    (["--class-weight", "1,2,x"], "class weight"),
    (["--optimizer", "softmax-newton"], "unknown optimizer"),
    (["--attack-targets", "each"], "unknown attack targets"),
    (["--box", "0,0.5"], "does not contain the data"),
    (["--max-train", "0"], "max train must be >= 1"),
    (["--max-train", "2"], "max train 2 is below the 3 classes"),
])
def test_cli_bad_multiclass_inputs_exit_2_with_one_line(npz3, args, match):
    r = _cli("--data", f"npz:{npz3}", "--epsilon", "0.05", "--epochs", "1", *args)
    assert r.returncode == 2, r.stderr
    assert match in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert r.stdout == ""
