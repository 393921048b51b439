"""Run one cell of a sweep: the exact optimum or one baseline, on one problem, single-threaded.

A cell never raises: a failure is recorded in the row's ``error`` column, so that one bad cell does
not stop a sweep of hundreds.
"""

from __future__ import annotations

import os
import time
import traceback
from typing import Any

import numpy as np

from .grid import Cell

#: the columns of a row, in order (``gap`` is filled in when the table is written)
COLUMNS = ("key", "data", "classes", "n_train", "n_test", "d", "norm", "box", "epsilon", "l1", "l2", "method", "seed",
           "objective", "optimum", "gap", "verified", "train_accuracy", "test_accuracy", "certified_accuracy",
           "nonzeros", "seconds", "error")


def single_threaded() -> None:
    """Keep a worker to one thread (the sweep runs cells in parallel, not inside them)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:
        pass
    try:
        import torch

        torch.set_num_threads(1)
    except Exception:
        pass


def run_cell(arrays: dict, cell: Cell) -> dict:
    """The row of ``cell`` on the task ``arrays`` (``X_train``, ``y_train``, ``X_test``, ``y_test``, ``info``)."""
    from .. import metrics
    from ..certify import certified_accuracy
    from ..problems import RobustHingeProblem

    single_threaded()
    info = arrays["info"]
    row: dict[str, Any] = {c: None for c in COLUMNS}
    row.update(key=cell.key(), data=cell.data, classes=",".join(str(c) for c in info.get("classes", [])),
               n_train=info["n"], n_test=info.get("n_test"), d=info["d"], norm=cell.norm,
               box=None if cell.box is None else f"{cell.box[0]:g},{cell.box[1]:g}", epsilon=cell.epsilon,
               l1=cell.l1, l2=cell.l2, method=cell.method, seed=cell.seed, error="")   # "" until something fails
    t0 = time.perf_counter()
    try:
        problem = RobustHingeProblem(arrays["X_train"], arrays["y_train"], cell.epsilon, cell.norm, cell.box,
                                     cell.l1, cell.l2)
        if cell.method == "exact":
            from ..solvers import solve

            sol = solve(problem)
            w, b = sol.coef, sol.intercept
            row.update(objective=sol.objective, optimum=sol.objective, verified=bool(sol.verified))
            if not sol.verified:
                row["error"] = f"unverified: {sol.certificate.reason}"[:300]
        else:
            from ..baselines import BaselineConfig, train_baseline

            cfg = BaselineConfig(optimizer=cell.method, epochs=cell.epochs, lr=cell.lr, batch_size=cell.batch_size,
                                 seed=cell.seed, device="cpu")
            res = train_baseline(problem, cfg)
            w, b = res.coef, res.intercept
            row["objective"] = float(res.objective)
        Xe, ye = arrays.get("X_test"), arrays.get("y_test")
        if Xe is None:
            Xe, ye = arrays["X_train"], arrays["y_train"]
        row.update(train_accuracy=metrics.accuracy(w, b, arrays["X_train"], arrays["y_train"]),
                   test_accuracy=metrics.accuracy(w, b, Xe, ye),
                   certified_accuracy=float(certified_accuracy((w, b), Xe, ye, cell.epsilon, problem.threat)),
                   nonzeros=metrics.nonzeros(w))
    except Exception as exc:
        last = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{os.path.basename(last.filename)}:{last.lineno}"
        row["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())} ({where})"[:400]
    row["seconds"] = round(time.perf_counter() - t0, 3)
    row["error"] = row["error"] or None
    for k, v in list(row.items()):
        if isinstance(v, (np.floating, np.integer)):
            row[k] = v.item()
    return row
