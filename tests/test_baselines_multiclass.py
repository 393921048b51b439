"""PyTorch baselines for K classes: the threats' pair penalties, the joint (Crammer-Singer) objective and
the softmax loss in torch against references written from the math, training (every optimizer and
loss), determinism, sparse data, weights, the multiclass PGD attack against the exact worst case, and
the estimator."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from robustcvx.baselines import (
    AttackConfig,
    BaselineConfig,
    SGDHingeClassifier,
    pgd_accuracy,
    pgd_margins,
    torch_objective,
    train_baseline,
)
from robustcvx.baselines.losses import MulticlassModel, attack_objective
from robustcvx.baselines.objectives import softmax_objective
from robustcvx.baselines.pgd import attack_batch
from robustcvx.errors import DataError, ModelFileError, OptionError
from robustcvx.problems import MulticlassHingeProblem
from robustcvx.threats import make_threat

from reference import (
    box_bounds,
    multiclass_cvxpy_optimum,
    multiclass_objective_numpy,
    multiclass_worst_margins_numpy,
    pair_penalty_numpy,
)

THREATS = [("inf", None), ("inf", (0.0, 1.0)), ("2", None), ("1", None)]
FAST = dict(epochs=3, batch_size=16)


def blobs(n=60, d=5, K=3, sep=0.35, seed=0):
    """``K`` Gaussian blobs in [0, 1]^d, labels 0..K-1 (every class present)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K
    centres = rng.uniform(0.25, 0.75, size=(K, d))
    X = np.clip(centres[y] + sep * rng.normal(size=(n, d)) * 0.3, 0.0, 1.0)
    return X, y


def random_model(K, d, seed=1, scale=1.0):
    rng = np.random.default_rng(seed)
    return scale * rng.normal(size=(K, d)), rng.normal(size=K)


def cross_entropy_numpy(W, b, X, y, l1=0.0, l2=0.0, weights=None):
    """``sum_i c_i (log sum_k exp f_k(x_i) - f_{y_i}(x_i)) + l1 |W|_1 + l2/2 |W|^2`` by loops."""
    n = X.shape[0]
    c = np.full(n, 1.0 / n) if weights is None else weights / weights.sum()
    total = 0.0
    for i in range(n):
        s = W @ X[i] + b
        top = s.max()
        total += c[i] * (top + np.log(np.exp(s - top).sum()) - s[y[i]])
    return total + l1 * np.abs(W).sum() + 0.5 * l2 * (W ** 2).sum()


# ------------------------------------------------------------------ the threats' pair penalties
@pytest.mark.parametrize("norm, box", THREATS)
def test_pair_penalties_are_the_worst_case_of_every_score_difference(norm, box):
    X, y = blobs(n=24, d=4, K=4, seed=2)
    W, _ = random_model(4, 4, seed=3)
    threat = make_threat(0.15, norm, box)
    P = threat.torch_pair_penalties(torch.tensor(W), torch.tensor(X), torch.tensor(y)).numpy()
    assert P.shape == (24, 4)
    for i in range(24):
        for k in range(4):
            v = W[y[i]] - W[k]
            assert P[i, k] == pytest.approx(pair_penalty_numpy(v, X[i], 0.15, norm, box), abs=1e-13)
            if k == y[i]:
                assert P[i, k] == 0.0


@pytest.mark.parametrize("norm, box", [("inf", None), ("inf", (0.0, 1.0)), ("1", None)])
def test_pair_penalty_reference_is_a_maximum_over_the_vertices(norm, box):
    """The closed form used as reference equals the brute-force maximum over the vertices of the
    (polyhedral) threat set: a linear function is maximised at a vertex."""
    X, _ = blobs(n=6, d=4, seed=4)
    W, _ = random_model(3, 4, seed=5)
    eps = 0.2
    for x in X:
        if box is not None:
            L, U = box_bounds(x[None, :], eps, box)
            vertices = np.array(list(itertools.product(*zip(L[0], U[0]))))
        elif norm == "inf":
            vertices = eps * np.array(list(itertools.product((-1.0, 1.0), repeat=4)))
        else:
            vertices = eps * np.concatenate([np.eye(4), -np.eye(4)])
        for a, k in itertools.permutations(range(3), 2):
            v = W[a] - W[k]
            assert pair_penalty_numpy(v, x, eps, norm, box) == pytest.approx(np.max(-vertices @ v), abs=1e-14)


