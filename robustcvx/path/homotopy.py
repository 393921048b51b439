r"""The parametric simplex of the budget problem with ``||w||_1 <= s`` (the path of the 1-norm SVM).

The budget LP (:mod:`.budget_lp`) in its primal form, with ``Z = y * X`` and weights ``c``::

    psi(s) = min sum_i c_i xi_i   s.t.  xi_i >= 1 - (z_i.w + y_i b),  xi >= 0,  ||w||_1 <= s.

Inside an edge of ``psi`` the optimum is described by sets: the active features ``A``
(``w_j != 0``, signs ``sigma_j``), the tight samples ``T`` (margin ``z_i.w + y_i b = 1``,
``|T| = |A|``), the samples inside the hinge ``P`` (margin < 1, ``alpha_i = c_i``) and the others
``Z`` (margin > 1, ``alpha_i = 0``).  With the square matrix (rows: the budget, then ``T``;
columns: ``b``, then ``A``)::

    M = [[0,   sigma_A^T],
         [y_T, Z_{T,A}  ]]

the model is ``M [b; w_A] = [s; 1]``, affine in ``s`` with direction ``M^{-1} e_0``, and the dual
point ``M^T [-mu; alpha_T] = -[B; G_A]`` with ``G = sum_P c_i z_i``, ``B = sum_P c_i y_i`` is
constant on the edge (``g = X^T (alpha y) = sigma_j mu`` on ``A``, ``sum alpha y = 0``); the loss
is ``psi = sum_P c_i (1 - margin_i) = C_P - G.w - B b`` and ``psi'(s) = -mu``.

Going up in ``s``, the edge ends where a primal variable reaches a bound (the primal ratio test):
an active ``w_j`` reaches 0, or a sample outside ``T`` reaches margin 1.  There the dual moves
(the dual ratio test): the leaving feature's ``|g_j|`` drops below ``mu``, or the arriving sample's
``alpha_i`` leaves its bound, until a tight sample's ``alpha`` reaches a bound (it leaves ``T``), a
feature's ``|g_j|`` reaches ``mu`` (it joins ``A`` with the sign of ``g_j``), the arriving sample
crosses the whole hinge (from ``P`` to ``Z`` or back), or ``mu`` reaches 0 (``psi`` is flat and the
path complete).  The path also ends when no sample is left inside the hinge (zero loss).

**Cost.**  ``M^{-1}`` is updated in ``O(k^2)`` per step (:mod:`.inverse`, ``k = |A| + 1``; rank-one
changes in place, the entering sample's row times ``M^{-1}`` shared by the dual step and the pivot).
Only the samples near the margin are *watched* (their margins kept and ratio-tested at each step),
in windows of ``WINDOW`` vertices: a window watches the samples whose distance to 1 is within
``WATCH_FACTOR`` times their largest margin move in the previous window (and the ``MIN_WATCHED``
nearest).  When the window closes, every sample's margin at every one of its vertices is computed in
one float32 matrix product (:class:`.feature_rows.FeatureRows`, with a proven bound of its rounding
error; the samples the bound cannot clear are computed again in float64), and each unwatched sample
must have stayed on its side of 1 at every vertex (its margin is linear between vertices, so then it
did on the whole window).  If one did not, the window is undone (the state saved at its start) and
redone watching also the samples that crossed and those that moved as far as their distance, so a
recorded vertex is always checked against every sample.  A step costs ``O(k^2 + |C| k + d k)`` for
the watched set ``C`` (a few hundred samples), plus ``O(n k)`` per vertex for the window's check.

**Checks.**  Every recorded vertex is checked (the watched margins on the right side of 1, the
tight multipliers in ``[0, c]``, ``|g_j| <= mu`` for every feature, the active signs; every other
sample's side of 1 when its window closes); a failure
stops the homotopy with a reason, and the caller continues with warm-started solves
(:mod:`.engine`).  The start is a solve of the budget LP at a small budget (:func:`crash`).
The ``l_1`` threat's budget ``||w||_inf <= s`` has other sets and is left to :mod:`.sandwich`.

(Longer than the package's usual ~400 lines: the steps, the watched windows and the checks all act on
one mutable simplex state, and splitting them would spread that state over several modules.)
"""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass, field

import numpy as np

from .feature_rows import FeatureRows
from .inverse import Inverse, SingularBasis

