r"""The smallest robust error that any classifier, linear or not, can reach on a finite labelled set.

Against the threat ``||delta||_p <= eps``, two samples ``x, x'`` of different classes *conflict*
when ``||x - x'||_p <= 2 eps``: the midpoint is within ``eps`` of both, so a classifier is wrong
on it for one of them, whatever it is.  Every classifier therefore errs robustly on at least one
sample of each conflicting pair, i.e. on a vertex cover of the conflict graph; conversely, if the
samples left after removing a vertex cover have no conflict, the ``eps``-balls around samples of
different classes are disjoint and the classifier that labels each ball by its sample is robustly
right on all of them.  So

    min over classifiers of the robust training error = (minimum vertex cover of the conflict graph) / n.

With two classes the graph is bipartite and, by Konig's theorem, the minimum vertex cover is the
maximum matching (Bhagoji, Cullina & Mittal 2019; Pydi & Jog 2020), computed exactly here with
:func:`scipy.sparse.csgraph.maximum_bipartite_matching`.  With ``K > 2`` classes the graph is
``K``-partite: the maximum matching of any bipartite part of it (a split of the classes in two) is a
matching of the whole graph, hence a lower bound of the cover; :func:`robust_error_bound` reports
the best such split and marks the result ``exact = False`` (the exact cover is NP-hard in general).

With the l_inf ball inside the box ``[0, 1]`` nothing changes: the midpoint of two points of the
box is in the box.  The distances are computed in blocks of rows (never an ``n x n`` matrix), once:
the pairs within ``2 max(eps)`` are kept with their distance and sorted, so the matching at any
radius is that of a prefix of the list, and :meth:`RobustErrorBound.curve` finds the exact radii
where the bound changes.  Distances are float64: the l_inf distance ``max_j |x_j - x'_j|`` is
within one rounding of the exact one; the l_2 distance is computed from differences, not from the
Gram matrix, to the same accuracy.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataError, OptionError
from .validation import check_epsilons, check_features

BOUND_NORMS = ("inf", "2", "1")
BLOCK_PAIRS = 1 << 22          # pair-feature products per block of the distance computation


def parse_bound_norm(norm: Any) -> str:
    """``inf``, ``2`` or ``1`` (the same spellings as the threats)."""
    from .threats import parse_norm

    return parse_norm(norm)


def _pair_distances(A: np.ndarray, B: np.ndarray, norm: str, limit: float) -> tuple[np.ndarray, ...]:
    """``(i, j, d)`` for every pair ``(A[i], B[j])`` with ``||A[i] - B[j]||_p <= limit``, in blocks."""
    from .threats import make_threat

    threat = make_threat(0.0, norm)
    nA, nB, d = A.shape[0], B.shape[0], A.shape[1]
    rows = max(1, min(nA, BLOCK_PAIRS // max(1, nB * d)))
    cols = max(1, min(nB, BLOCK_PAIRS // max(1, rows * d)))
    out_i, out_j, out_d = [], [], []
    for r0 in range(0, nA, rows):
        a = A[r0:r0 + rows]
        for c0 in range(0, nB, cols):
            b = B[c0:c0 + cols]
            D = threat.distances(a[:, None, :] - b[None, :, :])
            ii, jj = np.nonzero(limit >= D)
            out_i.append(ii + r0)
            out_j.append(jj + c0)
            out_d.append(D[ii, jj])
    cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dtype=dt)
    return cat(out_i, np.int64), cat(out_j, np.int64), cat(out_d, np.float64)


@dataclass
class ConflictPairs:
    """Pairs of samples of two class groups within ``limit`` of each other, sorted by distance."""

    left: np.ndarray           # sample indices of the left group
    right: np.ndarray          # sample indices of the right group
    i: np.ndarray              # position in ``left`` of each pair
    j: np.ndarray              # position in ``right``
    distance: np.ndarray       # increasing

    def matching(self, epsilon: float) -> int:
        """Maximum matching of the pairs with ``distance <= 2 epsilon``."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import maximum_bipartite_matching

        k = int(np.searchsorted(self.distance, 2.0 * float(epsilon), side="right"))
        if k == 0:
            return 0
        graph = csr_matrix((np.ones(k, dtype=np.int8), (self.i[:k], self.j[:k])),
                           shape=(self.left.size, self.right.size))
        match = maximum_bipartite_matching(graph, perm_type="column")
        return int(np.count_nonzero(match >= 0))