@pytest.mark.parametrize("norm, box", THREATS)
def test_pair_penalties_have_finite_gradients_at_equal_rows(norm, box):
    X, y = blobs(n=10, d=3, seed=6)
    W = torch.zeros((3, 3), dtype=torch.float64, requires_grad=True)
    P = make_threat(0.1, norm, box).torch_pair_penalties(W, torch.tensor(X), torch.tensor(y))
    P.sum().backward()
    assert torch.isfinite(W.grad).all()


def test_pair_penalties_are_zero_without_a_threat():
    X, y = blobs(n=8, d=3)
    for norm, box in THREATS:
        P = make_threat(0.0, norm, box).torch_pair_penalties(torch.ones((3, 3)), torch.tensor(X), torch.tensor(y))
        assert P.shape == (8, 3) and not P.any()


# ------------------------------------------------------------------ the objectives in torch
@pytest.mark.parametrize("norm, box", THREATS)
@pytest.mark.parametrize("l1, l2, weighted", [(0.0, 0.0, False), (0.01, 0.0, True), (0.0, 0.1, False),
                                              (0.02, 0.05, True)])
def test_torch_objective_is_the_joint_objective(norm, box, l1, l2, weighted):
    X, y = blobs(n=40, d=5, K=4, seed=7)
    sw = np.random.default_rng(8).uniform(0.2, 3.0, size=40) if weighted else None
    problem = MulticlassHingeProblem(X, y, 0.1, norm, box, l1=l1, l2=l2, sample_weight=sw)
    for seed in range(3):
        W, b = random_model(4, 5, seed=seed, scale=0.5 + seed)
        ref = multiclass_objective_numpy(W, b, X, y, 0.1, norm, box, l1, l2, sw)
        value = torch_objective(problem, W, b)
        assert value == pytest.approx(ref, rel=1e-12, abs=1e-12)
        assert value == pytest.approx(problem.objective(W, b), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_objective_is_the_cross_entropy(weighted):
    X, y = blobs(n=30, d=4, K=3, seed=9)
    sw = np.random.default_rng(10).uniform(0.5, 2.0, size=30) if weighted else None
    problem = MulticlassHingeProblem(X, y, 0.1, l1=0.01, l2=0.1, sample_weight=sw)
    W, b = random_model(3, 4, seed=11, scale=20.0)   # large scores: the log-sum-exp must not overflow
    ref = cross_entropy_numpy(W, b, X, y, 0.01, 0.1, sw)
    assert softmax_objective(problem, W, b) == pytest.approx(ref, rel=1e-12)
    assert torch_objective(problem, W, b, loss="softmax") == pytest.approx(ref, rel=1e-12)


def test_integer_weights_are_duplicated_rows_in_the_objective():
    X, y = blobs(n=21, d=3, K=3, seed=12)
    counts = np.random.default_rng(13).integers(1, 4, size=21)
    W, b = random_model(3, 3, seed=14)
    weighted = MulticlassHingeProblem(X, y, 0.1, "2", sample_weight=counts.astype(float))
    repeated = MulticlassHingeProblem(np.repeat(X, counts, axis=0), np.repeat(y, counts), 0.1, "2")
    assert torch_objective(weighted, W, b) == pytest.approx(torch_objective(repeated, W, b), rel=1e-13)


@pytest.mark.parametrize("weighted", [False, True])
def test_a_full_batch_step_follows_the_gradient_of_the_objective(weighted):
    """One SGD step on the whole data moves (W, b) by -lr times the gradient of P (central differences of
    the reference objective; P is piecewise linear and the initial point is generic)."""
    X, y = blobs(n=30, d=3, K=3, seed=15)
    sw = np.random.default_rng(16).uniform(0.5, 2.0, size=30) if weighted else None
    problem = MulticlassHingeProblem(X, y, 0.05, "inf", l2=0.1, sample_weight=sw)
    cfg = BaselineConfig(epochs=1, batch_size=30, lr=0.5, init="torch", seed=3)
    w0 = train_baseline(problem, cfg.replace(epochs=0)).last
    w1 = train_baseline(problem, cfg).last
    theta = np.concatenate([w0.coef.ravel(), w0.intercept])
    f = lambda t: multiclass_objective_numpy(t[:9].reshape(3, 3), t[9:], X, y, 0.05, "inf", None, 0.0, 0.1, sw)
    h = 1e-6
    grad = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(12)])
    step = np.concatenate([w1.coef.ravel(), w1.intercept]) - theta
    np.testing.assert_allclose(step, -0.5 * grad, atol=1e-5)


