#!/usr/bin/env python
"""Benchmark the fast solver against SGD and the cvxpy references (``robustcvx bench``).

    python scripts/bench.py            # every workload, writes results/bench.json + bench_scaling.png
    python scripts/bench.py --quick    # small workloads only (CI smoke)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from robustcvx.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