@dataclass
class RobustErrorBound:
    """The best robust error any classifier can reach, as a function of the radius.

    ``value(eps)`` is ``matching / n``; ``exact`` is False with more than two classes (a lower
    bound, see the module docstring).
    """

    n: int
    norm: str
    classes: tuple
    parts: list                # one ConflictPairs per split of the classes
    max_epsilon: float
    exact: bool

    def matching(self, epsilon: float) -> int:
        if float(epsilon) > self.max_epsilon * (1 + 1e-12):
            raise OptionError(f"this bound was computed up to epsilon {self.max_epsilon:g}; recompute it "
                              f"with a larger max_epsilon to evaluate it at {float(epsilon):g}")
        return max((p.matching(epsilon) for p in self.parts), default=0)

    def value(self, epsilon: float) -> float:
        """The minimum fraction of samples that every classifier gets wrong under the threat."""
        return self.matching(epsilon) / self.n

    def results(self, epsilons: Any) -> list[dict]:
        """``epsilon``, ``min_robust_error``, ``matching``, ``n`` (and ``exact``) for each radius."""
        out = []
        for e in check_epsilons(epsilons):
            m = self.matching(e)
            out.append({"epsilon": float(e), "min_robust_error": m / self.n, "matching": m, "n": self.n,
                        "exact": self.exact})
        return out

    def curve(self, max_steps: int = 100_000) -> tuple[np.ndarray, np.ndarray]:
        """The exact step function on ``[0, max_epsilon]``: radii ``r_0 = 0 < r_1 < ...`` and values
        ``v_k`` on ``[r_k, r_{k+1})``; a radius is a conflict distance over two, found by bisection on
        the sorted distances (one matching per distance visited).  At most ``max_steps`` steps are
        resolved; past that, the remaining ranges are merged: the value before a merged range's right
        end is then the one at its left end, an understatement, so the curve stays a lower bound."""
        radii = np.unique(np.concatenate([p.distance for p in self.parts])) / 2.0 if self.parts else np.zeros(0)
        if radii.size == 0:
            return np.array([0.0]), np.array([0.0])
        vals: dict[int, int] = {}

        def at(k: int) -> int:
            if k not in vals:
                vals[k] = self.matching(radii[k]) if k >= 0 else 0
            return vals[k]

        jumps: list[int] = []

        def split(lo: int, hi: int) -> None:          # value at lo < value at hi: find the jumps
            if len(jumps) >= max_steps:
                jumps.append(hi)
                return
            if hi - lo == 1:
                jumps.append(hi)
                return
            mid = (lo + hi) // 2
            if at(mid) > at(lo):
                split(lo, mid)
            if at(hi) > at(mid):
                split(mid, hi)

        if at(radii.size - 1) > at(-1):
            split(-1, radii.size - 1)
        jumps = sorted(set(jumps))
        r = np.concatenate(([0.0], radii[jumps]))
        v = np.concatenate(([0.0], [at(k) for k in jumps])) / self.n
        if r.size > 1 and r[1] == 0.0:                # duplicates: a conflict at distance 0
            r, v = r[1:], v[1:]
        return r, v


def robust_error_bound(X: Any, y: Any, max_epsilon: float, norm: Any = "inf") -> RobustErrorBound:
    """The bound of the module docstring for the samples ``X`` with labels ``y`` (any class labels,
    at least two classes) against ``||delta||_norm <= eps``, for every ``eps <= max_epsilon``."""
    X = check_features(X)
    if hasattr(X, "toarray"):                  # the distances are computed on dense blocks
        X = np.asarray(X.toarray(), dtype=float)
    y = np.asarray(y).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise DataError(f"X has {X.shape[0]} samples but y has {y.shape[0]} labels: they must match")
    norm = parse_bound_norm(norm)
    max_eps = float(check_epsilons(max_epsilon).max())
    classes = tuple(np.unique(y).tolist())
    if len(classes) < 2:
        raise DataError("the bound needs samples of at least two classes")
    splits = []
    for r in range(1, len(classes) // 2 + 1):   # each split of the classes in two groups, once
        for group in itertools.combinations(classes, r):
            if len(classes) == 2 * r and classes[0] not in group:
                continue
            splits.append(set(group))
    parts = []
    for group in splits:
        left = np.flatnonzero(np.isin(y, list(group)))
        right = np.flatnonzero(~np.isin(y, list(group)))
        i, j, dist = _pair_distances(X[left], X[right], norm, 2.0 * max_eps)
        order = np.argsort(dist, kind="stable")
        parts.append(ConflictPairs(left, right, i[order], j[order], dist[order]))
    return RobustErrorBound(X.shape[0], norm, classes, parts, max_eps, exact=len(classes) == 2)


def bound_report(task: Any, epsilons: Any, norm: Any = "inf", split: str = "train") -> dict:
    """The bound on a task's ``split`` at each radius, with the whole step curve up to the largest
    (what ``robustcvx bound --json`` prints): ``data``, ``split``, ``norm``, ``n``, ``exact``,
    ``results`` (:meth:`RobustErrorBound.results`) and ``curve`` (``epsilon``, ``min_robust_error``:
    the value on ``[epsilon[k], epsilon[k + 1])``)."""
    eps = check_epsilons(epsilons)
    if split == "test":
        if task.X_test is None:
            raise DataError(f"{task.name} has no test split: use --split train")
        X, y = task.X_test, task.y_test
    else:
        X, y = task.X_train, task.y_train
    b = robust_error_bound(X, y, float(eps.max()), norm)
    r, v = b.curve()
    return {"data": task.name, "split": split, "norm": b.norm, "n": b.n, "exact": b.exact,
            "classes": [int(c) if float(c).is_integer() else float(c) for c in b.classes],
            "results": b.results(eps),
            "curve": {"epsilon": r.tolist(), "min_robust_error": v.tolist()}}