# ------------------------------------------------------------------ training
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "fgsm", "pgd"])
@pytest.mark.parametrize("loss", ["hinge", "softmax"])
@pytest.mark.parametrize("norm, box", THREATS)
def test_every_run_reports_recomputed_objectives(optimizer, loss, norm, box):
    X, y = blobs(n=45, d=4, K=3, seed=17)
    Xe, ye = blobs(n=21, d=4, K=3, seed=18)
    problem = MulticlassHingeProblem(X, y, 0.05, norm, box, l1=0.001)
    res = train_baseline(problem, BaselineConfig(optimizer=optimizer, loss=loss, average="tail", **FAST),
                         optimum=0.1, eval_data=(Xe, ye))
    assert res.name == (optimizer if loss == "hinge" else f"softmax-{optimizer}")
    assert res.coef.shape == (3, 4) and res.intercept.shape == (3,)
    for it in res.iterates():
        assert it.objective == problem.objective(it.coef, it.intercept)       # reported = recomputed
        assert it.objective == pytest.approx(multiclass_objective_numpy(it.coef, it.intercept, X, y, 0.05, norm,
                                                                        box, 0.001), rel=1e-12)
        own = it.objective if loss == "hinge" else cross_entropy_numpy(it.coef, it.intercept, X, y, 0.001)
        assert it.training_objective == pytest.approx(own, rel=1e-12)
        assert it.gap == pytest.approx(it.objective - 0.1, abs=0)
    last = res.trace[-1]
    assert last["objective"] == res.objective and last["averaged_objective"] == res.averaged.objective
    assert res.best.training_objective == min(r["training_objective"] for r in res.trace)
    S = Xe @ res.coef.T + res.intercept
    own = S[np.arange(len(ye)), ye].copy()
    S[np.arange(len(ye)), ye] = -np.inf
    assert last["accuracy"] == np.mean(own > S.max(axis=1))           # a tie is an error
    worst = multiclass_worst_margins_numpy(res.coef, res.intercept, Xe, ye, 0.05, norm, box)
    assert last["certified_accuracy"] == np.mean(worst > 0)
    doc = res.to_dict()
    assert np.array(doc["coef"]).shape == (3, 4) and len(doc["intercept"]) == 3


def test_same_seed_same_numbers_and_another_seed_differs():
    X, y = blobs(n=40, d=4, seed=19)
    problem = MulticlassHingeProblem(X, y, 0.05, "inf", (0.0, 1.0))
    runs = [train_baseline(problem, BaselineConfig(optimizer="pgd", seed=s, **FAST)) for s in (4, 4, 5)]
    assert np.array_equal(runs[0].coef, runs[1].coef) and runs[0].trace[-1]["objective"] == runs[1].objective
    assert not np.array_equal(runs[0].coef, runs[2].coef)


@pytest.mark.parametrize("optimizer, norm, box", [("sgd", "inf", None), ("adam", "2", None),
                                                  ("sgd", "inf", (0.0, 1.0)), ("pgd", "1", None)])
def test_a_sparse_problem_trains_like_its_dense_copy(optimizer, norm, box):
    X, y = blobs(n=40, d=6, seed=20)
    X[X < 0.45] = 0.0
    cfg = BaselineConfig(optimizer=optimizer, **FAST)
    dense = train_baseline(MulticlassHingeProblem(X, y, 0.05, norm, box), cfg)
    sparse = train_baseline(MulticlassHingeProblem(sp.csr_matrix(X), y, 0.05, norm, box), cfg)
    np.testing.assert_allclose(sparse.coef, dense.coef, atol=1e-5)
    np.testing.assert_allclose(sparse.intercept, dense.intercept, atol=1e-5)


def test_sgd_with_averaging_gets_close_to_the_exact_optimum():
    X, y = blobs(n=60, d=3, K=3, sep=0.6, seed=21)
    optimum = multiclass_cvxpy_optimum(X, y, 0.05, "inf")
    problem = MulticlassHingeProblem(X, y, 0.05, "inf")
    res = train_baseline(problem, BaselineConfig(epochs=150, batch_size=10, lr=1.0, schedule="inv-sqrt",
                                                 average="tail"), optimum=optimum)
    assert res.averaged.gap >= -1e-9 and res.best.gap >= -1e-9      # nothing beats the optimum
    assert res.averaged.gap < 0.01 * optimum                         # measured: 0.35 % of the optimum


