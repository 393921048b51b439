"""Timings of one workload: the exact solver (whole CLI process or in process), 100 torch SGD
epochs on the same objective, and a profile of where the solver's time goes.

Everything reuses the library: data through :func:`robustcvx.data.load_task`, the solver through
:func:`robustcvx.solvers.solve` / the ``robustcvx solve`` command, SGD through
:func:`robustcvx.baselines.train_baseline` (``BaselineConfig(optimizer="sgd", epochs=100,
lr=0.1, batch_size=100, device="cpu")``; its ``seconds`` is the training time, the per-epoch
float64 evaluation is timed apart in ``eval_seconds`` and not counted).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .workloads import Workload

SGD = {"optimizer": "sgd", "epochs": 100, "lr": 0.1, "batch_size": 100, "device": "cpu"}
CALIBRATION_EPOCHS = 5


def problem_for(workload: Workload, task: Any):
    """The problem ``robustcvx solve`` poses for ``workload``: binary, or Crammer--Singer for a task of three
    or more classes (then SGD below runs on the same joint objective: the Crammer--Singer SGD timer)."""
    from ..data import MulticlassTask
    from ..problems import MulticlassHingeProblem, RobustHingeProblem

    if isinstance(task, MulticlassTask):
        return MulticlassHingeProblem(task.X_train, task.y_train, **workload.problem_kwargs(),
                                      n_classes=len(task.classes))
    return RobustHingeProblem(task.X_train, task.y_train, **workload.problem_kwargs())


#: runs ``python -m robustcvx ARGS`` and, at exit, writes the process's own peak resident set
#: (``VmHWM``: the high-water mark of its address space since ``exec``) to the file in argv[1].
#: The kernel's ``ru_maxrss`` is no use here: it keeps the parent's size from ``fork``/``exec``.
_PEAK_WRAPPER = (
    "import runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "sys.argv[0] = 'robustcvx'\n"
    "try:\n"
    "    runpy.run_module('robustcvx', run_name='__main__', alter_sys=True)\n"
    "finally:\n"
    "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
    "    open(out, 'w').write(hwm[0].split()[1] if hwm else '')\n"
)


def _run_child(args: list[str], env: dict, timeout: float) -> tuple[int, str, str, float | None]:
    """Run ``python -m robustcvx ARGS``; ``(returncode, stdout, stderr, peak resident memory in MB
    or None where /proc is absent)``."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        cmd = [sys.executable, "-c", _PEAK_WRAPPER, str(peak_file), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        try:
            peak = float(peak_file.read_text()) / 1024.0          # kB
        except (OSError, ValueError):
            peak = None
    return proc.returncode, proc.stdout, proc.stderr, peak


def time_cli(workload: Workload, timeout: float = 900.0) -> dict[str, Any]:
    """Wall time and peak memory of the whole ``python -m robustcvx solve ... --json`` process (run
    through :data:`_PEAK_WRAPPER`, which adds only the read of its own peak at exit)."""
    repo = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH", "")) if p)}
    t0 = time.perf_counter()
    try:
        returncode, stdout, stderr, peak_mb = _run_child(workload.cli_args(), env, timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "timed_out": True, "error": f"unfinished after {timeout:g} s (killed)"}
    except OSError as exc:
        return {"seconds": None, "error": f"{type(exc).__name__}: {exc}"[:300]}
    seconds = time.perf_counter() - t0
    out: dict[str, Any] = {"seconds": seconds, "returncode": returncode, "peak_memory_mb": peak_mb}
    try:
        rec = json.loads(stdout.strip().splitlines()[-1]) if stdout.strip() else {}
    except (json.JSONDecodeError, IndexError):
        rec = {}
    if not rec:
        out["error"] = ("stdout is not JSON; stderr: " + stderr[-300:]).strip()
        return out
    cert = rec.get("certificate", {})
    out.update({"verified": bool(cert.get("verified")), "objective": rec.get("objective"),
                "gap": cert.get("gap"), "solver": rec.get("solver"), "tie_break": rec.get("tie_break"),
                "solve_seconds": rec.get("seconds"), "command_seconds": rec.get("total_seconds"),
                "attempts": [{k: a.get(k) for k in ("solver", "status", "verified", "seconds")}
                             for a in rec.get("attempts", [])]})
    return out


def time_api(workload: Workload, task: Any) -> dict[str, Any]:
    """:func:`robustcvx.solvers.solve` with default options on a fresh problem (data in memory)."""
    from ..solvers import solve

    problem = problem_for(workload, task)
    t0 = time.perf_counter()
    sol = solve(problem)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "verified": sol.verified, "objective": sol.objective, "gap": sol.certificate.gap,
            "solver": sol.solver, "tie_break": sol.tie_break,
            "attempts": [{k: a.get(k) for k in ("solver", "status", "verified", "seconds")} for a in sol.attempts]}


def time_sgd(problem: Any, threads: int, epochs: int = 100) -> dict[str, Any]:
    """100 epochs of minibatch SGD on ``problem``'s own objective (training time only): the binary robust
    hinge, or for a :class:`~robustcvx.problems.MulticlassHingeProblem` the joint Crammer--Singer robust
    hinge (the baselines' multiclass model, ``W`` of shape ``(K, d)``), with the same settings."""
    from ..baselines import BaselineConfig, train_baseline

    cfg = BaselineConfig(**{**SGD, "epochs": epochs}, threads=threads)
    res = train_baseline(problem, cfg, eval_data=(problem.X[:2], problem.y[:2]))
    return {"seconds": float(res.seconds), "objective": float(res.objective), "threads": threads}


def sgd_threads(problem: Any) -> dict[str, Any]:
    """The torch thread count that makes SGD fastest here (a short run with 1 and 2 threads)."""
    trials = {t: time_sgd(problem, t, CALIBRATION_EPOCHS)["seconds"] for t in (1, 2) if t <= (os.cpu_count() or 1)}
    best = min(trials, key=trials.get)
    return {"threads": best, "calibration_seconds": {str(k): v for k, v in trials.items()},
            "calibration_epochs": CALIBRATION_EPOCHS}


def profile(workload: Workload, task: Any, load_seconds: float) -> dict[str, Any]:
    """Where the solver's time goes (one in-process run): loading, the backends, the certificate
    and tie-break (the rest of ``solve``), the evaluation the CLI prints."""
    from ..fit import TaskFit
    from ..solvers import solve

    problem = problem_for(workload, task)
    t0 = time.perf_counter()
    sol = solve(problem)
    t1 = time.perf_counter()
    TaskFit(task, problem, sol).to_record()
    t2 = time.perf_counter()
    attempts = [{"solver": a.get("solver"), "status": a.get("status"), "seconds": a.get("seconds")}
                for a in sol.attempts]
    inside = sum(a["seconds"] or 0.0 for a in attempts)
    return {"load_data": load_seconds, "solve": t1 - t0, "attempts": attempts,
            "certificate_and_rest": max(t1 - t0 - inside, 0.0), "evaluation": t2 - t1}
