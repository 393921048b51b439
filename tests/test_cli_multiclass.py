"""``robustcvx solve`` / ``certify`` on multiclass data: the model file (K coef lists, classes,
problem.multiclass), one-vs-rest, and certification of such a file on the data, with the optimum checked
against the independent reference."""

from __future__ import annotations

import json

import numpy as np
import pytest

from robustcvx.cli import main

from reference import multiclass_cvxpy_optimum, multiclass_worst_margins_numpy, reference_optimum


@pytest.fixture
def three(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.array([2, 5, 7])
    idx = np.arange(45) % 3
    X = rng.random((45, 3))
    X[:, 0] += 0.4 * idx
    Xt = rng.random((30, 3))
    it = np.arange(30) % 3
    Xt[:, 0] += 0.4 * it
    path = tmp_path / "three.npz"
    np.savez(path, X_train=X, y_train=labels[idx], X_test=Xt, y_test=labels[it])
    return path, X, idx, Xt, it, labels


def test_solve_writes_a_multiclass_model_and_certify_reads_it(three, tmp_path, capsys):
    path, X, idx, Xt, it, labels = three
    model = tmp_path / "m.json"
    rc = main(["solve", "--data", f"npz:{path}", "--epsilon", "0.05", "--save", str(model), "--json"])
    out = capsys.readouterr().out
    assert rc == 0
    rec = json.loads(out.strip().splitlines()[-1])
    assert rec["problem"]["multiclass"] == "crammer-singer" and rec["classes"] == labels.tolist()
    W, b = np.array(rec["coef"]), np.array(rec["intercept"])
    assert W.shape == (3, 3) and b.shape == (3,)
    assert rec["certificate"]["verified"]
    assert rec["objective"] == pytest.approx(multiclass_cvxpy_optimum(X, idx, 0.05), abs=1e-7)
    saved = json.loads(model.read_text())
    assert saved["coef"] == rec["coef"] and saved["classes"] == labels.tolist()
    rc = main(["certify", "--model", str(model), "--data", f"npz:{path}", "--epsilon", "0,0.05,0.2", "--json"])
    rep = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rc == 0 and rep["split"] == "test"
    for row in rep["results"]:
        want = np.mean(multiclass_worst_margins_numpy(W, b, Xt, it, row["epsilon"]) > 0)
        assert row["certified_accuracy"] == pytest.approx(want)
        assert row["attacked_accuracy"] == pytest.approx(want)


def test_solve_one_vs_rest(three, capsys):
    path, X, idx, *_ = three
    rc = main(["solve", "--data", f"npz:{path}", "--epsilon", "0.05", "--multiclass", "ovr", "--json"])
    rec = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rc == 0 and rec["problem"]["multiclass"] == "ovr" and rec["certificate"]["verified"]
    refs = [reference_optimum(X, np.where(idx == k, 1.0, -1.0), 0.05) for k in range(3)]
    assert rec["objective"] == pytest.approx(np.mean(refs), abs=1e-7)
    assert len(rec["binary"]) == 3 and all(r["verified"] for r in rec["binary"])


def test_text_summary_names_the_classes(three, capsys):
    path, *_ = three
    assert main(["solve", "--data", f"npz:{path}", "--epsilon", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "3 classes" in out and "Crammer-Singer" in out and "VERIFIED OPTIMAL" in out


def test_binary_model_on_multiclass_data_is_one_clear_line(three, tmp_path, capsys):
    path, *_ = three
    model = tmp_path / "bin.json"
    model.write_text(json.dumps({"coef": [1.0, 0.0, 0.0], "intercept": 0.0}))
    rc = main(["certify", "--model", str(model), "--data", f"npz:{path}"])
    err = capsys.readouterr().err
    assert rc == 2 and "binary" in err and len(err.strip().splitlines()) == 1
