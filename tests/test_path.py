"""The exact robust path (robustcvx.path) against direct solves at many radii, an independent LP,
the certificate of every segment, and the one-line refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from robustcvx.cli import main
from robustcvx.data import save_npz_task
from robustcvx.errors import OptionError
from robustcvx.path import robust_path
from robustcvx.problems import RobustHingeProblem
from robustcvx.solvers import solve
from tests.reference import linprog_optimum

DUAL = {"inf": 1, "1": np.inf}          # the norm of w the threat penalises


def noisy(seed, n=50, d=6):
    """Overlapping classes: psi decreases over many budgets and never reaches 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.where(X[:, 0] + 0.8 * rng.normal(size=n) > 0, 1.0, -1.0)
    return X, y


def separable(seed, n=40, d=5):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, size=(n, d))
    y = np.where(X[:, 0] + 0.3 * X[:, 1] > 0.65, 1.0, -1.0)
    return X, y


def radii(path, count=30):
    """``count`` radii spread over the whole path: inside segments, at breakpoints, and beyond the last."""
    top = 1.3 * float(path.breakpoints.max()) if path.n_breakpoints else 1.0
    grid = list(np.linspace(0.0, top, count - 4))
    bp = path.breakpoints
    grid += [float(bp[len(bp) // 2]), float(bp[-1]), float(bp[0]) * 0.5, top * 2]
    return grid


@pytest.mark.parametrize("norm", ["inf", "1"])
@pytest.mark.parametrize("seed", [0, 1])
def test_values_equal_direct_solves_at_30_radii(norm, seed):
    X, y = noisy(seed)
    path = robust_path(X, y, norm=norm)
    assert path.n_breakpoints >= 5
    eps = radii(path)
    assert len(eps) == 30
    for row, e in zip(path.values(eps), eps):
        problem = RobustHingeProblem(X, y, e, norm)
        direct = solve(problem)
        assert direct.verified
        assert row["objective"] == pytest.approx(direct.objective, abs=1e-9, rel=1e-9), e
        assert path.value(e) == pytest.approx(direct.objective, abs=1e-9, rel=1e-9)
        # the reported model is the optimum: its objective recomputed from the problem, and certified
        assert problem.objective(np.array(row["coef"]), row["intercept"]) == pytest.approx(direct.objective, abs=1e-9)
        assert row["verified"], (e, row["gap"])


@pytest.mark.parametrize("norm", ["inf", "1"])
def test_values_equal_an_independent_lp(norm):
    X, y = noisy(5, n=30, d=4)
    path = robust_path(X, y, norm=norm)
    for e in (0.0, 0.02, 0.07, 0.15, 0.4):
        assert path.value(e) == pytest.approx(linprog_optimum(X, y, e, norm), abs=1e-8)


@pytest.mark.parametrize("norm", ["inf", "1"])
@pytest.mark.parametrize("data", [noisy, separable])
def test_every_segment_is_certified(norm, data):
    X, y = data(3)
    path = robust_path(X, y, norm=norm)
    checks = path.verify_segments()
    assert len(checks) == path.n_breakpoints + 1 == len(path.segments)
    assert all(c["verified"] for c in checks), [c for c in checks if not c["verified"]]


@pytest.mark.parametrize("norm", ["inf", "1"])
def test_segments_tile_the_radii_and_their_models_are_rescaled_budget_models(norm):
    X, y = noisy(2)
    path = robust_path(X, y, norm=norm)
    segs = path.segments
    assert segs[0].epsilon_from == 0.0 and segs[-1].epsilon_to == np.inf
    np.testing.assert_array_equal([s.epsilon_to for s in segs[:-1]], [s.epsilon_from for s in segs[1:]])
    np.testing.assert_allclose(path.breakpoints, [s.epsilon_from for s in segs[1:]])
    assert np.all(np.diff(path.breakpoints) > 0)
    assert not np.any(segs[-1].coef)                  # beyond the last breakpoint: the zero model
    for s in segs:
        # the budget model has ||w'||_q = budget and regular hinge loss regular_loss (recomputed here)
        assert np.linalg.norm(s.coef, DUAL[norm]) == pytest.approx(s.budget, rel=1e-9, abs=1e-12)
        margins = y * (X @ s.coef + s.intercept)
        assert np.mean(np.maximum(0.0, 1.0 - margins)) == pytest.approx(s.regular_loss, abs=1e-10)
        hi = s.epsilon_to if np.isfinite(s.epsilon_to) else s.epsilon_from + 1.0
        mid = 0.5 * (s.epsilon_from + hi)
        w, b = path.model(mid)
        np.testing.assert_allclose(w, s.coef / (1.0 - mid * s.budget), rtol=1e-12, atol=1e-15)
        assert b == pytest.approx(s.intercept / (1.0 - mid * s.budget), rel=1e-12, abs=1e-15)
        assert path.value(mid) == pytest.approx(s.regular_loss / (1.0 - mid * s.budget), rel=1e-12)


def test_homotopy_and_warm_started_solves_find_the_same_path():
    X, y = noisy(4)
    hom = robust_path(X, y, norm="inf", method="homotopy")
    sand = robust_path(X, y, norm="inf", method="sandwich")
    assert hom.method == "homotopy"
    assert hom.n_breakpoints == sand.n_breakpoints
    np.testing.assert_allclose(hom.breakpoints, sand.breakpoints, rtol=1e-7)
    for e in np.linspace(0, 1.2 * hom.breakpoints.max(), 15):
        assert hom.value(e) == pytest.approx(sand.value(e), abs=1e-10)


def test_separable_data_zero_loss_then_a_jump():
    X, y = separable(1)
    path = robust_path(X, y, norm="inf")
    first = path.segments[0]
    assert first.regular_loss == pytest.approx(0.0, abs=1e-12)
    gamma = path.breakpoints[0]
    assert gamma == pytest.approx(1.0 / first.budget, rel=1e-9)
    assert path.value(0.999 * gamma) == pytest.approx(0.0, abs=1e-12)
    after = solve(RobustHingeProblem(X, y, 1.001 * gamma, "inf")).objective
    assert after > 1e-3 and path.value(1.001 * gamma) == pytest.approx(after, abs=1e-9)


def test_sample_weights_follow_the_weighted_problem():
    X, y = noisy(6, n=30, d=4)
    wts = np.random.default_rng(0).uniform(0.2, 3.0, size=30)
    problem = RobustHingeProblem(X, y, 0.0, "inf", sample_weight=wts)
    path = robust_path(problem)
    for e in (0.01, 0.05, 0.1, 0.3):
        direct = solve(problem.with_epsilon(e))
        assert path.value(e) == pytest.approx(direct.objective, abs=1e-9)
        assert path.certificate(e).verified


def test_certified_accuracy_is_that_of_the_model_at_each_radius():
    X, y = noisy(7)
    path = robust_path(X, y, norm="inf")
    rng = np.random.default_rng(1)
    Xt, yt = rng.normal(size=(80, 6)), np.where(rng.normal(size=80) > 0, 1.0, -1.0)
    for e in (0.0, 0.03, 0.1, 0.2):
        w, b = path.model(e)
        expected = np.mean(yt * (Xt @ w + b) - e * np.abs(w).sum() > 0)   # l_inf worst case of a linear model
        assert path.certified_accuracy(e, Xt, yt) == pytest.approx(expected, abs=0)


def test_box_regularisers_and_l2_are_refused_with_one_line():
    X, y = noisy(0, n=20, d=3)
    Xb = (X - X.min()) / (X.max() - X.min())
    with pytest.raises(OptionError, match="box"):
        robust_path(RobustHingeProblem(Xb, y, 0.1, "inf", box=(0, 1)))
    with pytest.raises(OptionError, match="no finite exact path"):
        robust_path(X, y, norm="2")
    with pytest.raises(OptionError, match="unregularised"):
        robust_path(RobustHingeProblem(X, y, 0.1, "inf", l1=0.01))
    with pytest.raises(OptionError, match="method"):
        robust_path(X, y, method="grid")


def test_cli_path_json_values_equal_direct_solves(tmp_path, capsys):
    X, y = noisy(8, n=40, d=5)
    data = tmp_path / "d.npz"
    save_npz_task(data, X, y)
    assert main(["path", "--data", f"npz:{data}", "--epsilon", "0,0.05,0.2", "--verify", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["path"]["breakpoints"] == len(report["breakpoints"]) == len(report["segments"]) - 1
    assert report["segments_verified"] == len(report["segments"])
    for v in report["values"]:
        direct = solve(RobustHingeProblem(X, y, v["epsilon"], "inf"))
        assert v["objective"] == pytest.approx(direct.objective, abs=1e-9) and v["verified"]
    assert main(["path", "--data", f"npz:{data}", "--norm", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "l_2" in err[0]
    assert main(["path", "--data", f"npz:{data}", "--box", "0,1"]) == 2
    assert "box" in capsys.readouterr().err


def test_certified_accuracy_is_constant_on_each_segment():
    X, y = noisy(9)
    path = robust_path(X, y, norm="inf")
    rng = np.random.default_rng(2)
    Xt, yt = rng.normal(size=(60, 6)), np.where(rng.normal(size=60) > 0, 1.0, -1.0)
    evals = [0.0, 0.05, 0.1]
    table = path.certified_accuracy_by_segment(Xt, yt, evals)
    assert table.shape == (len(path.segments), 3)
    for row, s in zip(table, path.segments):
        hi = s.epsilon_to if np.isfinite(s.epsilon_to) else s.epsilon_from + 1.0
        for train_eps in (s.epsilon_from, 0.5 * (s.epsilon_from + hi)):     # two models of the segment
            w, b = path.model(train_eps)
            for k, e in enumerate(evals):
                assert row[k] == np.mean(yt * (Xt @ w + b) - e * np.abs(w).sum() > 0)


def test_watched_windows_on_more_samples_than_are_watched():
    """n > MIN_WATCHED: the homotopy follows only the samples near the margin and checks the others at
    every vertex of each window; the path must still be the direct solves' and match the re-solves'."""
    from robustcvx.path.homotopy import MIN_WATCHED

    rng = np.random.default_rng(12)
    n, d = 3 * MIN_WATCHED, 12
    X = rng.uniform(0, 1, size=(n, d))
    y = np.where(X[:, :3].sum(axis=1) + 0.4 * rng.normal(size=n) > 1.5, 1.0, -1.0)
    hom = robust_path(X, y, norm="inf", method="homotopy")
    assert hom.method == "homotopy" and hom.n_breakpoints > 50
    # the re-solves resolve kinks only to their tolerance (1e-9 in value): a few nearly collinear
    # vertices merge there, so the two paths agree in value, not vertex for vertex
    sand = robust_path(X, y, norm="inf", method="sandwich")
    assert abs(hom.n_breakpoints - sand.n_breakpoints) <= 0.02 * hom.n_breakpoints
    grid = np.linspace(0.0, 1.1 * hom.breakpoints.max(), 40)
    assert max(abs(hom.value(e) - sand.value(e)) for e in grid) <= 1e-8
    bp = hom.breakpoints
    for e in [*np.linspace(0.0, 1.1 * bp.max(), 6), *bp[::140], *(0.5 * (bp[1::140] + bp[:-1:140]))]:
        row = hom.values([e])[0]
        assert row["verified"]
        assert row["objective"] == pytest.approx(solve(RobustHingeProblem(X, y, e, "inf")).objective, abs=1e-9)


def test_shared_form_matrix_built_from_the_dense_data_is_the_block_matrix():
    """budget_lp.shared_columns (the l_inf budget LP's matrix, built in one pass) against the block
    assembly written from the rows' definitions: balance, g_j - gamma_j = 0, gamma_j -/+ mu."""
    import scipy.sparse as sp

    from robustcvx.path.budget_lp import shared_columns

    rng = np.random.default_rng(3)
    n, d = 9, 5
    Z = rng.normal(size=(n, d)) * (rng.uniform(size=(n, d)) < 0.6)
    Z[2] = 0.0                                        # a sample with no nonzero feature
    y = np.where(rng.normal(size=n) > 0, 1.0, -1.0)
    eye, col = sp.identity(d), sp.csr_matrix(np.ones((d, 1)))
    ref = sp.bmat([[sp.csr_matrix(y[None, :]), None, None],
                   [sp.csr_matrix(Z.T), -eye, None],
                   [None, eye, -col],
                   [None, eye, col]], format="csc")
    start, index, value = shared_columns(Z, y)
    got = sp.csc_matrix((value, index, start), shape=ref.shape)
    assert got.nnz == ref.nnz
    np.testing.assert_array_equal(got.toarray(), ref.toarray())


def test_inverse_updates_match_a_fresh_inverse():
    """path.inverse keeps M^{-1} under the homotopy's basis changes (rank-one row / column
    replacements in place, bordering, and removal of a row and a column with the last ones taking
    their places): after each change N equals numpy's inverse of the changed M."""
    from robustcvx.path.inverse import Inverse

    rng = np.random.default_rng(4)
    M = rng.normal(size=(6, 6))
    inv = Inverse(M)
    for step in range(40):
        k = inv.k
        kind = step % 4
        if kind == 0:                                 # with and without the caller's v N
            r, v = int(rng.integers(k)), rng.normal(size=k)
            inv.replace_row(r, v, v @ inv.N if step % 8 == 0 else None)
        elif kind == 1:
            c = int(rng.integers(k))
            inv.replace_col(c, rng.normal(size=k))
        elif kind == 2:
            q = rng.normal(size=k)
            inv.border(q, rng.normal(size=k), float(rng.normal()), q @ inv.N if step % 8 == 2 else None)
        else:
            r, c = int(rng.integers(k)), int(rng.integers(k))
            before = inv.M.copy()
            inv.delete_swap(r, c)
            rows, cols = list(range(k)), list(range(k))
            rows[r], cols[c] = k - 1, k - 1
            np.testing.assert_array_equal(inv.M, before[np.ix_(rows[:-1], cols[:-1])])
        np.testing.assert_allclose(inv.N, np.linalg.inv(inv.M), rtol=1e-8, atol=1e-8 * np.abs(inv.N).max())


def test_float32_screen_bounds_its_rounding_error():
    """FeatureRows.screen: the float32 margins of every sample at every model are within the stated
    bound of the float64 ones (computed here directly from the data), and the bound is small."""
    from robustcvx.path.feature_rows import FeatureRows

    rng = np.random.default_rng(5)
    n, d = 300, 40
    Z = rng.uniform(-1, 1, size=(n, d)) * (rng.uniform(size=(n, d)) < 0.7)
    y = np.where(rng.normal(size=n) > 0, 1.0, -1.0)
    rows = FeatureRows(np.ascontiguousarray(Z.T))
    models = []
    for _ in range(12):
        A = np.sort(rng.choice(d, size=int(rng.integers(1, d)), replace=False))
        for j in A:
            rows.add(int(j))
        models.append((A, rng.normal(size=A.size) * 30.0, float(rng.normal() * 5)))
    W, bs = rows.weights(models)
    M32, err = rows.screen(W, bs, y.astype(np.float32), np.abs(Z).max(axis=1))
    exact = np.array([Z[:, a] @ w + y * b for a, w, b in models])
    assert np.all(np.abs(M32.astype(float) - exact) <= err[None, :])
    scale = max(np.abs(w).sum() for _, w, _ in models) * np.abs(Z).max() + max(abs(b) for _, _, b in models)
    assert err.max() <= 1e-5 * scale                 # of the order of (slots) x float32's unit roundoff
    np.testing.assert_allclose(rows.exact(W, bs, y), exact, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(rows.exact(W, bs, y, np.array([3, 7])), exact[:, [3, 7]], rtol=1e-12, atol=1e-10)


def test_failed_windows_are_redone_and_the_path_is_unchanged(monkeypatch):
    """Watching too few samples makes windows fail their check (an unwatched sample crossed the
    margin); each is redone from its start watching more, and the path still equals the direct solves
    and the warm-started re-solves."""
    from robustcvx.path import homotopy

    runs = []
    run = homotopy.Homotopy.run

    def recording_run(self, *args, **kwargs):
        res = run(self, *args, **kwargs)
        runs.append(res)
        return res

    monkeypatch.setattr(homotopy.Homotopy, "run", recording_run)
    monkeypatch.setattr(homotopy, "MIN_WATCHED", 4)
    monkeypatch.setattr(homotopy, "WATCH_FACTOR", 0.05)
    monkeypatch.setattr(homotopy, "WINDOW", 8)
    rng = np.random.default_rng(13)
    n, d = 160, 8
    X = rng.uniform(0, 1, size=(n, d))
    y = np.where(X[:, :3].sum(axis=1) + 0.4 * rng.normal(size=n) > 1.5, 1.0, -1.0)
    hom = robust_path(X, y, norm="inf", method="homotopy")
    assert hom.method == "homotopy" and runs[-1].rollbacks > 0 and not runs[-1].stopped
    sand = robust_path(X, y, norm="inf", method="sandwich")
    grid = np.linspace(0.0, 1.1 * hom.breakpoints.max(), 25)
    assert max(abs(hom.value(e) - sand.value(e)) for e in grid) <= 1e-8
    for e in grid[::6]:
        row = hom.values([e])[0]
        assert row["verified"]
        assert row["objective"] == pytest.approx(solve(RobustHingeProblem(X, y, e, "inf")).objective, abs=1e-9)


def test_ratio_test_picks_the_smallest_ratio_and_on_near_ties_the_largest_rate():
    """homotopy._pick (the ratio tests of both steps) against a brute-force reading of its rule: the
    smallest max(room, 0) / rate over the valid entries; among those within TIE of it (relative) the
    largest rate; (inf, -1) when nothing is valid."""
    from robustcvx.path.homotopy import TIE, _pick

    def reference(room, rate, valid):
        idx = [i for i in range(rate.size) if valid[i]]
        if not idx:
            return np.inf, -1
        ratio = {i: max(room[i], 0.0) / rate[i] for i in idx}
        low = min(ratio.values())
        near = [i for i in idx if ratio[i] <= low + TIE * (1.0 + low)]
        best = max(near, key=lambda i: (rate[i], -i))
        return ratio[best], best

    rng = np.random.default_rng(21)
    ties = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        for trial in range(400):
            n = int(rng.integers(1, 12))
            rate = rng.uniform(-1.0, 2.0, size=n)
            room = rng.uniform(-0.2, 1.0, size=n)
            if trial % 3 == 0 and n > 1:              # exact and near ties, at other rates
                j, k = rng.choice(n, size=2, replace=False)
                rate[[j, k]] = np.abs(rate[[j, k]]) + 0.1
                room[k] = room[j] * rate[k] / rate[j] * (1.0 + (trial % 2) * 1e-14)
            valid = rate > 0.05
            if trial % 17 == 0:
                valid[:] = False
            got, want = _pick(room, rate, valid), reference(room, rate, valid)
            ties += want[1] >= 0 and sum(valid[i] and max(room[i], 0.0) / rate[i] <= want[0] * (1 + 2 * TIE) + TIE
                                         for i in range(n)) > 1
            assert got[1] == want[1] and (got[0] == want[0] or (np.isinf(got[0]) and np.isinf(want[0])))
    assert ties >= 50
