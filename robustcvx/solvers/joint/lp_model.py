r"""The restricted joint LP: one live HiGHS model over working sets of pair rows and cut columns.

For working sets ``R`` of rows ``(i, k)`` (sample ``i``, competitor ``k != y_i``) and ``C`` of columns
``(S, j)`` (cut ``S`` of :mod:`.structure`, feature ``j``), HiGHS solves the primal

.. math::

    \min\ \sum_{i} c_i \xi_i + l_1 \sum_{(S, j) \in C} m_S \lambda_{S j}
    \quad\text{s.t.}\quad
    \xi_i + \sum_{(S, j)} D_{i k, S j} \lambda_{S j} + b_{y_i} - b_k - \epsilon\, t_{e(y_i, k)} \ge 1
    \quad ((i, k) \in R),

``xi, lambda, t >= 0``, ``b`` free with ``b_0 = 0`` (only differences of ``b`` matter), where
``D_{ik, Sj} = a+_ij`` when the pair ``(y_i, k)`` leaves ``S``, ``a-_ij`` when it enters ``S``, 0 otherwise
(``a+-`` from :meth:`.data.JointData.coefficients`), and the pair penalty ``t_e`` is bounded by the cuts
that separate ``e``:

* ``"shared"`` (l_inf ball): one row ``t_e - sum_{S sep e, j} lambda_{S j} >= 0`` per unordered pair;
* ``"budget"`` (l_1 ball): ``t_e - sum_{S sep e} lambda_{S j} >= 0`` per pair and working feature ``j``;
* ``"none"`` (box): no ``t`` (the threat is in ``a+-``).

By :mod:`.structure` this LP with every row and column is the joint problem.  The row duals of the pair
rows are the multipliers ``alpha_ik >= 0`` of the certificate (the dual constraint of ``xi_i`` is
``sum_k alpha_ik <= c_i``); HiGHS's dual simplex re-optimises from the previous basis after rows or
columns are added.
"""

from __future__ import annotations

import numpy as np

from ..working_set.lp_model import new_highs
from .data import JointData
from .structure import Cuts

INF = np.inf