P_STATE, Z_STATE, T_STATE = 1, 0, 2
_SIGN = np.array([-1.0, 1.0, 0.0])     # by state: Z (margin above 1), P (below), T (on it)
RATE_TOL = 1e-11        # relative: rates smaller than this do not move
TIE = 1e-12             # relative: ratios this close are a tie (the largest rate wins: a stable pivot)
KKT_TOL = 1e-8          # a recorded vertex must satisfy the optimality conditions this well
MAX_STEPS_FACTOR = 40   # steps allowed per sample and feature before the homotopy gives up
CHECKPOINT_EVERY = 256  # vertices between two saved state vectors (to rebuild any edge's dual)
WINDOW = 64             # vertices between two checks of the unwatched samples (and exact g)
MIN_WATCHED = 256       # samples watched at least (the nearest to the margin)
WATCH_FACTOR = 5.0      # watch the samples within this many times the last window's largest margin move
MAX_RETRIES = 3         # failed windows in a row before one watches every sample

# the reductions of the step, called as ufuncs (``x.max()`` goes through a Python wrapper first: ~0.5 us
# of ~1 us, and the step makes ~10 of them)
_MAX, _MIN, _ANY, _ABS = np.maximum.reduce, np.minimum.reduce, np.logical_or.reduce, np.abs
_SUM = np.add.reduce


class HomotopyStopped(RuntimeError):
    """The homotopy could not continue (a singular basis or a failed check); the path so far is kept."""


@dataclass
class PieceDual:
    """The dual point on one edge: ``alpha = c`` on ``P``, 0 on ``Z``, ``alpha_T`` on ``T``; the states
    are those of checkpoint ``checkpoint`` changed by the recorded flips up to ``flips_end``."""

    T: np.ndarray
    alpha_T: np.ndarray
    mu: float
    alpha_sum: float
    checkpoint: int
    flips_end: int


@dataclass
class HomotopyResult:
    budgets: list = field(default_factory=list)
    losses: list = field(default_factory=list)       # psi at each vertex
    models: list = field(default_factory=list)       # (A indices, w_A, b)
    duals: list = field(default_factory=list)        # PieceDual of the edge *ending* at each vertex
    checkpoints: list = field(default_factory=list)  # (state vector, position in flips)
    flips: list = field(default_factory=list)        # (sample, new state), in order
    steps: int = 0
    refreshes: int = 0
    rollbacks: int = 0
    stopped: str = ""
    end_dual: PieceDual | None = None                # the dual after the last vertex


def _pick(room: np.ndarray, rate: np.ndarray, valid: np.ndarray) -> tuple[float, int]:
    """The smallest ``max(room, 0) / rate`` over ``valid``; among near-ties the largest rate (a stable
    pivot).  ``(inf, -1)`` when nothing is valid.  (Called with numpy's division warnings off: the
    invalid entries are divided too, then discarded.)"""
    if not rate.size:
        return math.inf, -1
    ratios = np.maximum(room, 0.0)
    ratios /= rate
    ratios = np.where(valid, ratios, math.inf)
    r = int(ratios.argmin())
    low = float(ratios[r])
    if not low < math.inf:
        return math.inf, -1
    tie = low + TIE * (1.0 + low)
    ratios[r] = math.inf                  # another ratio within the tie? (one reduction, no mask)
    if float(_MIN(ratios)) > tie:
        return low, r
    ratios[r] = low
    r = int(np.argmax(np.where(ratios <= tie, rate, -math.inf)))
    return float(ratios[r]), r


