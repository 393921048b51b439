import numpy as np
import pytest
from conftest import make_blobs
from reference import linprog_optimum
from sklearn.utils.estimator_checks import check_estimator

from robustcvx.errors import DataError
from robustcvx.estimator import RobustHingeClassifier


def test_check_estimator():
    # check_array_api_input is skipped by scikit-learn itself unless SCIPY_ARRAY_API=1 is set
    # before scipy is imported; the estimator converts inputs to float64 numpy arrays (the
    # convex solvers run on numpy), so array-API namespaces are out of scope.
    results = check_estimator(RobustHingeClassifier(), on_fail=None)
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


def test_multiclass_is_rejected_with_a_clear_message():
    X, y = make_blobs(n=30, d=3)
    with pytest.raises(ValueError, match="Only binary"):
        RobustHingeClassifier().fit(X, np.arange(30) % 3)
    with pytest.raises(DataError, match="one class"):
        RobustHingeClassifier().fit(X, np.zeros(30))


def test_robust_model_is_sparser_and_more_certifiable(mnist01):
    X, y = mnist01.X_train, mnist01.y_train
    reg = RobustHingeClassifier(epsilon=0.0).fit(X, y)
    rob = RobustHingeClassifier(epsilon=0.2).fit(X, y)
    assert reg.certificate_.verified and rob.certificate_.verified
    assert np.count_nonzero(np.abs(rob.coef_) > 1e-9) < np.count_nonzero(np.abs(reg.coef_) > 1e-9)
    assert rob.certified_accuracy(X, y, 0.2) > reg.certified_accuracy(X, y, 0.2)
