"""compare(): the exact model against the baselines, and the ``robustcvx compare`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch")

from conftest import REPO, make_blobs

from robustcvx.compare import CompareResult, ModelReport, baseline_configs, compare, parse_optimizers
from robustcvx.errors import OptionError

SMALL = dict(epochs=2, batch_size=16, attack_restarts=2)


@pytest.fixture(scope="module")
def task():
    from robustcvx.data import BinaryTask

    X, y = make_blobs(n=90, d=6, sep=0.7, seed=31, signed=False)
    return BinaryTask("blobs", "test", (), X[:60], y[:60], X[60:], y[60:], "test", None)


def _check_invariants(res: CompareResult, n_baselines: int) -> None:
    assert isinstance(res, CompareResult) and res.ok, res.errors
    assert len(res.models) == 1 + n_baselines
    exact = res.models[0]
    assert exact.kind == "exact" and exact.name == "exact" and exact.gap == 0.0 and exact.trace == []
    assert exact.distance_to_optimal_set == 0.0 and exact.info["verified"]
    for m in res.models:
        assert isinstance(m, ModelReport)
        assert res.optimum <= m.objective + 1e-9
        assert m.objective == m.objective_recomputed
        assert m.pgd_accuracy == m.certified_accuracy and m.pgd_agrees
        assert 0.0 <= m.certified_accuracy <= m.accuracy <= 1.0
        assert m.distance_to_optimal_set is not None and m.distance_to_optimal_set >= 0
    json.dumps(res.to_dict(), allow_nan=False)


@pytest.mark.parametrize("norm, box", [("inf", None), ("inf", (0.0, 1.0)), ("2", None), ("1", None)])
def test_compare_all_optimizers(task, norm, box):
    res = compare(task, 0.05, norm=norm, box=box, optimizers="all", **SMALL)
    _check_invariants(res, 4)
    assert [m.kind for m in res.models] == ["exact", "sgd", "adam", "fgsm", "pgd"]
    for m in res.models[1:]:
        assert len(m.trace) == 2 and m.trace[-1]["objective"] == m.objective
        assert m.trace[-1]["gap"] == pytest.approx(m.gap, abs=0) and m.seconds > 0
    assert res.evaluation == {"split": "test", "n": 30}
    assert res.problem["norm"] == norm and res.data["name"] == "blobs"


def test_compare_regularised_and_zero_epsilon(task):
    _check_invariants(compare(task, 0.0, l1=0.01, l2=0.05, optimizers=("sgd", "adam"), **SMALL), 2)


def test_compare_is_deterministic_and_dict_has_the_contract_keys(task):
    a = compare(task, 0.1, optimizers=["sgd", "pgd"], seed=3, **SMALL).to_dict()
    b = compare(task, 0.1, optimizers=["sgd", "pgd"], seed=3, **SMALL).to_dict()
    strip = lambda d: [{k: v for k, v in m.items() if k not in ("seconds", "info", "trace")}
                       for m in d["models"]]
    assert strip(a) == strip(b)
    assert set(a) >= {"optimum", "models", "data", "problem", "errors"}
    for m in a["models"]:
        assert set(m) >= {"name", "kind", "objective", "gap", "coef", "intercept", "accuracy", "certified_accuracy",
                          "pgd_accuracy", "seconds", "trace", "distance_to_optimal_set"}
    # the JSON coefficients reproduce the reported objective exactly
    from robustcvx.problems import RobustHingeProblem
    X, y = make_blobs(n=90, d=6, sep=0.7, seed=31, signed=False)
    p = RobustHingeProblem(X[:60], y[:60], 0.1)
    for m in a["models"]:
        assert p.objective(np.array(m["coef"]), m["intercept"]) == m["objective"]


def test_learning_rate_sweep_and_arrays_as_task():
    X, y = make_blobs(n=50, d=4, sep=0.8, seed=32)
    res = compare((X, y), 0.1, optimizers="sgd", lr=[0.1, 0.01], distance=False, **SMALL)
    assert [m.name for m in res.models] == ["exact", "sgd@lr=0.1", "sgd@lr=0.01"]
    assert res.models[1].distance_to_optimal_set is None and res.evaluation["split"] == "train"
    assert res.models[0].distance_to_optimal_set == 0.0
    assert res.ok


def test_a_pgd_certificate_disagreement_is_an_error_not_averaged(task, monkeypatch):
    import robustcvx.baselines.attack as attack

    real = attack.pgd_accuracy
    monkeypatch.setattr(attack, "pgd_accuracy", lambda *a, **k: min(1.0, real(*a, **k) + 1 / 30))
    res = compare(task, 0.1, optimizers="sgd", distance=False, **SMALL)
    assert not res.ok and len(res.errors) == 2
    assert all("PGD accuracy" in e for e in res.errors)
    assert not res.models[1].pgd_agrees and "!" in res.table()


@pytest.mark.parametrize("kwargs, match", [
    (dict(optimizers="momentum"), "unknown optimizer"),
    (dict(optimizers=[]), "no optimizer"),
    (dict(epochs=-2), "epochs must be >= 0"),
    (dict(batch_size=0), "batch size must be >= 1"),
    (dict(lr=-0.1), "learning rate must be > 0"),
    (dict(schedule="exp"), "unknown schedule"),
    (dict(attack_steps=0), "attack steps"),
    (dict(solver="gurobi"), "unknown solver"),
    (dict(tie_break="min-norm"), "unknown tie_break"),
])
def test_bad_options(task, kwargs, match):
    with pytest.raises(OptionError, match=match):
        compare(task, 0.1, **kwargs)


def test_parse_optimizers():
    assert parse_optimizers("sgd, adam") == ["sgd", "adam"]
    assert parse_optimizers(["pgd", "sgd,pgd"]) == ["pgd", "sgd"]
    assert parse_optimizers("all") == ["sgd", "adam", "fgsm", "pgd"]
    assert [n for n, _ in baseline_configs("adam", lr="0.1,0.001")] == ["adam@lr=0.1", "adam@lr=0.001"]


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
    assert [m["kind"] for m in doc["models"]] == ["exact", "sgd", "pgd"]
    assert doc["problem"]["box"] == [0.0, 1.0] and doc["data"]["n"] == 60
    for m in doc["models"]:
        assert m["pgd_accuracy"] == m["certified_accuracy"]
        assert doc["optimum"] <= m["objective"] + 1e-9
        assert len(m["coef"]) == 5
    assert len(doc["models"][1]["trace"]) == 2
    assert json.loads(out.read_text()) == doc


def test_cli_table(npz_path):
    r = _cli("--data", f"npz:{npz_path}", "--epsilon", "0.05", "--norm", "2", "--epochs", "1", "--optimizer",
             "adam,fgsm", "--no-distance")
    assert r.returncode == 0, r.stderr
    for word in ("optimum", "exact", "adam", "fgsm", "certified", "PGD"):
        assert word in r.stdout


@pytest.mark.parametrize("args, match", [
    (["--epochs", "-1"], "epochs must be >= 0"),
    (["--batch-size", "0"], "batch size must be >= 1"),
    (["--optimizer", "newton"], "unknown optimizer"),
    (["--schedule", "warm"], "unknown schedule"),
    (["--epochs", "two"], "invalid int value"),
    (["--solver", "mosek"], "unknown solver"),
])
def test_cli_bad_options_exit_2_with_one_line(npz_path, args, match):
    r = _cli("--data", f"npz:{npz_path}", "--epsilon", "0.1", *args)
    assert r.returncode == 2
    assert match in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""