class Homotopy:
    """Follows the edges of ``psi`` upward from a start given by sets (see the module docstring)."""

    def __init__(self, Z: np.ndarray, y: np.ndarray, c: np.ndarray):
        self.Z, self.y, self.c = Z, y, c
        self.n, self.d = Z.shape
        self.ZT = np.ascontiguousarray(Z.T)
        self.R_rows = np.abs(Z).max(axis=1, initial=0.0)        # max_j |z_ij| of each sample
        self.R = float(self.R_rows.max(initial=0.0)) or 1.0
        self.y32 = y.astype(np.float32)

    # ------------------------------------------------------------------ set up
    def start(self, s: float, A: list, sigma: dict, T: list, state: np.ndarray) -> None:
        """Start at budget ``s`` from sets: ``state`` (n) in {P, Z, T}, ``T`` listed in order."""
        self.s = float(s)
        self.A = list(A)
        self.inA = np.zeros(self.d, dtype=bool)
        self.inA[self.A] = True
        self.sig = np.array([sigma[j] for j in A], dtype=float)
        self.T = list(T)
        self._sets()
        self.state = state.astype(np.int8).copy()
        self.nP = int(np.count_nonzero(self.state == P_STATE))
        self.alpha = np.where(self.state == P_STATE, self.c, 0.0)
        self._exact_aggregates()
        self.ZTr = np.zeros((max(16, 2 * len(T)), self.d))
        self.ZTr[:len(T)] = self.Z[T]
        self.inv = Inverse(self._matrix())
        x = self.inv.solve(np.concatenate(([self.s], np.ones(len(self.T)))))
        self.b, self.wA = float(x[0]), x[1:].copy()
        z = self.inv.solve_t(-np.concatenate(([self.B], self.G[self.Aa])))
        self.mu = -float(z[0])
        self.alpha[self.Ta] = z[1:]
        self.g = self.G + self.alpha[self.Ta] @ self.ZTr[:len(self.T)]
        self.result = HomotopyResult()
        self.rows = FeatureRows(self.ZT)
        for j in self.A:
            self.rows.add(j)
        self.retries = 0                          # failed windows in a row
        self.move = None                          # each sample's largest margin move in the last window
        self._checkpoint()
        self._open_window(self.Z[:, self.Aa] @ self.wA + self.y * self.b, None)
        self._check("start")

    def _sets(self) -> None:
        """The arrays of the active features and tight samples (new arrays: recorded ones never change),
        and the features outside the active set, twice (for the two signs of the dual ratio test)."""
        self.Aa = np.array(self.A, dtype=np.int64)
        self.Ta = np.array(self.T, dtype=np.int64)
        self.cT = self.c[self.Ta]                     # (kept beside Ta: the weights of the tight samples)
        if not hasattr(self, "_rate2"):
            self._rate2, self._room2 = np.empty(2 * self.d), np.empty(2 * self.d)
            d = self.d                                # (their halves, as views made once)
            self._halves = (self._rate2[:d], self._rate2[d:], self._room2[:d], self._room2[d:])
        out = ~self.inA
        self._outside2 = np.concatenate((out, out))

    def _exact_aggregates(self) -> None:
        cP = np.where(self.state == P_STATE, self.c, 0.0)
        self.G = cP @ self.Z
        self.B = float(self.y @ cP)
        self.CP = math.fsum(cP[cP > 0].tolist())

    def _matrix(self) -> np.ndarray:
        k = len(self.A) + 1
        M = np.zeros((k, k))
        M[0, 1:] = self.sig
        if self.T:
            M[1:, 0] = self.y[self.Ta]
            M[1:, 1:] = self.Z[np.ix_(self.Ta, self.Aa)]
        return M

    # ------------------------------------------------------------------ watched samples, in windows
    def _open_window(self, m: np.ndarray, move: np.ndarray | None, also: np.ndarray | None = None) -> None:
        """Watch the samples near the margin, from the margins ``m`` of every sample at the current point
        (to within rounding; the watched margins are then computed in float64): those whose distance to
        1 is within ``WATCH_FACTOR`` times their largest move in the last window (``move``; every sample
        when it is None), the ``MIN_WATCHED`` nearest, the tight ones and those of ``also`` (a mask);
        save the state to come back to if the window fails its check."""
        gap = np.abs(m - 1.0)
        gap[self.Ta] = 0.0
        if move is None or self.n <= MIN_WATCHED:
            C = np.arange(self.n)
        else:
            floor = min(self.n - 1, max(MIN_WATCHED, 2 * len(self.A)))
            near = float(np.partition(gap, floor)[floor])
            watch = (gap <= near) | (gap <= WATCH_FACTOR * move)
            if also is not None:
                watch |= also
            C = np.flatnonzero(watch)
        self.C = C
        self.where = np.full(self.n, -1, dtype=np.int64)
        self.where[C] = np.arange(C.size)
        k = len(self.A)
        self._ZC = np.zeros((C.size, max(8, 2 * k)))
        self.yC = self.y[C]
        self.mC = self.yC * self.b
        if k:
            ZC = self._ZC[:, :k]
            if C.size * self.d <= k * self.n:       # gather the smaller block of whole rows first
                ZC[...] = self.Z[C].take(self.Aa, axis=1)
            else:
                ZC[...] = self.ZT[self.Aa][:, C].T
            self.mC += ZC @ self.wA
        stC = self.state[C]
        self.sgnC = _SIGN[stC]
        self.hidden_P = self.nP - int(np.count_nonzero(stC == P_STATE))
        self.window = (len(self.result.budgets), m, C.size == self.n)
        self.snapshot = self._save()
        self.result.refreshes += 1

    @property
    def ZC(self) -> np.ndarray:
        """The watched samples' active features (a view of the preallocated block)."""
        return self._ZC[:, :len(self.A)]

    def _grow_cols(self, cols: int) -> None:
        r, c = self._ZC.shape
        if cols > c:
            grown = np.zeros((r, max(cols, 2 * c)))
            grown[:, :c] = self._ZC
            self._ZC = grown

    def _close_window(self) -> bool:
        """Check that each unwatched sample stayed on its side of 1 at every vertex of the window (its
        margin is linear between vertices, so it did on the whole window iff it did at each vertex).
        Every sample's margin at every vertex is computed in one float32 matrix product with a bound of
        its rounding error (:meth:`.feature_rows.FeatureRows.screen`); the samples the bound cannot
        clear are computed again in float64, and the verdict is theirs.  On success the next window
        starts from the float64 margins at the last vertex and the moves seen here; on failure the
        state goes back to the window's start and the window is redone watching also the samples that
        crossed and those that moved as far as their distance (every sample after ``MAX_RETRIES``
        failures in a row)."""
        first, m0, everything = self.window
        res = self.result
        models = res.models[first:]
        if not models:
            return True
        W, bs = self.rows.weights(models)
        M, err = self.rows.screen(W, bs, self.y32, self.R_rows)
        hi, lo = M.max(axis=0), M.min(axis=0)
        moved = np.maximum(hi - m0, m0 - lo) + err
        if not everything:
            st = self.state
            free = self.where < 0
            P, Zs = free & (st == P_STATE), free & (st == Z_STATE)
            doubt = np.flatnonzero((P & (hi + err > 1 + KKT_TOL)) | (Zs & (lo - err < 1 - KKT_TOL)))
            bad = np.zeros(self.n, dtype=bool)
            if doubt.size:                            # the float32 screen cannot clear these: exactly
                Md = self.rows.exact(W, bs, self.y, doubt)
                bad[doubt] = (P[doubt] & (Md.max(axis=0) > 1 + KKT_TOL)) | (Zs[doubt] & (Md.min(axis=0) < 1 - KKT_TOL))
            if bad.any():
                watched = self.where >= 0
                self._restore(self.snapshot)
                self.retries += 1
                if self.retries >= MAX_RETRIES:
                    self._open_window(m0, None)
                else:
                    self._open_window(m0, np.maximum(moved, self.move), watched | bad)
                return False
        self.retries = 0
        self.m_end = M[-1].astype(float)          # (to choose the next watched set; theirs are recomputed)
        self.move = moved
        self.rows.keep_only(self.Aa)
        return True

    def _save(self) -> dict:
        r = self.result
        return {"s": self.s, "A": list(self.A), "inA": self.inA.copy(), "sig": self.sig.copy(),
                "wA": self.wA.copy(), "b": self.b,
                "T": list(self.T), "state": self.state.copy(), "alpha": self.alpha.copy(), "G": self.G.copy(),
                "B": self.B, "CP": self.CP, "g": self.g.copy(), "mu": self.mu, "nP": self.nP,
                "inv": (self.inv.M.copy(), self.inv.N.copy(), self.inv.updates),
                "ZTr": self.ZTr[:len(self.T)].copy(),
                "lengths": (len(r.budgets), len(r.flips), len(r.checkpoints))}

    def _restore(self, snap: dict) -> None:
        for key in ("s", "A", "inA", "sig", "wA", "b", "T", "state", "alpha", "G", "B", "CP", "g", "mu", "nP"):
            value = snap[key]
            setattr(self, key, value.copy() if hasattr(value, "copy") else value)
        self._sets()
        M, N, updates = snap["inv"]
        self.inv.M, self.inv.N, self.inv.updates = M.copy(), N.copy(), updates
        self.ZTr = np.zeros((max(16, 2 * len(self.T)), self.d))
        self.ZTr[:len(self.T)] = snap["ZTr"]
        nv, nf, nc = snap["lengths"]
        r = self.result
        del r.budgets[nv:], r.losses[nv:], r.models[nv:], r.duals[nv:], r.flips[nf:], r.checkpoints[nc:]
        r.rollbacks += 1

    def _checkpoint(self) -> None:
        self.result.checkpoints.append((self.state.copy(), len(self.result.flips)))

    def _set_state(self, i: int, st: int) -> None:
        """Move sample ``i`` to ``st``, keeping ``G``, ``B``, ``C_P``, ``alpha`` and the watched signs in step."""
        old = self.state[i]
        ci = self.c[i]
        if old == P_STATE:
            self.G -= ci * self.Z[i]
            self.B -= ci * self.y[i]
            self.CP -= ci
            self.nP -= 1
        if st == P_STATE:
            self.G += ci * self.Z[i]
            self.B += ci * self.y[i]
            self.CP += ci
            self.nP += 1
        self.state[i] = st
        if st != T_STATE:
            self.alpha[i] = ci if st == P_STATE else 0.0
        pos = self.where[i]
        if pos >= 0:
            self.sgnC[pos] = 1.0 if st == P_STATE else (-1.0 if st == Z_STATE else 0.0)
        elif st == P_STATE or old == P_STATE:
            raise HomotopyStopped(f"sample {i} changed state without being watched")
        self.result.flips.append((int(i), int(st)))

    def _piece_dual(self, aT: np.ndarray | None = None) -> PieceDual:
        if aT is None:
            aT = self.alpha[self.Ta]
        return PieceDual(self.Ta, aT, float(self.mu), self.CP + float(_SUM(aT)),
                         len(self.result.checkpoints) - 1, len(self.result.flips))

    # ------------------------------------------------------------------ checks
    def _check(self, where: str, aT: np.ndarray | None = None) -> None:
        """The optimality conditions at the current point (watched margins; every feature); ``aT``:
        ``alpha`` of the tight samples if the caller has it; ``where`` names the point in the message
        (the current vertex when empty: formatted only on a failure)."""
        tol = KKT_TOL
        bad = []
        if self.mC.size and float(_MIN(self.sgnC * (1.0 - self.mC))) < -tol:
            bad.append("a watched sample is on the wrong side of the margin")
        if self.T:
            if aT is None:
                aT = self.alpha[self.Ta]
            cT = self.cT
            if _ANY(aT < -tol * cT) or _ANY(aT > cT * (1 + tol)):
                bad.append("a tight multiplier is outside [0, c]")
        if float(_MAX(_ABS(self.g), initial=0.0)) > self.mu * (1 + tol) + tol * 1e-3:
            bad.append("|g_j| exceeds mu")
        if self.A:
            low = float(_MIN(self.sig * self.wA))
            if low < 0 and low < -tol * (1.0 + float(_MAX(_ABS(self.wA)))):
                bad.append("an active weight has the wrong sign")
        if bad:
            raise HomotopyStopped(f"{where or f'the vertex at s = {self.s:.12g}'}: " + "; ".join(bad))

    # ------------------------------------------------------------------ the loop
    def run(self, max_steps: int | None = None) -> HomotopyResult:
        """Follow the path until ``psi`` is flat or the loss is zero; ``stopped`` says why it ended
        early, if it did."""
        limit = max_steps or MAX_STEPS_FACTOR * (self.n + self.d) + 100
        collecting = gc.isenabled()
        gc.disable()                      # the loop makes no cycles; the collector only rescans the record
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                return self._run(limit)
        finally:
            if collecting:
                gc.enable()

    def _run(self, limit: int) -> HomotopyResult:
        res = self.result
        try:
            while res.steps < limit:
                res.steps += 1
                try:
                    done = self._step()
                except (HomotopyStopped, SingularBasis):
                    if self.window[2]:
                        raise                         # watching every sample: a real failure
                    self._restore(self.snapshot)      # perhaps an unwatched sample: redo watching all
                    self._open_window(self.window[1], None)
                    continue
                if done and self._close_window():
                    return res
            res.stopped = f"more than {limit} steps"
        except (HomotopyStopped, SingularBasis) as exc:
            res.stopped = str(exc)
        return res

    def _step(self) -> bool:
        """One primal step and the dual step after it; True when the path is complete."""
        res = self.result
        if len(res.budgets) - self.window[0] >= WINDOW and self._close_window():
            self.g = self.G + self.alpha[self.Ta] @ self.ZTr[:len(self.T)] if self.T else self.G.copy()
            self._open_window(self.m_end, self.move)  # (a failed window was reopened watching more)
        if self.mu <= 0.0:
            res.end_dual = self._piece_dual()
            return True
        event = self._primal_step()
        if self._zero_loss():
            res.end_dual = self._zero_dual()
            return True
        if not self._dual_step(event):
            res.end_dual = self._piece_dual()
            return True
        return False

    def _zero_loss(self) -> bool:
        if self.CP <= 0.0:
            return True
        if self.hidden_P:
            return False
        return not _ANY((self.sgnC > 0) & (self.mC < 1.0 - 1e-12))

    def _zero_dual(self) -> PieceDual:
        """``alpha = 0`` beyond the last vertex (zero loss): every P and T sample goes to Z in the record."""
        for t in [*self.T, *np.flatnonzero(self.state == P_STATE)]:
            self.result.flips.append((int(t), Z_STATE))
        return PieceDual(np.zeros(0, dtype=np.int64), np.zeros(0), 0.0, 0.0,
                         len(self.result.checkpoints) - 1, len(self.result.flips))

    # ------------------------------------------------------------------ the primal step
    def _primal_step(self) -> tuple:
        x = self.inv.N[:, 0]
        db, dw = float(x[0]), x[1:]
        if self.A:
            dm = self.ZC @ dw
            dm += self.yC * db
        else:
            dm = self.yC * db
        best, event = math.inf, None
        ax = np.abs(x)
        dwmax = float(_MAX(ax[1:], initial=0.0))
        if self.A:                                    # active weights reaching 0
            rate = -self.sig * dw
            ratio, r = _pick(self.sig * self.wA, rate, rate > RATE_TOL * (1.0 + dwmax))
            if r >= 0:
                best, event = ratio, ("feature", r)
        tol = RATE_TOL * self.R * (1.0 + max(abs(db), dwmax))
        toward = self.sgnC * dm                       # watched samples reaching the margin
        ratio, r = _pick(self.sgnC * (1.0 - self.mC), toward, toward > tol)
        if r >= 0 and (ratio < best or event is None):
            best, event = ratio, ("sample", int(self.C[r]), r)
        if event is None:
            raise HomotopyStopped(f"the edge from s = {self.s:.6g} never ends although mu = {self.mu:.3g} > 0")
        if best > 0:
            self.s += best
            self.wA = self.wA + best * dw
            self.b += best * db
            self.mC += best * dm
        if event[0] == "feature":
            self.wA[event[1]] = 0.0
        else:
            self.mC[event[2]] = 1.0
        if best > 0:
            self._record_vertex()
        return event

    def _record_vertex(self) -> None:
        res = self.result
        aT = self.alpha[self.Ta]
        self._check("", aT)
        res.budgets.append(self.s)
        loss = self.CP - float(self.G.take(self.Aa) @ self.wA) - self.B * self.b
        res.losses.append(max(loss, 0.0))
        res.models.append((self.Aa, self.wA.copy(), float(self.b)))
        res.duals.append(self._piece_dual(aT))
        if len(res.budgets) % CHECKPOINT_EVERY == 0:
            if len(res.budgets) % (8 * CHECKPOINT_EVERY) == 0:
                self._exact_aggregates()
            self._checkpoint()

    # ------------------------------------------------------------------ the dual step
    def _dual_step(self, event: tuple) -> bool:
        """The dual ratio test after ``event``; False when ``mu`` reached 0 (the path is complete)."""
        nT = len(self.T)
        N = self.inv.N
        if event[0] == "sample":
            i = event[1]
            delta_i = -1.0 if self.state[i] == P_STATE else 1.0
            q = np.empty(len(self.A) + 1)
            q[0] = self.y[i]
            q[1:] = self.Z[i].take(self.Aa)
            qN = q @ N
            self._row = (q, qN)                       # the sample's row of M, and times M^{-1}, for the pivot
            dz = qN if delta_i < 0 else -qN           # (-delta_i qN; read only)
        else:
            pos = event[1]
            dz = (-self.sig[pos]) * N[pos + 1]
        dmu, dalpha = -float(dz[0]), dz[1:]
        dg = dalpha @ self.ZTr[:nT] if nT else np.zeros(self.d)
        if event[0] == "sample":                      # dg += delta_i z_i (delta_i = +-1)
            if delta_i > 0:
                dg += self.Z[i]
            else:
                dg -= self.Z[i]
        theta, block = self._dual_ratio(dalpha, dmu, dg, event)
        if nT:
            self.alpha[self.Ta] += theta * dalpha
        self.mu += theta * dmu
        dg *= theta
        self.g += dg
        if event[0] == "sample":
            self.alpha[i] += theta * delta_i
        if block[0] == "mu":
            self.mu = 0.0
            if event[0] == "sample":
                self._join_T(i)
                self.T.append(i)
                self._sets()
            return False
        if event[0] == "sample":
            self._after_sample(i, block)
        else:
            self._after_feature(event[1], block)
        return True

    def _dual_ratio(self, dalpha: np.ndarray, dmu: float, dg: np.ndarray, event: tuple) -> tuple:
        cands = []
        if self.T:
            Ta = self.Ta
            aT, cT = self.alpha[Ta], self.cT
            adal = _ABS(dalpha)
            tol = RATE_TOL * float(_MAX(adal))
            ratio, r = _pick(np.where(dalpha < 0, aT, cT - aT), adal, adal > tol)
            if r >= 0:
                cands.append((ratio, ("tight", r, Z_STATE if dalpha[r] < 0 else P_STATE), float(adal[r])))
        if event[0] == "sample":
            cands.append((float(self.c[event[1]]), ("cross",), 1.0))
        gscale = RATE_TOL * (abs(dmu) + float(_MAX(_ABS(dg), initial=0.0)) + 1e-300)
        # |g_j| reaching mu from inside: g_j reaching +mu (first d entries) or -mu (last d)
        d = self.d
        rate, room = self._rate2, self._room2
        rate_up, rate_down, room_up, room_down = self._halves
        np.subtract(dg, dmu, out=rate_up)
        np.subtract(-dmu, dg, out=rate_down)
        np.subtract(self.mu, self.g, out=room_up)
        np.add(self.mu, self.g, out=room_down)
        valid = rate > gscale
        valid &= self._outside2
        if event[0] == "feature":                     # the leaving feature may come back with either sign
            j = self.A[event[1]]
            valid[j], valid[d + j] = rate[j] > gscale, rate[d + j] > gscale
        ratio, r = _pick(room, rate, valid)
        if r >= 0:
            cands.append((ratio, ("feature", r % d, 1.0 if r < d else -1.0), float(rate[r])))
        if dmu < -gscale:
            cands.append((max(self.mu, 0.0) / -dmu, ("mu",), 1.0))
        if not cands:
            raise HomotopyStopped(f"dual ray at s = {self.s:.12g}: the LP would be unbounded")
        low = min(c[0] for c in cands)
        near = [c for c in cands if c[0] <= low + TIE * (1.0 + low)]
        theta, block, _ = max(near, key=lambda c: c[2])
        return theta, block

    # ------------------------------------------------------------------ the pivots
    def _join_T(self, i: int) -> None:
        """Sample ``i`` (in P or Z) becomes tight; its alpha has already moved."""
        if self.state[i] == P_STATE:
            ci = self.c[i]
            self.G -= ci * self.Z[i]
            self.B -= ci * self.y[i]
            self.CP -= ci
            self.nP -= 1
        self.state[i] = T_STATE
        pos = self.where[i]
        if pos < 0:
            raise HomotopyStopped(f"sample {i} became tight without being watched")
        self.sgnC[pos] = 0.0
        self.result.flips.append((int(i), T_STATE))

    def _ensure_rows(self, k: int) -> None:
        if self.ZTr.shape[0] < k:
            grown = np.zeros((2 * k, self.d))
            grown[:self.ZTr.shape[0]] = self.ZTr
            self.ZTr = grown

    def _watch(self, t: int) -> None:
        """A sample leaving ``T`` sits on the margin (tight samples are always watched)."""
        pos = self.where[t]
        if pos < 0:
            raise HomotopyStopped(f"tight sample {t} was not watched")
        self.mC[pos] = 1.0

    def _after_sample(self, i: int, block: tuple) -> None:
        if block[0] == "cross":                       # passed through the hinge: P <-> Z
            self._set_state(i, Z_STATE if self.state[i] == P_STATE else P_STATE)
            return
        row, rowN = self._row
        if block[0] == "tight":                       # T sample t leaves; i takes its row
            pos = block[1]
            t = self.T[pos]
            self.inv.replace_row(pos + 1, row, rowN)
            self._join_T(i)
            self.T[pos] = i
            self.ZTr[pos] = self.Z[i]
            self.Ta = self.Ta.copy()                  # (recorded arrays never change)
            self.Ta[pos] = i
            self.cT[pos] = self.c[i]                  # (never recorded: changed in place)
            self._set_state(t, block[2])
            self._watch(t)
            return
        else:                                         # feature j joins A with the sign of g_j
            j, sign = block[1], block[2]
            col = np.empty(len(self.T) + 1)
            col[0] = sign
            col[1:] = self.ZT[j].take(self.Ta)
            self.inv.border(row, col, float(self.Z[i, j]), rowN)
            self._join_T(i)
            self._add_feature(j, sign)
            self._ensure_rows(len(self.T) + 1)
            self.ZTr[len(self.T)] = self.Z[i]
            self.T.append(i)
        self._sets()

    def _add_feature(self, j: int, sign: float) -> None:
        self.A.append(j)
        self.inA[j] = True
        self.sig = np.append(self.sig, sign)
        self.wA = np.append(self.wA, 0.0)
        self.rows.add(j)
        self._grow_cols(len(self.A))
        self._ZC[:, len(self.A) - 1] = self.ZT[j].take(self.C)

    def _after_feature(self, pos: int, block: tuple) -> None:
        if block[0] == "tight":                       # a T sample leaves with the feature
            tpos = block[1]                           # (the last sample and feature take their places)
            t = self.T[tpos]
            self.inv.delete_swap(tpos + 1, pos + 1)
            last = len(self.T) - 1
            self.T[tpos] = self.T[last]
            self.T.pop()
            self.ZTr[tpos] = self.ZTr[last]
            self._set_state(t, block[2])
            self.inA[self.A[pos]] = False
            k = len(self.A) - 1
            self.A[pos] = self.A[k]
            self.A.pop()
            self.sig[pos], self.wA[pos] = self.sig[k], self.wA[k]
            self.sig, self.wA = self.sig[:k].copy(), self.wA[:k].copy()
            self._ZC[:, pos] = self._ZC[:, k]
            self._watch(t)
        else:                                         # another feature (or j with the other sign) replaces j
            j2, sign = block[1], block[2]
            col = np.empty(len(self.T) + 1)
            col[0] = sign
            col[1:] = self.ZT[j2].take(self.Ta)
            self.inv.replace_col(pos + 1, col)
            self.inA[self.A[pos]] = False
            self.inA[j2] = True
            self.rows.add(j2)
            self.A[pos] = j2
            self.sig[pos] = sign
            self.wA[pos] = 0.0
            self._ZC[:, pos] = self.ZT[j2].take(self.C)
        self._sets()


