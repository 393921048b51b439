"""``robustcvx reproduce`` on K >= 3 classes: every file, exact certification against a brute-force count
from the weights, the exact Crammer-Singer objective against the cvxpy reference, CLI errors, --max-train.

The references are written here or in tests/reference.py from the math, never taken from the code under test.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from robustcvx import reproduce
from robustcvx.report import strip_timing
from robustcvx.reproduce import ReproduceConfig
from robustcvx.reproduce.multiclass import FIGURES

from reference import multiclass_cvxpy_optimum, multiclass_objective_numpy

EPS = 0.1


def toy_task(n=54, n_test=45, seed=0, K=3, name="toy3:0,1,2"):
    """K 4x4 'image' classes in [0, 1] (a prototype per class plus strong noise: not separable)."""
    from robustcvx.data import MulticlassTask

    protos = np.zeros((K, 16))
    for k, pix in enumerate(([5, 6, 9, 10], [0, 3, 12, 15], [1, 2, 13, 14], [4, 8, 7, 11])[:K]):
        protos[k, pix] = 0.35

    def draw(m, rng):
        y = np.arange(m) % K
        return np.clip(protos[y] + rng.uniform(0.0, 0.6, size=(m, 16)), 0.0, 1.0), y

    rng = np.random.default_rng(seed)
    X, y = draw(n, rng)
    Xt, yt = draw(n_test, rng)
    return MulticlassTask(name=name, source="synthetic 4x4 test images", classes=tuple(range(K)), X_train=X,
                          y_train=y, X_test=Xt, y_test=yt, split=f"train: {n}; test: {n_test}", image_shape=(4, 4))


def brute_certified(W, b, X, y, eps):
    """Sample i certified at eps iff for every k != y_i: (w_y - w_k).x_i + b_y - b_k > eps ||w_y - w_k||_1."""
    ok = 0
    for i in range(X.shape[0]):
        a = int(y[i])
        ok += all((W[a] - W[k]) @ X[i] + b[a] - b[k] > eps * np.abs(W[a] - W[k]).sum()
                  for k in range(W.shape[0]) if k != a)
    return ok / X.shape[0]


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("mc") / "run"
    cfg = ReproduceConfig(data="toy3:0,1,2", quick=True, epochs=4, out=str(out), max_train=45)
    return reproduce.run(cfg, task=toy_task(), progress=False)


def test_run_writes_every_file(toy_run):
    out = toy_run.out
    for name in (*FIGURES, "summary.csv", "summary.json", "README.md", "models.npz"):
        assert (out / name).stat().st_size > 0, name
    assert [f.file for f in toy_run.figures] == list(FIGURES)
    doc = json.loads((out / "summary.json").read_text())
    keys = [r["model"] for r in doc["rows"]]
    assert keys == ["exact-cs@0", "exact-cs@0.1", "exact-ovr@0.1", "sgd@0", "softmax@0", "sgd@0.1",
                    "softmax-pgd@0.1"]
    with open(out / "summary.csv") as fh:
        assert [r["model"] for r in csv.DictReader(fh)] == keys
    readme = (out / "README.md").read_text()
    assert doc["command"] in readme and all(f"]({f})" in readme for f in FIGURES)
    assert doc["max_train"] == 45 and doc["data"]["n"] == 45
    assert toy_run.checks == [] and doc["checks"] == []


def test_certified_accuracy_is_the_brute_force_count(toy_run):
    task = toy_run.task
    saved = np.load(toy_run.out / "models.npz")
    rows = {r["model"]: r for r in toy_run.rows}
    assert len(toy_run.models) == 7
    for m in toy_run.models:
        W, b = saved[f"{m.key}/coef"], saved[f"{m.key}/intercept"]
        np.testing.assert_array_equal(W, m.coef)
        for e in toy_run.config.eval_epsilons:
            expected = brute_certified(W, b, task.X_test, task.y_test, e)
            assert rows[m.key][f"certified_accuracy@{e:g}"] == expected, (m.key, e)
            assert rows[m.key][f"pgd_accuracy@{e:g}"] == expected, (m.key, e)   # the attack reaches it
            assert m.curve(e) == expected
        # the reported joint objective is the Crammer-Singer objective of the weights (loops, the definition)
        ref = multiclass_objective_numpy(W, b, task.X_train, task.y_train, m.epsilon)
        assert rows[m.key]["objective"] == pytest.approx(ref, rel=1e-8, abs=1e-12)


def test_exact_models_are_the_reference_optimum(toy_run):
    task = toy_run.task
    rows = {r["model"]: r for r in toy_run.rows}
    for e in (0.0, EPS):
        row = rows[f"exact-cs@{e:g}"]
        ref = multiclass_cvxpy_optimum(task.X_train, task.y_train, e)
        assert row["verified"] is True
        assert row["objective"] == pytest.approx(ref, rel=1e-7, abs=1e-9)
        assert row["optimum"] == row["objective"] and row["gap"] == 0.0
    for key, row in rows.items():                # nothing beats the certified optimum of its problem
        assert row["objective"] >= row["optimum"] - 1e-9, key
    assert rows["exact-ovr@0.1"]["verified"] is True
    sgd = rows["sgd@0.1"]
    assert sgd["gap"] > 0 and sgd["gap_best"] is not None and sgd["gap_averaged"] is not None


def test_max_train_is_deterministic(tmp_path):
    task = toy_task(n=45)
    cfg = dict(data="toy3:0,1,2", quick=True, epochs=1, max_train=24, seed=3)
    a = reproduce.run(ReproduceConfig(out=str(tmp_path / "a"), **cfg), task=task, progress=False)
    b = reproduce.run(ReproduceConfig(out=str(tmp_path / "b"), **cfg), task=task, progress=False)
    np.testing.assert_array_equal(a.task.X_train, b.task.X_train)
    assert np.bincount(a.task.y_train).tolist() == [8, 8, 8]             # stratified
    ja, jb = (json.loads((r.out / "summary.json").read_text()) for r in (a, b))
    for j in (ja, jb):
        j.pop("command")
    assert strip_timing(ja) == strip_timing(jb)
    c = reproduce.run(ReproduceConfig(out=str(tmp_path / "c"), **{**cfg, "seed": 4}), task=task, progress=False)
    assert not np.array_equal(a.task.X_train, c.task.X_train)                # the seed picks the rows


def test_class_names_of_known_data_sets():
    from robustcvx.reproduce.multiclass import class_names

    task = toy_task(name="fashion-mnist:all")
    assert class_names(task) == ["T-shirt/top", "Trouser", "Pullover"]
    assert class_names(toy_task()) == ["class 0", "class 1", "class 2"]


@pytest.fixture()
def npz3(tmp_path):
    task = toy_task(n=30, n_test=15, seed=2)
    path = tmp_path / "toy3.npz"
    np.savez(path, X_train=task.X_train, y_train=task.y_train, X_test=task.X_test, y_test=task.y_test)
    return path


@pytest.mark.parametrize("args, match", [
    (["--epsilon", "0.05", "0.1"], "one robust radius"),
    (["--max-train", "0"], "max-train"),
    (["--max-train", "2"], "classes"),
])
def test_cli_bad_input_exit_2_with_one_line(npz3, tmp_path, capsys, args, match):
    from robustcvx.cli import main

    out = tmp_path / "bad"
    assert main(["reproduce", "--quick", "--data", f"npz:{npz3}", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and match in err[0], err
    assert not out.exists()


def test_cli_runs_and_round_trips_max_train(npz3, tmp_path, capsys):
    from robustcvx.cli import main

    out = tmp_path / "cli"
    rc = main(["reproduce", "--quick", "--quiet", "--data", f"npz:{npz3}", "--epochs", "1", "--max-train", "24",
               "--out", str(out)])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "wrote 3 figures" in cap.out
    doc = json.loads((out / "summary.json").read_text())
    assert "--max-train 24" in doc["command"] and doc["data"]["n"] == 24
