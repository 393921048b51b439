"""compare(): the exact model against the baselines (last, best and averaged iterates), sample and
class weights, the config objects, and the ``robustcvx compare`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from robustcvx.baselines import AttackConfig, BaselineConfig
from robustcvx.compare import (
    CompareConfig,
    CompareResult,
    ModelReport,
    baseline_configs,
    compare,
    parse_optimizers,
)
from robustcvx.errors import DataError, InputTypeError, OptionError
from robustcvx.problems import RobustHingeProblem

from conftest import REPO, make_blobs
from reference import cvxpy_optimum

SMALL = dict(epochs=2, batch_size=16, attack_restarts=2)


@pytest.fixture(scope="module")
def task():
    from robustcvx.data import BinaryTask

    X, y = make_blobs(n=90, d=6, sep=0.7, seed=31, signed=False)
    return BinaryTask("blobs", "test", (), X[:60], y[:60], X[60:], y[60:], "test", None)


def _check_invariants(res: CompareResult, runs: list[str], iterates=("last", "best", "averaged")) -> None:
    assert isinstance(res, CompareResult) and res.ok, res.errors
    exact = res.models[0]
    assert exact.kind == "exact" and exact.name == "exact" and exact.gap == 0.0 and exact.trace == []
    assert exact.run is None and exact.iterate is None
    assert exact.distance_to_optimal_set == 0.0 and exact.info["verified"]
    suffix = {"last": "", "best": ":best", "averaged": ":averaged"}
    assert [m.name for m in res.models[1:]] == [r + suffix[i] for r in runs for i in iterates]
    for m in res.models:
        assert isinstance(m, ModelReport)
        assert res.optimum <= m.objective + 1e-9
        assert m.objective == m.objective_recomputed
        assert m.pgd_accuracy == m.certified_accuracy and m.pgd_agrees
        assert 0.0 <= m.certified_accuracy <= m.accuracy <= 1.0
        assert m.distance_to_optimal_set is not None and m.distance_to_optimal_set >= 0
    for run in runs:
        rows = {m.iterate: m for m in res.models if m.run == run}
        last = rows["last"]
        assert len(last.trace) == last.epoch and last.trace[-1]["objective"] == last.objective
        assert rows["best"].objective == min(r["objective"] for r in last.trace) <= last.objective
        if "averaged" in rows:
            assert rows["averaged"].objective == last.trace[-1]["averaged_objective"]
        assert all(rows[k].trace == [] for k in rows if k != "last")
        assert res.gaps()[run] == {k: rows[k].gap for k in iterates}
    json.dumps(res.to_dict(), allow_nan=False)


@pytest.mark.parametrize("norm, box", [("inf", None), ("inf", (0.0, 1.0)), ("2", None), ("1", None)])
def test_compare_all_optimizers(task, norm, box):
    res = compare(task, epsilon=0.05, norm=norm, box=box, optimizers="all", **SMALL)
    _check_invariants(res, ["sgd", "adam", "fgsm", "pgd"])
    assert [m.kind for m in res.models if m.iterate in (None, "last")] == ["exact", "sgd", "adam", "fgsm", "pgd"]
    for m in res.models[1:]:
        assert m.seconds > 0 and m.config["average"] == "tail"
    assert res.evaluation == {"split": "test", "n": 30}
    assert res.problem["norm"] == norm and res.data["name"] == "blobs"


def test_compare_regularised_and_zero_epsilon(task):
    _check_invariants(compare(task, epsilon=0.0, l1=0.01, l2=0.05, optimizers=("sgd", "adam"), **SMALL),
                      ["sgd", "adam"])


def test_a_config_object_and_flat_options_give_the_same_comparison(task):
    cfg = CompareConfig(epsilon=0.1, box=(0, 1), optimizers=("sgd",), lrs=(0.05,),
                        training=BaselineConfig(epochs=3, batch_size=16, average="all", seed=2),
                        attack=AttackConfig(steps=10, seed=2), distance=False)
    a = compare(task, cfg)
    b = compare(task, epsilon=0.1, box=(0, 1), optimizers="sgd", lr=0.05, epochs=3, batch_size=16, average="all",
                seed=2, attack_steps=10, distance=False)
    strip = lambda r: [{k: v for k, v in m.to_dict().items() if k not in ("seconds", "info", "trace")}
                       for m in r.models]
    assert strip(a) == strip(b) and a.settings == b.settings
    assert a.settings["training"]["average"] == "all" and a.settings["attack"]["steps"] == 10
    c = compare(task, cfg, average="none")  # keywords override the fields of a config given
    assert [m.name for m in c.models] == ["exact", "sgd", "sgd:best"]


def test_compare_is_deterministic_and_dict_has_the_contract_keys(task):
    a = compare(task, epsilon=0.1, optimizers=["sgd", "pgd"], seed=3, **SMALL).to_dict()
    b = compare(task, epsilon=0.1, optimizers=["sgd", "pgd"], seed=3, **SMALL).to_dict()
    strip = lambda d: [{k: v for k, v in m.items() if k not in ("seconds", "info", "trace")}
                       for m in d["models"]]
    assert strip(a) == strip(b)
    assert set(a) >= {"optimum", "models", "gaps", "data", "problem", "errors"}
    assert set(a["gaps"]) == {"sgd", "pgd"} and set(a["gaps"]["sgd"]) == {"last", "best", "averaged"}
    for m in a["models"]:
        assert set(m) >= {"name", "kind", "run", "iterate", "epoch", "objective", "gap", "coef", "intercept",
                          "accuracy", "certified_accuracy", "pgd_accuracy", "seconds", "trace",
                          "distance_to_optimal_set", "nonzeros", "significant_weights"}
    # the JSON coefficients reproduce the reported objective exactly
    X, y = make_blobs(n=90, d=6, sep=0.7, seed=31, signed=False)
    p = RobustHingeProblem(X[:60], y[:60], 0.1)
    for m in a["models"]:
        assert p.objective(np.array(m["coef"]), m["intercept"]) == m["objective"]


def test_learning_rate_sweep_and_arrays_as_task():
    X, y = make_blobs(n=50, d=4, sep=0.8, seed=32)
    res = compare((X, y), epsilon=0.1, optimizers="sgd", lr=[0.1, 0.01], distance=False, average="none", **SMALL)
    assert [m.name for m in res.models] == ["exact", "sgd@lr=0.1", "sgd@lr=0.1:best", "sgd@lr=0.01",
                                            "sgd@lr=0.01:best"]
    assert res.models[1].distance_to_optimal_set is None and res.evaluation["split"] == "train"
    assert res.models[0].distance_to_optimal_set == 0.0
    assert res.ok


def test_a_pgd_certificate_disagreement_is_an_error_not_averaged(task, monkeypatch):
    import robustcvx.baselines.attack as attack

    real = attack.pgd_accuracy
    monkeypatch.setattr(attack, "pgd_accuracy", lambda *a, **k: min(1.0, real(*a, **k) + 1 / 30))
    res = compare(task, epsilon=0.1, optimizers="sgd", distance=False, **SMALL)
    assert not res.ok and len(res.errors) == 4  # exact, sgd, sgd:best, sgd:averaged
    assert all("PGD accuracy" in e for e in res.errors)
    assert not res.models[1].pgd_agrees and "!" in res.table()


# ---------------------------------------------------------------------------- weights
def test_sample_weights_give_the_weighted_optimum_and_weighted_gaps():
    X, y = make_blobs(n=40, d=4, sep=0.6, seed=34, signed=False)
    s = np.random.default_rng(2).integers(1, 4, size=40).astype(float)
    res = compare((X, y), epsilon=0.05, sample_weight=s, optimizers="sgd", distance=False, **SMALL)
    assert res.ok, res.errors and res.problem["weighted"]
    assert res.optimum == pytest.approx(cvxpy_optimum(X, y, 0.05, weights=s), abs=1e-6)
    for m in res.models:  # every objective is the weighted mean robust hinge, written from the math
        h = np.maximum(0, 1 - y * (X @ m.coef + m.intercept) + 0.05 * np.abs(m.coef).sum())
        assert m.objective == pytest.approx((s * h).sum() / s.sum(), rel=1e-12)
        assert m.gap == pytest.approx(m.objective - res.optimum, abs=0)
    # integer weights are duplicated rows: the same optimum
    dup = compare((np.repeat(X, s.astype(int), axis=0), np.repeat(y, s.astype(int))), epsilon=0.05,
                  optimizers="sgd", distance=False, **SMALL)
    assert dup.optimum == pytest.approx(res.optimum, abs=1e-9)


def test_balanced_class_weights(task):
    X, y = make_blobs(n=60, d=4, sep=0.5, seed=35, signed=False)
    keep = (y > 0) | (np.arange(60) % 3 == 0)          # 30 positives, 10 negatives
    X, y = X[keep], y[keep]
    res = compare((X, y), epsilon=0.05, class_weight="balanced", optimizers="sgd", distance=False, **SMALL)
    n, npos = len(y), int((y > 0).sum())
    s = np.where(y > 0, n / (2 * npos), n / (2 * (n - npos)))   # scikit-learn's "balanced"
    assert res.ok and res.settings["class_weight"] == "balanced"
    assert res.optimum == pytest.approx(cvxpy_optimum(X, y, 0.05, weights=s), abs=1e-6)
    both = compare((X, y), epsilon=0.05, class_weight={-1: 3.0, 1: 1.0}, sample_weight=np.full(n, 2.0),
                   optimizers="sgd", distance=False, **SMALL)
    assert both.optimum == pytest.approx(cvxpy_optimum(X, y, 0.05, weights=np.where(y > 0, 1.0, 3.0)), abs=1e-6)


@pytest.mark.parametrize("class_weight, sample_weight, error, match", [
    ("heavy", None, OptionError, "'balanced' or two weights"),
    ("1,0", None, OptionError, "must be > 0"),
    ({0: 1, 1: 2}, None, DataError, "class_weight"),
    (None, np.ones(3), DataError, "3 entries but y has 40"),
    (None, np.r_[np.zeros(20), np.ones(20)] * (np.arange(40) % 2), DataError, "zero on a whole class"),
])
def test_bad_weights(class_weight, sample_weight, error, match):
    X, y = make_blobs(n=40, d=4, seed=36)
    with pytest.raises(error, match=match):
        compare((X, y), epsilon=0.1, class_weight=class_weight, sample_weight=sample_weight, **SMALL)


def test_class_weight_factors_multiply_sample_weights():
    X, y = make_blobs(n=30, d=3, sep=0.5, seed=38, signed=False)
    s = np.random.default_rng(4).uniform(0.5, 2.0, size=30)
    res = compare((X, y), epsilon=0.05, class_weight="1,5", sample_weight=s, optimizers="sgd", distance=False,
                  **SMALL)
    c = s * np.where(y > 0, 5.0, 1.0)
    assert res.optimum == pytest.approx(cvxpy_optimum(X, y, 0.05, weights=c), abs=1e-6)
    assert res.settings["class_weight"] == {"-1.0": 1.0, "1.0": 5.0}


def test_a_sparse_task_compares_like_its_dense_copy():
    import scipy.sparse as sp

    X, y = make_blobs(n=90, d=6, sep=0.7, seed=39, signed=False)
    X[np.random.default_rng(5).random(X.shape) < 0.5] = 0.0
    dense = compare((X[:60], y[:60], X[60:], y[60:]), epsilon=0.05, box=(0, 1), optimizers="sgd,pgd",
                    distance=False, **SMALL)
    sparse = compare((sp.csr_matrix(X[:60]), y[:60], sp.csr_matrix(X[60:]), y[60:]), epsilon=0.05, box=(0, 1),
                     optimizers="sgd,pgd", distance=False, **SMALL)
    assert sparse.ok, sparse.errors
    assert sparse.optimum == pytest.approx(dense.optimum, abs=1e-9)
    for a, b in zip(dense.models[1:], sparse.models[1:]):
        assert a.name == b.name
        np.testing.assert_allclose(b.coef, a.coef, atol=1e-6)
        assert (b.accuracy, b.certified_accuracy, b.pgd_accuracy) == (a.accuracy, a.certified_accuracy,
                                                                        a.pgd_accuracy)


# ---------------------------------------------------------------------------- options
@pytest.mark.parametrize("kwargs, match", [
    (dict(optimizers="momentum"), "unknown optimizer"),
    (dict(optimizers=[]), "no optimizer"),
    (dict(epochs=-2), "epochs must be >= 0"),
    (dict(batch_size=0), "batch size must be >= 1"),
    (dict(lr=-0.1), "learning rate must be > 0"),
    (dict(schedule="exp"), "unknown schedule"),
    (dict(average="median"), "unknown average"),
    (dict(attack_steps=0), "attack steps must be >= 1"),
    (dict(solver="gurobi"), "unknown solver"),
    (dict(tie_break="min-norm"), "unknown tie_break"),
    (dict(norm="3"), "unknown norm"),
])
def test_bad_options(task, kwargs, match):
    with pytest.raises(OptionError, match=match):
        compare(task, epsilon=0.1, **kwargs)


def test_options_are_keyword_only_and_checked_by_name(task):
    with pytest.raises(InputTypeError, match="unknown compare option 'epoch'"):
        compare(task, epsilon=0.1, epoch=3)
    with pytest.raises(InputTypeError, match="needs epsilon"):
        compare(task, optimizers="sgd")
    with pytest.raises(TypeError):
        compare(task, 0.1)  # the second positional argument is a CompareConfig, nothing else
    with pytest.raises(TypeError):
        CompareConfig(0.1)


def test_parse_optimizers_and_baseline_configs():
    assert parse_optimizers("sgd, adam") == ("sgd", "adam")
    assert parse_optimizers(["pgd", "sgd,pgd"]) == ("pgd", "sgd")
    assert parse_optimizers("all") == ("sgd", "adam", "fgsm", "pgd")
    named = baseline_configs(optimizers="adam", lr="0.1,0.001", epochs=7)
    assert [n for n, _ in named] == ["adam@lr=0.1", "adam@lr=0.001"]
    assert [(c.optimizer, c.lr, c.epochs) for _, c in named] == [("adam", 0.1, 7), ("adam", 0.001, 7)]


# -------------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def npz_path(tmp_path_factory):
    X, y = make_blobs(n=80, d=5, sep=0.8, seed=33, signed=False)
    path = tmp_path_factory.mktemp("cmp") / "tiny.npz"
    lab = (y > 0).astype(int)
    np.savez(path, X_train=X[:60], y_train=lab[:60], X_test=X[60:], y_test=lab[60:])
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "robustcvx", "compare", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=300)


def test_cli_json(npz_path, tmp_path):
    out = tmp_path / "result.json"
    r = _cli("--data", f"npz:{npz_path}", "--epsilon", "0.1", "--box", "0,1", "--epochs", "2", "--optimizer",
             "sgd", "pgd", "--batch-size", "20", "--json", "--save", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout.strip().splitlines()[-1])
    assert doc["ok"] and doc["errors"] == []
    assert [m["name"] for m in doc["models"]] == ["exact", "sgd", "sgd:best", "sgd:averaged", "pgd", "pgd:best",
                                                  "pgd:averaged"]
    assert doc["problem"]["box"] == [0.0, 1.0] and doc["data"]["n"] == 60
    for m in doc["models"]:
        assert m["pgd_accuracy"] == m["certified_accuracy"]
        assert doc["optimum"] <= m["objective"] + 1e-9
        assert len(m["coef"]) == 5
    assert len(doc["models"][1]["trace"]) == 2
    assert json.loads(out.read_text()) == doc


def test_cli_table_with_schedule_averaging_and_class_weights(npz_path):
    r = _cli("--data", f"npz:{npz_path}", "--epsilon", "0.05", "--norm", "2", "--epochs", "3", "--optimizer",
             "adam,fgsm", "--no-distance", "--schedule", "inv-sqrt", "--average", "all", "--class-weight", "1,3")
    assert r.returncode == 0, r.stderr
    for word in ("optimum", "exact", "adam:best", "fgsm:averaged", "certified", "PGD", "averaging all",
                 "mean (weighted) robust hinge", "inv-sqrt"):
        assert word in r.stdout, word


def test_cli_without_averaging(npz_path):
    r = _cli("--data", f"npz:{npz_path}", "--epsilon", "0.05", "--epochs", "1", "--average", "none", "--json",
             "--no-distance")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout.strip().splitlines()[-1])
    assert [m["name"] for m in doc["models"]] == ["exact", "sgd", "sgd:best"]


@pytest.mark.parametrize("args, match", [
    (["--epochs", "-1"], "epochs must be >= 0"),
    (["--batch-size", "0"], "batch size must be >= 1"),
    (["--optimizer", "newton"], "unknown optimizer"),
    (["--schedule", "warm"], "unknown schedule"),
    (["--average", "ema"], "unknown average"),
    (["--class-weight", "heavy"], "--class-weight must be"),
    (["--epochs", "two"], "invalid int value"),
    (["--solver", "mosek"], "unknown solver"),
])
def test_cli_bad_options_exit_2_with_one_line(npz_path, args, match):
    r = _cli("--data", f"npz:{npz_path}", "--epsilon", "0.1", *args)
    assert r.returncode == 2
    assert match in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""