# --------------------------------------------------------------------------- start and read-back
def crash(Z: np.ndarray, y: np.ndarray, c: np.ndarray, w: np.ndarray, b: float, alpha: np.ndarray,
          tol: float = 1e-9) -> tuple[list, dict, list, np.ndarray]:
    """The sets ``(A, sigma, T, state)`` of a solver's optimum ``(w, b, alpha)`` inside an edge.

    ``A`` is the support of ``w``; ``T`` the samples whose ``alpha`` is strictly inside ``(0, c)``,
    completed (when the solver's vertex is degenerate) by samples on the margin that keep ``M``
    nonsingular; the other samples are in ``P`` (``alpha = c``) or ``Z`` (``alpha = 0``).
    Raises :class:`HomotopyStopped` when the point does not describe one edge.
    """
    top = float(np.abs(w).max(initial=0.0))
    A = [int(j) for j in np.flatnonzero(np.abs(w) > tol * top)] if top > 0 else []
    if not A:
        raise HomotopyStopped("the start has no active feature")
    sigma = {j: float(np.sign(w[j])) for j in A}
    margins = Z @ w + y * b
    inner = (alpha > tol * c) & (alpha < c * (1 - tol))
    state = np.where(alpha >= c * (1 - tol), P_STATE, Z_STATE).astype(np.int8)
    T = [int(i) for i in np.flatnonzero(inner)]
    if len(T) > len(A):
        raise HomotopyStopped(f"the start is dual degenerate ({len(T)} free multipliers for {len(A)} features)")
    rows = [np.concatenate(([0.0], [sigma[j] for j in A]))] + \
        [np.concatenate(([y[i]], Z[i, A])) for i in T]
    basis = _orthonormal(np.array(rows))
    if basis.shape[0] < len(rows):
        raise HomotopyStopped("the start's tight samples are linearly dependent")
    on_margin = np.flatnonzero((np.abs(margins - 1.0) <= 1e3 * tol) & ~inner)
    for i in on_margin[np.argsort(np.abs(margins[on_margin] - 1.0), kind="stable")]:
        if len(T) == len(A):
            break
        r = np.concatenate(([y[i]], Z[i, A]))
        res = r - basis.T @ (basis @ r)
        if np.linalg.norm(res) > 1e-8 * max(1.0, np.linalg.norm(r)):
            basis = np.vstack([basis, res / np.linalg.norm(res)])
            T.append(int(i))
    if len(T) == len(A) - 1:
        i = _slide_to_margin(Z, y, A, sigma, T, w, b, margins, state)
        T.append(i)
    if len(T) != len(A):
        raise HomotopyStopped(f"the start has {len(T)} tight samples for {len(A)} features")
    state[T] = T_STATE
    return A, sigma, T, state


