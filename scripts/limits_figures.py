"""The figures of results/limits/ (issue 13): the exact robust path, and the best robust error any
classifier can reach beside the exact robust-hinge optimum and the SGD / PGD-trained models.

    python scripts/limits_figures.py --data mnist-sample:0,1 --data-dir /work/shared/data/mnist-t10k --name mnist-0-1
    python scripts/limits_figures.py --data idx:/usr/share/datasets/fashion-mnist:0,1 --name fashion-0-1 \
        --epochs 20 --pgd-epochs 3 --baseline-radii 0.1,0.2,0.3

For each data set it writes ``path_NAME.png`` (V(eps) with its breakpoints; the exact certified
test accuracy of the robust-optimal model as a function of the training radius),
``limits_NAME.png`` (robust training error against eps: the bound, the exact optimum, SGD, PGD)
and ``limits_NAME.json`` (every number in the figures).  The l_inf threat throughout.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from robustcvx.baselines import BaselineConfig, train_baseline
from robustcvx.bound import robust_error_bound
from robustcvx.certify import certified_accuracy
from robustcvx.data import load_task
from robustcvx.io import ensure_dir, savefig, write_json
from robustcvx.path import robust_path
from robustcvx.plots.base import new_figure
from robustcvx.problems import RobustHingeProblem

EVAL_RADII = (0.0, 0.05, 0.1, 0.2)
BASELINE_RADII = (0.05, 0.1, 0.2, 0.3, 0.4)
MAX_EPS = 0.5
PLOT_EPS = 0.52         # a little beyond 0.5: on [0, 1] pixels every conflict distance is at most 1


def path_figure(path, name, X_test, y_test, out):
    segs = path.segments
    lo = np.array([s.epsilon_from for s in segs])
    acc = path.certified_accuracy_by_segment(X_test, y_test, EVAL_RADII)
    grid = np.unique(np.concatenate([np.linspace(0, MAX_EPS, 2001), lo[lo <= MAX_EPS]]))
    V = path.value(grid)
    fig = new_figure((7.5, 6.5))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    ax1.plot(grid, V, color="#1f77b4", lw=1.5, label="V(ε): exact robust optimum (mean robust hinge)")
    bp = path.breakpoints[path.breakpoints <= MAX_EPS]
    ax1.plot(bp, path.value(bp), "|", color="#d62728", ms=7, alpha=0.6,
             label=f"breakpoints ({path.n_breakpoints} in all, {bp.size} shown)")
    ax1.set_ylabel("V(ε)")
    ax1.set_title(f"{name}: the exact l∞ robust path ({path.problem.n} training samples, {path.seconds:.1f} s)")
    ax1.legend(loc="lower right", fontsize=8)
    ax1.grid(alpha=0.3)
    colors = ("#404040", "#ff7f0e", "#2ca02c", "#9467bd")
    for k, e in enumerate(EVAL_RADII):
        ax2.step(np.append(lo, MAX_EPS), np.append(acc[:, k], acc[-1, k]), where="post", color=colors[k],
                 lw=1.2, label=f"certified at ε = {e:g}")
    ax2.set_xlabel("training radius ε of the robust-optimal model")
    ax2.set_ylabel("certified test accuracy")
    ax2.set_xlim(0, MAX_EPS)
    ax2.set_ylim(-0.02, 1.02)
    ax2.legend(loc="lower left", fontsize=8)
    ax2.grid(alpha=0.3)
    savefig(fig, out / f"path_{name}.png", dpi=120)
    return {"segments_epsilon_from": lo.tolist(), "certified_test_accuracy": acc.tolist(),
            "eval_radii": list(EVAL_RADII)}


def bound_curve(X, y):
    t0 = time.perf_counter()
    bound = robust_error_bound(X, y, PLOT_EPS, "inf")
    r, v = bound.curve()
    seconds = time.perf_counter() - t0
    print(f"bound: {seconds:.1f} s, {r.size} steps", flush=True)
    return {"epsilon": r.tolist(), "min_robust_error": v.tolist(), "seconds": seconds, "exact": bound.exact}


def limits_figure(path, name, X, y, epochs, out, pgd_epochs, radii):
    grid = np.linspace(0, PLOT_EPS, 209)
    exact = np.array([1.0 - certified_accuracy(path.model(e), X, y, e, "inf") for e in grid])
    base = {}
    for opt, n_epochs in (("sgd", epochs), ("pgd", pgd_epochs)):
        errs = []
        for e in radii:
            res = train_baseline(RobustHingeProblem(X, y, e, "inf"),
                                 BaselineConfig(optimizer=opt, epochs=n_epochs, lr=0.1, batch_size=100, device="cpu",
                                                threads=1))
            errs.append(1.0 - certified_accuracy((res.coef, res.intercept), X, y, e, "inf"))
        base[opt] = errs
        print(f"{opt}: robust training errors {errs}", flush=True)
    record = {"n": len(y), "bound": bound_curve(X, y),
              "exact_optimum": {"epsilon": grid.tolist(), "robust_error": exact.tolist()},
              "baselines": {"epsilon": list(radii), "epochs": {"sgd": epochs, "pgd": pgd_epochs}, **base}}
    plot_limits(record, name, out)
    return record


def plot_limits(record, name, out):
    r, v = np.array(record["bound"]["epsilon"]), np.array(record["bound"]["min_robust_error"])
    base = record["baselines"]
    fig = new_figure((7.5, 4.6))
    ax = fig.subplots()
    ax.step(np.append(r, PLOT_EPS), np.append(v, v[-1]), where="post", color="#d62728", lw=2,
            label="best possible, any classifier (exact matching bound)")
    ax.plot(record["exact_optimum"]["epsilon"], record["exact_optimum"]["robust_error"], color="#1f77b4", lw=1.5,
            label="exact robust-hinge optimum (linear, certified)")
    ax.plot(base["epsilon"], base["sgd"], "s--", color="#2ca02c",
            label=f"SGD on the robust hinge ({base['epochs']['sgd']} epochs)")
    ax.plot(base["epsilon"], base["pgd"], "^--", color="#9467bd",
            label=f"PGD adversarial training ({base['epochs']['pgd']} epochs)")
    ax.set_xlabel("radius ε (l∞)")
    ax.set_ylabel("robust training error (exact, certified)")
    ax.set_title(f"{name}: robust training error, {record['n']} samples")
    ax.set_xlim(0, PLOT_EPS)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    savefig(fig, out / f"limits_{name}.png", dpi=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--data-dir", default=None, help="where datasets are looked for (as in robustcvx solve)")
    ap.add_argument("--epochs", type=int, default=100, help="SGD epochs (default 100)")
    ap.add_argument("--pgd-epochs", type=int, default=None, help="PGD epochs (default: --epochs)")
    ap.add_argument("--baseline-radii", default=",".join(map(str, BASELINE_RADII)))
    ap.add_argument("--out", default="results/limits")
    ap.add_argument("--bound-only", action="store_true",
                    help="recompute only the bound, keep the rest of limits_NAME.json, and redraw limits_NAME.png")
    args = ap.parse_args()
    out = ensure_dir(args.out)
    task = load_task(args.data, data_dir=args.data_dir)
    if args.bound_only:
        record = json.loads((out / f"limits_{args.name}.json").read_text())
        record["limits"]["n"] = task.n
        record["limits"]["bound"] = bound_curve(task.X_train, task.y_train)
        plot_limits(record["limits"], args.name, out)
        write_json(out / f"limits_{args.name}.json", record)
        return
    path = robust_path(task.X_train, task.y_train, norm="inf")
    record = {"data": task.name, "n_train": task.n, "n_test": task.n_test, "breakpoints": path.n_breakpoints,
              "path_seconds": path.seconds, "path_method": path.method}
    print(record, flush=True)
    record["path"] = path_figure(path, args.name, task.X_test, task.y_test, out)
    print("path figure written", flush=True)
    radii = tuple(float(e) for e in args.baseline_radii.split(","))
    pgd_epochs = args.epochs if args.pgd_epochs is None else args.pgd_epochs
    record["limits"] = limits_figure(path, args.name, task.X_train, task.y_train, args.epochs, out, pgd_epochs, radii)
    write_json(out / f"limits_{args.name}.json", record)


if __name__ == "__main__":
    main()