def test_softmax_training_lowers_the_cross_entropy():
    X, y = blobs(n=60, d=4, K=4, sep=0.5, seed=22)
    problem = MulticlassHingeProblem(X, y, 0.0)
    res = train_baseline(problem, BaselineConfig(loss="softmax", epochs=30, batch_size=10, lr=0.5))
    first = res.trace[0]["training_objective"]
    assert res.best.training_objective < first < np.log(4) + 0.5


def test_eval_labels_must_be_class_indices():
    X, y = blobs(n=30, d=3)
    problem = MulticlassHingeProblem(X, y, 0.05)
    with pytest.raises(DataError, match="label 3, which is not one of the model's classes"):
        train_baseline(problem, BaselineConfig(epochs=1), eval_data=(X, y + 1))
    with pytest.raises(DataError, match=r"label -0\.5, which is not one of the model's classes"):
        train_baseline(problem, BaselineConfig(epochs=1), eval_data=(X, y - 0.5))


# ------------------------------------------------------------------ adversarial training's inner attack
@pytest.mark.parametrize("norm, box", THREATS)
def test_the_training_attack_stays_in_the_threat_set_and_never_exceeds_the_exact_worst_case(norm, box):
    X, y = blobs(n=30, d=5, K=3, seed=23)
    W, b = random_model(3, 5, seed=24)
    eps = 0.1
    problem = MulticlassHingeProblem(X, y, eps, norm, box)
    model = MulticlassModel(problem)
    xt, yt, Wt, bt = torch.tensor(X), torch.tensor(y), torch.tensor(W), torch.tensor(b)
    threat = problem.threat
    start = threat.torch_random_start(xt, torch.Generator().manual_seed(0))
    delta, _ = attack_batch(attack_objective(model, "hinge", Wt, bt, yt), xt, threat, steps=10, step_size=0.025,
                            start=start)
    D = delta.numpy()
    q = {"inf": np.inf, "2": 2, "1": 1}[norm]
    assert (np.linalg.norm(D, q, axis=1) <= eps * (1 + 1e-12)).all()
    if box is not None:
        assert ((X + D >= -1e-15) & (X + D <= 1 + 1e-15)).all()
    attacked = model.hinge(Wt, bt, xt + delta, yt, robust=False).numpy()
    robust = model.hinge(Wt, bt, xt, yt, robust=True).numpy()
    clean = model.hinge(Wt, bt, xt, yt, robust=False).numpy()
    assert (attacked <= robust + 1e-12).all() and (attacked >= clean - 1e-12).mean() > 0.9


# ------------------------------------------------------------------ the multiclass PGD attack
@pytest.mark.parametrize("norm, box", THREATS)
def test_multitargeted_pgd_reaches_the_exact_worst_case_of_a_linear_model(norm, box):
    X, y = blobs(n=80, d=6, K=4, seed=25)
    for seed in range(3):
        W, b = random_model(4, 6, seed=seed, scale=2.0)
        for eps in (0.02, 0.1):
            exact = multiclass_worst_margins_numpy(W, b, X, y, eps, norm, box)
            found = pgd_margins((W, b), X, y, eps, norm, box, targets="all")
            assert (found >= exact - 1e-12).all()              # every iterate is a feasible perturbation
            np.testing.assert_allclose(found, exact, atol=1e-12)
            assert pgd_accuracy((W, b), X, y, eps, norm, box) == np.mean(exact > 0)


@pytest.mark.parametrize("norm", ["inf", "2", "1"])
def test_untargeted_pgd_is_sound_and_close_on_small_data(norm):
    """``targets="max"`` can only overestimate the robust accuracy.  It ascends the margin loss along the
    current strongest competitor, so it is guaranteed to start in the exact attack's direction only on
    samples whose clean runner-up is also their worst-case competitor: the tolerance is the fraction of
    samples where the two differ (measured by brute force), and on these small problems it is met."""
    X, y = blobs(n=90, d=5, K=3, seed=26)
    for seed in range(4):
        W, b = random_model(3, 5, seed=seed, scale=2.0)
        eps = 0.1
        exact = multiclass_worst_margins_numpy(W, b, X, y, eps, norm)
        found = pgd_margins((W, b), X, y, eps, norm, targets="max", restarts=3)
        assert (found >= exact - 1e-12).all()
        S = X @ W.T + b
        S[np.arange(90), y] = -np.inf
        runner_up = S.argmax(axis=1)
        pair = np.array([[(W[y[i]] - W[k]) @ X[i] + b[y[i]] - b[k] - pair_penalty_numpy(W[y[i]] - W[k], X[i], eps,
                                                                                           norm)
                          if k != y[i] else np.inf for k in range(3)] for i in range(90)])
        differ = np.mean(pair.argmin(axis=1) != runner_up)
        cert, attacked = np.mean(exact > 0), np.mean(found > 0)
        assert cert <= attacked <= cert + differ


