r"""The conic working-set solver: SOCP (the l_2 threat) and QP (``l2 > 0``) cases, and the
max-margin tie-break under a threat's norm.

Like the LP solver (:mod:`robustcvx.solvers.working_set`), it solves a small master over working
sets and prices on the full data, but the master (:mod:`.master`) is a conic QP solved by the
dense interior-point method of :mod:`.ipm`:

* **samples**: ``S`` with their own rows, ``P`` (hinge believed positive, ``alpha_i = c_i``)
  aggregated in one row, the rest left out (``alpha_i = 0``);
* **features**: ``F``; ``w_j = 0`` outside.  A feature may stay out only when its dual
  constraint has room, ``|g_j| <= l1 + eps sigma`` for the cone form ``"sum"`` (``l1`` otherwise),
  ``g = X^T (alpha y)``: with a threshold of 0 every feature is in ``F``.

**Pricing on the full data after every master solve.**  A sample outside ``S`` and ``P`` enters
``S`` when its hinge is positive; a member of ``P`` moves to ``S`` when its hinge has the wrong
sign for the aggregate's multiplier; a feature enters when its dual constraint is violated.
When nothing moves the master's KKT point is one of the full problem; the package's
certificate (:func:`robustcvx.solvers.solve`) checks it on the full data.

**Starts.**  Cold: the master over a random subsample (all its samples in ``S``, weights
rescaled to the subsample) gives a first model; its hinges on the full data place every sample
in ``S`` (``|h| <= band``), ``P`` (``h > band``) or out.  A subsample level only places samples
and picks features: its masters are solved to ``coarse_tol`` and at most ``coarse_rounds`` times
(the features priced after its last master go on to the next level).  Warm: a previous solution (any form, as
for the LP solver) places them directly: an ``epsilon`` sweep re-solves one or two masters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...problems import RobustHingeProblem
from ..solution import BackendResult
from ..threads import one_blas_thread
from ..working_set.pricing import SampleData, most_violated, pick
from ..working_set.state import previous
from . import master
from .ipm import TOL as IPM_TOL
from .ipm import solve_ipm

HARD_CAP = 1e4


@dataclass
class ConicOptions:
    seed_size: int = 600           # cold start: samples of the first master
    level_factor: int = 5          # cold start: nested subsamples seed_size * 5^k, then all n
    band: float = 0.25             # after a coarse level: hinge in (-band, band] -> own row, > band -> P
    band_fine: float = 0.2         # the same after a level of at least a fifth of the data
    max_rounds: int = 30
    coarse_rounds: int = 2         # master solves per subsample level (then the next level takes over)
    max_samples: int = 1500        # samples added per round (most violated first)
    max_features: int = 128        # features added per round
    seed_features: int = 64        # cold start with a feature threshold: first features
    tol: float = 1e-9              # pricing tolerance (hinges, dual constraints)
    coarse_tol: float = 1e-6       # interior-point tolerance of the masters of a subsample level
    hard: bool = False             # max-margin: minimise the size t, alpha_i <= HARD_CAP
    rng_seed: int = 0


def supports(problem: RobustHingeProblem) -> bool:
    """SOCP and QP cases whose penalty is ``epsilon`` times a norm (``threat.cone_form``) or that
    have no threat term; LPs go to the LP solver, per-sample costs (the box) with ``l2 > 0`` to
    the reference path."""
    threat = problem.threat
    return (not problem.is_lp) and (threat.cone_form is not None or not threat.active)


def supports_max_margin(problem: RobustHingeProblem) -> bool:
    """The max-margin problem ``min ||w||_q s.t. y_i f(x_i) - eps ||w||_q >= 1`` for threats with a
    cone form (any ``q``)."""
    return problem.threat.cone_form is not None


def feature_threshold(data: SampleData, sigma: float, hard: bool) -> float:
    """``w_j = 0`` is optimal for a feature outside ``F`` iff ``|g_j| <=`` this (0: never assume it)."""
    if hard:                       # min t with t >= ||w||_q: only the "sum" form leaves features out
        return 1.0 if data.threat.cone_form == "sum" else 0.0
    share = data.eps * sigma if (data.threat.active and data.threat.cone_form == "sum") else 0.0
    return data.l1 + share


def _seed_features(data: SampleData, U: np.ndarray, k: int) -> np.ndarray:
    ys = data.y[U]
    wts = np.where(ys > 0, 1.0 / max((ys > 0).sum(), 1), 1.0 / max((ys < 0).sum(), 1))
    g = np.abs(data.gradients(U, wts)[0])
    F0 = np.nonzero(g > 0)[0]
    if F0.size > k:
        F0 = np.sort(F0[np.argpartition(-g[F0], k - 1)[:k]])
    return F0


def _levels(n: int, opt: ConicOptions) -> list[int]:
    out, m = [], opt.seed_size
    while m < n:
        out.append(m)
        m *= opt.level_factor
    return out + [n]


def _solve_master(data, S, P, F, l2, scale, hard, timers, tol):
    t0 = time.perf_counter()
    prob, lay = master.build(data, S, P, F, l2, scale, hard)
    t1 = time.perf_counter()
    res = solve_ipm(prob, tol=tol)
    timers["build"] += t1 - t0
    timers["ipm"] += time.perf_counter() - t1
    wF, b = master.split(res.x, lay)
    alpha_S = res.alpha[:S.size]
    tau = float(res.alpha[S.size] / prob.c[S.size]) if P.size else 0.0
    return wF, b, alpha_S, tau, res


@dataclass
class Sets:
    S: np.ndarray
    P: np.ndarray
    F: np.ndarray


def _place(h: np.ndarray, universe: np.ndarray, band: float, F: np.ndarray, hard: bool) -> Sets:
    """Samples of ``universe`` with hinge in ``(-band, band]`` get their own row, above ``band`` the
    aggregate (with hard margins: their own row too); the rest stay out."""
    hu = h[universe]
    if hard:
        return Sets(universe[hu > -band], universe[:0], F)
    return Sets(universe[np.abs(hu) <= band], universe[hu > band], F)


def _rounds(data, sets: Sets, universe: np.ndarray, scale: float, l2: float, all_features: bool,
            opt: ConicOptions, timers: dict, log: list, level: int):
    """Master solves and pricing over ``universe`` until nothing moves."""
    n, d, tol = data.n, data.d, opt.tol
    caps = data.caps
    S, P, F = sets.S, sets.P, sets.F
    inside = np.zeros(n, dtype=bool)
    inside[universe] = True
    status, w, b, alpha = "max_rounds", np.zeros(d), 0.0, np.zeros(n)
    ipm_tol = IPM_TOL if universe.size == n else opt.coarse_tol    # a subsample level only places samples
    for rnd in range(opt.max_rounds):
        wF, b, alpha_S, tau, res = _solve_master(data, S, P, F, l2, scale, opt.hard, timers, ipm_tol)
        tp = time.perf_counter()
        w = np.zeros(d)
        w[F] = wF
        alpha = np.zeros(n)
        alpha[S] = alpha_S
        if P.size:
            alpha[P] = tau * scale * caps[P]
        h = data.hinge(F, wF, b, None if universe.size == n else universe)
        out = inside.copy()
        out[S] = False
        out[P] = False
        newS = most_violated(h, np.nonzero(out & (h > tol))[0], max(opt.max_samples, S.size // 2))
        badP = P[:0]
        if P.size:
            hp = h[P]
            if tau > 1e-9 and (hp < -tol).any():      # members on the wrong side, and their neighbours
                badP = P[hp <= opt.band_fine]
            elif tau < 1 - 1e-9:
                badP = P[hp > tol]
        newF = np.zeros(0, dtype=int)
        if not all_features:
            rows = np.nonzero(alpha)[0]
            g = data.gradients(rows, alpha[rows])[0] if rows.size else np.zeros(d)
            red = feature_threshold(data, float(alpha.sum()), opt.hard) - np.abs(g)
            newF = pick(red, F, tol * max(1.0, float(np.abs(g).max(initial=0.0))), opt.max_features)
        timers["pricing"] += time.perf_counter() - tp
        log.append({"level": level, "round": rnd, "S": int(S.size), "P": int(P.size), "F": int(F.size),
                    "ipm": res.status, "iterations": res.iterations, "add_samples": int(newS.size),
                    "p_to_s": int(badP.size), "add_features": int(newF.size)})
        if res.status != "optimal":
            status = f"ipm {res.status}"
            break
        if newS.size == 0 and badP.size == 0 and newF.size == 0:
            status = "optimal"
            break
        if universe.size < n and rnd + 1 >= opt.coarse_rounds:
            status = "optimal"              # enough for placing samples: the next level goes on with F
            F = np.union1d(F, newF)
            break
        if badP.size:
            P = np.setdiff1d(P, badP, assume_unique=True)
        S = np.union1d(S, np.concatenate([newS, badP]))
        F = np.union1d(F, newF)
    return status, w, b, alpha, h, Sets(S, P, F)


def solve_conic(problem: RobustHingeProblem, warm_start: object = None, **options: Any) -> BackendResult:
    """Certified-grade optimum of a SOCP/QP ``problem`` (or, with ``hard=True``, its max-margin
    model) by working sets over a conic master; see the module docstring.  Returns ``coef``,
    ``intercept``, ``alpha`` (length ``n``) and in ``info`` the rounds and set sizes.

    The dense algebra runs on one BLAS thread (:mod:`robustcvx.solvers.threads`)."""
    with one_blas_thread():
        return _solve_conic(problem, warm_start, **options)


def _solve_conic(problem: RobustHingeProblem, warm_start: object = None, **options: Any) -> BackendResult:
    t0 = time.perf_counter()
    opt = ConicOptions(**options)
    if not (supports_max_margin(problem) if opt.hard else supports(problem)):
        raise ValueError(f"the conic working-set solver cannot take this {problem.kind}")
    n, d = problem.n, problem.d
    caps = np.ones(n) if opt.hard else problem.weights
    scale_full = HARD_CAP if opt.hard else 1.0
    l2 = 0.0 if opt.hard else problem.l2
    data = SampleData(problem.X, problem.y, caps, problem.threat, 0.0 if opt.hard else problem.l1)
    timers = {"ipm": 0.0, "build": 0.0, "pricing": 0.0}
    log: list[dict] = []
    all_features = feature_threshold(data, 1.0, opt.hard) == 0.0
    coef0, b0, _ = previous(warm_start)
    everyone = np.arange(n)
    if coef0 is not None and coef0.shape[0] == d and np.isfinite(coef0).all():
        start = "solution"
        F = np.arange(d) if all_features else np.nonzero(coef0)[0]
        sets = _place(data.hinge(np.arange(d), coef0, b0), everyone, opt.band_fine, F, opt.hard)
    else:
        start = "cold"
        sizes = _levels(n, opt)
        order = np.random.default_rng(opt.rng_seed).permutation(n)
        sets, h = None, np.zeros(n)
        for level, m in enumerate(sizes[:-1]):
            U = np.sort(order[:m])
            for cls in (1.0, -1.0):
                if not (data.y[U] == cls).any():
                    U = np.sort(np.r_[U, int(np.argmax(data.y == cls))])
            scale = HARD_CAP if opt.hard else 1.0 / float(caps[U].sum())
            if sets is None:
                F = np.arange(d) if all_features else _seed_features(data, U, opt.seed_features)
                sets = Sets(U, U[:0], F)
            else:
                sets = _place(h, U, opt.band if m * opt.level_factor < n else opt.band_fine, sets.F, opt.hard)
            st, w, b, alpha, h, sets = _rounds(data, sets, U, scale, l2, all_features, opt, timers, log, level)
            if st != "optimal":
                break
            h = data.hinge(sets.F, w[sets.F], b)
        if sets is None:
            sets = Sets(everyone, everyone[:0], np.arange(d) if all_features else
                        _seed_features(data, everyone, opt.seed_features))
        else:
            sets = _place(h, everyone, opt.band_fine if len(sizes) > 2 else opt.band, sets.F, opt.hard)
    level = (log[-1]["level"] + 1) if log else 0
    status, w, b, alpha, _, sets = _rounds(data, sets, everyone, scale_full, l2, all_features, opt, timers, log,
                                           level)
    primal = problem.objective(w, b) if not opt.hard else float(problem.threat.dual_norm(w))
    info = {"rounds": log, "start": start, "timers": timers,
            "sizes": {"S": int(sets.S.size), "P": int(sets.P.size), "F": int(sets.F.size)},
            "state": {"coef": w, "intercept": b}}
    return BackendResult(w, float(b), alpha, primal, status, time.perf_counter() - t0, info)
