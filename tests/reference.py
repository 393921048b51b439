"""Independent reference implementations used by the tests (written apart from the package).

* :func:`linprog_optimum` -- the LP for the l_inf / l_1 threats (with or without the box)
  built directly as matrices and solved by ``scipy.optimize.linprog``;
* :func:`vertex_box_optimum` -- brute force for the box threat on tiny data: one constraint per
  corner of every sample's perturbation box (the worst case of a linear function over a box is a corner);
* :func:`socp_optimum` -- the l_2 threat through cvxpy's ``pos``/``norm`` atoms and Clarabel
  (a different modelling path from the package's explicit slacks);
* :func:`cvxpy_optimum` -- every problem (any threat, box, ``l1``, ``l2``, sample weights) written
  directly from the math: the penalty as a plain norm atom inside every margin constraint, the box
  penalty as an elementwise maximum, solved by Clarabel at tight tolerances;
* :func:`reference_optimum` -- ``linprog`` for the LPs, :func:`cvxpy_optimum` otherwise;
* :func:`pgd_accuracy` -- a plain projected-gradient attack in numpy.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog


def linprog_optimum(X, y, eps, norm="inf", box=None, l1=0.0):
    """Optimal value of the mean robust hinge (+ l1 ||w||_1) via linprog.

    Variables: [w+ (d), w- (d), b+, b-, xi (n), t]; w = w+ - w-, b = b+ - b-.
    Rows: -y_i x_i.(w+ - w-) - y_i (b+ - b-) + pen_i - xi_i <= -1.
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    n, d = X.shape
    nv = 2 * d + 2 + n + 1
    c = np.zeros(nv)
    c[2 * d + 2: 2 * d + 2 + n] = 1.0 / n
    c[:2 * d] += l1
    A = np.zeros((n, nv))
    yx = y[:, None] * X
    A[:, :d] = -yx
    A[:, d:2 * d] = yx
    A[:, 2 * d] = -y
    A[:, 2 * d + 1] = y
    A[:, 2 * d + 2: 2 * d + 2 + n] = -np.eye(n)
    rows = [A]
    rhs = [-np.ones(n)]
    if eps > 0 and box is not None:
        lo, hi = box
        low = np.maximum(-eps, lo - X)
        up = np.minimum(eps, hi - X)
        # pen_i = sum_j max(-y w_j low, -y w_j up): for w+ the worst is the harmful edge
        A[:, :d] += np.where(y[:, None] > 0, -low, up)
        A[:, d:2 * d] += np.where(y[:, None] > 0, up, -low)
    elif eps > 0:
        A[:, -1] = eps  # pen_i = eps * t
        T = np.zeros((2 * d if norm == "1" else 1, nv))
        if norm == "inf":        # t >= sum (w+ + w-) = ||w||_1
            T[0, :2 * d] = 1.0
            T[0, -1] = -1.0
        elif norm == "1":        # t >= w+_j + w-_j  (>= |w_j|)
            for j in range(d):
                T[j, j] = 1.0
                T[j, d + j] = 1.0
                T[j, -1] = -1.0
            T = T[:d]
        else:
            raise ValueError(norm)
        rows.append(T)
        rhs.append(np.zeros(T.shape[0]))
    res = linprog(c, A_ub=sp.csr_matrix(np.vstack(rows)), b_ub=np.concatenate(rhs),
                  bounds=[(0, None)] * nv, method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def vertex_box_optimum(X, y, eps, box):
    """Brute force: one hinge row per corner of each sample's box; free w, b."""
    X = np.asarray(X, float)
    n, d = X.shape
    lo, hi = box
    low = np.maximum(-eps, lo - X)
    up = np.minimum(eps, hi - X)
    rows, rhs = [], []
    for i in range(n):
        for corner in itertools.product((0, 1), repeat=d):
            delta = np.where(np.array(corner) == 1, up[i], low[i])
            xa = X[i] + delta
            r = np.zeros(d + 1 + n)
            r[:d] = -y[i] * xa
            r[d] = -y[i]
            r[d + 1 + i] = -1.0
            rows.append(r)
            rhs.append(-1.0)
    c = np.zeros(d + 1 + n)
    c[d + 1:] = 1.0 / n
    bounds = [(None, None)] * (d + 1) + [(0, None)] * n
    res = linprog(c, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def socp_optimum(X, y, eps, l2=0.0):
    """Mean robust hinge with the l_2 threat via cvxpy atoms and Clarabel."""
    import cvxpy as cp

    n, d = X.shape
    w, b = cp.Variable(d), cp.Variable()
    obj = cp.sum(cp.pos(1 - cp.multiply(y, X @ w + b) + eps * cp.norm(w, 2))) / n
    if l2:
        obj = obj + l2 / 2 * cp.sum_squares(w)
    prob = cp.Problem(cp.Minimize(obj))
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return float(prob.value)


def _project_l1_rows(V, radius):
    """Euclidean projection of every row of ``V`` onto the l1 ball (Duchi et al. 2008)."""
    A = np.abs(V)
    inside = A.sum(axis=1) <= radius
    U = -np.sort(-A, axis=1)
    css = np.cumsum(U, axis=1) - radius
    k = np.arange(1, V.shape[1] + 1)
    rho = (U - css / k > 0).sum(axis=1) - 1
    theta = css[np.arange(V.shape[0]), rho] / (rho + 1)
    P = np.sign(V) * np.maximum(A - theta[:, None], 0.0)
    return np.where(inside[:, None], V, P)


def pgd_accuracy(w, b, X, y, eps, norm="inf", box=None, steps=10, restarts=2, seed=0):
    """Accuracy under a projected-gradient attack that minimises y f(x + delta)."""
    rng = np.random.default_rng(seed)
    X = np.asarray(X, float)
    n = X.shape[0]
    grad = -y[:, None] * w[None, :]           # gradient of -y f wrt x (ascent on the loss)
    worst = y * (X @ w + b)
    for _ in range(restarts if norm == "inf" else 1):  # l2/l1 start at 0: one run is deterministic
        if norm == "inf":
            delta = rng.uniform(-eps, eps, size=X.shape)
        else:
            delta = np.zeros_like(X)
        for _ in range(steps):
            if norm == "inf":
                delta = np.clip(delta + eps * np.sign(grad), -eps, eps)
                if box is not None:
                    delta = np.clip(X + delta, box[0], box[1]) - X
            elif norm == "2":
                g = grad / np.maximum(np.linalg.norm(grad, axis=1, keepdims=True), 1e-300)
                delta = delta + eps * g
                nrm = np.linalg.norm(delta, axis=1, keepdims=True)
                delta = delta * np.minimum(1.0, eps / np.maximum(nrm, 1e-300))
            else:  # l1: steepest ascent puts the step on the largest-gradient coordinate
                k = np.argmax(np.abs(grad), axis=1)
                step = np.zeros_like(X)
                step[np.arange(n), k] = eps * np.sign(grad[np.arange(n), k])
                delta = _project_l1_rows(delta + step, eps)
        worst = np.minimum(worst, y * ((X + delta) @ w + b))
    return float(np.mean(worst > 0))


def cvxpy_optimum(X, y, eps=0.0, norm="inf", box=None, l1=0.0, l2=0.0, weights=None):
    """The optimal value written from the math and solved by cvxpy + Clarabel.

    ``min sum_i c_i xi_i + l1 ||w||_1 + (l2/2) ||w||_2^2`` s.t. ``xi >= 0``,
    ``xi_i >= 1 - y_i (w.x_i + b) + pen_i(w)`` with ``pen_i = eps ||w||_q`` (``q`` dual to ``norm``)
    or, with ``box = (lo, hi)``, ``pen_i = sum_j max(-y_i w_j L_ij, -y_i w_j U_ij)``.
    """
    import cvxpy as cp

    X = np.asarray(X, float)
    y = np.asarray(y, float)
    n, d = X.shape
    c = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, float) / np.sum(weights)
    w, b, xi = cp.Variable(d), cp.Variable(), cp.Variable(n)
    if box is not None and eps > 0:
        lo, hi = box
        L = np.maximum(-eps, lo - X)
        U = np.minimum(eps, hi - X)
        V = -cp.multiply(y[:, None], np.ones((n, 1)) @ cp.reshape(w, (1, d), order="C"))   # row i: -y_i w
        pen = cp.sum(cp.maximum(cp.multiply(V, L), cp.multiply(V, U)), axis=1)
    elif eps > 0:
        pen = eps * cp.norm(w, {"inf": 1, "2": 2, "1": "inf"}[norm])
    else:
        pen = 0.0
    obj = c @ xi + l1 * cp.norm1(w) + (l2 / 2) * cp.sum_squares(w)
    prob = cp.Problem(cp.Minimize(obj), [xi >= 0, xi >= 1 - cp.multiply(y, X @ w + b) + pen])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # "may be inaccurate" at these tight tolerances: 1e-9 is plenty
        prob.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11, max_iter=400)
    assert prob.status in ("optimal", "optimal_inaccurate"), prob.status
    return float(prob.value)


