"""PyTorch baselines: options, the per-epoch trace, the three models of a run (last, best,
averaged), schedules, sample weights, determinism, the threats' torch pieces and the PGD attack
vs the certificate."""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest
import torch

from robustcvx.baselines import (
    AttackConfig,
    BaselineConfig,
    BaselineResult,
    Iterate,
    SGDHingeClassifier,
    pgd_accuracy,
    pgd_margins,
    train_baseline,
)
from robustcvx.certify import certified_accuracy
from robustcvx.errors import DataError, InputTypeError, OptionError
from robustcvx.problems import RobustHingeProblem
from robustcvx.threats import make_threat
from robustcvx.validation import check_choice, check_integer

from conftest import make_blobs

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
    (dict(lr=-0.1), "learning rate must be > 0"),
    (dict(lr=float("nan")), "learning rate must be finite"),
    (dict(schedule="linear"), "unknown schedule"),
    (dict(average="ema"), "unknown average"),
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


@pytest.mark.parametrize("kwargs", [dict(epochs=2.5), dict(epochs=True), dict(batch_size="ten"),
                                    dict(lr="fast"), dict(seed=None)])
def test_wrong_types_are_type_errors(kwargs):
    with pytest.raises(InputTypeError):
        BaselineConfig(**kwargs)


def test_config_normalises_names_and_numbers_and_is_keyword_only():
    cfg = BaselineConfig(optimizer=" PGD ", epochs="4", lr="0.05", schedule="Inv-Sqrt", average="TAIL")
    assert (cfg.optimizer, cfg.epochs, cfg.lr, cfg.schedule, cfg.average) == ("pgd", 4, 0.05, "inv-sqrt", "tail")
    assert cfg.to_dict()["optimizer"] == "pgd" and cfg.adversarial and not cfg.replace(optimizer="adam").adversarial
    with pytest.raises(TypeError):
        BaselineConfig("sgd")  # keyword-only
    with pytest.raises(TypeError):
        AttackConfig(20)


def test_attack_config_validates():
    assert AttackConfig(steps="5").steps == 5
    with pytest.raises(OptionError, match="attack steps must be >= 1"):
        AttackConfig(steps=0)
    with pytest.raises(OptionError, match="attack restarts must be >= 1"):
        AttackConfig(restarts=0)
    assert set(AttackConfig().to_dict()) == {"steps", "restarts", "step_size", "seed", "device", "threads"}


def test_shared_integer_and_choice_checks():
    assert check_integer("7", "k") == 7 and check_integer(np.int64(3), "k") == 3 and check_integer(4.0, "k") == 4
    for bad in (True, 2.5, "2.5", None, [1]):
        with pytest.raises(InputTypeError, match="k must be an integer"):
            check_integer(bad, "k")
    with pytest.raises(OptionError, match="k must be >= 2, got 1"):
        check_integer(1, "k", minimum=2)
    assert check_choice(" Tail ", "average", ("none", "tail")) == "tail"
    with pytest.raises(OptionError, match="unknown average 3: use one of none, tail"):
        check_choice(3, "average", ("none", "tail"))


def test_cuda_without_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("checks the error for device='cuda' on a machine without a GPU; this one has a GPU")
    X, y = unit_blobs()
    with pytest.raises(OptionError, match="no GPU"):
        train_baseline(RobustHingeProblem(X, y, 0.1), BaselineConfig(device="cuda", **FAST))