def test_pgd_on_a_torch_module_matches_the_linear_model():
    X, y = blobs(n=40, d=4, K=3, seed=27)
    W, b = random_model(3, 4, seed=28)
    layer = torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(W))
        layer.bias.copy_(torch.tensor(b))
    for targets in ("all", "max"):
        a = pgd_margins(layer, X, y, 0.1, "2", targets=targets)
        np.testing.assert_allclose(a, pgd_margins((W, b), X, y, 0.1, "2", targets=targets), atol=1e-12)


def test_pgd_of_a_nonlinear_module_is_at_most_its_clean_accuracy():
    X, y = blobs(n=50, d=4, K=3, seed=29)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    with torch.no_grad():
        clean = np.mean(net(torch.tensor(X)).argmax(dim=1).numpy() == y)
    m0 = pgd_margins(net, X, y, 0.0, "inf")
    assert np.mean(m0 > 0) == clean
    weak, strong = (pgd_accuracy(net, X, y, 0.2, "inf", restarts=r, steps=s) for r, s in ((1, 1), (3, 20)))
    assert strong <= clean and strong <= weak + 0.05


def test_without_a_threat_the_margins_are_the_clean_margins():
    X, y = blobs(n=20, d=3)
    W, b = random_model(3, 3)
    S = X @ W.T + b
    own = S[np.arange(20), y]
    S[np.arange(20), y] = -np.inf
    np.testing.assert_allclose(pgd_margins((W, b), X, y, 0.0), own - S.max(axis=1), atol=1e-13)


def test_multiclass_attack_rejects_bad_input():
    X, y = blobs(n=20, d=3)
    W, b = random_model(3, 3)
    with pytest.raises(DataError, match="label 3, which is not one of the model's classes"):
        pgd_accuracy((W, b), X, y + 1, 0.1)
    with pytest.raises(OptionError, match="unknown attack targets"):
        pgd_accuracy((W, b), X, y, 0.1, targets="each")
    with pytest.raises(ModelFileError, match="needs 3 intercepts"):
        pgd_accuracy((W, b[:2]), X, y, 0.1)
    with pytest.raises(OptionError, match="unknown attack targets"):
        AttackConfig(targets="top")


# ------------------------------------------------------------------ the estimator
def test_estimator_with_three_classes():
    X, y = blobs(n=60, d=4, K=3, sep=0.4, seed=30)
    labels = np.array(["cat", "dog", "emu"])[y]
    clf = SGDHingeClassifier(epsilon=0.05, epochs=5, batch_size=10, lr=0.2, average="tail").fit(X, labels)
    assert list(clf.classes_) == ["cat", "dog", "emu"]
    assert clf.coef_.shape == (3, 4) and clf.intercept_.shape == (3,)
    scores = clf.decision_function(X)
    assert scores.shape == (60, 3)
    assert np.array_equal(clf.predict(X), clf.classes_[scores.argmax(axis=1)])
    assert clf.objective_ == pytest.approx(multiclass_objective_numpy(clf.coef_, clf.intercept_, X, y, 0.05),
                                           rel=1e-12)
    exact = np.mean(multiclass_worst_margins_numpy(clf.coef_, clf.intercept_, X, y, 0.05) > 0)
    assert clf.certified_accuracy(X, labels) == exact == clf.pgd_accuracy(X, labels)
    soft = SGDHingeClassifier(loss="softmax", epochs=5, batch_size=10).fit(X, labels)
    assert soft.result_.name == "softmax-sgd" and soft.coef_.shape == (3, 4)
    with pytest.raises(DataError, match="outside the fitted classes"):
        clf.certified_accuracy(X, np.array(["cat", "dog", "yak"])[y])


def test_estimator_passes_sklearn_checks_with_multiclass_tags():
    from sklearn.utils.estimator_checks import check_estimator

    est = SGDHingeClassifier(epochs=5, batch_size=16)
    assert est.__sklearn_tags__().classifier_tags.multi_class
    results = check_estimator(est, on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert not failed
