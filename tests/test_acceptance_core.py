"""The core issue's acceptance grid, through the real CLI entry point.

For every threat (inf, inf+box, 2, 1), every epsilon in {0, 0.05, 0.1, 0.2} and three
datasets (MNIST sample 0/1 and 3/8, npz with signed features): ``solve --json`` verifies and
matches an independent formulation to 1e-7; ``certify --json`` gives certified accuracy equal
to the exact attack's and to an independent PGD attack.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from robustcvx.cli import main
from robustcvx.data import load_task

from conftest import SHARED_MNIST_T10K
from reference import linprog_optimum, pgd_accuracy, socp_optimum

THREATS = [("inf", None), ("inf", "0,1"), ("2", None), ("1", None)]
EPSILONS = [0.0, 0.05, 0.1, 0.2]


def _data_specs(signed_npz):
    return ["mnist-sample:0,1", "mnist-sample:3,8", f"npz:{signed_npz}"]


def _run(capsys, argv):
    code = main(argv)
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    return json.loads(out[-1])


@pytest.fixture(scope="module")
def data_dir():
    return str(SHARED_MNIST_T10K) if SHARED_MNIST_T10K.is_dir() else None


@pytest.mark.parametrize("dataset", [0, 1, 2], ids=["mnist01", "mnist38", "npz-signed"])
@pytest.mark.parametrize("norm, box", THREATS, ids=["inf", "inf-box", "l2", "l1"])
def test_solve_and_certify_grid(dataset, norm, box, signed_npz, data_dir, tmp_path, capsys):
    spec = _data_specs(signed_npz)[dataset]
    if box and dataset == 2:
        box = "-6,6"  # signed features: a box that contains them
    extra = (["--data-dir", data_dir] if data_dir else [])
    task = load_task(spec, data_dir=data_dir)
    X, y = task.X_train, task.y_train
    Xe, ye, _ = task.evaluation_split()
    boxt = tuple(float(v) for v in box.split(",")) if box else None
    for eps in EPSILONS:
        model = tmp_path / f"m{eps}.json"
        argv = ["solve", "--data", spec, "--epsilon", str(eps), "--norm", norm, "--json", "--save", str(model)]
        rec = _run(capsys, argv + ([f"--box={box}"] if box else []) + extra)
        cert = rec["certificate"]
        assert cert["verified"] is True
        assert {"primal", "dual", "gap", "verified", "degenerate"} <= set(cert)
        assert rec["data"]["n"] == X.shape[0] and rec["data"]["d"] == X.shape[1]
        if norm == "2" and eps > 0:
            ref = socp_optimum(X, y, eps)
        else:
            ref = linprog_optimum(X, y, eps, "inf" if norm == "2" else norm, boxt)
        assert rec["objective"] == pytest.approx(ref, abs=1e-7), (spec, norm, box, eps)
        assert json.loads(model.read_text())["coef"] == rec["coef"]

        res = _run(capsys, ["certify", "--model", str(model), "--data", spec, "--norm", norm, "--epsilon",
                            "0,0.05,0.1,0.2,0.3", "--json"] + ([f"--box={box}"] if box else []) + extra)
        w, b = np.array(rec["coef"]), rec["intercept"]
        for r in res["results"]:
            assert r["certified_accuracy"] == r["attacked_accuracy"]
            assert r["certified_accuracy"] == pgd_accuracy(w, b, Xe, ye, r["epsilon"], norm, boxt)
            assert r["accuracy"] == pytest.approx(np.mean(ye * (Xe @ w + b) > 0))
