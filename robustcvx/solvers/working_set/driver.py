r"""The working-set driver: start, re-solve and price until nothing enters.

**Pricing on the full data, every round.**  After each solve of the restricted dual LP
(:mod:`.lp_model`), a sample outside the working sets enters when ``h_i > tol`` (one pass
``X w``), a member of the aggregate ``P`` leaves it when ``alpha_i`` is off its complementary
bound, a feature outside ``F`` enters when its dual constraint is violated by more than ``tol``
(``g = X^T (alpha y)``: exactly the certificate's test).  When nothing moves, ``alpha`` (zero
outside the sets) is dual feasible on the full data and ``(w, b)`` attains the same objective:
the certified optimum.  ``F`` only grows and each sample moves finitely often; a ``max_rounds``
guard returns status ``"max_rounds"`` regardless.

**Three starts** (:func:`solve_working_set` picks one):

* ``model``: the live model of a previous call still describes the problem
  (:func:`.state.reusable`): its parameters are updated and its sets re-centred;
* ``solution``: a previous solution seeds ``F`` (its nonzero weights) and ``S``/``P`` (its hinges);
* ``cold``: nested random subsamples of ``seed_size, 10 seed_size, ...`` samples are solved in
  turn in the same model (``alpha_i <= c_i / sum_U c`` on a level ``U``), each seeding the next
  level's sets from its solution, then the full data.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...frame import fingerprint
from ...problems import RobustHingeProblem
from ..solution import BackendResult
from .lp_model import DualLP
from .pricing import LPData, most_violated, pick, reduced_costs
from .state import WorkingSetState, previous, reusable

PRICE_TOL = 1e-10       # a sample/feature enters when violated by more than this
MAX_ROUNDS = 200
HARD_CAP = 1e4          # alpha bound of the max-margin LP: an exact penalty when the data separate


@dataclass
class Options:
    seed_size: int = 2000          # cold start: samples of the exactly solved subsample
    seed_features: int = 32        # cold start: first features (largest class-mean difference)
    band: float = 0.2              # after a seed, samples with hinge in (-band, band_p] join S
    band_p: float = 0.3            # ... and those with hinge > band_p the aggregate P (inf: never)
    band_fine: float = 0.1         # the same bands after a level of 10x more samples
    band_p_fine: float = 0.15
    level_factor: int = 10         # cold start: nested subsamples seed_size * 10^k, then all n
    hard: bool = False             # alpha_i <= HARD_CAP: hard margins (the max-margin LP)
    max_features: int = 64         # features added per round (most violated first)
    max_samples: int = 1000        # samples added per round: at least this, at most |S|/2
    inf_size: bool = False         # add ||w||_inf to the objective (budget slack only: max-margin)
    max_rounds: int = MAX_ROUNDS
    tol: float = PRICE_TOL
    rng_seed: int = 0


def supports(problem: RobustHingeProblem) -> bool:
    """True for the LP cases whose threat states an LP form (``threat.lp_slack``): any sample
    weights, dense or sparse ``X``."""
    return bool(problem.is_lp and problem.threat.lp_slack in ("shared", "budget", "none"))


def lp_data(problem: RobustHingeProblem, caps: np.ndarray, opt: Options) -> LPData:
    """The :class:`LPData` of ``problem`` (with the ``||w||_inf`` size term if ``opt.inf_size``)."""
    data = LPData(problem.X, problem.y, caps, problem.threat, problem.l1)
    data.size_budget = 1.0 if opt.inf_size else 0.0
    return data


def sample_caps(problem: RobustHingeProblem, opt: Options) -> np.ndarray:
    """``c_i`` with ``alpha_i <= scale c_i``: the sample weights, or ones for hard margins."""
    return np.ones(problem.n) if opt.hard else problem.weights


def level_scale(caps: np.ndarray, universe: np.ndarray | None, opt: Options) -> float:
    """The scale of a level: ``1 / sum_U c_i`` (the subsample's own mean), ``HARD_CAP`` for
    hard margins."""
    if opt.hard:
        return HARD_CAP
    if universe is None:
        return 1.0
    return 1.0 / float(caps[universe].sum())


def levels(n: int, opt: Options) -> list[int]:
    """Nested subsample sizes of a cold start: ``seed_size, 10 seed_size, ...`` then ``n``."""
    out, m = [], opt.seed_size
    while m < n:
        out.append(m)
        m *= opt.level_factor
    return out + [n]


# --------------------------------------------------------------------------- set management
def dense_weights_expected(data: LPData) -> bool:
    """True when nothing in the objective makes ``w`` sparse: no ``l1`` term and a threat whose
    penalty is not an l1 norm of ``w`` (none at all, or the budget form ``eps ||w||_inf`` of the
    l1 threat).  The dual constraints ``|g_j| <= beta_j`` (with ``sum beta <= eps sigma``, or
    ``beta = 0``) then bind for nearly every feature, and growing ``F`` from a few features costs
    one re-solve per batch for nothing: the seed takes every feature with a class-mean
    difference instead (Fashion-MNIST 0v1, l1 threat at eps 2: 780 of 784 weights nonzero)."""
    return data.l1 == 0 and (data.slack == "budget" or not data.threat.active)


def seed_model(data: LPData, U: np.ndarray, scale: float, opt: Options) -> DualLP:
    """Cold start: a model over the samples ``U`` (both classes) and the features with the
    largest class-mean difference on them."""
    model = DualLP(data, scale)
    ys = data.y[U]
    wts = np.where(ys > 0, 1.0 / max((ys > 0).sum(), 1), 1.0 / max((ys < 0).sum(), 1))
    gp, gm = data.gradients(U, wts)
    score = np.maximum(gp, gm)
    F0 = np.nonzero(score > 0)[0]
    cap = data.d if dense_weights_expected(data) else opt.seed_features
    if F0.size > cap:
        F0 = np.sort(F0[np.argpartition(-score[F0], cap - 1)[:cap]])
    model.add_features(F0)
    model.add_samples(U)
    return model


def refocus(model: DualLP, opt: Options, drop_features: bool, universe: np.ndarray | None = None,
            band: float | None = None, band_p: float | None = None) -> None:
    """Re-centre the working sets on the model's last solution (with the current parameters):
    samples of ``universe`` (all by default) with hinge ``> band_p`` form the aggregate ``P``,
    those in ``(-band, band_p]`` get their own column; idle columns with hinge ``< -band``
    (and, if asked, idle features) are deleted."""
    band = opt.band if band is None else band
    band_p = opt.band_p if band_p is None else band_p
    data = model.data
    _, wF, b = model.last
    h = data.hinge(model.F, wF, b, None if universe is None else np.nonzero(universe)[0])
    idle_s, idle_f = model.idle_s, model.idle_f
    if idle_s is not None and idle_s.size == model.S.size and idle_f.size == model.F.size:
        model.prune(idle_s & (h[model.S] < -band), idle_f & drop_features)
    cand = np.ones(data.n, dtype=bool) if universe is None else universe.copy()
    cand[model.S] = False
    P = np.nonzero(cand & (h > band_p))[0]
    if not np.array_equal(P, model.P):
        model.set_positive(P)
    model.add_samples(np.nonzero(cand & (h > -band) & (h <= band_p))[0])


@dataclass
class RoundsResult:
    """The optimum over a universe of samples: ``(w, b, alpha)``, its own primal and dual values
    (``sum alpha``) and the largest dual violation left (on the features)."""

    w: np.ndarray
    b: float
    alpha: np.ndarray
    primal: float
    dual: float
    dual_infeasibility: float


def price_and_resolve(model: DualLP, opt: Options, universe: np.ndarray | None, log: list[dict], timers: dict,
                      level: int) -> tuple[str, RoundsResult | None]:
    """Re-solve and price until no sample of ``universe`` (all: ``None``) and no feature enters."""
    data = model.data
    n, d, tol = data.n, data.d, opt.tol
    urows = None if universe is None else np.nonzero(universe)[0]
    for rnd in range(opt.max_rounds):
        tl = time.perf_counter()
        lp_status = model.run()
        timers["lp"] += time.perf_counter() - tl
        if lp_status != "Optimal":
            return f"lp {lp_status}", None
        tp = time.perf_counter()
        alpha_S, wF, b = model.solution()
        F, S, P = model.F, model.S, model.P
        h = data.hinge(F, wF, b, urows)
        alpha = model.last_alpha = model.full_alpha(alpha_S)
        # samples: outside S and P a positive hinge; in P, alpha_i off its complementary bound
        cand = np.ones(n, dtype=bool) if universe is None else universe.copy()
        cand[S] = False
        cand[P] = False
        newS = most_violated(h, np.nonzero(cand & (h > tol))[0], max(opt.max_samples, S.size // 2))
        badP = P[((model.tau > 0) & (h[P] < -tol)) | ((model.tau < model.scale) & (h[P] > tol))]
        # features: the certificate's dual constraint (the aggregate's part is kept by the model)
        data.keep_coefficients(S)
        on = alpha_S != 0
        gp, gm = data.gradients(S[on], alpha_S[on])
        if P.size and model.tau > 0:
            gp, gm = gp + model.tau * model.sum_p, gm + model.tau * model.sum_m
        sigma = float(alpha.sum())
        red = reduced_costs(data, gp, gm, sigma)
        newF = pick(red, F, tol, opt.max_features)
        timers["pricing"] += time.perf_counter() - tp
        log.append({"level": level, "round": rnd, "S": int(S.size), "P": int(P.size), "F": int(F.size),
                    "add_samples": int(newS.size), "p_to_s": int(badP.size), "add_features": int(newF.size),
                    "iters": model.iterations()})
        if newS.size == 0 and badP.size == 0 and newF.size == 0:
            w = np.zeros(d)
            w[F] = wF
            hu = h if universe is None else h[universe]
            cu = data.caps if universe is None else data.caps[universe]
            loss = float(cu @ np.maximum(hu, 0.0))
            primal = ((loss * model.scale if loss > 0 else 0.0) + data.l1 * float(np.abs(w).sum())
                      + data.size_budget * float(np.abs(w).max(initial=0.0)))
            red[F] = 0.0
            return "optimal", RoundsResult(w, b, alpha, primal, sigma, float(max(-red.min(initial=0.0), 0.0)))
        tb = time.perf_counter()
        model.add_features(newF)
        if badP.size:
            keep = np.ones(n, dtype=bool)
            keep[badP] = False
            model.set_positive(P[keep[P]])
        model.add_samples(np.concatenate([newS, badP]))
        timers["build"] += time.perf_counter() - tb
    return "max_rounds", None


# --------------------------------------------------------------------------- the three starts
def start_from_model(st: WorkingSetState, problem: RobustHingeProblem, opt: Options) -> DualLP:
    """Reuse the live model of ``st``: new ``epsilon``/``l1``, sets re-centred."""
    model: DualLP = st.model
    model.set_params(problem.epsilon, problem.l1)
    refocus(model, opt, drop_features=True)
    return model


def start_from_solution(data: LPData, coef: np.ndarray, b: float, opt: Options) -> DualLP:
    """A new model whose sets come from a previous solution (its nonzero weights and hinges)."""
    model = DualLP(data, level_scale(data.caps, None, opt))
    F0 = np.nonzero(coef)[0]
    model.add_features(F0)
    model.last = (np.zeros(0), coef[F0], b)
    refocus(model, opt, drop_features=False)
    return model


def cold_start(data: LPData, opt: Options, log: list[dict], timers: dict) -> tuple[DualLP, bool]:
    """Nested subsample levels solved in one model; returns the model set up for the full
    data and whether every level was solved."""
    n = data.n
    sizes = levels(n, opt)
    if len(sizes) == 1:
        return seed_model(data, np.arange(n), level_scale(data.caps, None, opt), opt), True
    order = np.random.default_rng(opt.rng_seed).permutation(n)
    model: DualLP | None = None
    for level, m in enumerate(sizes[:-1]):
        U = np.zeros(n, dtype=bool)
        U[order[:m]] = True
        for cls in (1.0, -1.0):                         # both classes in every level
            if not (data.y[U] == cls).any():
                U[int(np.argmax(data.y == cls))] = True
        scale = level_scale(data.caps, U, opt)
        if model is None:
            model = seed_model(data, np.nonzero(U)[0], scale, opt)
        else:
            model.set_scale(scale)
            fine = level > 1
            refocus(model, opt, False, U, opt.band_fine if fine else None, opt.band_p_fine if fine else None)
        status, _ = price_and_resolve(model, opt, U, log, timers, level)
        if status != "optimal":                         # a failed level: reported as is
            return model, False
    model.set_scale(level_scale(data.caps, None, opt))
    fine = len(sizes) > 2
    refocus(model, opt, False, None, opt.band_fine if fine else None, opt.band_p_fine if fine else None)
    return model, True


# --------------------------------------------------------------------------- the solver
def solve_working_set(problem: RobustHingeProblem, warm_start: object = None, **options: Any) -> BackendResult:
    """Certified optimum of an LP-case ``problem`` by working sets of samples and features.

    ``warm_start``: a previous :class:`WorkingSetState`, ``BackendResult``, ``Solution``, dict or
    ``(coef, intercept)``.  ``options`` override :class:`Options` (tuning, tests).
    Returns ``coef``, ``intercept``, ``alpha`` (length ``n``, ``0 <= alpha_i <= c_i``, zero
    outside the working sets) and in ``info`` the rounds, set sizes, own primal/dual values and
    the :class:`WorkingSetState` for the next call.
    """
    t0 = time.perf_counter()
    if not supports(problem):
        raise ValueError(f"the working-set LP solver handles LPs only, not a {problem.kind}")
    opt = Options(**options)
    n, d = problem.n, problem.d
    caps = sample_caps(problem, opt)
    coef0, b0, st = previous(warm_start)
    log: list[dict] = []
    timers = {"lp": 0.0, "pricing": 0.0, "build": 0.0}
    status, result, ok = "max_rounds", None, True
    if opt.inf_size and (problem.threat.lp_slack != "budget" or problem.l1 != 0):
        raise ValueError("inf_size needs a budget slack (the l1 threat) and l1 = 0")
    if opt.inf_size:
        st = None                         # a live model without the size term never fits

    if reusable(st, problem, caps):
        start = "model"
        model = start_from_model(st, problem, opt)
    elif coef0 is not None and coef0.shape[0] == d:
        start = "solution"
        model = start_from_solution(lp_data(problem, caps, opt), coef0, b0, opt)
    else:
        start = "cold"
        model, ok = cold_start(lp_data(problem, caps, opt), opt, log, timers)
    if ok:
        level = len(log) and log[-1]["level"] + 1
        status, result = price_and_resolve(model, opt, None, log, timers, level)

    if result is None:                    # not optimal: the last LP point, for the record
        w = np.zeros(d)
        alpha = model.last_alpha if model.last_alpha is not None else np.zeros(n)
        b = 0.0
        if model.last is not None:
            _, wF, b = model.last
            w[model.F[:wF.size]] = wF
        result = RoundsResult(w, b, alpha, float("nan"), float(alpha.sum()), float("nan"))
    state = WorkingSetState(result.w, result.b, result.alpha, problem.threat, model, weakref.ref(problem.X),
                            fingerprint(problem.X))
    info = {"rounds": log, "start": start, "primal": result.primal, "dual": result.dual,
            "gap": result.primal - result.dual, "dual_infeasibility": result.dual_infeasibility,
            "timers": timers, "state": state,
            "sizes": {"S": int(model.S.size), "P": int(model.P.size), "F": int(model.F.size)}}
    return BackendResult(result.w, float(result.b), result.alpha, result.primal, status,
                         time.perf_counter() - t0, info)
