"""Benchmark: the exact solver against 100 torch SGD epochs of the same objective, in one run.

:func:`run_bench` takes a list of :class:`~.workloads.Workload` (default: the issue-11 table on
Fashion-MNIST T-shirt/Trouser through the CLI, and the same problems on the bundled MNIST 0-vs-1
sample in process).  For each workload it loads the data once (:func:`robustcvx.data.load_task`),
picks the faster torch thread count for SGD, then times the exact solver and SGD alternately
``repeats`` times (medians; alternating spreads any change in machine load over both), records a
profile of the solver's time and the ratio ``solver / SGD``.  The report (:mod:`.report`) states
every ratio, the worst, and flags that hold only if they hold on every workload.

* :mod:`.workloads` -- the workload specs;
* :mod:`.measure`   -- the timers (CLI process, ``solve()``, SGD, profile);
* :mod:`.report`    -- summary, ``bench.json`` and ``bench.md``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import measure
from .report import machine_info, summarize, write_report
from .synthetic import materialise
from .workloads import FASHION_DIR, PROBLEMS, Workload, default_workloads

__all__ = ["FASHION_DIR", "PROBLEMS", "Workload", "default_workloads", "run_bench", "run_workload"]


def _median(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def _data_megabytes(X: Any) -> float:
    """Memory of the training features as stored (CSR arrays for sparse data)."""
    if hasattr(X, "indptr"):
        return (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20
    return X.nbytes / 2**20


def run_workload(workload: Workload, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Time one workload (see the module docstring)."""
    from ..data import load_task

    row: dict[str, Any] = workload.describe()
    try:
        t0 = time.perf_counter()
        task = load_task(workload.data, download=False)
        load_seconds = time.perf_counter() - t0
    except Exception as exc:  # a missing data set is reported, not fatal
        row["error"] = f"{type(exc).__name__}: {exc}"[:300]
        log(f"  {workload.name}: not run ({row['error']})")
        return row
    problem = measure.problem_for(workload, task)
    row["n"], row["d"] = problem.n, problem.d
    row["command"] = "python -m robustcvx " + " ".join(workload.cli_args()) if workload.mode == "cli" else \
        f"solve(RobustHingeProblem(X, y, **{workload.problem_kwargs()}))"
    threads = measure.sgd_threads(problem)
    solver_runs, sgd_runs = [], []
    for _ in range(min(repeats, workload.max_repeats or repeats)):
        solver_runs.append(measure.time_cli(workload, workload.timeout) if workload.mode == "cli"
                           else measure.time_api(workload, task))
        sgd_runs.append(measure.time_sgd(problem, threads["threads"]))
    last = solver_runs[-1]
    row["solver"] = {"median": _median([r.get("seconds") for r in solver_runs]),
                     "runs": [r.get("seconds") for r in solver_runs],
                     "verified": all(r.get("verified") for r in solver_runs),
                     **{k: last.get(k) for k in ("objective", "gap", "solver", "tie_break", "attempts", "error",
                                                  "solve_seconds", "command_seconds") if k in last}}
    peaks = [r["peak_memory_mb"] for r in solver_runs if r.get("peak_memory_mb") is not None]
    if peaks:
        row["solver"]["peak_memory_mb"] = max(peaks)
    row["data_memory_mb"] = _data_megabytes(task.X_train)
    row["sgd"] = {"median": _median([r["seconds"] for r in sgd_runs]), "runs": [r["seconds"] for r in sgd_runs],
                  "objective": sgd_runs[-1]["objective"], **threads}
    sm, gm = row["solver"]["median"], row["sgd"]["median"]
    row["ratio"] = (sm / gm) if (sm is not None and gm) else None
    if any(r.get("timed_out") for r in solver_runs):
        # unfinished: no ratio, but the one it exceeded; no in-process profile (it would run unbounded)
        row["solver"]["timed_out_after"] = workload.timeout
        row["ratio_exceeds"] = workload.timeout / gm if gm else None
        log(f"  {workload.name}: exact solve unfinished after {workload.timeout:g} s, SGD {round(gm, 3)} s")
        return row
    row["profile"] = measure.profile(workload, task, load_seconds)
    log(f"  {workload.name}: exact {sm if sm is None else round(sm, 3)} s "
        f"(verified {row['solver']['verified']}), SGD {round(gm, 3)} s ({threads['threads']} thread(s)), "
        f"ratio {row['ratio'] if row['ratio'] is None else round(row['ratio'], 3)}")
    return row


def run_bench(workloads: list[Workload], out: str | Path = "results/bench.json", repeats: int = 3,
              command: str = "", log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run ``workloads``, write ``out`` (JSON) and the markdown summary beside it (``.md``); both
    are checked writable (their folder created) before any work starts."""
    from ..io import check_writable, ensure_dir

    out = Path(out).expanduser()
    ensure_dir(out.parent)
    check_writable(out)
    check_writable(out.with_suffix(".md"))
    t0 = time.perf_counter()
    report: dict[str, Any] = {"machine": machine_info(), "command": command or " ".join(sys.argv),
                              "settings": {"repeats": repeats, "sgd": measure.SGD}, "workloads": []}
    with tempfile.TemporaryDirectory(prefix="robustcvx-bench-") as scratch:
        for w in workloads:
            log(f"== {w.name} ({w.mode})")
            spec = materialise(w.data, scratch)        # synthetic data: written once, read as a user would
            row = run_workload(replace(w, data=spec), repeats, log)
            if spec != w.data:
                row["data"], row["generated_as"] = w.data, spec
            report["workloads"].append(row)
    report["summary"] = summarize(report["workloads"])
    report["total_seconds"] = time.perf_counter() - t0
    write_report(report, out, out.with_suffix(".md"))
    s = report["summary"]
    log(f"worst ratio {s['worst']}; every workload <= 1: {s['every_workload_not_slower_than_100_sgd_epochs']}; "
        f"every workload verified: {s['every_workload_verified']}")
    return report
