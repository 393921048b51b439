#!/usr/bin/env python
"""Benchmark the fast solver against SGD and the cvxpy references (see robustcvx/bench.py).

    python scripts/bench.py            # every workload, writes results/bench.json + bench_scaling.png
    python scripts/bench.py --quick    # small workloads only (CI smoke)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small workloads only (CI smoke)")
    ap.add_argument("--out", default="results/bench.json", help="JSON report (default results/bench.json)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per timing, median reported (default 3)")
    ap.add_argument("--max-n", type=int, default=1_000_000, help="largest synthetic n (default 1e6)")
    ap.add_argument("--no-cli", action="store_true", help="skip timing the CLI process")
    ap.add_argument("--no-reference", action="store_true", help="skip the cvxpy references")
    a = ap.parse_args(argv)
    from robustcvx.bench import run_bench

    report = run_bench(a.out, quick=a.quick, repeats=a.repeats, max_n=a.max_n, cli=not a.no_cli,
                       references=not a.no_reference)
    return 0 if all(r["fast"]["verified"] for r in report["workloads"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
