"""``robustcvx bench``: the fast exact solver vs the cvxpy references and 100 epochs of torch SGD."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import OptionError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time the fast exact solver against cvxpy and 100 epochs of SGD",
                       description="Run every benchmark workload in one process tree on this machine, print a "
                                   "table, and write the JSON report and bench_scaling.png beside it.")
    p.add_argument("--quick", action="store_true", help="small workloads only (CI smoke)")
    p.add_argument("--out", default="results/bench.json", help="JSON report (default results/bench.json)")
    p.add_argument("--repeats", type=int, default=3, help="runs per timing, median reported (default 3)")
    p.add_argument("--max-n", type=int, default=1_000_000, dest="max_n", help="largest synthetic n (default 1e6)")
    p.add_argument("--no-cli", action="store_true", help="skip timing the CLI process")
    p.add_argument("--no-reference", action="store_true", help="skip the cvxpy references")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..io import check_writable, ensure_dir

    if args.repeats < 1:
        raise OptionError(f"--repeats must be >= 1, got {args.repeats}")
    if args.max_n < 10_000:
        raise OptionError(f"--max-n must be >= 10000 (the smallest synthetic workload), got {args.max_n}")
    out = Path(args.out).expanduser()
    if not out.parent.exists() and not any(p.is_file() for p in out.parents):
        ensure_dir(out.parent)
    check_writable(out)
    from ..bench import run_bench

    report = run_bench(out, quick=args.quick, repeats=args.repeats, max_n=args.max_n, cli=not args.no_cli,
                       references=not args.no_reference)
    return 0 if all(r["fast"]["verified"] for r in report["workloads"]) else 1