def test_bad_arguments_of_train_baseline():
    X, y = unit_blobs()
    problem = RobustHingeProblem(X, y, 0.1)
    with pytest.raises(InputTypeError, match="BaselineConfig"):
        train_baseline(problem, {"epochs": 1})
    with pytest.raises(InputTypeError, match="RobustHingeProblem"):
        train_baseline((X, y), BaselineConfig(epochs=1))
    with pytest.raises(DataError, match="labels -1 and \\+1"):
        train_baseline(problem, BaselineConfig(epochs=1), eval_data=(X, (y > 0).astype(float)))


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
    keys = {"epoch", "objective", "gap", "rel_gap", "accuracy", "certified_accuracy", "l1_norm", "nonzeros",
            "significant_weights", "averaged_objective", "averaged_gap", "averaged_rel_gap", "lr", "seconds"}
    assert all(set(r) == keys for r in res.trace)
    last = res.trace[-1]
    w, b = res.coef, res.intercept
    assert last["objective"] == res.objective == problem.objective(w, b)
    assert last["gap"] == pytest.approx(res.objective - optimum, abs=0)
    assert last["rel_gap"] == pytest.approx((res.objective - optimum) / optimum)
    assert last["accuracy"] == np.mean(ye * (Xe @ w + b) > 0)
    assert last["certified_accuracy"] == certified_accuracy((w, b), Xe, ye, 0.05, "inf")
    assert last["l1_norm"] == pytest.approx(np.abs(w).sum())
    top = np.abs(w).max()
    assert last["nonzeros"] == np.count_nonzero(np.abs(w) > 1e-9 * top)
    assert last["significant_weights"] == np.count_nonzero(np.abs(w) > 0.01 * top)
    assert last["averaged_objective"] is None and res.averaged is None  # average="none" by default
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
    res = train_baseline(problem, BaselineConfig(epochs=0, init="zeros", average="all"))
    assert res.trace == [] and not res.coef.any() and res.intercept == 0.0 and res.objective == 1.0
    for it in res.iterates():
        assert it.epoch == 0 and not it.coef.any() and it.objective == 1.0


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "fgsm", "pgd"])
@pytest.mark.parametrize("norm, box", THREATS)
def test_reported_objectives_are_the_recomputed_objectives(optimizer, norm, box):
    X, y = unit_blobs(seed=3)
    problem = RobustHingeProblem(X, y, 0.1, norm, box, l1=0.01, l2=0.02)
    res = train_baseline(problem, BaselineConfig(optimizer=optimizer, average="tail", **FAST))
    assert [it.which for it in res.iterates()] == ["last", "best", "averaged"]
    for it in res.iterates():
        assert it.objective == problem.objective(it.coef, it.intercept)
        assert np.isfinite(it.objective) and it.objective < 1.5
    assert res.trace[-1]["objective"] == res.objective
    assert res.trace[-1]["averaged_objective"] == res.averaged.objective


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


# -------------------------------------------------------- the three models: last, best, averaged
def _last_iterates(problem, cfg, epochs):
    """``w_e`` for e = 1..epochs, each from its own run (a run of e epochs is the prefix of a longer one)."""
    return [train_baseline(problem, cfg.replace(epochs=e, average="none")).last for e in range(1, epochs + 1)]


@pytest.mark.parametrize("average", ["all", "tail"])
def test_averaged_iterate_is_the_mean_of_the_iterates(average):
    # full batches: one step per epoch, so the iterates are the epoch-end models of shorter runs
    X, y = unit_blobs(n=40, seed=14, sep=0.3)
    problem = RobustHingeProblem(X, y, 0.05, "2")
    cfg = BaselineConfig(epochs=5, batch_size=40, lr=0.5, average=average)
    res = train_baseline(problem, cfg)
    its = _last_iterates(problem, cfg, 5)
    for e in range(1, 6):
        first = 0 if average == "all" else e // 2     # tail: epochs floor(e/2)+1 .. e
        w = np.mean([it.coef for it in its[first:e]], axis=0)
        b = np.mean([it.intercept for it in its[first:e]])
        assert res.trace[e - 1]["averaged_objective"] == pytest.approx(problem.objective(w, b), rel=1e-12)
    np.testing.assert_allclose(res.averaged.coef, np.mean([it.coef for it in its[(0 if average == "all" else 2):]],
                                                          axis=0), rtol=1e-12, atol=1e-15)
    assert res.averaged.epoch == 5


def test_averaging_does_not_change_the_iterates_and_best_is_the_lowest_epoch():
    X, y = unit_blobs(n=60, seed=15, sep=0.2)
    problem = RobustHingeProblem(X, y, 0.1)
    cfg = BaselineConfig(epochs=6, batch_size=8, lr=0.5)      # a large step: the objective oscillates
    plain = train_baseline(problem, cfg, optimum=0.5)
    avg = train_baseline(problem, cfg.replace(average="all"), optimum=0.5)
    assert np.array_equal(plain.coef, avg.coef) and plain.intercept == avg.intercept
    objs = [r["objective"] for r in plain.trace]
    k = int(np.argmin(objs))
    assert plain.best.epoch == k + 1 and plain.best.objective == min(objs)
    assert plain.best.gap == pytest.approx(min(objs) - 0.5, abs=0)
    again = train_baseline(problem, cfg.replace(epochs=k + 1)).last  # the best epoch's model, recomputed
    assert np.array_equal(plain.best.coef, again.coef) and plain.best.intercept == again.intercept


