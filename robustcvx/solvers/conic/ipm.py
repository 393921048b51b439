r"""A dense primal-dual interior-point method for the hinge master problems.

The problem (``x`` free of size ``p``, ``xi`` of size ``m``)

.. math::

    \min_{x,\xi}\ \tfrac12 x^T \mathrm{diag}(Q) x + q^T x + c^T\xi \quad\text{s.t.}\quad
    A x + \xi \ge 1\ [\alpha],\quad \xi\ge 0\ [\mu],\quad G x \le h\ [\lambda],\quad
    x_E \in \mathcal{K}_{soc}\ [\nu]

(``A`` dense ``m x p``: one row per sample; ``G`` sparse extra rows; ``x_E = (t, w)`` an optional
second-order cone ``t >= ||w||_2``).  With ``hard=True`` there is no ``xi``: the sample rows are
hard constraints ``A x >= 1`` (the max-margin problems; an infeasible one does not converge).
The multipliers ``alpha`` of the sample rows are the dual point that the certificate checks.

**Method.**  Mehrotra's predictor-corrector on the symmetric-cone formulation with
Nesterov-Todd scaling, as in CVXOPT's ``coneqp`` (Vandenberghe 2010, "The CVXOPT linear and
quadratic cone program solvers").  In every cone ``W z = W^{-1} s = lambda``; the Newton system
is

.. math::

    Q\,dx + G_{all}^T dz = -r_x,\quad G_{all}\,dx + ds = -r_s,\quad ds + W^2 dz = -R

(``R = s`` for the predictor, ``W (lambda \backslash (lambda o lambda - sigma mu e + (W^{-1} ds_a) o
(W dz_a)))`` for the corrector).  Per sample the rows ``A x + xi - 1 >= 0`` and ``xi >= 0`` are
eliminated analytically (``xi`` appears nowhere else), so every system reduces to one dense
``p x p`` system

.. math::

    N = \mathrm{diag}(Q) + A^T D A + G^T D_G G + E^T W^{-2} E,\qquad
    D_i = \frac{d_{1i} d_{2i}}{d_{1i}+d_{2i}}

formed with one BLAS product (``m p^2`` flops) and factored by Cholesky (``p^3 / 3``).  Near the
cone boundary ``W^{-2} = (I - 2 e_0 e_0^T + 2 J\bar w (J\bar w)^T) / \beta^2`` has a huge rank-two
part: only ``I / beta^2`` enters the factor, the rest goes through the Woodbury identity.  Slack
steps come from the linear equations (exact in them), and each step gets one round of
iterative refinement on the unreduced system when its residual is not negligible.

Nothing here is trusted: the caller certifies the answer on the full data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .linsolve import DenseNormal, LowRankNormal
from .soc import SOCScaling, jdiv, jprod, soc_step

TOL = 1e-10        # relative residuals and gap at which the method stops
ACCEPT = 1e-9      # a stalled run whose best iterate reached this is reported as optimal
ACCEPT_HARD = 1e-7  # the same for hard margins (their use needs feasibility, which stays ~1e-15)
DIVERGED = 1e3     # in the endgame, an iterate this much worse than the best ends the run
STALL = 4          # iterations without a better iterate before the method gives up ...
ENDGAME = 1e-6     # ... once an iterate this accurate has been reached
STEP = 0.99        # fraction of the step to the cone boundary
REFINE = 3         # at most this many steps of iterative refinement per Newton solve
LOW_RANK_UNTIL = 1e-6   # the cheaper, less accurate low-rank solves only while the score is above this


@dataclass
class ConicQP:
    """The data of one master problem (see the module docstring)."""

    Q: np.ndarray                  # p: the diagonal of the quadratic term (>= 0)
    q: np.ndarray                  # p
    A: np.ndarray                  # m x p, dense
    c: np.ndarray                  # m, > 0
    G: Any                         # k x p, scipy.sparse CSR (k may be 0)
    h: np.ndarray                  # k
    soc: np.ndarray | None = None  # indices into x of (t, w): t >= ||w||_2
    border: np.ndarray | None = None   # a few variables coupled to all others (b, t): see linsolve
    hard: bool = False             # no xi: the sample rows are hard constraints A x >= 1 (c unused)
    eliminate: np.ndarray | None = None  # variables only in the cone rows (zero columns of A): see linsolve
    cache: dict = field(default_factory=dict, repr=False)   # per-problem structure reused by linsolve

    @property
    def p(self) -> int:
        return int(self.q.shape[0])

    @property
    def GT(self):
        """``G^T`` as CSR (cached: a sparse transpose at every use costs more than the product)."""
        if "GT" not in self.cache:
            self.cache["GT"] = self.G.T.tocsr()
        return self.cache["GT"]

    @property
    def m(self) -> int:
        return int(self.A.shape[0])


@dataclass
class IPMResult:
    x: np.ndarray
    xi: np.ndarray
    alpha: np.ndarray
    status: str
    iterations: int
    primal: float
    dual: float
    residual: float
    info: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- iterates and steps
NAMES = ("x", "xi", "z1", "z2", "zg", "zc", "s1", "s2", "sg", "sc")


@dataclass
class Point:
    """An iterate, or a step (same fields): ``z1 = alpha``, ``s1`` the slack of the sample rows,
    ``z2``/``s2`` those of ``xi >= 0``, ``zg``/``sg`` of ``G x <= h``, ``zc``/``sc`` of the cone."""

    x: np.ndarray
    xi: np.ndarray
    z1: np.ndarray
    z2: np.ndarray
    zg: np.ndarray
    zc: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    sg: np.ndarray
    sc: np.ndarray

    def axpy(self, a: float, step: Point) -> Point:
        return Point(*(getattr(self, f) + a * getattr(step, f) for f in NAMES))

    def plus(self, step: Point) -> Point:
        return self.axpy(1.0, step)

    def largest(self) -> float:
        return max(float(np.abs(getattr(self, f)).max(initial=0.0)) for f in NAMES)


@dataclass
class Rhs:
    """Right-hand sides of the Newton system ``L(step) + rhs = 0``: the residuals ``r`` of the
    linear equations and ``R`` of the complementarity rows ``ds + W^2 dz + R = 0``."""

    rx: np.ndarray
    rxi: np.ndarray
    r1: np.ndarray
    r2: np.ndarray
    rg: np.ndarray
    rc: np.ndarray
    R1: np.ndarray
    R2: np.ndarray
    Rg: np.ndarray
    Rc: np.ndarray

    def largest(self) -> float:
        return max(float(np.abs(v).max(initial=0.0)) for v in self.__dict__.values())


def _residuals(prob: ConicQP, pt: Point) -> tuple[np.ndarray, ...]:
    """``(r_x, r_xi, r_1, r_2, r_g, r_c)`` of the current point."""
    E = prob.soc
    rx = prob.Q * pt.x + prob.q - prob.A.T @ pt.z1
    if prob.G.shape[0]:
        rx += prob.GT @ pt.zg
    if E is not None:
        rx[E] -= pt.zc
    if prob.hard:
        rxi = r2 = np.zeros(0)
        r1 = -(prob.A @ pt.x) + pt.s1 + 1.0
    else:
        rxi = prob.c - pt.z1 - pt.z2
        r1 = -(prob.A @ pt.x) - pt.xi + pt.s1 + 1.0
        r2 = -pt.xi + pt.s2
    rg = prob.G @ pt.x + pt.sg - prob.h if prob.G.shape[0] else np.zeros(0)
    rc = -pt.x[E] + pt.sc if E is not None else np.zeros(0)
    return rx, rxi, r1, r2, rg, rc


class NewtonSystem:
    """The reduced Newton system at one iterate: scalings, the factor of ``N`` and the solves."""

    def __init__(self, prob: ConicQP, pt: Point, precise: bool = True):
        self.prob, self.pt = prob, pt
        E = prob.soc
        self.d1 = pt.z1 / pt.s1
        if prob.hard:
            self.d2, self.dm = np.zeros(0), self.d1
        else:
            self.d2 = pt.z2 / pt.s2
            self.dm = self.d1 * self.d2 / (self.d1 + self.d2)
        self.dg = pt.zg / pt.sg if prob.G.shape[0] else np.zeros(0)
        self.W = SOCScaling(pt.sc, pt.zc) if E is not None else None
        if not precise and LowRankNormal.applicable(prob):
            self.normal = LowRankNormal(prob, self.dm, self.dg, self.W)
            return
        try:
            self.normal = DenseNormal(prob, self.dm, self.dg, self.W)
        except (np.linalg.LinAlgError, ValueError):
            if prob.eliminate is None:
                raise
            # the Schur complement lost definiteness to rounding: factor the whole system instead
            self.normal = DenseNormal(prob, self.dm, self.dg, self.W, eliminate=False)

    def _solve_n(self, rhs: np.ndarray) -> np.ndarray:
        return self.normal.solve(rhs)

    def solve_once(self, r: Rhs) -> Point:
        prob, E, W = self.prob, self.prob.soc, self.W
        A, G = prob.A, prob.G
        d1, d2, dg = self.d1, self.d2, self.dg
        f1 = r.r1 - r.R1
        if prob.hard:
            rhs = -r.rx + A.T @ (d1 * f1)
        else:
            e = d1 * f1 + d2 * (r.r2 - r.R2) - r.rxi
            rhs = -r.rx + A.T @ (d1 * f1 - d1 * e / (d1 + d2))
        if G.shape[0]:
            rhs -= prob.GT @ (dg * (r.rg - r.Rg))
        if W is not None:
            rhs[E] += W.inv_square(r.rc - r.Rc)
        dx = self._solve_n(rhs)
        Adx = A @ dx
        if prob.hard:
            dxi = dz2 = ds2 = np.zeros(0)
            dz1 = d1 * (-Adx + f1)
            ds1 = Adx - r.r1                # slacks from the linear equations (exact in them)
        else:
            dxi = (-d1 * Adx + e) / (d1 + d2)
            dz1 = d1 * (-Adx - dxi + f1)
            dz2 = d2 * (-dxi + r.r2 - r.R2)
            ds1 = Adx + dxi - r.r1
            ds2 = dxi - r.r2
        if G.shape[0]:
            Gdx = G @ dx
            dzg = dg * (Gdx + r.rg - r.Rg)
            dsg = -Gdx - r.rg
        else:
            dzg = dsg = np.zeros(0)
        if W is not None:
            dzc = W.inv_square(-dx[E] + r.rc - r.Rc)
            dsc = dx[E] - r.rc
        else:
            dzc = dsc = np.zeros(0)
        return Point(dx, dxi, dz1, dz2, dzg, dzc, ds1, ds2, dsg, dsc)

    def residual(self, st: Point, r: Rhs) -> Rhs:
        """``L(st) + r`` block by block."""
        prob, E, W = self.prob, self.prob.soc, self.W
        A, G, k = prob.A, prob.G, prob.G.shape[0]
        ex = prob.Q * st.x - A.T @ st.z1 + r.rx
        if k:
            ex += prob.GT @ st.zg
        if E is not None:
            ex[E] -= st.zc
        zero = np.zeros(0)
        hard = prob.hard
        return Rhs(ex, zero if hard else -st.z1 - st.z2 + r.rxi,
                   -(A @ st.x) + st.s1 + r.r1 if hard else -(A @ st.x) - st.xi + st.s1 + r.r1,
                   zero if hard else -st.xi + st.s2 + r.r2,
                   (G @ st.x + st.sg + r.rg) if k else zero, (-st.x[E] + st.sc + r.rc) if E is not None else zero,
                   st.s1 + st.z1 / self.d1 + r.R1, zero if hard else st.s2 + st.z2 / self.d2 + r.R2,
                   (st.sg + st.zg / self.dg + r.Rg) if k else zero,
                   (st.sc + W.square(st.zc) + r.Rc) if W is not None else zero)

    def solve(self, r: Rhs) -> Point:
        """One solve and, while its residual is not negligible and still shrinks, up to
        ``REFINE`` steps of iterative refinement on the unreduced system."""
        st = self.solve_once(r)
        res = self.residual(st, r)
        size, target = res.largest(), 1e-14 * max(1.0, r.largest())
        for _ in range(REFINE):
            if size <= target:
                break
            trial = st.plus(self.solve_once(res))
            res_t = self.residual(trial, r)
            if res_t.largest() >= size:
                break
            st, res, size = trial, res_t, res_t.largest()
        return st

    def max_step(self, st: Point) -> float:
        """Largest step keeping every slack and multiplier in its cone."""
        pt = self.pt
        a = math.inf
        for f in ("s1", "s2", "z1", "z2", "sg", "zg"):
            v, dv = getattr(pt, f), getattr(st, f)
            neg = dv < 0
            if neg.any():
                a = min(a, float(np.min(-v[neg] / dv[neg])))
        if self.W is not None:
            a = min(a, soc_step(pt.sc, st.sc), soc_step(pt.zc, st.zc))
        return a


def _start(prob: ConicQP, x0: np.ndarray | None) -> Point:
    """A strictly interior (infeasible) starting point around ``x0``."""
    p, m, k, E = prob.p, prob.m, prob.G.shape[0], prob.soc
    x = np.zeros(p) if x0 is None else np.asarray(x0, dtype=float).copy()
    Ax = prob.A @ x
    if prob.hard:
        xi = np.zeros(0)
        s1 = np.maximum(Ax - 1.0, 1.0)
        z1 = np.ones(m)
    else:
        xi = np.maximum(1.0 - Ax, 0.0) + 1.0
        s1 = np.maximum(Ax + xi - 1.0, 1.0)
        z1 = 0.5 * prob.c
    mu0 = float(np.mean(s1 * z1)) if m else 1.0
    sg = np.maximum(prob.h - prob.G @ x, 1.0) if k else np.zeros(0)
    zg = mu0 / sg if k else np.zeros(0)
    if E is not None:
        sc = x[E].copy()
        sc[0] = max(sc[0], float(np.linalg.norm(sc[1:])) + 1.0)
        zc = np.zeros(E.size)
        zc[0] = mu0
    else:
        sc = zc = np.zeros(0)
    z2 = np.zeros(0) if prob.hard else 0.5 * prob.c
    return Point(x, xi, z1, z2, zg, zc, s1, xi.copy(), sg, sc)


def _gap(pt: Point) -> float:
    return float(pt.s1 @ pt.z1 + pt.s2 @ pt.z2 + pt.sg @ pt.zg + pt.sc @ pt.zc)


def solve_ipm(prob: ConicQP, x0: np.ndarray | None = None, *, tol: float = TOL, max_iter: int = 60,
              trace: list | None = None) -> IPMResult:
    """Solve ``prob`` (see the module docstring); ``x0`` seeds ``x`` (an infeasible-start method:
    any ``x0`` works).  The best iterate is returned; ``status`` is ``"optimal"`` when the relative
    residuals and gap reached ``tol`` (or ``ACCEPT`` before the method stalled).  ``trace``: a list
    that receives one dict per iteration (residuals, gap, objective).  Floating-point overflow in
    a lost run is not reported as a warning: the run ends with a status other than ``"optimal"``."""
    with np.errstate(all="ignore"):
        return _solve_ipm(prob, x0, tol, max_iter, trace)


def _solve_ipm(prob: ConicQP, x0: np.ndarray | None, tol: float, max_iter: int, trace: list | None) -> IPMResult:
    m, k, E = prob.m, prob.G.shape[0], prob.soc
    pt = _start(prob, x0)
    degree = (1 if prob.hard else 2) * m + k + (1 if E is not None else 0)
    cmax = 0.0 if prob.hard else float(np.abs(prob.c).max(initial=0.0))
    scale_q = 1.0 + float(np.abs(prob.q).max(initial=0.0)) + cmax
    status, it, best = "max_iter", 0, None
    for it in range(1, max_iter + 1):
        rx, rxi, r1, r2, rg, rc = _residuals(prob, pt)
        gap = _gap(pt)
        pobj = 0.5 * float(pt.x @ (prob.Q * pt.x)) + float(prob.q @ pt.x) + \
            (0.0 if prob.hard else float(prob.c @ pt.xi))
        pres = max(float(np.abs(v).max(initial=0.0)) for v in (r1, r2, rg, rc))
        dres = max(float(np.abs(rx).max(initial=0.0)), float(np.abs(rxi).max(initial=0.0))) / scale_q
        score = max(pres, dres, gap / max(1.0, abs(pobj)))
        if trace is not None:
            trace.append({"it": it, "pres": pres, "dres": dres, "gap": gap, "pobj": pobj})
        if not math.isfinite(score):
            status = "numerical trouble"
            break
        if best is None or score < best[0]:
            best = (score, pt, pobj, pobj - gap, max(pres, dres), it)
        if pres <= tol and dres <= tol and gap <= tol * max(1.0, abs(pobj)):
            status = "optimal"
            break
        if best[0] <= ENDGAME and (it - best[5] >= STALL or score > DIVERGED * best[0]):
            status = "stalled"      # double precision has run out (the cone scaling's condition grows as 1/mu)
            break
        try:
            ns = NewtonSystem(prob, pt, precise=score < LOW_RANK_UNTIL)
        except (np.linalg.LinAlgError, ValueError):
            status = "singular"
            break
        mu = gap / degree
        # predictor: R = W lam = s in every cone
        aff = ns.solve(Rhs(rx, rxi, r1, r2, rg, rc, pt.s1, pt.s2, pt.sg, pt.sc))
        a_aff = min(1.0, ns.max_step(aff))
        sigma = (min(1.0, max(0.0, _gap(pt.axpy(a_aff, aff)) / gap)) ** 3) if gap > 0 else 0.0
        smu = sigma * mu
        # corrector: R = W (lam \ (lam o lam - sigma mu e + (W^-1 ds_a) o (W dz_a)))
        R1 = (pt.s1 * pt.z1 - smu + aff.s1 * aff.z1) / pt.z1
        R2 = (pt.s2 * pt.z2 - smu + aff.s2 * aff.z2) / pt.z2 if not prob.hard else np.zeros(0)
        Rg = (pt.sg * pt.zg - smu + aff.sg * aff.zg) / pt.zg if k else np.zeros(0)
        if ns.W is not None:
            W = ns.W
            dd = jprod(W.lam, W.lam) + jprod(W.apply_inv(aff.sc), W.apply(aff.zc))
            dd[0] -= smu
            Rc = W.apply(jdiv(W.lam, dd))
        else:
            Rc = np.zeros(0)
        step = ns.solve(Rhs(rx, rxi, r1, r2, rg, rc, R1, R2, Rg, Rc))
        pt = pt.axpy(min(1.0, STEP * ns.max_step(step)), step)
    cap = np.inf if prob.hard else prob.c
    if best is None:
        return IPMResult(pt.x, pt.xi, np.clip(pt.z1, 0.0, cap), status, it, math.nan, math.nan, math.inf)
    score, bp, pobj, dobj, res, _ = best
    if status != "optimal" and score <= (ACCEPT_HARD if prob.hard else ACCEPT):
        status = "optimal"          # as accurate as double precision allows here; the certificate decides
    return IPMResult(bp.x, bp.xi, np.clip(bp.z1, 0.0, cap), status, it, pobj, dobj, res, {"score": score})