def _slide_to_margin(Z: np.ndarray, y: np.ndarray, A: list, sigma: dict, T: list, w: np.ndarray, b: float,
                     margins: np.ndarray, state: np.ndarray) -> int:
    """With one tight sample too few the optimum is not a vertex: along the one direction that keeps
    the budget and the tight samples (the objective is constant along it, both ways being feasible
    at an optimum) move to the nearest sample reaching the margin, which becomes tight."""
    R = np.array([np.concatenate(([0.0], [sigma[j] for j in A]))] +
                 [np.concatenate(([y[i]], Z[i, A])) for i in T])
    v = np.linalg.svd(R)[2][-1]                        # null direction (db, dw_A)
    dm = Z[:, A] @ v[1:] + y * v[0]
    free = np.ones(Z.shape[0], dtype=bool)
    free[T] = False
    moving = free & (np.abs(dm) > 1e-12 * (1.0 + np.abs(v).max()))
    if not moving.any():
        raise HomotopyStopped("the start is degenerate: no sample moves along the free direction")
    t = np.full(Z.shape[0], np.inf)
    t[moving] = (1.0 - margins[moving]) / dm[moving]
    i = int(np.argmin(np.abs(t)))
    step = float(t[i])
    wA = np.array([w[j] for j in A]) + step * v[1:]
    if (np.array([sigma[j] for j in A]) * wA < 0).any():
        raise HomotopyStopped("the start is degenerate: a weight changes sign along the free direction")
    return i


def _orthonormal(R: np.ndarray) -> np.ndarray:
    """Orthonormal rows spanning the rows of ``R`` (dependent rows dropped)."""
    q, r = np.linalg.qr(R.T)
    keep = np.abs(np.diag(r)) > 1e-10 * max(1.0, float(np.abs(r).max(initial=0.0)))
    return q[:, keep].T


def piece_alpha(result: HomotopyResult, dual: PieceDual, c: np.ndarray) -> np.ndarray:
    """The full dual point ``alpha`` of an edge, rebuilt from its checkpoint and the recorded flips."""
    state, start = result.checkpoints[dual.checkpoint]
    state = state.copy()
    for i, st in result.flips[start:dual.flips_end]:
        state[i] = st
    alpha = np.where(state == P_STATE, c, 0.0)
    alpha[dual.T] = np.clip(dual.alpha_T, 0.0, c[dual.T])
    return alpha