def test_iterates_are_linear_models_and_serialise():
    X, y = unit_blobs()
    problem = RobustHingeProblem(X, y, 0.1)
    res = train_baseline(problem, BaselineConfig(average="tail", **FAST), optimum=0.2)
    assert isinstance(res.averaged, Iterate) and res.iterate("averaged") is res.averaged
    assert certified_accuracy(res.averaged, X, y, 0.1) == certified_accuracy(
        (res.averaged.coef, res.averaged.intercept), X, y, 0.1)
    d = res.to_dict()
    assert d["averaged"]["objective"] == res.averaged.objective and d["best"]["epoch"] == res.best.epoch
    assert d["objective"] == res.objective and d["gap"] == pytest.approx(res.objective - 0.2, abs=0)
    with pytest.raises(TypeError):
        Iterate("last", np.zeros(2), 0.0, 1.0, 0)  # keyword-only


# -------------------------------------------------------------------------- sample weights
def _weighted_hinge_gradient(X, y, c, w, b, eps):
    """Gradient of ``sum_i c_i max(0, 1 - y_i (w.x_i + b) + eps ||w||_1)`` at a point where no
    hinge is at its kink and no w_j is 0 (written from the math)."""
    active = 1 - y * (X @ w + b) + eps * np.abs(w).sum() > 0
    gw = ((c * active)[:, None] * (-y[:, None] * X + eps * np.sign(w)[None, :])).sum(axis=0)
    gb = float((c * active * -y).sum())
    return gw, gb


@pytest.mark.parametrize("weighted", [False, True])
def test_a_full_batch_step_follows_the_gradient_of_the_weighted_objective(weighted):
    X, y = unit_blobs(n=30, d=4, seed=16)
    s = np.random.default_rng(0).uniform(0.2, 3.0, size=30) if weighted else None
    problem = RobustHingeProblem(X, y, 0.05, sample_weight=s)
    cfg = BaselineConfig(epochs=1, batch_size=30, lr=0.3, seed=4)
    w0 = train_baseline(problem, cfg.replace(epochs=0)).last
    w1 = train_baseline(problem, cfg).last
    c = np.full(30, 1 / 30) if s is None else s / s.sum()
    gw, gb = _weighted_hinge_gradient(X, y, c, w0.coef, w0.intercept, 0.05)
    np.testing.assert_allclose(w1.coef, w0.coef - 0.3 * gw, atol=2e-6)
    assert w1.intercept == pytest.approx(w0.intercept - 0.3 * gb, abs=2e-6)


def test_integer_weights_train_like_duplicated_rows_in_expectation():
    # with full batches the step is deterministic: weights 2 on a row = the row twice
    X, y = unit_blobs(n=24, d=4, seed=17)
    reps = np.random.default_rng(1).integers(1, 4, size=24)
    weighted = RobustHingeProblem(X, y, 0.05, sample_weight=reps)
    dup = RobustHingeProblem(np.repeat(X, reps, axis=0), np.repeat(y, reps), 0.05)
    a = train_baseline(weighted, BaselineConfig(epochs=3, batch_size=24, init="zeros"))
    b = train_baseline(dup, BaselineConfig(epochs=3, batch_size=int(reps.sum()), init="zeros"))
    np.testing.assert_allclose(a.coef, b.coef, atol=1e-5)
    assert a.objective == pytest.approx(b.objective, abs=1e-5)


def test_weighted_objective_is_reported():
    X, y = unit_blobs(n=40, seed=18)
    s = np.where(y > 0, 5.0, 1.0)
    problem = RobustHingeProblem(X, y, 0.1, sample_weight=s)
    res = train_baseline(problem, BaselineConfig(**FAST))
    w, b = res.coef, res.intercept
    h = np.maximum(0, 1 - y * (X @ w + b) + 0.1 * np.abs(w).sum())
    assert res.objective == pytest.approx((s * h).sum() / s.sum(), rel=1e-12)


