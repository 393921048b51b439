"""Extreme values and the small input leaks of the certificate issue.

Extreme values are answered with a verified optimum or refused with one line naming the value;
malformed model files and empty output names are refused with one line (exit code 2).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from robustcvx.cli import main
from robustcvx.errors import OptionError
from robustcvx.estimator import RobustHingeClassifier
from robustcvx.problems import RobustHingeProblem
from robustcvx.solvers import solve

from conftest import make_blobs
from reference import reference_optimum


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(n=60, d=4, sep=0.5, seed=3)


@pytest.mark.parametrize("norm", ["inf", "2", "1"])
def test_a_radius_so_large_that_w_0_is_optimal_is_recognised(blobs, norm):
    X, y = blobs
    sol = solve(RobustHingeProblem(X, y, 1e15, norm))
    assert sol.verified and sol.solver == "zero-model" and not np.any(sol.coef)
    assert sol.objective == pytest.approx(1.0)        # balanced classes: 2 min(C+, C-) = 1


@pytest.mark.parametrize("norm", ["inf", "2", "1"])
def test_features_near_1e300_are_solved_and_verified(blobs, norm):
    X, y = blobs
    unit = solve(RobustHingeProblem(X, y, 0.1, norm))
    big = solve(RobustHingeProblem(X * 1e300, y, 0.1e300, norm))
    assert big.verified, big.certificate.reason
    assert big.objective == pytest.approx(unit.objective, abs=1e-7)


@pytest.mark.parametrize("l2", [1e100, 1e-20])
def test_extreme_l2_is_solved_and_verified(blobs, l2):
    X, y = blobs
    sol = solve(RobustHingeProblem(X, y, 0.1, "inf", l2=l2))
    assert sol.verified, sol.certificate.reason
    if l2 > 1e10:   # every weight costs more than it gains: w = 0, P = 2 min(C+, C-) (the reference cannot scale)
        assert sol.objective == pytest.approx(2 * min(np.mean(y > 0), np.mean(y < 0)), abs=1e-9)
    else:
        assert sol.objective == pytest.approx(reference_optimum(X, y, 0.1, "inf", None, 0.0, l2), abs=1e-7)


def test_an_option_out_of_range_for_the_data_is_one_clear_error(blobs):
    X, y = blobs
    with pytest.raises(OptionError, match="l2 = 1e-300 is out of range"):
        solve(RobustHingeProblem(X * 1e300, y, 0.0, l2=1e-300))


@pytest.fixture()
def model_file(tmp_path):
    X, y = make_blobs(n=30, d=3, sep=1.0, seed=1)
    np.savez(tmp_path / "d.npz", X_train=X, y_train=(y > 0).astype(int))
    assert main(["solve", "--data", f"npz:{tmp_path}/d.npz", "--save", str(tmp_path / "m.json")]) == 0
    return tmp_path, json.loads((tmp_path / "m.json").read_text())


@pytest.mark.parametrize("edit,message", [
    ("intercept-1e400", "beyond the float range"),
    ("coef-2d", "must be one list of numbers"),
    ("intercept-list", "intercept must be one number"),
])
def test_malformed_model_files_are_one_line_errors(model_file, capsys, edit, message):
    folder, rec = model_file
    if edit == "coef-2d":
        rec["coef"] = [[1, 2], [3, 4]]
    elif edit == "intercept-list":
        rec["intercept"] = [1, 2]
    text = json.dumps(rec)
    if edit == "intercept-1e400":                      # JSON allows 1e400; it parses as inf
        text = json.dumps(dict(rec, intercept="X")).replace('"X"', "1e400")
    (folder / "bad.json").write_text(text)
    capsys.readouterr()
    rc = main(["certify", "--model", str(folder / "bad.json"), "--data", f"npz:{folder}/d.npz"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and message in err[0] and "Traceback" not in err[0]


def test_an_empty_save_name_is_refused_before_solving(model_file, capsys):
    folder, _ = model_file
    rc = main(["solve", "--data", f"npz:{folder}/d.npz", "--save", ""])
    out, err = capsys.readouterr()
    assert rc == 2 and out == "" and "--save needs a file name" in err


def test_an_unwritable_bench_output_is_refused_before_any_work(capsys):
    rc = main(["bench", "--quick", "--out", "/proc/robustcvx-bench.json"])
    out, err = capsys.readouterr()
    assert rc == 2 and out == "" and "cannot write /proc/robustcvx-bench.json" in err


def test_estimator_certified_accuracy_takes_a_box_array():
    X, y = make_blobs(n=40, d=3, sep=1.0, seed=2, signed=False)
    m = RobustHingeClassifier(epsilon=0.05).fit(X, y)
    acc_array = m.certified_accuracy(X, y, box=np.array([0.0, 1.0]))
    assert acc_array == m.certified_accuracy(X, y, box=(0.0, 1.0))
