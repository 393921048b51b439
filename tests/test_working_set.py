"""The working-set LP solver (``fast``): agreement with the references, certificates, warm starts."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robustcvx.certificate import certify_solution
from robustcvx.problems import RobustHingeProblem
from robustcvx.solvers import solve
from robustcvx.solvers.cvxpy_backend import solve_cvxpy
from robustcvx.solvers.working_set import WorkingSetState, solve_max_margin_lp, solve_working_set, supports

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def make_data(seed: int, n: int, d: int, *, separable: bool = False, unbalanced: bool = False,
              duplicates: bool = False, zero_feature: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Small image-like data in [0, 1] with the requested quirks."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < (0.85 if unbalanced else 0.5), 1.0, -1.0)
    y[0], y[1] = 1.0, -1.0
    X = rng.random((n, d)) * (rng.random((n, d)) < 0.7)
    if separable:
        X[:, 0] = np.where(y > 0, 0.8 + 0.2 * rng.random(n), 0.2 * rng.random(n))
    if duplicates and n > 4:
        X[n // 2:n // 2 + 2] = X[2:4]
        y[n // 2:n // 2 + 2] = y[2:4]
    if zero_feature:
        X[:, d - 1] = 0.0
    return X, y


def reference_value(problem: RobustHingeProblem) -> float:
    ref = solve_cvxpy(problem, "HIGHS")
    cert = certify_solution(problem, ref.coef, ref.intercept, ref.alpha)
    assert cert.verified, cert.reason
    return cert.primal


def check_fast(problem: RobustHingeProblem, **options) -> float:
    res = solve_working_set(problem, **options)
    assert res.status == "optimal", res.status
    assert res.alpha.shape == (problem.n,)
    assert (res.alpha >= 0).all() and (res.alpha <= problem.weights * (1 + 1e-12)).all()
    cert = certify_solution(problem, res.coef, res.intercept, res.alpha)
    assert cert.verified, cert.reason
    assert abs(res.objective - cert.primal) <= 1e-9
    return cert.primal


problems = st.builds(
    dict,
    seed=st.integers(0, 10_000),
    n=st.integers(4, 40),
    d=st.integers(1, 8),
    norm=st.sampled_from(["inf", "1"]),
    box=st.booleans(),
    l1=st.sampled_from([0.0, 0.0, 0.01, 0.2]),
    epsilon=st.sampled_from([0.0, 0.01, 0.1, 0.3, 1.0, 5.0]),
    quirk=st.sampled_from(["none", "separable", "unbalanced", "duplicates", "zero_feature"]),
    seed_size=st.sampled_from([3, 10, 1000]),
    max_features=st.sampled_from([1, 2, 64]),
    max_samples=st.sampled_from([1, 1000]),
)


@SETTINGS
@given(problems)
def test_fast_matches_reference_and_verifies(case):
    X, y = make_data(case["seed"], case["n"], case["d"], **({case["quirk"]: True} if case["quirk"] != "none" else {}))
    box = (0.0, 1.0) if case["box"] and case["norm"] == "inf" else None
    problem = RobustHingeProblem(X, y, case["epsilon"], case["norm"], box, case["l1"])
    value = check_fast(problem, seed_size=case["seed_size"], max_features=case["max_features"],
                       max_samples=case["max_samples"])
    assert value == pytest.approx(reference_value(problem), abs=1e-7)


weighted_problems = st.builds(
    dict,
    seed=st.integers(0, 10_000),
    n=st.integers(4, 40),
    d=st.integers(1, 8),
    norm=st.sampled_from(["inf", "1"]),
    box=st.booleans(),
    l1=st.sampled_from([0.0, 0.01]),
    epsilon=st.sampled_from([0.0, 0.01, 0.1, 0.5]),
    quirk=st.sampled_from(["none", "separable", "unbalanced", "duplicates", "zero_feature"]),
    sparse=st.booleans(),
    weights=st.sampled_from(["random", "integer", "some-zero"]),
    seed_size=st.sampled_from([3, 1000]),
)


@SETTINGS
@given(weighted_problems)
def test_sample_weights_and_sparse_data(case):
    """Per-sample caps ``alpha_i <= c_i`` (levels and the aggregate included) and scipy.sparse X,
    against the cvxpy reference written from the math."""
    import scipy.sparse as sp

    from reference import cvxpy_optimum

    X, y = make_data(case["seed"], case["n"], case["d"], **({case["quirk"]: True} if case["quirk"] != "none" else {}))
    rng = np.random.default_rng(case["seed"])
    s = {"random": rng.random(case["n"]) + 0.05, "integer": rng.integers(1, 4, case["n"]).astype(float),
         "some-zero": np.where(rng.random(case["n"]) < 0.3, 0.0, 1.0)}[case["weights"]]
    s[0] = s[1] = 1.0                                  # both classes keep some weight
    box = (0.0, 1.0) if case["box"] and case["norm"] == "inf" else None
    data = sp.csr_matrix(X) if case["sparse"] else X
    problem = RobustHingeProblem(data, y, case["epsilon"], case["norm"], box, case["l1"], sample_weight=s)
    assert supports(problem)
    value = check_fast(problem, seed_size=case["seed_size"])
    assert value == pytest.approx(cvxpy_optimum(X, y, case["epsilon"], case["norm"], box, case["l1"], weights=s),
                                  abs=1e-7)


@pytest.mark.parametrize("norm,epsilon,l1", [("1", 0.5, 0.0), ("1", 2.0, 0.0), ("inf", 0.0, 0.0), ("1", 0.5, 0.01)])
def test_dense_seed_when_nothing_sparsifies(norm, epsilon, l1):
    """More features than the default seed (d = 50): with no sparsifying term every feature with a
    class-mean difference is seeded (:func:`dense_weights_expected`), otherwise 32; both reach the
    reference optimum."""
    from robustcvx.solvers.working_set.driver import dense_weights_expected
    from robustcvx.solvers.working_set.pricing import LPData

    X, y = make_data(31, 150, 50)
    problem = RobustHingeProblem(X, y, epsilon, norm, None, l1)
    data = LPData(X, y, problem.weights, problem.threat, l1)
    assert dense_weights_expected(data) == (l1 == 0)
    res = solve_working_set(problem, seed_size=40)
    assert res.info["rounds"][0]["F"] == (50 if l1 == 0 else 32)
    assert check_fast(problem, seed_size=40) == pytest.approx(reference_value(problem), abs=1e-7)


@pytest.mark.parametrize("norm", ["inf", "1", "2"])
def test_separable_data_has_optimum_zero(norm):
    X, y = make_data(3, 30, 5, separable=True)
    problem = RobustHingeProblem(X, y, 0.0, norm)
    assert check_fast(problem, seed_size=8) <= 1e-9


def test_robust_separable_then_not():
    X, y = make_data(4, 40, 4, separable=True)
    for eps in (0.01, 0.3, 2.0):
        problem = RobustHingeProblem(X, y, eps)
        assert check_fast(problem) == pytest.approx(reference_value(problem), abs=1e-7)


@pytest.mark.parametrize("norm,box", [("inf", None), ("1", None), ("inf", (0.0, 1.0))])
def test_warm_epsilon_sweep_matches_cold(norm, box):
    X, y = make_data(7, 300, 20)
    base = RobustHingeProblem(X, y, 0.0, norm, box)
    prev = None
    for eps in (0.0, 0.02, 0.05, 0.1, 0.3, 0.05):
        problem = base.with_epsilon(eps)
        warm = solve_working_set(problem, warm_start=prev, seed_size=50)
        cold = solve_working_set(problem, seed_size=50)
        assert warm.status == cold.status == "optimal"
        cert = certify_solution(problem, warm.coef, warm.intercept, warm.alpha)
        assert cert.verified, cert.reason
        assert warm.objective == pytest.approx(cold.objective, abs=1e-9)
        if prev is not None and box is None:
            assert warm.info["start"] == "model"          # the live HiGHS model was reused
        prev = warm


def test_warm_start_forms():
    X, y = make_data(8, 200, 10)
    p1 = RobustHingeProblem(X, y, 0.05)
    first = solve(p1)
    assert first.solver == "fast" and first.verified
    p2 = p1.with_epsilon(0.1)
    cold = solve_working_set(p2).objective
    for ws in (first, (first.coef, first.intercept), {"coef": first.coef, "intercept": first.intercept}):
        res = solve_working_set(p2, warm_start=ws)
        assert res.status == "optimal" and res.objective == pytest.approx(cold, abs=1e-9)
        assert isinstance(res.info["state"], WorkingSetState)
    # a state on other data is not reused, only its solution seeds the sets
    X2, y2 = make_data(9, 150, 10)
    p3 = RobustHingeProblem(X2, y2, 0.1)
    res = solve_working_set(p3, warm_start=first)
    assert res.info["start"] == "solution" and res.status == "optimal"
    assert res.objective == pytest.approx(solve_working_set(p3).objective, abs=1e-9)


def test_regular_to_robust_and_l1_change_reuse_model():
    X, y = make_data(10, 250, 12)
    p0 = RobustHingeProblem(X, y, 0.0, l1=0.0)
    r0 = solve_working_set(p0)
    p1 = RobustHingeProblem(p0.X, y, 0.1, l1=0.01)
    r1 = solve_working_set(p1, warm_start=r0)
    assert r1.info["start"] == "model"
    assert r1.objective == pytest.approx(reference_value(p1), abs=1e-7)


def test_auto_picks_fast_and_verifies():
    X, y = make_data(11, 400, 30)
    sol = solve(RobustHingeProblem(X, y, 0.02))         # 0.1 makes w = 0 optimal (no solver needed)
    assert sol.solver == "fast" and sol.verified
    assert sol.attempts[0]["solver"] == "fast" and sol.attempts[0]["verified"]


def test_supports_lp_cases_only():
    import scipy.sparse as sp

    X, y = make_data(12, 20, 3)
    assert supports(RobustHingeProblem(X, y, 0.1, "inf"))
    assert supports(RobustHingeProblem(sp.csr_matrix(X), y, 0.1, "1", sample_weight=np.arange(20) + 1.0))
    assert supports(RobustHingeProblem(X, y, 0.1, "1"))
    assert supports(RobustHingeProblem(X, y, 0.1, "inf", (0.0, 1.0), l1=0.1))
    assert supports(RobustHingeProblem(X, y, 0.0, "2"))
    assert not supports(RobustHingeProblem(X, y, 0.1, "2"))
    assert not supports(RobustHingeProblem(X, y, 0.1, "inf", l2=0.1))
    sol = solve(RobustHingeProblem(X, y, 0.1, "2"))
    assert sol.verified                                   # the SOCP goes to the conic solver


def test_max_rounds_guard():
    X, y = make_data(13, 300, 20)
    res = solve_working_set(RobustHingeProblem(X, y, 0.05), max_rounds=1, seed_size=5, max_features=1, max_samples=1)
    assert res.status == "max_rounds"
    assert res.alpha.shape == (300,)


def test_highs_row_dual_sign_convention():
    """The solver reads ``w`` and ``b`` from HiGHS row duals: for a minimisation an active
    ``<=`` row has a dual ``<= 0`` and an active ``>=`` row a dual ``>= 0``."""
    from robustcvx.solvers.working_set.lp_model import new_highs

    h = new_highs()
    h.addCols(1, np.array([-2.0]), np.array([0.0]), np.array([10.0]), 0, np.zeros(1, dtype=np.int32),
              np.zeros(0, dtype=np.int32), np.zeros(0))
    h.addRows(1, np.array([-np.inf]), np.array([3.0]), 1, np.zeros(1, dtype=np.int32),
              np.zeros(1, dtype=np.int32), np.array([1.0]))       # min -2x s.t. x <= 3
    h.run()
    assert h.getSolution().row_dual[0] == pytest.approx(-2.0)
    h2 = new_highs()
    h2.addCols(1, np.array([2.0]), np.array([0.0]), np.array([10.0]), 0, np.zeros(1, dtype=np.int32),
               np.zeros(0, dtype=np.int32), np.zeros(0))
    h2.addRows(1, np.array([3.0]), np.array([np.inf]), 1, np.zeros(1, dtype=np.int32),
               np.zeros(1, dtype=np.int32), np.array([1.0]))      # min 2x s.t. x >= 3
    h2.run()
    assert h2.getSolution().row_dual[0] == pytest.approx(2.0)


def test_import_is_cheap_and_stdout_clean():
    code = ("import sys, numpy as np; import robustcvx.solvers.working_set as f; "
            "assert 'highspy' not in sys.modules and 'cvxpy' not in sys.modules; "
            "from robustcvx.problems import RobustHingeProblem as P; "
            "r = f.solve_working_set(P(np.eye(4), np.array([1., -1, 1, -1]), 0.1)); print('OK', r.status)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "OK optimal"          # HiGHS's banner never reaches stdout


@pytest.mark.parametrize("eps,box", [(0.0, None), (0.05, None), (0.05, (0.0, 1.0))])
def test_fast_max_margin_matches_reference(eps, box):
    from robustcvx.solvers.cvxpy_backend import solve_max_margin

    X, y = make_data(21, 80, 6, separable=True)
    problem = RobustHingeProblem(X, y, eps, "inf", box)
    res = solve_max_margin_lp(problem, seed_size=20)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(solve_max_margin(problem, "HIGHS").objective, rel=1e-8)
    cert = certify_solution(problem, res.coef, res.intercept, np.zeros(problem.n))
    assert cert.verified and cert.primal <= 1e-9          # a zero-loss optimum of the hinge problem


@SETTINGS
@given(case=st.builds(dict, seed=st.integers(0, 10_000), n=st.integers(6, 700), d=st.integers(2, 25),
                      eps=st.sampled_from([0.0, 0.02]), norm=st.sampled_from(["inf", "inf", "1"]),
                      box=st.booleans(), duplicates=st.booleans(),
                      zero_feature=st.booleans(), tuning=st.sampled_from(["default", "tiny"])))
def test_fast_max_margin_property(case):
    """The hard-margin working-set LP (its own tuning, or tiny sets and bands that force many rounds
    and levels; size ||w||_1 under the inf-norm threat, ||w||_inf under the l1 threat) against the
    HiGHS reference on separable data, degenerate quirks included."""
    from robustcvx.solvers.cvxpy_backend import solve_max_margin

    X, y = make_data(case["seed"], case["n"], case["d"], separable=True, duplicates=case["duplicates"],
                     zero_feature=case["zero_feature"])
    box = (0.0, 1.0) if case["box"] and case["norm"] == "inf" else None
    problem = RobustHingeProblem(X, y, case["eps"], case["norm"], box)
    options = {"seed_size": 5, "band": 0.0, "band_fine": 0.0, "max_samples": 1, "max_features": 1} \
        if case["tuning"] == "tiny" else {}
    res = solve_max_margin_lp(problem, **options)
    ref = solve_max_margin(problem, "HIGHS")
    assert res.status == "optimal", res.status
    assert res.objective == pytest.approx(ref.objective, rel=1e-7)
    cert = certify_solution(problem, res.coef, res.intercept, np.zeros(problem.n))
    assert cert.verified and cert.primal <= 1e-9


def test_fast_max_margin_not_separable():

    X, y = make_data(22, 60, 4)
    X[1], y[1] = X[0], -y[0]                              # a contradictory pair: never separable
    assert solve_max_margin_lp(RobustHingeProblem(X, y, 0.0)).status != "optimal"


# --------------------------------------------------------------------------- warm starts that cannot go wrong
def _sweep_case(seed: int = 12):
    X, y = make_data(seed, 300, 20)
    return X, y


@pytest.mark.parametrize("change", ["epsilon", "l1", "box-at-the-same-epsilon", "box-epsilon", "x-edited"])
def test_warm_started_solves_are_right_and_need_no_fallback(change):
    """A live model reused after a change it does not describe would give a wrong point (caught by
    the certificate, then a slow fallback): such changes must rebuild, and every answer come from
    the fast solver, verified, equal to the cold solve."""
    X, y = _sweep_case()
    X = X.copy()
    box = (0.0, 1.0) if change.startswith("box") else None
    prev = solve(RobustHingeProblem(X, y, 0.03, "inf", box))
    steps = {
        "epsilon": [dict(epsilon=e) for e in (0.0, 0.05, 0.1, 0.02)],
        "l1": [dict(epsilon=0.03, l1=v) for v in (0.01, 0.0, 0.02)],
        "box-at-the-same-epsilon": [dict(epsilon=0.03, box=b) for b in ((-0.5, 1.5), (0.0, 1.0), (0.0, 2.0))],
        "box-epsilon": [dict(epsilon=e, box=(0.0, 1.0)) for e in (0.05, 0.1, 0.03)],
        "x-edited": [dict(epsilon=0.03, edit=k) for k in range(3)],
    }[change]
    for step in steps:
        if "edit" in step:
            X[step["edit"] * 40:(step["edit"] + 1) * 40] *= 0.5          # in place: same object, new values
        p = RobustHingeProblem(X, y, step.get("epsilon", 0.03), "inf", step.get("box", box), step.get("l1", 0.0))
        warm = solve(p, warm_start=prev)
        cold = solve(RobustHingeProblem(X.copy(), y, p.threat, l1=p.l1))
        assert warm.verified and warm.solver in ("fast", "zero-model"), warm.attempts
        assert all(a["verified"] for a in warm.attempts[:1]), warm.attempts
        assert warm.objective == pytest.approx(cold.objective, abs=1e-9)
        prev = warm


def test_a_live_model_is_reused_only_when_it_still_describes_the_data():
    X, y = _sweep_case(13)
    X = X.copy()
    p = RobustHingeProblem(X, y, 0.02)
    r0 = solve_working_set(p)
    assert solve_working_set(p.with_epsilon(0.04), warm_start=r0).info["start"] == "model"
    X[0] += 0.1                                        # edited in place: the fingerprint no longer matches
    r2 = solve_working_set(RobustHingeProblem(X, y, 0.04), warm_start=r0)
    assert r2.info["start"] == "solution" and r2.status == "optimal"