# ------------------------------------------------------------------------------- sparse
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "fgsm", "pgd"])
@pytest.mark.parametrize("norm, box", THREATS)
def test_a_sparse_problem_trains_like_its_dense_copy(optimizer, norm, box):
    import scipy.sparse as sp

    X, y = unit_blobs(n=50, d=8, seed=19)
    X[np.random.default_rng(3).random(X.shape) < 0.6] = 0.0
    cfg = BaselineConfig(optimizer=optimizer, average="tail", **FAST)
    dense = train_baseline(RobustHingeProblem(X, y, 0.1, norm, box, l1=0.01), cfg, optimum=0.3)
    sparse = train_baseline(RobustHingeProblem(sp.csr_matrix(X), y, 0.1, norm, box, l1=0.01), cfg, optimum=0.3)
    for a, b in zip(dense.iterates(), sparse.iterates()):
        np.testing.assert_allclose(b.coef, a.coef, rtol=0, atol=1e-6)
        assert b.objective == pytest.approx(a.objective, rel=1e-6)
    for ra, rb in zip(dense.trace, sparse.trace):
        assert ra["certified_accuracy"] == rb["certified_accuracy"] and ra["accuracy"] == rb["accuracy"]
    # sparse evaluation data is accepted too, and certified exactly
    Xe, ye = unit_blobs(n=20, d=8, seed=20)
    res = train_baseline(RobustHingeProblem(sp.csr_matrix(X), y, 0.1, norm, box), cfg,
                         eval_data=(sp.csr_matrix(Xe), ye))
    assert res.trace[-1]["certified_accuracy"] == certified_accuracy(res.last, Xe, ye, 0.1, norm, box)


# -------------------------------------------------------------------------- determinism
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "pgd"])
def test_same_seed_same_numbers(optimizer):
    X, y = unit_blobs(seed=5)
    problem = RobustHingeProblem(X, y, 0.1, box=(0.0, 1.0))
    cfg = BaselineConfig(optimizer=optimizer, schedule="cosine", average="tail", **FAST)
    r1, r2 = train_baseline(problem, cfg), train_baseline(problem, cfg)
    for a, b in zip(r1.iterates(), r2.iterates()):
        assert np.array_equal(a.coef, b.coef) and a.intercept == b.intercept and a.epoch == b.epoch
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
           for s in ("none", "cosine", "step", "inv-sqrt")}
    assert lrs["none"] == [0.1] * 8
    assert lrs["step"] == pytest.approx([0.1] * 4 + [0.01] * 2 + [0.001] * 2)
    assert lrs["cosine"][0] < 0.1 and all(a > b for a, b in zip(lrs["cosine"], lrs["cosine"][1:]))
    assert lrs["cosine"][-1] < 0.01
    # 4 steps per epoch; the trace shows the epoch's last step t = 4e - 1
    assert lrs["inv-sqrt"] == pytest.approx([0.1 / math.sqrt(1 + (4 * e - 1) / 4) for e in range(1, 9)], rel=1e-15)


def test_sgd_gets_close_to_the_exact_optimum_on_an_easy_problem():
    from robustcvx.solvers import solve

    X, y = unit_blobs(n=80, d=4, seed=6, sep=0.3)
    problem = RobustHingeProblem(X, y, 0.05, l2=0.1)  # strongly convex: SGD converges
    opt = solve(problem).objective
    res = train_baseline(problem, BaselineConfig(epochs=60, batch_size=8, lr=0.05, schedule="cosine"),
                         optimum=opt)
    assert opt <= res.objective + 1e-9
    assert res.trace[-1]["gap"] < 0.1 * res.trace[0]["gap"] + 1e-3


def test_averaging_damps_the_oscillation_of_a_constant_step():
    # a constant step leaves SGD in a noise ball around the optimum; the mean of the last half of
    # the epochs sits much closer to it than the last iterate
    from robustcvx.solvers import solve

    X, y = unit_blobs(n=80, d=4, seed=6, sep=1.0)
    problem = RobustHingeProblem(X, y, 0.05)
    opt = solve(problem).objective
    res = train_baseline(problem, BaselineConfig(epochs=80, batch_size=8, lr=0.5, average="tail"), optimum=opt)
    assert res.averaged.gap >= -1e-9 and res.best.gap >= -1e-9
    assert res.averaged.gap < 0.25 * res.last.gap
    assert res.best.gap <= res.last.gap


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


def test_estimator_average_uses_the_averaged_iterate():
    X, y = make_blobs(n=50, d=4, sep=1.0, seed=7)
    clf = SGDHingeClassifier(epsilon=0.1, epochs=4, batch_size=10, average="tail").fit(X, y)
    assert np.array_equal(clf.coef_[0], clf.result_.averaged.coef)
    assert clf.objective_ == clf.result_.averaged.objective == clf.trace_[-1]["averaged_objective"]


