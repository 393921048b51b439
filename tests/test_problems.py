import numpy as np
import pytest

from robustcvx.errors import DataError, InputTypeError, OptionError
from robustcvx.problems import RobustHingeProblem

from conftest import make_blobs


def test_objective_is_the_mean_robust_hinge_with_dual_norm_penalty():
    X, y = make_blobs(n=30, d=4)
    w, b = np.array([0.5, -1.0, 0.25, 0.0]), 0.3
    m = y * (X @ w + b)
    for norm, q in (("inf", np.abs(w).sum()), ("2", np.linalg.norm(w)), ("1", np.abs(w).max())):
        p = RobustHingeProblem(X, y, 0.2, norm, l1=0.1, l2=0.4)
        expect = np.mean(np.maximum(0, 1 - m + 0.2 * q)) + 0.1 * np.abs(w).sum() + 0.2 * w @ w
        assert p.objective(w, b) == pytest.approx(expect, rel=1e-14)


def test_box_penalty_is_the_worst_corner():
    rng = np.random.default_rng(1)
    X = rng.random((6, 3))
    y = np.array([1, -1, 1, -1, 1, -1.0])
    w = np.array([1.0, -2.0, 0.5])
    p = RobustHingeProblem(X, y, 0.3, "inf", box=(0, 1))
    import itertools
    L = np.maximum(-0.3, -X)
    U = np.minimum(0.3, 1 - X)
    for i in range(6):
        best = max(-y[i] * w @ np.where(np.array(c) == 1, U[i], L[i]) for c in itertools.product((0, 1), repeat=3))
        assert p.penalty(w)[i] == pytest.approx(best, abs=1e-15)


def test_box_penalty_is_smaller_than_the_free_one():
    rng = np.random.default_rng(2)
    X = rng.random((50, 8)) ** 3  # many pixels near 0: the box cuts the adversary
    y = np.where(rng.random(50) < 0.5, -1.0, 1.0)
    w = rng.normal(size=8)
    free = RobustHingeProblem(X, y, 0.2).penalty(w)
    boxed = RobustHingeProblem(X, y, 0.2, box=(0, 1)).penalty(w)
    assert np.all(boxed <= free + 1e-15) and np.any(boxed < free - 1e-6)


@pytest.mark.parametrize("kwargs, err", [
    (dict(epsilon=-0.1), OptionError),
    (dict(epsilon=float("nan")), OptionError),
    (dict(epsilon="abc"), InputTypeError),
    (dict(norm="3"), OptionError),
    (dict(box=(1, 0)), OptionError),
    (dict(box=(0, 1), norm="2"), OptionError),
    (dict(box=(0.2, 0.3)), OptionError),   # does not contain the data
    (dict(l1=-1), OptionError),
])
def test_bad_parameters_raise_value_errors(kwargs, err):
    X, y = make_blobs(n=10, d=3, signed=False)
    with pytest.raises(err):
        RobustHingeProblem(X, y, **kwargs)


def test_bad_data_raise_data_errors():
    X, y = make_blobs(n=10, d=3)
    with pytest.raises(DataError, match="NaN"):
        RobustHingeProblem(np.where(X > 1, np.nan, X), y)
    with pytest.raises(DataError, match="must match"):
        RobustHingeProblem(X, y[:-1])
    with pytest.raises(DataError, match="one class"):
        RobustHingeProblem(X, np.ones(10))
    with pytest.raises(DataError, match="2-D"):
        RobustHingeProblem(X[:, 0], y)
    with pytest.raises(DataError, match="-1 and \\+1"):
        RobustHingeProblem(X, (y > 0).astype(float) * 2)


def test_problem_kind():
    X, y = make_blobs(n=10, d=3)
    assert RobustHingeProblem(X, y, 0.1, "inf").kind == "LP"
    assert RobustHingeProblem(X, y, 0.1, "1").kind == "LP"
    assert RobustHingeProblem(X, y, 0.1, "2").kind == "SOCP"
    assert RobustHingeProblem(X, y, 0.0, "2").kind == "LP"
    assert RobustHingeProblem(X, y, 0.1, "inf", l2=1).kind == "QP"


def test_threat_distances_are_the_threat_norm():
    """``Threat.distances`` (used by the robust-error bound) is ``||diff||_p`` along the last axis;
    the box keeps the l_inf distance."""
    from robustcvx.threats import make_threat

    diff = np.random.default_rng(0).normal(size=(3, 4, 6))
    for norm, ord_ in (("inf", np.inf), ("2", 2), ("1", 1)):
        got = make_threat(0.1, norm).distances(diff)
        assert got.shape == (3, 4)
        assert np.allclose(got, np.linalg.norm(diff, ord=ord_, axis=-1), rtol=1e-14, atol=0)
    assert np.array_equal(make_threat(0.1, "inf", (0.0, 1.0)).distances(diff), np.abs(diff).max(axis=-1))
