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
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import measure
from .report import machine_info, summarize, write_report
from .workloads import FASHION_DIR, PROBLEMS, Workload, default_workloads

__all__ = ["FASHION_DIR", "PROBLEMS", "Workload", "default_workloads", "run_bench", "run_workload"]


def _median(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


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
    for _ in range(repeats):
        solver_runs.append(measure.time_cli(workload) if workload.mode == "cli" else measure.time_api(workload, task))
        sgd_runs.append(measure.time_sgd(problem, threads["threads"]))
    last = solver_runs[-1]
    row["solver"] = {"median": _median([r.get("seconds") for r in solver_runs]),
                     "runs": [r.get("seconds") for r in solver_runs],
                     "verified": all(r.get("verified") for r in solver_runs),
                     **{k: last.get(k) for k in ("objective", "gap", "solver", "tie_break", "attempts", "error",
                                                  "solve_seconds", "command_seconds") if k in last}}
    row["sgd"] = {"median": _median([r["seconds"] for r in sgd_runs]), "runs": [r["seconds"] for r in sgd_runs],
                  "objective": sgd_runs[-1]["objective"], **threads}
    sm, gm = row["solver"]["median"], row["sgd"]["median"]
    row["ratio"] = (sm / gm) if (sm is not None and gm) else None
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
    for w in workloads:
        log(f"== {w.name} ({w.mode})")
        report["workloads"].append(run_workload(w, repeats, log))
    report["summary"] = summarize(report["workloads"])
    report["total_seconds"] = time.perf_counter() - t0
    write_report(report, out, out.with_suffix(".md"))
    s = report["summary"]
    log(f"worst ratio {s['worst']}; every workload <= 1: {s['every_workload_not_slower_than_100_sgd_epochs']}; "
        f"every workload verified: {s['every_workload_verified']}")
    return report
