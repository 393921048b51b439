r"""The joint working-set loop: solve the restricted LP, price rows and columns on the full data, repeat.

Cold start: a few samples of every class with all their competitors, no cut column (``W = 0``).  Each
round re-solves the restricted LP (:mod:`.lp_model`, the simplex from the previous basis), adds for each
sample its most violated pair row and the most improving cut columns (:mod:`.pricing`) and stops when
neither exists: the restricted optimum is then the optimum of the full LP (weak duality, see
:mod:`.pricing`).

Two devices keep the restricted LP small (with ten classes every pair row is dense over the cut columns
of its features, and most rows and columns that a round adds are inactive at the optimum):

* **stages**: rows are priced only on the *admitted* samples, first :data:`FIRST_STAGE` per class (each
  class in proportion), then :data:`STAGE_GROWTH` times as many whenever the admitted samples have no
  violated row and no column improves, until every sample is admitted (the stopping test above is then
  the one of the full problem);
* **pruning** (:meth:`.lp_model.JointLP.prune`): every :data:`PRUNE_EVERY` rounds and at each new stage,
  rows and columns inactive at two consecutive checks leave the model (they are priced back in if they
  are ever violated again); at most :data:`MAX_PRUNES` times in the rounds, so the loop ends as the
  plain working-set loop does (the model only grows afterwards).

The answer ``(W, b, alpha)`` is in the coordinates of the problem it was given (the caller's frame) and is
*not* trusted: :func:`robustcvx.solvers.multiclass.solve_multiclass` certifies it on the original data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import SolverError
from ...frame import fingerprint
from .data import JointData
from .lp_model import JointLP
from .pricing import price_columns, price_rows
from .state import JointState, from_warm_start, live_model_fits, same_data
from .structure import MAX_CLASSES, cuts_for, median_shift

SEED_ROWS = 400           # about this many seed rows: samples of every class with all their competitors
ROW_LIMIT = 4000          # pair rows added per round
COL_LIMIT = 400           # cut columns added per round
TOL = 1e-9                # pricing tolerance (the certificate decides)
MAX_ROUNDS = 1000
FIRST_STAGE = 64          # samples per class admitted in the first stage
STAGE_GROWTH = 4          # admitted samples grow by this factor per stage
PRUNE_TOL = 1e-6          # slack / reduced cost above which a row / column counts as inactive
PRUNE_EVERY = 3           # rounds between pruning checks
MAX_PRUNES = 60           # pruning checks in the rounds (stage changes prune too)


def supports(problem: Any) -> bool:
    """LPs (polyhedral threat, ``l2 = 0``) of at most :data:`~.structure.MAX_CLASSES` classes."""
    return bool(problem.is_lp and problem.threat.lp_slack is not None and 2 <= problem.K <= MAX_CLASSES)


@dataclass
class JointResult:
    """``(W, b, alpha)`` of the solved problem with ``info`` (rounds, sizes, timers) and the next ``state``."""

    W: np.ndarray
    b: np.ndarray
    alpha: np.ndarray
    status: str
    state: JointState
    info: dict = field(default_factory=dict)


def seed_rows(data: JointData) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced samples of each class (``SEED_ROWS / K (K - 1)`` of them, 2 to 20), each with all its
    competitors."""
    per = int(min(20, max(2, SEED_ROWS // (data.K * (data.K - 1)))))
    picks = []
    for a in range(data.K):
        rows = np.flatnonzero(data.y == a)
        take = np.unique(np.linspace(0, rows.size - 1, min(per, rows.size)).astype(np.int64))
        picks.append(rows[take])
    i = np.sort(np.concatenate(picks))
    ii = np.repeat(i, data.K)
    kk = np.tile(np.arange(data.K), i.size)
    keep = kk != data.y[ii]
    return ii[keep], kk[keep]


def admission_order(y: np.ndarray) -> np.ndarray:
    """The samples in the order the staged loop admits them: every prefix takes each class about in
    proportion, spread over the class (sample ``r`` of a class has the key :func:`_spread`, the bit-reversed
    ``r`` as a fraction in ``[0, 1)``; ties in class order)."""
    key = np.empty(y.size)
    for a in np.unique(y):
        rows = np.flatnonzero(y == a)
        key[rows] = _spread(rows.size)
    return np.lexsort((y, key))


def _spread(m: int) -> np.ndarray:
    """A permutation key in [0, 1) of ``m`` items whose every prefix (in key order) is spread evenly."""
    bits = max(1, int(np.ceil(np.log2(max(m, 2)))))
    r = np.arange(m, dtype=np.int64)
    rev = np.zeros(m, dtype=np.int64)
    for b in range(bits):
        rev |= ((r >> b) & 1) << (bits - 1 - b)
    return rev / float(1 << bits)


def _start(problem: Any, warm_start: object, timers: dict) -> tuple[JointLP, str]:
    t0 = time.perf_counter()
    data = JointData(problem)
    cuts = cuts_for(problem.K)
    st = from_warm_start(warm_start)
    if st is not None and same_data(st, problem):
        if live_model_fits(st, problem):
            lp = st.lp
            lp.data.rebind(problem)
            lp.set_epsilon(problem.threat.epsilon)
            how = "warm: live model"
        else:
            lp = JointLP(data, cuts)
            lp.add_rows(st.lp.row_i, st.lp.row_k)
            lp.add_cols(st.lp.col_S, st.lp.col_j)
            how = "warm: working sets"
    else:
        lp = JointLP(data, cuts)
        lp.add_rows(*seed_rows(data))
        how = "cold" if st is None else "cold (warm start on other data)"
    timers["build"] += time.perf_counter() - t0
    return lp, how


def solve_joint(problem: Any, warm_start: object = None) -> JointResult:
    """Solve the joint LP of ``problem`` (see :func:`supports`) by the working-set loop."""
    if not supports(problem):
        raise SolverError("the joint working-set solver takes LPs (l_inf / l_1 threats, the box, l2 = 0) "
                          f"of 2..{MAX_CLASSES} classes")
    timers = {"build": 0.0, "lp": 0.0, "price_rows": 0.0, "price_cols": 0.0}
    lp, how = _start(problem, warm_start, timers)
    order = admission_order(problem.y)
    admitted = np.zeros(problem.n, dtype=bool)
    count = problem.n if how.startswith("warm") else min(problem.n, FIRST_STAGE * problem.K)
    admitted[order[:count]] = True
    admitted[lp.row_i] = True
    status, rounds, iters, row_worst, col_worst = "", 0, 0, 0.0, 0.0
    algorithm, prunes, pruned = "dual", 0, [0, 0]
    for rounds in range(1, MAX_ROUNDS + 1):
        t0 = time.perf_counter()
        status = lp.run(algorithm)
        iters += lp.iterations()
        timers["lp"] += time.perf_counter() - t0
        if status != "Optimal":
            raise SolverError(f"HiGHS: {status} on the restricted joint LP (round {rounds})")
        t0 = time.perf_counter()
        W, b, xi, _ = lp.point()
        ri, rk, row_worst = price_rows(lp, W, b, xi, TOL, ROW_LIMIT, admitted)
        timers["price_rows"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        cS, cj, col_worst = price_columns(lp, TOL, COL_LIMIT)
        timers["price_cols"] += time.perf_counter() - t0
        stage_done = ri.size == 0 and cS.size == 0
        if stage_done and count >= problem.n:
            break
        t0 = time.perf_counter()
        if stage_done or (rounds % PRUNE_EVERY == 0 and prunes < MAX_PRUNES):
            prunes += 0 if stage_done else 1
            pruned = [p + q for p, q in zip(pruned, lp.prune(PRUNE_TOL))]
        if stage_done:                    # the next stage: more samples
            count = min(problem.n, count * STAGE_GROWTH)
            admitted[order[:count]] = True
        lp.add_rows(ri, rk)
        lp.add_cols(cS, cj)
        timers["build"] += time.perf_counter() - t0
        # new rows keep the basis dual feasible (the dual simplex goes on); new columns alone keep it
        # primal feasible (the primal simplex)
        algorithm = "dual" if ri.size or stage_done else "primal"
    else:
        status = f"stopped after {MAX_ROUNDS} rounds"
    W, b, _, _ = lp.point()
    W = median_shift(W) if problem.l1 > 0 else W - W.mean(axis=0, keepdims=True)
    b = b - b.mean()
    alpha = lp.alpha_matrix()
    state = JointState(lp, fingerprint(problem.X), problem.y, problem.weights, problem.K, problem.l1)
    info = {"start": how, "rounds": rounds, "simplex_iterations": iters, "rows": int(lp.row_i.size),
            "columns": int(lp.col_S.size), "samples": int((lp.xi_col >= 0).sum()),
            "last_row_violation": row_worst, "last_reduced_cost": col_worst, "pruned_rows": pruned[0],
            "pruned_columns": pruned[1],
            "timers": {k: round(v, 4) for k, v in timers.items()}}
    return JointResult(W, b, alpha, "optimal" if status == "Optimal" else status, state, info)