def reference_optimum(X, y, eps=0.0, norm="inf", box=None, l1=0.0, l2=0.0, weights=None):
    """``linprog`` (HiGHS simplex) for the unweighted LPs, :func:`cvxpy_optimum` otherwise."""
    if l2 == 0 and weights is None and (norm in ("inf", "1") or eps == 0):
        return linprog_optimum(X, y, eps, norm if eps > 0 else "inf", box if eps > 0 else None, l1)
    return cvxpy_optimum(X, y, eps, norm, box, l1, l2, weights)


# ----------------------------------------------------------------------------------------------- multiclass
def box_bounds(X, eps, box):
    """Per-sample bounds ``L <= delta <= U`` of the l_inf ball inside the box: ``L = max(-eps, lo - x)``,
    ``U = min(eps, hi - x)``."""
    lo, hi = box
    return np.maximum(-eps, lo - X), np.minimum(eps, hi - X)


def pair_penalty_numpy(v, x, eps, norm="inf", box=None):
    """``max_delta -v.delta`` over the threat set of ``x`` (closed forms, from the definition of a dual norm
    and, for the box, coordinatewise: ``max(-v_j L_j, -v_j U_j)``)."""
    v = np.asarray(v, float)
    if eps == 0:
        return 0.0
    if box is not None:
        L, U = box_bounds(np.asarray(x, float)[None, :], eps, box)
        return float(np.maximum(-v * L[0], -v * U[0]).sum())
    q = {"inf": 1, "2": 2, "1": np.inf}[norm]
    return float(eps * np.linalg.norm(v, q))


