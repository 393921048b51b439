"""The benchmark report: summary flags over every workload, ``bench.json`` and ``bench.md``.

A flag is true only when it holds on *every* workload that was asked for; a workload that could
not be run makes the flags false (never a flag computed on a favourable subset).
"""

from __future__ import annotations

import math
import os
import platform
from importlib import metadata
from typing import Any

from ..io import write_json, write_text


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(),
                            "processor": platform.processor() or platform.machine(), "cpu_count": os.cpu_count()}
    try:
        info["load_average_at_start"] = list(os.getloadavg())
    except OSError:
        info["load_average_at_start"] = None
    for mod in ("numpy", "scipy", "highspy", "cvxpy", "clarabel", "torch"):
        try:
            info[f"{mod}_version"] = metadata.version(mod)
        except metadata.PackageNotFoundError:
            info[f"{mod}_version"] = None
    return info


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Every ratio, the worst, and the flags (true only when they hold on every workload)."""
    ratios = {r["name"]: r.get("ratio") for r in rows}
    done = [r for r in rows if r.get("ratio") is not None]
    missing = [r["name"] for r in rows if r.get("ratio") is None and r.get("ratio_exceeds") is None]
    unfinished = {r["name"]: r["ratio_exceeds"] for r in rows if r.get("ratio_exceeds") is not None}
    worst = max(done, key=lambda r: r["ratio"]) if done else None
    return {
        "ratios": ratios,
        # solves killed at their time limit: the ratio each one exceeded (they count as slower than SGD)
        "unfinished": unfinished,
        "worst": None if worst is None else {"name": worst["name"], "ratio": worst["ratio"]},
        "best": None if not done else {"name": min(done, key=lambda r: r["ratio"])["name"],
                                       "ratio": min(r["ratio"] for r in done)},
        "not_run": missing,
        "every_workload_verified": bool(rows) and not missing and not unfinished and
        all(r["solver"]["verified"] for r in rows),
        "every_workload_not_slower_than_100_sgd_epochs": bool(rows) and not missing and not unfinished and
        all(r["ratio"] <= 1.0 for r in done),
    }


def _clean(obj: Any) -> Any:
    """JSON-safe: non-finite floats become None."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item"):
        return _clean(obj.item())
    return obj


def write_report(report: dict[str, Any], json_path: Any, md_path: Any) -> None:
    write_json(json_path, _clean(report))
    write_text(md_path, markdown(report))


def _f(v: Any, fmt: str = ".2f") -> str:
    return "-" if v is None else format(v, fmt)


def _ratio(row: dict[str, Any]) -> str:
    if row.get("ratio_exceeds") is not None:
        return f"> {row['ratio_exceeds']:.3f} (unfinished)"
    return _f(row.get("ratio"), ".3f")


def markdown(report: dict[str, Any]) -> str:
    """A short human summary: every ratio, the worst one, the flags, and profiles of slow rows."""
    s = report["summary"]
    m = report["machine"]
    lines = ["# Exact solver vs 100 torch SGD epochs", "",
             f"Machine: {m['processor']}, {m['cpu_count']} cores, Python {m['python']}, "
             f"load average at start {m.get('load_average_at_start')}.  ",
             f"Command: `{report['command']}` ({report['settings']['repeats']} interleaved repeats per workload, "
             "medians).  ",
             "Solver time: `cli` rows are the whole `robustcvx solve ... --json` process (start-up, loading, "
             "solving, certificate, evaluation); `api` rows are `solve()` on data in memory.  SGD time: "
             "`train_baseline(problem, BaselineConfig(optimizer='sgd', epochs=100, lr=0.1, batch_size=100, "
             "device='cpu', threads=T))` training time on the same objective, `T` the faster of 1 and 2 torch "
             "threads in a short calibration run on that workload.  Peak memory: the largest resident set of "
             "the solver's process (`cli` rows only: `VmHWM` of that process, read at its exit).", "",
             "| workload | n x d | mode | exact solver [s] | verified | peak memory [MB] "
             "| 100 SGD epochs [s] (threads) | ratio |",
             "| --- | --- | --- | ---: | :---: | ---: | ---: | ---: |"]
    for r in report["workloads"]:
        sv, sg = r.get("solver", {}), r.get("sgd", {})
        size = f"{r['n']:,} x {r['d']:,}" if "n" in r else "-"
        lines.append(f"| {r['name']} | {size} | {r['mode']} | {_f(sv.get('median'))} | {sv.get('verified')} | "
                     f"{_f(sv.get('peak_memory_mb'), '.0f')} | {_f(sg.get('median'))} ({sg.get('threads', '-')}) | "
                     f"{_ratio(r)} |")
    worst = s["worst"]
    lines += ["", f"Worst ratio: **{_f(worst and worst['ratio'], '.3f')}** ({worst and worst['name']}); "
              f"best {_f(s['best'] and s['best']['ratio'], '.3f')} ({s['best'] and s['best']['name']}).  ",
              f"Every workload verified: **{s['every_workload_verified']}**.  ",
              f"Every workload at most as slow as 100 SGD epochs (ratio <= 1): "
              f"**{s['every_workload_not_slower_than_100_sgd_epochs']}**"
              + (f" (not run: {', '.join(s['not_run'])})" if s["not_run"] else "") + "."]
    for name, exceeds in s.get("unfinished", {}).items():
        row = next(r for r in report["workloads"] if r["name"] == name)
        lines.append(f"Unfinished: {name}, the exact solve was stopped after {row['solver']['timed_out_after']:g} s, "
                     f"so its ratio exceeds {exceeds:.3f} (it is not in the worst/best above).  ")
    slow = [r for r in report["workloads"] if r.get("ratio") is not None and r["ratio"] > 1.0]
    if slow:
        lines += ["", "## Where the time goes on the rows above 1", ""]
        for r in slow:
            p = r.get("profile", {})
            parts = ", ".join(f"{a['solver']} {_f(a.get('seconds'))} s" for a in p.get("attempts", []))
            lines.append(f"- {r['name']}: load {_f(p.get('load_data'))} s, solve {_f(p.get('solve'))} s "
                         f"({parts}; certificate and the rest {_f(p.get('certificate_and_rest'))} s), evaluation "
                         f"{_f(p.get('evaluation'))} s; process start-up and imports make up the rest of "
                         f"{_f(r['solver'].get('median'))} s.")
    return "\n".join(lines) + "\n"