def _csr(blocks: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(starts, indices, values)`` of the dense ``blocks`` (one LP vector per row, entry ``m`` on LP
    index ``index[m]``), zeros dropped."""
    mask = blocks != 0
    starts = np.zeros(blocks.shape[0], dtype=np.int32)
    np.cumsum(mask.sum(axis=1)[:-1], out=starts[1:])
    idx = np.broadcast_to(index.astype(np.int32), blocks.shape)[mask]
    return starts, idx, blocks[mask]


class JointLP:
    """The live HiGHS model of the restricted joint LP (module docstring)."""

    CHUNK = 1 << 21          # dense coefficient entries built at once
    IPM_NNZ = 2_000_000        # above this many nonzeros the restricted LP goes to the interior point method

    def __init__(self, data: JointData, cuts: Cuts):
        self.data, self.cuts = data, cuts
        self.h = new_highs()
        K, E = data.K, cuts.pairs.shape[0]
        self.kind = data.kind if data.kind in ("shared", "budget", "none") else "none"
        self.ncol = self.nrow = 0
        e64 = np.zeros(0, dtype=np.int64)
        self.row_i, self.row_k, self.row_of = e64, e64, e64          # pair rows (LP row index)
        self.col_S, self.col_j, self.col_of = e64, e64, e64          # cut columns (LP column index)
        self.xi_col = -np.ones(data.n, dtype=np.int64)
        self.in_rows = np.zeros((data.n, K), dtype=bool)
        self.in_cols = np.zeros((cuts.count, data.d), dtype=bool)
        self.t_rows = np.zeros((0, E), dtype=np.int64)                 # shared: 1 x E; budget: one per feature
        self.t_feat = e64                                                # budget: feature of each t-row block
        self.feat_block = -np.ones(data.d, dtype=np.int64)
        self._idle_keys: dict[str, np.ndarray] = {}
        lo = np.full(K, -INF)
        up = np.full(K, INF)
        lo[0] = up[0] = 0.0
        self.b_col = self._cols(np.zeros(K), lo, up)
        self.t_col = e64
        if self.kind != "none":
            self.t_col = self._cols(np.zeros(E), np.zeros(E), np.full(E, INF))
            if self.kind == "shared":
                self.t_rows = self._t_block()[None, :]

    # ------------------------------------------------------------------ raw HiGHS calls
    def _cols(self, cost, lo, up, starts=None, idx=None, vals=None) -> np.ndarray:
        k = len(cost)
        if starts is None:
            starts, idx, vals = np.zeros(k, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0)
        self.h.addCols(k, np.asarray(cost, float), np.asarray(lo, float), np.asarray(up, float), int(idx.size),
                       starts.astype(np.int32), idx.astype(np.int32), np.asarray(vals, float))
        out = np.arange(self.ncol, self.ncol + k, dtype=np.int64)
        self.ncol += k
        return out

    def _rows(self, lo, up, starts, idx, vals) -> np.ndarray:
        k = len(lo)
        self.h.addRows(k, np.asarray(lo, float), np.asarray(up, float), int(idx.size), starts.astype(np.int32),
                       idx.astype(np.int32), np.asarray(vals, float))
        out = np.arange(self.nrow, self.nrow + k, dtype=np.int64)
        self.nrow += k
        return out

    def _t_block(self) -> np.ndarray:
        """One row ``t_e >= ...`` per unordered pair (entries of the cut columns are added with them)."""
        E = self.cuts.pairs.shape[0]
        starts = np.arange(E, dtype=np.int32)
        return self._rows(np.zeros(E), np.full(E, INF), starts, self.t_col, np.ones(E))

    # ------------------------------------------------------------------ coefficients
    def _pair_coefficients(self, i: np.ndarray, k: np.ndarray, S: np.ndarray, j: np.ndarray) -> np.ndarray:
        """``D`` (``len(i) x len(S)``) of the pair rows ``(i, k)`` on the cut columns ``(S, j)``."""
        flat = self.data.y[i] * self.data.K + k
        feats, inv = np.unique(j, return_inverse=True)
        ap, am = self.data.coefficients(i, feats)
        out = self.cuts.out[S][:, flat].T                               # rows x cols
        inn = self.cuts.inn[S][:, flat].T
        return ap[:, inv] * out + am[:, inv] * inn

    # ------------------------------------------------------------------ growing the model
    def add_rows(self, i: np.ndarray, k: np.ndarray) -> None:
        """Add the pair rows ``(i, k)`` (and ``xi_i`` for new samples)."""
        if i.size == 0:
            return
        new = np.unique(i[self.xi_col[i] < 0])
        if new.size:
            self.xi_col[new] = self._cols(self.data.c[new], np.zeros(new.size), np.full(new.size, INF))
        e = self.cuts.pair_of[self.data.y[i], k]
        y = self.data.y[i]
        eps = self.data.eps if self.kind != "none" else 0.0
        step = max(1, self.CHUNK // max(1, self.col_S.size))
        for s in range(0, i.size, step):
            r = slice(s, s + step)
            m = i[r].size
            fixed = np.column_stack([self.xi_col[i[r]], self.b_col[y[r]], self.b_col[k[r]]])
            fvals = np.column_stack([np.ones(m), np.ones(m), -np.ones(m)])
            fvals[y[r] == 0, 1] = 0.0                                   # b_0 is fixed at 0: keep it out
            fvals[k[r] == 0, 2] = 0.0
            if eps > 0:
                fixed = np.column_stack([fixed, self.t_col[e[r]]])
                fvals = np.column_stack([fvals, np.full(m, -eps)])
            blocks, index = fvals, fixed
            if self.col_S.size:
                D = self._pair_coefficients(i[r], k[r], self.col_S, self.col_j)
                blocks = np.concatenate([fvals, D], axis=1)
                index = np.concatenate([fixed, np.broadcast_to(self.col_of, (m, self.col_of.size))], axis=1)
            mask = blocks != 0
            starts = np.zeros(m, dtype=np.int32)
            np.cumsum(mask.sum(axis=1)[:-1], out=starts[1:])
            rows = self._rows(np.ones(m), np.full(m, INF), starts, index[mask], blocks[mask])
            self.row_i = np.concatenate([self.row_i, i[r]])
            self.row_k = np.concatenate([self.row_k, k[r]])
            self.row_of = np.concatenate([self.row_of, rows])
        self.in_rows[i, k] = True

    def _budget_rows(self, feats: np.ndarray) -> None:
        """The rows ``t_e >= sum_{S sep e} lambda_{S j}`` of the features ``feats`` not yet in the model."""
        feats = feats[self.feat_block[feats] < 0]
        for j in feats:
            self.feat_block[j] = self.t_rows.shape[0]
            self.t_rows = np.concatenate([self.t_rows, self._t_block()[None, :]])
            self.t_feat = np.append(self.t_feat, j)

    def add_cols(self, S: np.ndarray, j: np.ndarray) -> None:
        """Add the cut columns ``(S, j)`` with their entries in every existing row."""
        if S.size == 0:
            return
        if self.kind == "budget":
            self._budget_rows(np.unique(j))
        cost = self.data.l1 * self.cuts.size[S]
        step = max(1, self.CHUNK // max(1, self.row_i.size))
        for s in range(0, S.size, step):
            c = slice(s, s + step)
            Sc, jc = S[c], j[c]
            D = self._pair_coefficients(self.row_i, self.row_k, Sc, jc).T if self.row_i.size \
                else np.zeros((Sc.size, 0))
            blocks, index = D, np.broadcast_to(self.row_of, D.shape)
            if self.kind != "none":
                block = 0 if self.kind == "shared" else self.feat_block[jc]
                trow = self.t_rows[block] if self.kind == "budget" else np.broadcast_to(self.t_rows[0],
                                                                                        (Sc.size, self.t_rows.shape[1]))
                tval = -self.cuts.cross[Sc].astype(float)
                blocks = np.concatenate([D, tval], axis=1)
                index = np.concatenate([index, trow], axis=1)
            mask = blocks != 0
            starts = np.zeros(Sc.size, dtype=np.int32)
            np.cumsum(mask.sum(axis=1)[:-1], out=starts[1:])
            cols = self._cols(cost[c], np.zeros(Sc.size), np.full(Sc.size, INF), starts, index[mask], blocks[mask])
            self.col_S = np.concatenate([self.col_S, Sc])
            self.col_j = np.concatenate([self.col_j, jc])
            self.col_of = np.concatenate([self.col_of, cols])
        self.in_cols[S, j] = True

    # ------------------------------------------------------------------ shrinking the model
    def prune(self, tol: float) -> tuple[int, int]:
        """Delete the pair rows with a slack above ``tol`` and a zero dual, and the cut columns at 0 with a
        reduced cost above ``tol``, that were so at the previous call too (a row or column inactive once
        often comes back): they are inactive at the current optimum, which stays optimal for the smaller LP
        (its basis stays a basis: the rows' slacks and the columns leave it together with them).  Returns
        ``(rows, columns)`` deleted; a deleted row or column can be priced back in later."""
        sol = self.h.getSolution()
        act, yd = np.asarray(sol.row_value), np.asarray(sol.row_dual)
        x, rc = np.asarray(sol.col_value), np.asarray(sol.col_dual)
        basis = self.h.getBasis()
        if basis.valid:
            rbasic = np.asarray([int(v) for v in basis.row_status]) == 1
            cbasic = np.asarray([int(v) for v in basis.col_status]) == 1
        else:                                 # an interior point: no basis to keep
            rbasic, cbasic = np.ones(self.nrow, bool), np.zeros(self.ncol, bool)
        zero = 0.0 if basis.valid else tol * 1e-3
        idle_r = (act[self.row_of] > 1.0 + tol) & (np.abs(yd[self.row_of]) <= zero) & rbasic[self.row_of]
        idle_c = (np.abs(x[self.col_of]) <= zero) & (rc[self.col_of] > tol) & ~cbasic[self.col_of]
        drop_r = idle_r & self._idle(self.row_i * self.data.K + self.row_k, idle_r, "rows")
        drop_c = idle_c & self._idle(self.col_S * self.data.d + self.col_j, idle_c, "cols")
        if drop_r.any():
            gone = self.row_of[drop_r]
            self.h.deleteRows(int(gone.size), gone.astype(np.int32))
            remap = np.arange(self.nrow) - np.cumsum(np.isin(np.arange(self.nrow), gone))
            self.in_rows[self.row_i[drop_r], self.row_k[drop_r]] = False
            keep = ~drop_r
            self.row_i, self.row_k, self.row_of = self.row_i[keep], self.row_k[keep], remap[self.row_of[keep]]
            self.t_rows = remap[self.t_rows]
            self.nrow -= int(gone.size)
        if drop_c.any():
            gone = self.col_of[drop_c]
            self.h.deleteCols(int(gone.size), gone.astype(np.int32))
            remap = np.arange(self.ncol) - np.cumsum(np.isin(np.arange(self.ncol), gone))
            self.in_cols[self.col_S[drop_c], self.col_j[drop_c]] = False
            keep = ~drop_c
            self.col_S, self.col_j, self.col_of = self.col_S[keep], self.col_j[keep], remap[self.col_of[keep]]
            has = self.xi_col >= 0
            self.xi_col[has] = remap[self.xi_col[has]]
            self.b_col, self.t_col = remap[self.b_col], remap[self.t_col]
            self.ncol -= int(gone.size)
        return int(drop_r.sum()), int(drop_c.sum())

    def _idle(self, keys: np.ndarray, idle: np.ndarray, which: str) -> np.ndarray:
        """Which of ``keys`` were idle at the previous :meth:`prune` too (and remember the idle ones now)."""
        before = self._idle_keys.get(which, np.zeros(0, dtype=np.int64))
        self._idle_keys[which] = np.sort(keys[idle])
        return np.isin(keys, before, assume_unique=False)

    # ------------------------------------------------------------------ epsilon in place
    def set_epsilon(self, eps: float) -> None:
        """Change ``epsilon`` on the ``t`` entries of the pair rows (the ``"shared"``/``"budget"`` kinds)."""
        e = self.cuts.pair_of[self.data.y[self.row_i], self.row_k]
        for r, c in zip(self.row_of.tolist(), self.t_col[e].tolist()):
            self.h.changeCoeff(int(r), int(c), -float(eps))

    # ------------------------------------------------------------------ solving and reading
    def run(self, algorithm: str = "dual") -> str:
        """Solve: the simplex from the previous basis (``algorithm``: ``"dual"`` after new rows, ``"primal"``
        after new columns alone) while the model is small, HiGHS's interior point method with crossover (a
        vertex, so exact row duals) once it has more than :attr:`IPM_NNZ` nonzeros."""
        self.h.setOptionValue("solver", "ipm" if self.h.getNumNz() > self.IPM_NNZ else "simplex")
        self.h.setOptionValue("simplex_strategy", 4 if algorithm == "primal" else 1)
        self.h.run()
        return self.h.modelStatusToString(self.h.getModelStatus())

    def iterations(self) -> int:
        return int(self.h.getInfo().simplex_iteration_count)

    def point(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(W, b, xi, lambda)`` of the current solution (``W`` the cut combination, uncentred)."""
        x = np.asarray(self.h.getSolution().col_value)
        lam = np.maximum(x[self.col_of], 0.0) if self.col_of.size else np.zeros(0)
        W = self.cuts.weights(self.col_S, self.col_j, lam, self.data.d)
        xi = np.zeros(self.data.n)
        has = self.xi_col >= 0
        xi[has] = x[self.xi_col[has]]
        return W, x[self.b_col], xi, lam

    def duals(self) -> tuple[np.ndarray, np.ndarray]:
        """``(alpha over the pair rows (>= 0), mu)``: ``mu`` the duals of the ``t`` rows (``blocks x E``)."""
        yd = np.asarray(self.h.getSolution().row_dual)
        alpha = np.maximum(yd[self.row_of], 0.0) if self.row_of.size else np.zeros(0)
        mu = np.maximum(yd[self.t_rows], 0.0) if self.t_rows.size else np.zeros(self.t_rows.shape)
        return alpha, mu

    def alpha_matrix(self) -> np.ndarray:
        """``alpha`` as the certificate takes it (``n x K``, zero off the working rows)."""
        a, _ = self.duals()
        out = np.zeros((self.data.n, self.data.K))
        out[self.row_i, self.row_k] = a
        return out