def test_estimator_passes_sklearn_checks():
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(SGDHingeClassifier(epochs=5, batch_size=16), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert not failed


# --------------------------------------------------------------- the threats' torch pieces
def _threat(norm, box, eps=0.3):
    return make_threat(eps, norm, box)


@pytest.mark.parametrize("norm, box", THREATS)
def test_torch_project_is_the_euclidean_projection(norm, box):
    rng = np.random.default_rng(13)
    X = rng.uniform(0, 1, size=(5, 6))
    V = rng.normal(size=(5, 6)) * np.array([[0.05], [0.3], [1], [3], [0.01]])
    threat = _threat(norm, box)
    P = threat.torch_project(torch.as_tensor(V), torch.as_tensor(X)).numpy()
    for v, x, p in zip(V, X, P):
        z = cp.Variable(6)
        cons = [cp.norm(z, {"inf": "inf", "2": 2, "1": 1}[norm]) <= 0.3]
        if box is not None:
            cons += [x + z >= box[0], x + z <= box[1]]
        cp.Problem(cp.Minimize(cp.sum_squares(z - v)), cons).solve(
            solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
        np.testing.assert_allclose(p, z.value, atol=1e-6)


@pytest.mark.parametrize("norm, box", THREATS)
def test_torch_ascent_is_the_steepest_ascent_step(norm, box):
    # the step s maximises g.s over the threat-norm ball of radius alpha: g.s = alpha ||g||_q
    rng = np.random.default_rng(14)
    G = rng.normal(size=(7, 5))
    S = _threat(norm, box).torch_ascent(torch.as_tensor(G), 0.2).numpy()
    p, q = {"inf": (np.inf, 1), "2": (2, 2), "1": (1, np.inf)}[norm]
    np.testing.assert_allclose((G * S).sum(axis=1), 0.2 * np.linalg.norm(G, ord=q, axis=1), rtol=1e-12)
    assert (np.linalg.norm(S, ord=p, axis=1) <= 0.2 * (1 + 1e-12)).all()


@pytest.mark.parametrize("norm, box", THREATS)
def test_torch_random_start_lies_in_the_threat_set_and_is_seeded(norm, box):
    X = torch.as_tensor(np.random.default_rng(15).uniform(0, 1, size=(200, 4)))
    threat = _threat(norm, box)
    D = threat.torch_random_start(X, torch.Generator().manual_seed(3)).numpy()
    again = threat.torch_random_start(X, torch.Generator().manual_seed(3)).numpy()
    assert np.array_equal(D, again) and D.shape == (200, 4) and np.abs(D).max() > 0
    p = {"inf": np.inf, "2": 2, "1": 1}[norm]
    assert (np.linalg.norm(D, ord=p, axis=1) <= 0.3 * (1 + 1e-12)).all()
    if box is not None:
        Xn = X.numpy()
        assert (Xn + D >= box[0] - 1e-15).all() and (Xn + D <= box[1] + 1e-15).all()


@pytest.mark.parametrize("norm, box", THREATS)
def test_torch_penalty_is_the_worst_case_loss_of_margin(norm, box):
    rng = np.random.default_rng(16)
    X, y = rng.uniform(0, 1, size=(9, 5)), np.where(rng.random(9) < 0.5, -1.0, 1.0)
    w = rng.normal(size=5)
    got = _threat(norm, box).torch_penalty(torch.as_tensor(w), torch.as_tensor(X), torch.as_tensor(y))
    got = np.broadcast_to(np.asarray(got.detach().numpy(), dtype=float), (9,))
    if box is None:
        want = np.full(9, 0.3 * np.linalg.norm(w, ord={"inf": 1, "2": 2, "1": np.inf}[norm]))
    else:  # each pixel moves to whichever end of [max(-eps, lo - x), min(eps, hi - x)] hurts most
        L, U = np.maximum(-0.3, box[0] - X), np.minimum(0.3, box[1] - X)
        want = np.maximum(-y[:, None] * w * L, -y[:, None] * w * U).sum(axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-12)


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
        # the threat object is accepted in place of norm/box
        np.testing.assert_allclose(pgd_margins((w, b), X, y, 0.3, make_threat(0.0, norm, box)), exact,
                                   rtol=0, atol=1e-12)


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
    with pytest.raises(OptionError, match="does not contain the data"):
        pgd_accuracy((w, 0.0), X + 1, y, 0.1, box=(0, 1))
    with pytest.raises(OptionError, match="steps"):
        pgd_accuracy((w, 0.0), X, y, 0.1, steps=0)
    with pytest.raises(DataError, match="labels -1 and \\+1"):  # a data problem, as everywhere else
        pgd_accuracy((w, 0.0), X, (y > 0).astype(float), 0.1)
    with pytest.raises(ValueError, match="weights but the data has"):
        pgd_accuracy((np.ones(3), 0.0), X, y, 0.1)
    with pytest.raises(TypeError):
        pgd_accuracy((w, 0.0), X, y, 0.1, "inf", None, 20)  # the attack settings are keyword-only


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