def multiclass_objective_numpy(W, b, X, y, eps=0.0, norm="inf", box=None, l1=0.0, l2=0.0, weights=None):
    """The Crammer-Singer robust objective by loops over samples and competitors (the definition)."""
    X = np.asarray(X, float)
    n, K = X.shape[0], W.shape[0]
    c = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, float) / np.sum(weights)
    total = 0.0
    for i in range(n):
        a = int(y[i])
        worst = 0.0
        for k in range(K):
            if k != a:
                v = W[a] - W[k]
                worst = max(worst, 1 - v @ X[i] - (b[a] - b[k]) + pair_penalty_numpy(v, X[i], eps, norm, box))
        total += c[i] * worst
    return total + l1 * np.abs(W).sum() + 0.5 * l2 * (W ** 2).sum()


def multiclass_cvxpy_optimum(X, y, eps=0.0, norm="inf", box=None, l1=0.0, l2=0.0, weights=None):
    """Optimal value of the Crammer-Singer robust problem from the math: one slack per sample, one
    constraint per sample and competitor with the penalty as a plain norm atom of ``w_y - w_k`` (the box:
    an elementwise maximum), Clarabel at tight tolerances."""
    import cvxpy as cp

    X = np.asarray(X, float)
    y = np.asarray(y)
    n, d = X.shape
    K = int(y.max()) + 1
    c = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, float) / np.sum(weights)
    W, b, xi = cp.Variable((K, d)), cp.Variable(K), cp.Variable(n, nonneg=True)
    cons = []
    q = {"inf": 1, "2": 2, "1": "inf"}[norm]
    if box is not None and eps > 0:
        L, U = box_bounds(X, eps, box)
    for i in range(n):
        a = int(y[i])
        for k in range(K):
            if k == a:
                continue
            v = W[a] - W[k]
            if eps == 0:
                pen = 0
            elif box is not None:
                pen = cp.sum(cp.maximum(cp.multiply(-L[i], v), cp.multiply(-U[i], v)))
            else:
                pen = eps * cp.norm(v, q)
            cons.append(xi[i] >= 1 - X[i] @ v - (b[a] - b[k]) + pen)
    obj = c @ xi + l1 * cp.sum(cp.abs(W)) + 0.5 * l2 * cp.sum_squares(W)
    prob = cp.Problem(cp.Minimize(obj), cons)
    with warnings.catch_warnings():      # "may be inaccurate" at these tolerances: the tests compare to 1e-7
        warnings.simplefilter("ignore")
        prob.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11, max_iter=500,
                   static_regularization_constant=1e-12)
    assert prob.status in ("optimal", "optimal_inaccurate"), prob.status
    return float(prob.value)


