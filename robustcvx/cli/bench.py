"""``robustcvx bench``: the exact solver against 100 torch SGD epochs of the same objective."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import OptionError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time the exact solver against 100 epochs of SGD on the same objective",
                       description="Run the benchmark workloads in one process tree on this machine and write "
                                   "the JSON report and a markdown summary (.md) beside it.")
    p.add_argument("--quick", action="store_true", help="the small in-process workloads only, one repeat (CI smoke)")
    p.add_argument("--out", default="results/bench.json", help="JSON report (default results/bench.json)")
    p.add_argument("--repeats", type=int, default=3, help="interleaved runs per timing, median reported (default 3)")
    p.add_argument("--only", default=None, metavar="TEXT", help="only the workloads whose name contains TEXT")
    p.add_argument("--fashion-dir", default=None, dest="fashion_dir", metavar="DIR",
                   help="folder with the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)")
    p.add_argument("--no-cli", action="store_true", help="time solve() in process instead of the CLI process")
    p.add_argument("--no-reference", action="store_true", help=argparse.SUPPRESS)   # accepted, kept for scripts
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..io import check_writable, ensure_dir

    if args.repeats < 1:
        raise OptionError(f"--repeats must be >= 1, got {args.repeats}")
    out = Path(args.out).expanduser()
    if not out.parent.exists() and not any(p.is_file() for p in out.parents):
        ensure_dir(out.parent)
    check_writable(out)
    check_writable(out.with_suffix(".md"))
    from ..bench import FASHION_DIR, default_workloads, run_bench

    workloads = default_workloads(args.fashion_dir or FASHION_DIR)
    if args.quick:
        workloads = [w for w in workloads if w.quick]
    if args.only:
        workloads = [w for w in workloads if args.only in w.name]
        if not workloads:
            raise OptionError(f"--only {args.only!r} matches no workload")
    if args.no_cli:
        workloads = [replace(w, mode="api") for w in workloads]
    repeats = 1 if args.quick else args.repeats
    report = run_bench(workloads, out, repeats=repeats)
    return 0 if report["summary"]["every_workload_verified"] else 1
