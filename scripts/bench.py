#!/usr/bin/env python
"""Benchmark the exact solver against 100 torch SGD epochs (``robustcvx bench``).

    python scripts/bench.py            # every workload: results/bench.json and results/bench.md
    python scripts/bench.py --quick    # the small in-process workloads only (CI smoke)

Workloads are specs in :mod:`robustcvx.bench.workloads`; see ``--help`` for the options.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from robustcvx.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
