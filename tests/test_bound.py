"""The best robust error any classifier can reach (robustcvx.bound) against a brute-force minimum
vertex cover of the conflict graph, written here from the definition."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import robustcvx.bound as bound_module
from robustcvx.bound import robust_error_bound
from robustcvx.cli import main
from robustcvx.data import save_npz_task
from robustcvx.errors import DataError, OptionError

NORMS = {"inf": np.inf, "2": 2, "1": 1}


def brute_force_cover(X, y, eps, norm):
    """Size of a minimum vertex cover of the graph joining samples of different classes within
    ``2 eps`` in the ``norm`` distance, by trying every subset in order of size."""
    n = len(y)
    edges = [(i, j) for i, j in itertools.combinations(range(n), 2)
             if y[i] != y[j] and np.linalg.norm(X[i] - X[j], ord=NORMS[norm]) <= 2 * eps]
    for k in range(n + 1):
        for cover in itertools.combinations(range(n), k):
            s = set(cover)
            if all(i in s or j in s for i, j in edges):
                return k
    raise AssertionError("unreachable")


def tiny(seed, n=10, d=3, classes=2, grid=False):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 5, size=(n, d)) / 4.0 if grid else rng.uniform(0, 1, size=(n, d))
    y = rng.integers(0, classes, size=n)
    y[:classes] = np.arange(classes)          # every class present
    return X, y


@pytest.mark.parametrize("norm", ["inf", "2", "1"])
@pytest.mark.parametrize("seed", range(6))
def test_two_classes_equal_brute_force_vertex_cover(norm, seed):
    X, y = tiny(seed, grid=seed % 2 == 0)      # grid points: many ties at exactly 2 eps
    b = robust_error_bound(X, y, 0.6, norm)
    assert b.exact
    for eps in (0.0, 0.05, 0.125, 0.2, 0.25, 0.3, 0.375, 0.5, 0.6):
        cover = brute_force_cover(X, y, eps, norm)
        assert b.matching(eps) == cover, (eps, b.matching(eps), cover)
        assert b.value(eps) == cover / len(y)


@pytest.mark.parametrize("seed", range(4))
def test_three_classes_is_a_lower_bound_of_the_cover_and_marked_inexact(seed):
    X, y = tiny(seed, n=9, classes=3)
    b = robust_error_bound(X, y, 0.5, "inf")
    assert not b.exact
    hit_somewhere = False
    for eps in (0.1, 0.2, 0.3, 0.5):
        cover = brute_force_cover(X, y, eps, "inf")
        assert b.matching(eps) <= cover
        hit_somewhere |= b.matching(eps) > 0
    assert hit_somewhere


def test_curve_is_the_exact_step_function():
    X, y = tiny(7, n=40, d=4)
    b = robust_error_bound(X, y, 0.4, "2")
    r, v = b.curve()
    assert r[0] == 0.0 and np.all(np.diff(r) > 0) and np.all(np.diff(v) > 0)
    for k in range(len(r)):                    # the value at each step and just before the next
        assert b.value(r[k]) == pytest.approx(v[k], abs=0)
        if k + 1 < len(r):
            assert b.value(np.nextafter(r[k + 1], 0)) == v[k]
    assert b.value(0.4) == v[-1]


def test_blocked_distances_match_one_block(monkeypatch):
    X, y = tiny(3, n=60, d=5)
    full = robust_error_bound(X, y, 0.3, "inf")
    monkeypatch.setattr(bound_module, "BLOCK_PAIRS", 7)      # many tiny blocks
    blocked = robust_error_bound(X, y, 0.3, "inf")
    for a, b in zip(full.parts, blocked.parts):
        np.testing.assert_array_equal(a.distance, b.distance)
    assert [full.matching(e) for e in (0.1, 0.2, 0.3)] == [blocked.matching(e) for e in (0.1, 0.2, 0.3)]


def test_duplicate_points_of_two_classes_conflict_at_radius_zero():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1])
    b = robust_error_bound(X, y, 0.5, "inf")
    assert b.matching(0.0) == 1 and b.matching(0.49) == 1 and b.matching(0.5) == 1


def test_bad_input_is_one_clear_error():
    X, y = tiny(0)
    with pytest.raises(DataError, match="two classes"):
        robust_error_bound(X, np.zeros(len(y)), 0.1)
    with pytest.raises(DataError, match="labels"):
        robust_error_bound(X, y[:-1], 0.1)
    b = robust_error_bound(X, y, 0.1)
    with pytest.raises(OptionError, match="max_epsilon"):
        b.value(0.2)


def test_cli_bound_json_matches_brute_force(tmp_path, capsys):
    X, y = tiny(11, n=10, d=3)
    path = tmp_path / "tiny.npz"
    save_npz_task(path, X, np.where(y == 1, 1, -1))
    assert main(["bound", "--data", f"npz:{path}", "--epsilon", "0.1,0.2,0.3", "--split", "train", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["epsilon"] for r in report["results"]] == [0.1, 0.2, 0.3]
    for r in report["results"]:
        assert r["n"] == 10
        assert r["matching"] == brute_force_cover(X, y, r["epsilon"], "inf")
        assert r["min_robust_error"] == r["matching"] / 10


def test_cli_bound_bad_options_are_one_line(capsys):
    assert main(["bound", "--data", "mnist-sample:0,1", "--epsilon", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--epsilon" in err[0]
    assert main(["bound", "--data", "mnist-sample:0,1", "--epsilon", "0.1", "--split", "valid"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
