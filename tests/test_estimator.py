import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

from robustcvx.errors import DataError, OptionError
from robustcvx.estimator import RobustHingeClassifier

from conftest import make_blobs
from reference import linprog_optimum, multiclass_cvxpy_optimum, multiclass_worst_margins_numpy


def test_check_estimator():
    # check_array_api_input is skipped by scikit-learn itself unless SCIPY_ARRAY_API=1 is set
    # before scipy is imported; the estimator converts inputs to float64 numpy arrays (the
    # convex solvers run on numpy), so array-API namespaces are out of scope.
    results = check_estimator(RobustHingeClassifier(), on_fail=None,
                              expected_failed_checks=RobustHingeClassifier.EXPECTED_FAILED_CHECKS)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert not failed
    assert sum(r["status"] == "passed" for r in results) >= 50


def test_fit_predict_with_arbitrary_labels_and_certificate():
    X, y = make_blobs(n=80, d=5, sep=0.5, seed=9)
    labels = np.where(y > 0, "cat", "dog")
    clf = RobustHingeClassifier(epsilon=0.1).fit(X, labels)
    assert list(clf.classes_) == ["cat", "dog"]
    assert clf.certificate_.verified
    signed = np.where(labels == "dog", 1.0, -1.0)   # classes_[1] is the positive class
    assert clf.objective_ == pytest.approx(linprog_optimum(X, signed, 0.1), abs=1e-7)
    assert set(clf.predict(X)) <= {"cat", "dog"}
    assert np.array_equal(clf.predict(X) == "dog", clf.decision_function(X) > 0)
    assert clf.coef_.shape == (1, 5) and clf.intercept_.shape == (1,)
    assert 0 <= clf.certified_accuracy(X, labels) <= clf.score(X, labels)


@pytest.mark.parametrize("multiclass", ["crammer-singer", "ovr"])
def test_three_classes_like_linear_svc(multiclass):
    rng = np.random.default_rng(3)
    idx = np.arange(60) % 3
    X = rng.random((60, 4))
    X[:, 0] += 0.4 * idx
    labels = np.array(["ant", "bee", "cat"])[idx]
    clf = RobustHingeClassifier(epsilon=0.05, multiclass=multiclass).fit(X, labels)
    assert clf.coef_.shape == (3, 4) and clf.intercept_.shape == (3,) and list(clf.classes_) == ["ant", "bee", "cat"]
    assert clf.certificate_.verified
    scores = X @ clf.coef_.T + clf.intercept_
    assert np.array_equal(clf.decision_function(X), scores)
    assert np.array_equal(clf.predict(X), clf.classes_[scores.argmax(axis=1)])
    if multiclass == "crammer-singer":
        assert clf.objective_ == pytest.approx(multiclass_cvxpy_optimum(X, idx, 0.05), abs=1e-7)
    else:
        refs = [linprog_optimum(X, np.where(idx == k, 1.0, -1.0), 0.05) for k in range(3)]
        assert clf.objective_ == pytest.approx(np.mean(refs), abs=1e-7)
    want = np.mean(multiclass_worst_margins_numpy(clf.coef_, clf.intercept_, X, idx, 0.05) > 0)
    assert clf.certified_accuracy(X, labels) == pytest.approx(want)
    with pytest.raises(DataError, match="outside the fitted classes"):
        clf.certified_accuracy(X, np.where(idx == 0, "dog", labels))


def test_unknown_multiclass_option_is_refused():
    X = np.random.default_rng(0).random((9, 2))
    with pytest.raises(OptionError, match="unknown multiclass"):
        RobustHingeClassifier(multiclass="ovo").fit(X, np.arange(9) % 3)


def test_robust_model_is_sparser_and_more_certifiable(mnist01):
    X, y = mnist01.X_train, mnist01.y_train
    reg = RobustHingeClassifier(epsilon=0.0).fit(X, y)
    rob = RobustHingeClassifier(epsilon=0.2).fit(X, y)
    assert reg.certificate_.verified and rob.certificate_.verified
    assert np.count_nonzero(np.abs(rob.coef_) > 1e-9) < np.count_nonzero(np.abs(reg.coef_) > 1e-9)
    assert rob.certified_accuracy(X, y, 0.2) > reg.certified_accuracy(X, y, 0.2)


# --------------------------------------------------------------------------- weights and sparse input
def test_integer_sample_weights_give_the_optimal_value_of_repeated_rows():
    rng = np.random.default_rng(3)
    X, y = make_blobs(n=40, d=4, sep=0.4, seed=5)
    k = rng.integers(0, 4, size=40)
    k[:2] = [1, 2]                                           # both classes keep some weight
    rep = np.repeat(np.arange(40), k)
    for eps, norm in ((0.0, "inf"), (0.1, "inf"), (0.1, "2"), (0.05, "1")):
        weighted = RobustHingeClassifier(epsilon=eps, norm=norm).fit(X, y, sample_weight=k)
        repeated = RobustHingeClassifier(epsilon=eps, norm=norm).fit(X[rep], y[rep])
        assert weighted.certificate_.verified and repeated.certificate_.verified
        assert weighted.objective_ == pytest.approx(repeated.objective_, abs=1e-8)


def test_class_weight_balanced_equals_its_sample_weights_and_the_reference():
    from reference import cvxpy_optimum

    X, y = make_blobs(n=50, d=3, sep=0.3, seed=6)
    y[:12] = 1.0                                              # unbalanced: 31 positives, 19 negatives
    clf = RobustHingeClassifier(epsilon=0.05, class_weight="balanced").fit(X, y)
    counts = {c: np.sum(y == c) for c in (-1.0, 1.0)}
    s = np.array([len(y) / (2 * counts[v]) for v in y])
    assert clf.objective_ == pytest.approx(cvxpy_optimum(X, y, 0.05, "inf", weights=s), abs=1e-7)
    assert clf.objective_ == pytest.approx(
        RobustHingeClassifier(epsilon=0.05).fit(X, y, sample_weight=s).objective_, abs=1e-9)
    with pytest.raises(DataError, match="class_weight"):
        RobustHingeClassifier(class_weight={7: 1.0}).fit(X, y)


def test_sparse_input_gives_the_dense_optimum():
    import scipy.sparse as sp

    rng = np.random.default_rng(8)
    X = rng.random((80, 12)) * (rng.random((80, 12)) < 0.3)
    y = np.where(X[:, 0] + X[:, 1] + 0.2 * rng.normal(size=80) > 0.3, 1, 0)
    for kw in (dict(epsilon=0.05), dict(epsilon=0.05, norm="2"), dict(epsilon=0.05, box=(0, 1)), dict(l2=0.1)):
        dense = RobustHingeClassifier(**kw).fit(X, y)
        sparse = RobustHingeClassifier(**kw).fit(sp.csr_matrix(X), y)
        assert sparse.certificate_.verified
        assert sparse.objective_ == pytest.approx(dense.objective_, abs=1e-9)
        assert np.array_equal(sparse.predict(sp.csr_matrix(X)), sparse.predict(X))
        assert sparse.certified_accuracy(sp.csr_matrix(X), y) == sparse.certified_accuracy(X, y)
