"""Benchmark (issue 13): the exact robust path over every radius against 100 torch SGD epochs at one
radius, on the same data in the same run.

    python scripts/bench_path.py --data idx:/usr/share/datasets/fashion-mnist:0,1 --epsilon 0.1 \\
        --out results/limits/bench_path.json

Times (same process, one after the other): ``robust_path`` (the l_inf threat, every breakpoint) and
``train_baseline(problem, BaselineConfig(optimizer="sgd", epochs=100, lr=0.1, batch_size=100,
device="cpu"))`` at ``--epsilon`` (its ``result.seconds``: training only).  The ratio
``sgd_seconds / path_seconds`` is the number to compare across machines; on a shared machine the
load can change between the two phases, so the process CPU times (``*_cpu_seconds``; SGD's include
its per-epoch evaluation) are recorded too.  The path's optimum at the
SGD radius (and a few others) is certified with the package's certificate and reported beside the
SGD model's objective.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from robustcvx.baselines import BaselineConfig, train_baseline
from robustcvx.data import load_task
from robustcvx.io import check_writable, write_json
from robustcvx.path import robust_path
from robustcvx.problems import RobustHingeProblem


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="idx:/usr/share/datasets/fashion-mnist:0,1")
    ap.add_argument("--epsilon", type=float, default=0.1, help="the SGD radius (default 0.1)")
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--out", default=None, help="a JSON file for the record")
    args = ap.parse_args()
    if args.out:
        check_writable(args.out)
    task = load_task(args.data)
    X, y = task.X_train, task.y_train

    t0, c0 = time.perf_counter(), time.process_time()
    path = robust_path(X, y, norm="inf")
    path_seconds, path_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"path: {path.n_breakpoints} breakpoints in {path_seconds:.1f} s ({path.method})", flush=True)

    problem = RobustHingeProblem(X, y, args.epsilon, "inf")
    c0 = time.process_time()
    sgd = train_baseline(problem, BaselineConfig(optimizer="sgd", epochs=args.epochs, lr=0.1, batch_size=100,
                                                 device="cpu"))
    sgd_cpu = time.process_time() - c0
    print(f"sgd: {args.epochs} epochs in {sgd.seconds:.1f} s", flush=True)

    radii = sorted({0.0, args.epsilon, 0.05, 0.2})
    values = [{k: v[k] for k in ("epsilon", "objective", "gap", "verified", "budget")} for v in path.values(radii)]
    at_eps = next(v for v in values if v["epsilon"] == args.epsilon)
    record = {
        "data": task.name, "n": int(X.shape[0]), "d": int(X.shape[1]), "threat": "l_inf",
        "machine": {"python": platform.python_version(), "processor": platform.processor() or platform.machine()},
        "path_seconds": path_seconds, "breakpoints": path.n_breakpoints, "homotopy_steps": path.steps,
        "lp_solves": path.solves, "path_method": path.method,
        "sgd_epsilon": args.epsilon, "sgd_epochs": args.epochs, "sgd_seconds": sgd.seconds,
        "sgd_over_path": sgd.seconds / path_seconds,
        "path_cpu_seconds": path_cpu, "sgd_cpu_seconds": sgd_cpu, "sgd_over_path_cpu": sgd_cpu / path_cpu,
        "sgd_objective": float(sgd.objective), "exact_objective": at_eps["objective"],
        "sgd_gap": float(sgd.objective - at_eps["objective"]),
        "path_values": values,
    }
    print(f"ratio sgd / path = {record['sgd_over_path']:.2f}; at eps = {args.epsilon:g}: exact "
          f"{at_eps['objective']:.6g} (verified {at_eps['verified']}), SGD {record['sgd_objective']:.6g}")
    if not all(np.isfinite([path_seconds, sgd.seconds])):
        raise SystemExit("a timing is not finite")
    if args.out:
        write_json(args.out, record)


if __name__ == "__main__":
    main()