def multiclass_worst_margins_numpy(W, b, X, y, eps, norm="inf", box=None):
    """``min_k [(w_y - w_k).x + b_y - b_k - pen(w_y - w_k)]`` by loops (the definition)."""
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        a = int(y[i])
        out[i] = min((W[a] - W[k]) @ X[i] + b[a] - b[k] - pair_penalty_numpy(W[a] - W[k], X[i], eps, norm, box)
                     for k in range(W.shape[0]) if k != a)
    return out


def multiclass_pgd_accuracy(W, b, X, y, eps, norm="inf", box=None, steps=30, restarts=3, seed=0):
    """Accuracy under a projected-gradient attack on the margin ``f_y - max_{k != y} f_k`` (numpy)."""
    rng = np.random.default_rng(seed)
    X = np.asarray(X, float)
    n = X.shape[0]
    idx = np.arange(n)

    def margin(Z):
        S = Z @ W.T + b
        own = S[idx, y].copy()
        S[idx, y] = -np.inf
        return own - S.max(axis=1), S.argmax(axis=1)

    def project(D, Z0):
        if norm == "inf":
            D = np.clip(D, -eps, eps)
        elif norm == "2":
            nrm = np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-300)
            D = D * np.minimum(1.0, eps / nrm)
        else:
            D = _project_l1_rows(D, eps)
        if box is not None:
            D = np.clip(Z0 + D, box[0], box[1]) - Z0
        return D

    worst, _ = margin(X)
    step = 2.5 * eps / steps
    for _ in range(restarts):
        D = project(rng.uniform(-eps, eps, size=X.shape), X)
        for _ in range(steps):
            m, k = margin(X + D)
            worst = np.minimum(worst, m)
            g = W[k] - W[y]                         # ascent direction of -margin for the current rival
            if norm == "inf":
                D = project(D + step * np.sign(g), X)
            elif norm == "2":
                D = project(D + step * g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-300), X)
            else:
                j = np.abs(g).argmax(axis=1)
                E = np.zeros_like(D)
                E[idx, j] = np.sign(g[idx, j])
                D = project(D + step * E, X)
        worst = np.minimum(worst, margin(X + D)[0])
    return float(np.mean(worst > 0))
