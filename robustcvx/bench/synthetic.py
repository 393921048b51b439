"""A synthetic sparse, text-like binary task for the benchmark (issue 14's large sparse row).

``text_like(n, d, density, seed)``: each row has ``round(density * d)`` features drawn with a
Zipf-like popularity ``p_j ∝ 1 / (j + 10)`` (a few frequent "words", a long tail), values uniform
in ``[0, 1)``, rows scaled to unit Euclidean norm (as tf-idf vectors are); the label is the sign of
a sparse linear score (200 relevant features among the 2,000 most frequent, split at its median, ties at random)
with 10 % of the labels flipped, so the data is not separable.  The spec
``synthetic-sparse:N,D,DENSITY[,SEED]`` names such a task; :func:`materialise` writes it once as an
``npz`` archive (:func:`robustcvx.data.save_npz_task`, CSR kept) and returns the ``npz:`` spec
that ``robustcvx solve`` reads, so the exact solver is timed as a user would run it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

PREFIX = "synthetic-sparse:"


def text_like(n: int, d: int, density: float, seed: int = 0, noise: float = 0.1) -> tuple[Any, np.ndarray]:
    """``(X, y)``: CSR ``n x d`` with about ``density * d`` nonzeros per row, labels -1/+1."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    per_row = max(1, round(density * d))
    p = 1.0 / (np.arange(d) + 10.0)
    p /= p.sum()
    cols = rng.choice(d, size=(n, per_row), p=p)
    vals = rng.random((n, per_row))
    X = sp.csr_matrix((vals.ravel(), (np.repeat(np.arange(n), per_row), cols.ravel())), shape=(n, d))
    X.sum_duplicates()
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = (sp.diags(1.0 / np.maximum(norms, 1e-300)) @ X).tocsr()
    w = np.zeros(d)
    w[rng.choice(min(d, 2000), min(d, 200), replace=False)] = rng.normal(size=min(d, 200))
    score = X @ w
    order = np.lexsort((rng.random(n), score))        # split at the median, ties broken at random
    y = -np.ones(n)
    y[order[n // 2:]] = 1.0
    y[rng.random(n) < noise] *= -1.0
    return X, y


def parse(spec: str) -> tuple[int, int, float, int]:
    """``synthetic-sparse:N,D,DENSITY[,SEED]`` -> ``(n, d, density, seed)``."""
    parts = spec[len(PREFIX):].split(",")
    n, d, density = int(float(parts[0])), int(float(parts[1])), float(parts[2])
    return n, d, density, int(parts[3]) if len(parts) > 3 else 0


def materialise(spec: str, folder: str | Path) -> str:
    """The ``npz:`` spec of the task ``spec`` names, written into ``folder`` if not there yet;
    other specs are returned unchanged."""
    if not spec.startswith(PREFIX):
        return spec
    from ..data import save_npz_task

    n, d, density, seed = parse(spec)
    path = Path(folder) / f"synthetic-sparse-{n}x{d}-{density:g}-{seed}.npz"
    if not path.exists():
        X, y = text_like(n, d, density, seed)
        save_npz_task(path, X, y)
    return f"npz:{path}"
