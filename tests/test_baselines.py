"""PyTorch baselines: options, the per-epoch trace, determinism, and the PGD attack vs the certificate."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from conftest import make_blobs

from robustcvx.baselines import (
    BaselineConfig,
    BaselineResult,
    SGDHingeClassifier,
    pgd_accuracy,
    pgd_margins,
    train_baseline,
)
from robustcvx.baselines.attack import project_l1_ball
from robustcvx.certify import certified_accuracy
from robustcvx.errors import OptionError
from robustcvx.problems import RobustHingeProblem

FAST = dict(epochs=3, batch_size=16)


def unit_blobs(n=48, d=6, seed=0, sep=0.8):
    X, y = make_blobs(n=n, d=d, sep=sep, seed=seed, signed=False)  # features scaled into [0, 1]
    return X, y


THREATS = [("inf", None), ("inf", (0.0, 1.0)), ("2", None), ("1", None)]


# ------------------------------------------------------------------------------ options
@pytest.mark.parametrize("kwargs, match", [
    (dict(optimizer="lbfgs"), "unknown optimizer"),
    (dict(epochs=-1), "epochs must be >= 0"),
    (dict(batch_size=0), "batch size must be >= 1"),
    (dict(batch_size=-5), "batch size must be >= 1"),
    (dict(lr=0), "learning rate must be > 0"),
    (dict(lr=float("nan")), "learning rate must be finite"),
    (dict(schedule="linear"), "unknown schedule"),
    (dict(device="tpu"), "unknown device"),
    (dict(pgd_steps=0), "pgd steps must be >= 1"),
    (dict(momentum=1.0), "momentum must be in"),
    (dict(seed=-1), "seed must be >= 0"),
])
def test_bad_options_raise_one_line_option_errors(kwargs, match):
    with pytest.raises(OptionError, match=match) as info:
        BaselineConfig(**kwargs)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_config_normalises_names_and_numbers():
    cfg = BaselineConfig(optimizer=" PGD ", epochs="4", lr="0.05", schedule="Cosine")
    assert (cfg.optimizer, cfg.epochs, cfg.lr, cfg.schedule) == ("pgd", 4, 0.05, "cosine")
    assert cfg.to_dict()["optimizer"] == "pgd"


def test_cuda_without_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("checks the error for device='cuda' on a machine without a GPU; this one has a GPU")
    X, y = unit_blobs()
    with pytest.raises(OptionError, match="no GPU"):
        train_baseline(RobustHingeProblem(X, y, 0.1), BaselineConfig(device="cuda", **FAST))


# -------------------------------------------------------------------------------- trace
def test_trace_has_one_row_per_epoch_with_recomputed_numbers():
    X, y = unit_blobs(n=60, d=5, seed=1)
    Xe, ye = unit_blobs(n=30, d=5, seed=2)
    problem = RobustHingeProblem(X, y, 0.05, l1=0.01)
    optimum = 0.25  # any number: the gaps are objective - optimum
    res = train_baseline(problem, BaselineConfig(epochs=4, batch_size=10, lr=0.1), optimum=optimum,
                         eval_data=(Xe, ye))
    assert isinstance(res, BaselineResult) and res.name == "sgd"
    assert [r["epoch"] for r in res.trace] == [1, 2, 3, 4]
    keys = {"epoch", "objective", "gap", "rel_gap", "accuracy", "certified_accuracy", "l1_norm", "small_weights"}
    assert all(keys <= set(r) for r in res.trace)
    last = res.trace[-1]
    w, b = res.coef, res.intercept
    assert last["objective"] == res.objective == problem.objective(w, b)
    assert last["gap"] == pytest.approx(res.objective - optimum, abs=0)
    assert last["rel_gap"] == pytest.approx((res.objective - optimum) / optimum)
    assert last["accuracy"] == np.mean(ye * (Xe @ w + b) > 0)
    assert last["certified_accuracy"] == certified_accuracy((w, b), Xe, ye, 0.05, "inf")
    assert last["l1_norm"] == pytest.approx(np.abs(w).sum())
    assert last["small_weights"] == np.count_nonzero(np.abs(w) < 1e-6)
    assert res.seconds > 0 and res.coef.dtype == np.float64 and res.coef.shape == (5,)


def test_trace_without_optimum_and_rel_gap_at_zero_optimum():
    X, y = unit_blobs()
    problem = RobustHingeProblem(X, y, 0.0)
    assert all(r["gap"] is None and r["rel_gap"] is None for r in train_baseline(problem, BaselineConfig(**FAST)).trace)
    res = train_baseline(problem, BaselineConfig(**FAST), optimum=0.0)  # separable: relative gap undefined
    assert res.trace[-1]["gap"] == res.objective and res.trace[-1]["rel_gap"] is None


def test_zero_epochs_reports_the_initial_model():
    X, y = unit_blobs()
    problem = RobustHingeProblem(X, y, 0.1)
    res = train_baseline(problem, BaselineConfig(epochs=0, init="zeros"))
    assert res.trace == [] and not res.coef.any() and res.intercept == 0.0 and res.objective == 1.0


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "fgsm", "pgd"])
@pytest.mark.parametrize("norm, box", THREATS)
def test_reported_objective_is_the_recomputed_objective(optimizer, norm, box):
    X, y = unit_blobs(seed=3)
    problem = RobustHingeProblem(X, y, 0.1, norm, box, l1=0.01, l2=0.02)
    res = train_baseline(problem, BaselineConfig(optimizer=optimizer, **FAST))
    assert res.objective == problem.objective(res.coef, res.intercept)
    assert res.trace[-1]["objective"] == res.objective
    assert np.isfinite(res.objective) and res.objective < 1.5


@pytest.mark.parametrize("norm, box", THREATS)
def test_fgsm_training_on_a_linear_model_is_robust_sgd(norm, box):
    # FGSM finds the exact worst case of a linear model, so its hinge (and gradient) is the robust
    # hinge: both procedures follow the same path up to float32 rounding.
    X, y = unit_blobs(seed=4)
    problem = RobustHingeProblem(X, y, 0.1, norm, box)
    a = train_baseline(problem, BaselineConfig(optimizer="sgd", **FAST))
    b = train_baseline(problem, BaselineConfig(optimizer="fgsm", **FAST))
    assert b.objective == pytest.approx(a.objective, rel=1e-4)
    np.testing.assert_allclose(b.coef, a.coef, atol=1e-4)


# -------------------------------------------------------------------------- determinism
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "pgd"])
def test_same_seed_same_numbers(optimizer):
    X, y = unit_blobs(seed=5)
    problem = RobustHingeProblem(X, y, 0.1, box=(0.0, 1.0))
    cfg = BaselineConfig(optimizer=optimizer, schedule="cosine", **FAST)
    r1, r2 = train_baseline(problem, cfg), train_baseline(problem, cfg)
    assert np.array_equal(r1.coef, r2.coef) and r1.intercept == r2.intercept
    strip = lambda t: [{k: v for k, v in row.items() if k != "seconds"} for row in t]
    assert strip(r1.trace) == strip(r2.trace)
    r3 = train_baseline(problem, cfg.replace(seed=1))
    assert not np.array_equal(r1.coef, r3.coef)


def test_determinism_setting_is_restored():
    before = torch.are_deterministic_algorithms_enabled()
    X, y = unit_blobs()
    train_baseline(RobustHingeProblem(X, y, 0.1), BaselineConfig(epochs=1))
    assert torch.are_deterministic_algorithms_enabled() == before


def test_threads_option_is_scoped():
    before = torch.get_num_threads()
    X, y = unit_blobs()
    train_baseline(RobustHingeProblem(X, y, 0.1), BaselineConfig(epochs=1, threads=1))
    assert torch.get_num_threads() == before


# ----------------------------------------------------------------------------- schedules
def test_schedules_change_the_learning_rate():
    X, y = unit_blobs(n=40)
    problem = RobustHingeProblem(X, y, 0.1)
    lrs = {s: [r["lr"] for r in train_baseline(problem, BaselineConfig(epochs=8, batch_size=10, schedule=s)).trace]
           for s in ("none", "cosine", "step")}
    assert lrs["none"] == [0.1] * 8
    assert lrs["step"] == pytest.approx([0.1] * 4 + [0.01] * 2 + [0.001] * 2)
    assert lrs["cosine"][0] < 0.1 and all(a > b for a, b in zip(lrs["cosine"], lrs["cosine"][1:]))
    assert lrs["cosine"][-1] < 0.01


def test_sgd_gets_close_to_the_exact_optimum_on_an_easy_problem():
    from robustcvx.solvers import solve

    X, y = unit_blobs(n=80, d=4, seed=6, sep=0.3)
    problem = RobustHingeProblem(X, y, 0.05, l2=0.1)  # strongly convex: SGD converges
    opt = solve(problem).objective
    res = train_baseline(problem, BaselineConfig(epochs=60, batch_size=8, lr=0.05, schedule="cosine"),
                         optimum=opt)
    assert opt <= res.objective + 1e-9
    assert res.trace[-1]["gap"] < 0.1 * res.trace[0]["gap"] + 1e-3


# --------------------------------------------------------------------------- estimator
def test_estimator_api():
    X, y = make_blobs(n=50, d=4, sep=1.0, seed=7)
    labels = np.where(y > 0, "b", "a")
    clf = SGDHingeClassifier(epsilon=0.1, optimizer="adam", epochs=3, lr=0.05, batch_size=10).fit(X, labels)
    assert clf.coef_.shape == (1, 4) and clf.intercept_.shape == (1,)
    assert list(clf.classes_) == ["a", "b"] and len(clf.trace_) == 3
    assert np.array_equal(clf.predict(X) == "b", clf.decision_function(X) > 0)
    assert clf.objective_ == clf.trace_[-1]["objective"]
    assert clf.pgd_accuracy(X, labels) == clf.certified_accuracy(X, labels)
    clf2 = SGDHingeClassifier(epsilon=0.1, optimizer="adam", epochs=3, lr=0.05, batch_size=10).fit(X, labels)
    assert np.array_equal(clf.coef_, clf2.coef_)
    with pytest.raises(OptionError, match="unknown optimizer"):
        SGDHingeClassifier(optimizer="rmsprop").fit(X, labels)


def test_estimator_passes_sklearn_checks():
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(SGDHingeClassifier(epochs=5, batch_size=16), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert not failed


# ------------------------------------------------------------------------------ attacks
def _random_models(d, rng, k=6):
    for i in range(k):
        w = rng.normal(size=d) * rng.choice([0.3, 1.0, 3.0])
        w[rng.random(d) < 0.3] = 0.0
        if i == 0:
            w[:] = 0.0  # the constant model
        if i == 1:
            w[:2] = [2.0, -2.0]  # ties in |w| (the l1 attack may pick either coordinate)
            w[2:] = np.clip(w[2:], -1, 1)
        yield w, float(rng.normal() * 0.5)


@pytest.mark.parametrize("norm, box", THREATS)
def test_pgd_accuracy_equals_certified_accuracy(norm, box):
    rng = np.random.default_rng(11)
    X, y = unit_blobs(n=80, d=7, seed=8, sep=0.5)
    for w, b in _random_models(7, rng):
        for eps in (0.0, 0.01, 0.05, 0.2, 0.5, 2.0):
            cert = certified_accuracy((w, b), X, y, eps, norm, box)
            pgd = pgd_accuracy((w, b), X, y, eps, norm, box, seed=int(rng.integers(100)))
            assert pgd == cert, (norm, box, eps, w, b)


def test_pgd_margins_reach_the_exact_worst_case():
    from robustcvx.certify import worst_margins

    rng = np.random.default_rng(12)
    X, y = unit_blobs(n=40, d=5, seed=9)
    w, b = rng.normal(size=5), 0.1
    for norm, box in THREATS:
        exact = worst_margins((w, b), X, y, 0.3, norm, box)
        np.testing.assert_allclose(pgd_margins((w, b), X, y, 0.3, norm, box), exact, rtol=0, atol=1e-12)


def test_pgd_accuracy_on_a_torch_module_matches_the_linear_model():
    X, y = unit_blobs(n=40, d=5, seed=10)
    lin = torch.nn.Linear(5, 1).double()
    w = lin.weight.detach().numpy().reshape(-1)
    b = float(lin.bias.detach())
    for norm, box in THREATS:
        assert pgd_accuracy(lin, X, y, 0.2, norm, box) == pgd_accuracy((w, b), X, y, 0.2, norm, box) \
            == certified_accuracy((w, b), X, y, 0.2, norm, box)


def test_a_weak_attack_overestimates_and_is_caught():
    # one tiny step cannot reach the worst case: accuracy above the certified one (the check
    # in compare reports exactly this kind of difference as an error)
    X, y = unit_blobs(n=200, d=6, seed=11, sep=0.4)
    w, b = np.linspace(-1, 1, 6), 0.0
    weak = pgd_accuracy((w, b), X, y, 0.3, "inf", steps=1, restarts=1, step_size=0.01)
    assert weak > certified_accuracy((w, b), X, y, 0.3, "inf")


def test_pgd_accuracy_rejects_bad_input():
    X, y = unit_blobs()
    w = np.ones(X.shape[1])
    with pytest.raises(OptionError, match="inf-norm"):
        pgd_accuracy((w, 0.0), X, y, 0.1, "2", box=(0, 1))
    with pytest.raises(OptionError, match="steps"):
        pgd_accuracy((w, 0.0), X, y, 0.1, steps=0)
    with pytest.raises(OptionError, match="labels"):
        pgd_accuracy((w, 0.0), X, (y > 0).astype(float), 0.1)
    with pytest.raises(ValueError):
        pgd_accuracy((np.ones(3), 0.0), X, y, 0.1)


def test_l1_ball_projection_is_the_euclidean_projection():
    import cvxpy as cp

    rng = np.random.default_rng(13)
    V = rng.normal(size=(5, 8)) * np.array([[0.1], [1], [3], [0.01], [2]])
    P = project_l1_ball(torch.as_tensor(V), 1.0).numpy()
    for v, p in zip(V, P):
        x = cp.Variable(8)
        cp.Problem(cp.Minimize(cp.sum_squares(x - v)), [cp.norm1(x) <= 1.0]).solve(
            solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
        np.testing.assert_allclose(p, x.value, atol=1e-6)
        assert np.abs(p).sum() <= 1.0 + 1e-12


def test_progress_bar_goes_to_stderr(capsys):
    X, y = unit_blobs()
    train_baseline(RobustHingeProblem(X, y, 0.1), BaselineConfig(epochs=2), optimum=0.1, progress=True, desc="sgd")
    captured = capsys.readouterr()
    assert captured.out == "" and "sgd" in captured.err and "2/2" in captured.err


def test_divergence_is_a_clear_error():
    from robustcvx.baselines import TrainingDivergedError

    X, y = unit_blobs()
    with pytest.raises(TrainingDivergedError, match="lower the learning rate"):  # |w| x 1e20 per step
        train_baseline(RobustHingeProblem(X, y, 0.1, l2=1e10), BaselineConfig(epochs=3, lr=1e10))
